/**
 * Management client throughput and latency against any router URL, next to the bare rhea ceiling measured in the
 * same run against the same endpoint (test/bench/echo.ts).
 *
 *   node --import tsx test/bench/mgmt.ts [ops]     runs both against the in-process test responder
 *
 * Exports benchClient/printTable/runMgmtBench for `npm run bench -- mgmt` (with the simulated router).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { ManagementClient } from '../../src/router/client.js';
import type { Flavor } from '../../src/router/protocol.js';
import { Responder } from '../support/rhea-responder.js';
import { benchEcho, summarize, type BenchKind, type BenchOptions, type BenchResult } from './echo.js';

export type { BenchKind, BenchOptions, BenchResult };

/** `ops` ManagementClient operations with `window` callers in parallel (and the client's window the same). */
export async function benchClient(url: string, opts: BenchOptions): Promise<BenchResult> {
  const client = new ManagementClient({ url, window: opts.window, flavor: opts.flavor, reconnect: false, timeoutMs: 60_000 });
  await client.connect();
  const pairs = opts.kind === 'create-delete';
  const expected = pairs ? opts.ops & ~1 : opts.ops;
  const latencies = new Float64Array(expected);
  let next = 0;
  let errors = 0;
  const timed = async (i: number, op: () => Promise<unknown>) => {
    const t = performance.now();
    try { await op(); } catch { errors++; }
    latencies[i] = performance.now() - t;
  };
  const worker = async () => {
    while (next < expected) {
      const i = next;
      next += pairs ? 2 : 1;
      if (!pairs) {
        await timed(i, () => client.query('router.config.address', ['name', 'prefix'], { paging: false }));
        continue;
      }
      // Each worker does its own CREATE then DELETE, so a name is never deleted before it exists.
      const name = `bench-${i >> 1}`;
      await timed(i, () => client.create('router.config.address', name, { prefix: name, distribution: 'closest' }));
      await timed(i + 1, () => client.delete('router.config.address', name));
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: opts.window }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  return summarize('ManagementClient', opts.window, latencies, seconds, errors);
}

export interface BenchRow {
  window: number;
  ceiling: BenchResult;
  client: BenchResult;
}

export function formatTable(rows: BenchRow[], title = 'management client vs bare rhea (same endpoint, same run)'): string {
  const head = ['window', 'bare ops/s', 'client ops/s', 'ratio', 'bare p50/p99 ms', 'client p50/p99 ms', 'errors'];
  const lines = rows.map((r) => [
    String(r.window),
    String(Math.round(r.ceiling.opsPerSec)),
    String(Math.round(r.client.opsPerSec)),
    (r.client.opsPerSec / r.ceiling.opsPerSec).toFixed(2),
    `${r.ceiling.p50Ms.toFixed(2)} / ${r.ceiling.p99Ms.toFixed(2)}`,
    `${r.client.p50Ms.toFixed(2)} / ${r.client.p99Ms.toFixed(2)}`,
    String(r.client.errors + r.ceiling.errors),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
  return [title, fmt(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

export function printTable(rows: BenchRow[], title?: string): void {
  console.log(formatTable(rows, title));
}

export interface MgmtBenchOptions {
  windows?: number[];
  ops?: number;
  kind?: BenchKind;
  flavor?: Flavor;
  /** runs per window and side; the best of them counts (the machine is shared with the endpoint) */
  rounds?: number;
}

/** Ceiling and client, alternating, for each window; returns the rows (best run of each side). */
export async function runMgmtBench(url: string, o: MgmtBenchOptions = {}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const kind = o.kind ?? 'create-delete';
  // Warm both code paths up so the first measured window is not the JIT's.
  await benchEcho(url, { window: 10, ops: 2000, kind, flavor: o.flavor });
  await benchClient(url, { window: 10, ops: 2000, kind, flavor: o.flavor });
  for (const window of o.windows ?? [1, 10, 100]) {
    const ops = o.ops ?? (window === 1 ? 5000 : 20000);
    let ceiling: BenchResult | undefined;
    let client: BenchResult | undefined;
    for (let round = 0; round < (o.rounds ?? 3); round++) {
      const e = await benchEcho(url, { window, ops, kind, flavor: o.flavor });
      const c = await benchClient(url, { window, ops, kind, flavor: o.flavor });
      if (!ceiling || e.opsPerSec > ceiling.opsPerSec) ceiling = e;
      if (!client || c.opsPerSec > client.opsPerSec) client = c;
    }
    rows.push({ window, ceiling: ceiling!, client: client! });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const ops = process.argv[2] ? Number(process.argv[2]) : undefined;
  const responder = await Responder.start({ record: false });
  try {
    const rows = await runMgmtBench(responder.url, { ops });
    printTable(rows, `management client vs bare rhea, against the test responder (${ops ?? 'default'} ops per run, best of 3)`);
    for (const kind of ['query'] as const) {
      const q = await runMgmtBench(responder.url, { ops, kind, windows: [10], rounds: 2 });
      printTable(q, 'QUERY (2 rows), window 10');
    }
  } finally {
    await responder.stop();
  }
}
