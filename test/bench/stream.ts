/**
 * `npm run bench -- stream`: the graph stream at scale. A 10,000-agent synthetic link graph (ECN_BENCH_STREAM_AGENTS)
 * is served to 100 WebSocket subscribers (ECN_BENCH_SUBSCRIBERS) that run in a worker thread, as remote viewers
 * would (they only note when each message arrived; they do not parse snapshots). Measured:
 *   - serializing the whole graph, cold and after one change (the per-element JSON cache);
 *   - connecting 100 subscribers to a tiny view;
 *   - all 100 switching to the whole graph at once: until the server has queued the snapshot for every one
 *     (serialized once, the same bytes 100 times), and until every subscriber has received it;
 *   - 50 single changes: fan-out latency from the graph's change event to the last subscriber receiving the delta.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

interface Arrival { client: number; kind: 'snapshot' | 'delta' | 'other'; seq: number; bytes: number; t: number }

const now = (): number => performance.timeOrigin + performance.now();

/**
 * The worker's code (plain JS, so the worker needs no TypeScript loader): opens n subscribers when told, reports
 * every arrival with its time.
 */
const SUBSCRIBERS = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const WebSocket = require(workerData.wsPath);
const now = () => performance.timeOrigin + performance.now();
const sockets = [];
parentPort.on('message', (m) => {
  if (m === 'connect') {
    for (let i = 0; i < workerData.n; i++) {
      const ws = new WebSocket(workerData.url + '?kinds=interior-router', { perMessageDeflate: false, maxPayload: 1 << 30 });
      ws.on('message', (data) => {
        const t = now();
        const head = data.subarray(0, 64).toString('latin1');
        const kind = head.startsWith('{"type":"snapshot"') ? 'snapshot' : head.startsWith('{"type":"delta"') ? 'delta' : 'other';
        const seq = Number((/"seq":(\\d+)/.exec(head) || [])[1] ?? -1);
        parentPort.postMessage({ client: i, kind, seq, bytes: data.length, t });
      });
      sockets.push(ws);
    }
  } else if (m === 'refilter') {
    for (const ws of sockets) ws.send('{"type":"filter","filter":{}}');
  } else if (m === 'close') {
    for (const ws of sockets) ws.terminate();
    parentPort.close();
  }
});
`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export async function benchStream(): Promise<void> {
  const { LinkGraph, syntheticNetwork } = await import('../../src/graph/index.js');
  const { createGraphStream } = await import('../../src/stream/graph-stream.js');
  const { FilterView, JsonCache, MicroserviceIndex } = await import('../../src/stream/filter.js');
  const agents = Number(process.env.ECN_BENCH_STREAM_AGENTS ?? 10_000);
  const n = Number(process.env.ECN_BENCH_SUBSCRIBERS ?? 100);
  const changes = 50;

  const net = syntheticNetwork(agents);
  const graph = new LinkGraph();
  graph.update(net);
  // serializing the whole graph: cold (every element stringified) and warm (one router changed since)
  const cache = new JsonCache(graph.graph);
  const whole = new FilterView({}, graph.graph, new MicroserviceIndex(graph.graph));
  let t = performance.now();
  whole.serializeBuffer(cache);
  const cold = performance.now() - t;
  const flip = (id: string) => {
    const p = net.observed.routers.get(id)!;
    net.observed.routers.set(id, { ...p, reachable: !p.reachable });
    cache.invalidate(graph.update(net));
  };
  flip('agent-1');
  t = performance.now();
  whole.serializeBuffer(cache);
  const warm = performance.now() - t;
  flip('agent-1');

  const changedAt = new Map<number, number>();
  graph.on('change', (_batch, seq) => { changedAt.set(seq, now()); }); // before the stream's listener
  const stream = createGraphStream({ graph, batchMs: 0 });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => stream.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graph`;

  const wsPath = createRequire(import.meta.url).resolve('ws');
  const worker = new Worker(SUBSCRIBERS, { eval: true, workerData: { url, n, wsPath } });
  const waiters: Array<{ test: (a: Arrival) => boolean; resolve: () => void }> = [];
  const arrivals: Arrival[] = [];
  worker.on('message', (a: Arrival) => {
    arrivals.push(a);
    for (const w of [...waiters]) if (w.test(a)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  });
  const untilCount = (pred: (a: Arrival) => boolean, count: number) => new Promise<void>((resolve) => {
    let seen = arrivals.filter(pred).length;
    if (seen >= count) return resolve();
    waiters.push({ test: (a) => pred(a) && ++seen >= count, resolve });
  });

  // 1. connections: 100 subscribers of a tiny view (the interior router), so that connecting is measured alone
  const t0 = now();
  worker.postMessage('connect');
  await untilCount((a) => a.kind === 'snapshot', n);
  const connected = Math.max(...arrivals.map((a) => a.t)) - t0;

  // 2. all 100 switch to the whole graph at once: the server serializes it once and queues the same bytes 100 times
  const bigSends: number[] = [];
  const wsProto = (await import('ws')).WebSocket.prototype as unknown as { send: (data: unknown, ...rest: unknown[]) => void };
  const send = wsProto.send;
  wsProto.send = function (this: unknown, data: unknown, ...rest: unknown[]) {
    if (Buffer.isBuffer(data) && data.length > 1 << 20) bigSends.push(now());
    return send.call(this, data, ...rest);
  };
  const before = arrivals.length;
  const t1 = now();
  worker.postMessage('refilter');
  await untilCount((a) => a.kind === 'snapshot' && a.bytes > 1 << 20, n);
  wsProto.send = send;
  const snaps = arrivals.slice(before).filter((a) => a.kind === 'snapshot');
  const queued = Math.max(...bigSends) - t1;
  const firstSnapshot = Math.min(...snaps.map((a) => a.t)) - t1;
  const allSnapshots = Math.max(...snaps.map((a) => a.t)) - t1;
  const bytes = snaps[0]!.bytes;

  // 3. single changes, one at a time: change event → the last subscriber has the delta
  const latencies: number[] = [];
  const updates: number[] = [];
  for (let i = 0; i < changes; i++) {
    const id = `agent-${(i * 7919) % agents}`;
    const p = net.observed.routers.get(id)!;
    net.observed.routers.set(id, { ...p, reachable: !p.reachable });
    const u = performance.now();
    graph.update(net);
    updates.push(performance.now() - u);
    const seq = graph.seq;
    await untilCount((a) => a.kind === 'delta' && a.seq === seq, n);
    const last = Math.max(...arrivals.filter((a) => a.kind === 'delta' && a.seq === seq).map((a) => a.t));
    latencies.push(last - changedAt.get(seq)!);
  }
  const deltaBytes = arrivals.find((a) => a.kind === 'delta')?.bytes ?? 0;

  worker.postMessage('close');
  await stream.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await worker.terminate();

  const f = (x: number) => `${x.toFixed(1)} ms`;
  const rows: Array<[string, string]> = [
    ['graph', `${agents} agents: ${graph.graph.order} nodes, ${graph.graph.size} edges`],
    ['snapshot size', `${(bytes / 2 ** 20).toFixed(1)} MiB`],
    ['serialize the whole graph: cold / warm (1 router changed)', `${f(cold)} / ${f(warm)}`],
    [`${n} subscribers connected, each with a (tiny) snapshot`, f(connected)],
    [`whole-graph snapshot for all ${n} at once: serialized once, queued ${n}× (server side)`, f(queued)],
    [`snapshot: first of ${n} subscribers received it`, f(firstSnapshot)],
    [`snapshot: all ${n} subscribers received it (${((bytes * n) / 2 ** 30).toFixed(2)} GiB over loopback)`, f(allSnapshots)],
    [`fan-out of ${changes} single changes to ${n}: p50`, f(pct(latencies, 50))],
    ['fan-out p99', f(pct(latencies, 99))],
    ['fan-out max', f(Math.max(...latencies))],
    ['delta size (one router down/up)', `${deltaBytes} B`],
    ['LinkGraph.update per change (not in the fan-out), p50', f(pct(updates, 50))],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log('| measure'.padEnd(w + 2) + ' | value |\n|' + '-'.repeat(w + 2) + '|-------|');
  for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`);
}
