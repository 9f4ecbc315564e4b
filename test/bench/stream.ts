/**
 * `npm run bench -- stream`: the graph stream at scale. A 10,000-agent synthetic link graph (ECN_BENCH_STREAM_AGENTS)
 * is served to 100 WebSocket subscribers (ECN_BENCH_SUBSCRIBERS), once with plain JSON snapshots and once with
 * `?encoding=gzip`. The subscribers run in 2 worker threads (half each), so that receiving and parsing happen on
 * both cores next to the server's thread, as remote viewers would do it on their own machines. Measured:
 *   (a) building the whole-graph snapshot on the server: the JSON from the element cache (cold: every element
 *       stringified; warm: one router changed since), and its gzip at levels 1–3 in the thread pool, with the longest
 *       event-loop stall meanwhile; in the stream, the build times the server reports (onSnapshotBuilt);
 *   (b) all 100 subscribers switching to the whole graph at once: until every one has the complete snapshot message
 *       (its bytes; nobody parses in this round);
 *   (c) all 100 asking for a resync after a change, each parsing the snapshot as it arrives (gunzip + JSON.parse for
 *       gzip, JSON.parse for plain): until every one has parsed it;
 *   and the fan-out of 50 single changes: the change event → the last subscriber receiving the delta (p50/p99).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SnapshotBuildStats } from '../../src/stream/graph-stream.js';

interface Arrival { client: string; kind: 'snapshot' | 'delta' | 'other'; seq: number; bytes: number; t: number; parsedAt?: number; parseMs?: number; nodes?: number }

const now = (): number => performance.timeOrigin + performance.now();

/**
 * The workers' code (plain JS, so a worker needs no TypeScript loader): opens its subscribers when told, reports
 * every message's arrival; in a parsing round it also gunzips/parses each snapshot on arrival and reports when done.
 */
const SUBSCRIBERS = `
const { parentPort, workerData } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const { gunzipSync } = require('node:zlib');
const WebSocket = require(workerData.wsPath);
const now = () => performance.timeOrigin + performance.now();
const sockets = [];
let parse = false;
parentPort.on('message', (m) => {
  if (m.type === 'connect') {
    for (let i = 0; i < workerData.n; i++) {
      const id = workerData.name + '/' + i;
      const ws = new WebSocket(workerData.url + '?kinds=interior-router' + (workerData.encoding === 'gzip' ? '&encoding=gzip' : ''), { perMessageDeflate: false, maxPayload: 1 << 30 });
      ws.on('message', (data, isBinary) => {
        const t = now();
        if (isBinary || data.subarray(0, 18).toString('latin1') === '{"type":"snapshot"') {
          const a = { client: id, kind: 'snapshot', seq: -1, bytes: data.length, t };
          if (parse) {
            const msg = JSON.parse(isBinary ? gunzipSync(data).toString('utf8') : data.toString('utf8'));
            a.parsedAt = now();
            a.parseMs = a.parsedAt - t;
            a.nodes = msg.graph.nodes.length;
            a.seq = msg.seq;
          }
          parentPort.postMessage(a);
          return;
        }
        const head = data.subarray(0, 64).toString('latin1');
        const kind = head.startsWith('{"type":"delta"') ? 'delta' : 'other';
        const seq = Number((/"seq":(\\d+)/.exec(head) || [])[1] ?? -1);
        parentPort.postMessage({ client: id, kind, seq, bytes: data.length, t });
      });
      sockets.push(ws);
    }
  } else if (m.type === 'send') {
    parse = m.parse;
    for (const ws of sockets) ws.send(m.text);
  } else if (m.type === 'close') {
    for (const ws of sockets) ws.terminate();
    parentPort.close();
  }
});
`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const median = (xs: number[]) => pct(xs, 50);

