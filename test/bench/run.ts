/**
 * `npm run bench [-- NAME …]`: the benchmarks. Each prints a table and the machine it ran on; performance targets
 * are judged here, as ratios measured in the same run, never in the unit tests.
 *
 *   converge  the manager at 1,000 and 10,000 agents (ECN_BENCH_AGENTS=…): cold convergence, no-op resync, one
 *             change, RSS
 *   stream the link graph over WebSocket: 100 subscribers of a 10,000-agent graph, time to all snapshots and the
 *          fan-out latency of single changes (test/bench/stream.ts)
 *   viewer the browser viewer in headless chromium at 1,000 and 10,000 agents (ECN_BENCH_VIEWER_AGENTS=…): load,
 *          change → page latency, frame intervals while changes stream in (test/bench/viewer.ts)
 *   mgmt   management client ops/s and p50/p99 against a simulated router (in its own process, as a real router
 *          would be), next to a bare rhea client against the same router and a bare rhea echo: the ceilings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { childEntry } from './child-entry.js';
import { startEchoServer } from './echo.js';
import { formatTable, runMgmtBench } from './mgmt.js';
import { benchConverge } from './converge.js';
import { benchStream } from './stream.js';
import { benchViewer } from './viewer.js';

const BIN = childEntry(import.meta.url, '../../src/cli/bin');

function machine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'unknown cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

async function startSimRouterProcess(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...BIN, 'sim-router', '--mode', 'interior', '--id', 'BENCH', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ECN_LOG_LEVEL: 'warn' },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('sim-router did not start within 30 s')), 30_000);
    createInterface({ input: child.stdout! }).once('line', (l) => { clearTimeout(t); resolve(l); });
    child.once('exit', (code) => reject(new Error(`sim-router exited with ${code}`)));
  });
  const ready = JSON.parse(line) as { ports: { amqp: number } };
  return { url: `amqp://127.0.0.1:${ready.ports.amqp}`, child };
}

async function benchMgmt(): Promise<void> {
  console.log(`# mgmt benchmark\nmachine: ${machine()}\n`);
  const windows = [1, 10, 100];
  // 1. The ceiling: a bare rhea request/response echo on this machine, and the client against the same echo server.
  const echo = await startEchoServer();
  try {
    for (const kind of ['create-delete', 'query'] as const) {
      const rows = await runMgmtBench(echo.url, { windows, kind, rounds: 3 });
      console.log(formatTable(rows, `${kind === 'query' ? 'QUERY' : 'CREATE+DELETE'} against a bare rhea echo server (ceiling), best of 3: client / bare rhea client`));
      console.log();
    }
  } finally {
    await echo.stop();
  }
  // 2. The simulated router in its own process, as a real router would be: what the simulator itself costs.
  const { url, child } = await startSimRouterProcess();
  try {
    for (const kind of ['create-delete', 'query'] as const) {
      const rows = await runMgmtBench(url, { windows, kind, rounds: 3 });
      console.log(formatTable(rows, `${kind === 'query' ? 'QUERY' : 'CREATE+DELETE'} router.config.address against \`ecn sim-router\` (separate process), best of 3`));
      console.log();
    }
  } finally {
    child.kill('SIGTERM');
  }
}

/** The heap limit deploy/base/manager.yaml gives the manager (NODE_OPTIONS): the converge bench runs under it too. */
const MANAGER_HEAP_MB = 320;

async function benchConvergeAll(): Promise<void> {
  if (!process.execArgv.some((a) => a.startsWith('--max-old-space-size'))) {
    // V8 takes its heap limit at start: run this benchmark in a process started with the manager's
    const child = spawn(process.execPath, [`--max-old-space-size=${MANAGER_HEAP_MB}`, ...process.execArgv, fileURLToPath(import.meta.url), 'converge'], { stdio: 'inherit' });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the converge benchmark exited with ${code}`);
    return;
  }
  console.log(`# converge benchmark\nmachine: ${machine()}, manager heap limit ${process.execArgv.find((a) => a.startsWith('--max-old-space-size'))?.split('=')[1]} MB (as deployed)`);
  const sizes = (process.env.ECN_BENCH_AGENTS ?? '1000,10000').split(',').map(Number).filter((x) => x > 0);
  for (const n of sizes) await benchConverge(n);
}

async function benchStreamAll(): Promise<void> {
  console.log(`# stream benchmark\nmachine: ${machine()}\n`);
  await benchStream();
}

async function benchViewerAll(): Promise<void> {
  console.log(`# viewer benchmark\nmachine: ${machine()}\n`);
  await benchViewer((process.env.ECN_BENCH_VIEWER_AGENTS ?? '1000,10000').split(',').map(Number).filter((x) => x > 0));
}

const BENCHES: Record<string, () => Promise<void>> = { mgmt: benchMgmt, converge: benchConvergeAll, stream: benchStreamAll, viewer: benchViewerAll };

const names = process.argv.slice(2);
for (const n of names) {
  if (!BENCHES[n]) {
    console.error(`unknown benchmark '${n}': choose from ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
}
for (const n of names.length > 0 ? names : Object.keys(BENCHES)) await BENCHES[n]!();