export async function benchStream(): Promise<void> {
  const { LinkGraph, syntheticNetwork } = await import('../../src/graph/index.js');
  const { createGraphStream } = await import('../../src/stream/graph-stream.js');
  const { FilterView, JsonCache, MicroserviceIndex } = await import('../../src/stream/filter.js');
  const { deflateShared } = await import('../../src/stream/gzip-snapshot.js');
  const agents = Number(process.env.ECN_BENCH_STREAM_AGENTS ?? 10_000);
  const n = Number(process.env.ECN_BENCH_SUBSCRIBERS ?? 100);
  const workers = 2;
  const changes = 50;
  const f = (x: number) => `${x.toFixed(1)} ms`;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const rows: Array<[string, string]> = [];

  const net = syntheticNetwork(agents);
  const graph = new LinkGraph();
  graph.update(net);
  rows.push(['graph', `${agents} agents: ${graph.graph.order} nodes, ${graph.graph.size} edges`]);
  const flip = (id: string) => {
    const p = net.observed.routers.get(id)!;
    net.observed.routers.set(id, { ...p, reachable: !p.reachable });
    return graph.update(net);
  };

  // ---------------------------------------------------------------- (a) building a snapshot, in process
  {
    const cache = new JsonCache(graph.graph);
    const whole = new FilterView({}, graph.graph, new MicroserviceIndex(graph.graph));
    let t = performance.now();
    whole.serializeBuffer(cache);
    const cold = performance.now() - t;
    const warm: number[] = [];
    let body: Buffer = Buffer.alloc(0);
    for (let i = 0; i < 5; i++) {
      cache.invalidate(flip('agent-1'));
      t = performance.now();
      body = whole.serializeBuffer(cache);
      warm.push(performance.now() - t);
    }
    rows.push(['(a) JSON of the whole graph: size', mib(body.length)]);
    rows.push(['(a) JSON build: cold (every element stringified) / warm (1 router changed), median of 5', `${f(cold)} / ${f(median(warm))}`]);
    for (const level of [1, 2, 3]) {
      const times: number[] = [];
      let size = 0;
      const stall = monitorEventLoopDelay({ resolution: 1 });
      stall.enable();
      for (let i = 0; i < 5; i++) {
        t = performance.now();
        size = (await deflateShared(body, level)).deflated.length;
        times.push(performance.now() - t);
      }
      stall.disable();
      rows.push([`(a) gzip level ${level} in the thread pool (+ CRC-32 on the loop): size, time (median of 5), longest loop stall`, `${mib(size)} (${(body.length / size).toFixed(1)}×), ${f(median(times))}, ${f(stall.max / 1e6)}`]);
    }
  }

  // ---------------------------------------------------------------- the stream
  const changedAt = new Map<number, number>();
  graph.on('change', (_batch, seq) => { changedAt.set(seq, now()); }); // before the stream's listener
  const builds: SnapshotBuildStats[] = [];
  const stream = createGraphStream({ graph, batchMs: 0, onSnapshotBuilt: (s) => builds.push(s) });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => stream.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graph`;
  const wsPath = createRequire(import.meta.url).resolve('ws');
  // when the server hands each big snapshot to ws (queued for the socket)
  const bigSends: number[] = [];
  const wsProto = (await import('ws')).WebSocket.prototype as unknown as { send: (data: unknown, ...rest: unknown[]) => void };
  const origSend = wsProto.send;
  wsProto.send = function (this: unknown, data: unknown, ...rest: unknown[]) {
    if (Buffer.isBuffer(data) && data.length > 10_000) bigSends.push(now());
    return origSend.call(this, data, ...rest);
  };

  for (const encoding of ['json', 'gzip'] as const) {
    const tag = encoding === 'gzip' ? 'gzip' : 'plain';
    const arrivals: Arrival[] = [];
    const waiters: Array<{ test: (a: Arrival) => boolean; resolve: () => void }> = [];
    const ws = Array.from({ length: workers }, (_, w) => {
      const worker = new Worker(SUBSCRIBERS, { eval: true, workerData: { url, n: Math.floor(n / workers) + (w < n % workers ? 1 : 0), wsPath, encoding, name: `w${w}` } });
      worker.on('message', (a: Arrival) => {
        arrivals.push(a);
        for (const x of [...waiters]) if (x.test(a)) { waiters.splice(waiters.indexOf(x), 1); x.resolve(); }
      });
      return worker;
    });
    const untilCount = (pred: (a: Arrival) => boolean, count: number) => new Promise<void>((resolve) => {
      let seen = arrivals.filter(pred).length;
      if (seen >= count) return resolve();
      waiters.push({ test: (a) => pred(a) && ++seen >= count, resolve });
    });
    const post = (m: unknown) => { for (const w of ws) w.postMessage(m); };
    const loop = monitorEventLoopDelay({ resolution: 1 });

    // connect to a tiny view (the interior router), so that the big snapshot is measured alone
    post({ type: 'connect' });
    await untilCount((a) => a.kind === 'snapshot', n);

    // (b) all switch to the whole graph at once; nobody parses
    flip('agent-2'); // a new seq: the snapshot is built for this round
    let from = arrivals.length;
    builds.length = 0;
    bigSends.length = 0;
    loop.reset();
    loop.enable();
    let t0 = now();
    post({ type: 'send', text: '{"type":"filter","filter":{}}', parse: false });
    const fresh = (a: Arrival) => a.kind === 'snapshot' && arrivals.indexOf(a) >= from;
    await untilCount(fresh, n);
    loop.disable();
    let snaps = arrivals.slice(from).filter((a) => a.kind === 'snapshot');
    const bytes = snaps[0]!.bytes;
    const build = (enc: string) => builds.filter((b) => b.encoding === enc && Object.keys(b.filter).length === 0).map((b) => b.ms);
    rows.push([`${tag}: snapshot message size (× ${n} = over loopback)`, `${mib(bytes)} (${(bytes * n / 2 ** 30).toFixed(2)} GiB)`]);
    rows.push([`${tag}: (a) server build in the stream: JSON${encoding === 'gzip' ? ' + gzip' : ''}`, encoding === 'gzip' ? `${f(build('json')[0] ?? NaN)} + ${f(build('gzip')[0] ?? NaN)}` : f(build('json')[0] ?? NaN)]);
    rows.push([`${tag}: (b) request → server handed the snapshot to all ${n} sockets`, f(Math.max(...bigSends) - t0)]);
    rows.push([`${tag}: (b) request → first / all ${n} subscribers have the complete message`, `${f(Math.min(...snaps.map((a) => a.t)) - t0)} / ${f(Math.max(...snaps.map((a) => a.t)) - t0)}`]);
    rows.push([`${tag}: (b) server event loop: longest stall during the round`, f(loop.max / 1e6)]);

    // (c) after a change, all ask for a resync and parse the snapshot as it arrives
    flip('agent-3');
    await untilCount((a) => a.kind === 'delta' && a.seq === graph.seq, n);
    from = arrivals.length;
    builds.length = 0;
    t0 = now();
    post({ type: 'send', text: '{"type":"resync"}', parse: true });
    await untilCount((a) => a.kind === 'snapshot' && a.parsedAt !== undefined, n);
    snaps = arrivals.slice(from).filter((a) => a.kind === 'snapshot' && a.parsedAt !== undefined);
    if (snaps.some((a) => a.nodes !== graph.graph.order || a.seq !== graph.seq)) throw new Error('a subscriber parsed a wrong snapshot');
    rows.push([`${tag}: (c) request → all ${n} have the message / have parsed it (${encoding === 'gzip' ? 'gunzip + ' : ''}JSON.parse, on arrival)`, `${f(Math.max(...snaps.map((a) => a.t)) - t0)} / ${f(Math.max(...snaps.map((a) => a.parsedAt!)) - t0)}`]);
    rows.push([`${tag}: (c) one subscriber's parse, median (${n / workers} per worker thread, in turn)`, f(median(snaps.map((a) => a.parseMs!)))]);

    // fan-out of single changes, one at a time
    const latencies: number[] = [];
    for (let i = 0; i < changes; i++) {
      flip(`agent-${(i * 7919) % agents}`);
      const seq = graph.seq;
      await untilCount((a) => a.kind === 'delta' && a.seq === seq, n);
      const last = Math.max(...arrivals.filter((a) => a.kind === 'delta' && a.seq === seq).map((a) => a.t));
      latencies.push(last - changedAt.get(seq)!);
    }
    rows.push([`${tag}: delta fan-out of ${changes} single changes to ${n}: p50 / p99 / max`, `${f(pct(latencies, 50))} / ${f(pct(latencies, 99))} / ${f(Math.max(...latencies))}`]);

    post({ type: 'close' });
    await Promise.all(ws.map((w) => w.terminate()));
    while (stream.clientCount() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  wsProto.send = origSend;
  await stream.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const w = Math.max(...rows.map((r) => r[0].length));
  console.log('| measure'.padEnd(w + 2) + ' | value |\n|' + '-'.repeat(w + 2) + '|-------|');
  for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`);
}
