/**
 * How far the router simulator scales in one process: an interior whose normal listener is on real TCP (as the
 * manager, in another process, would dial it) and whose edge listener is on the in-process transport, plus N edge
 * routers (real management agent, a normal listener, one uplink connector) all in this process.
 *
 *   node --expose-gc --import tsx test/bench/sim-scale.ts [N …]      (default 1000)
 *
 * Per N it prints: time to start the N edges and time until all N uplinks are attached at the interior, RSS and
 * heap (after a GC) in total and per edge, and the time for N QUERY `router` requests to `amqp:/_edge/<id>/$management`
 * through the interior over TCP, with at most WINDOW requests in flight (BENCH_WINDOW, default 100). Memory is read
 * 1 s after the last uplink attached (the last handshakes still have frames in flight before that), after two GCs.
 * Env: BENCH_ROUNDS (default 1) repeats the query pass, e.g. 10 for the manager's ~10 requests per edge;
 * BENCH_FLAVOR qdrouterd (default) or skupper; BENCH_NO_QUERY=1 start-up only (for --cpu-prof);
 * BENCH_HEAPSNAPSHOT=<file> writes a heap snapshot after the memory reading; BENCH_RESTART=1 then restarts the
 * interior under all N edges and times their return.
 */
import rhea, { type EventContext, type Message } from 'rhea';
import { performance } from 'node:perf_hooks';
import { InProcessTransport } from '../../sim/router/in-process-transport.js';
import { SimRouter } from '../../sim/router/router.js';
import { tcpTransport } from '../../sim/router/transport.js';
import type { ConfigEntity } from '../../sim/router/contract.js';

const WINDOW = Number(process.env.BENCH_WINDOW ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const ATTACH_TIMEOUT_MS = Number(process.env.BENCH_ATTACH_TIMEOUT_MS ?? 600_000);
const FLAVOR = process.env.BENCH_FLAVOR === 'skupper' ? 'skupper' : 'qdrouterd';
const QD = FLAVOR === 'skupper' ? 'io.skupper.router.' : 'org.apache.qpid.dispatch.';

function listener(name: string, role: string): ConfigEntity {
  return { type: 'listener', attributes: { name, host: '127.0.0.1', port: '0', role, saslMechanisms: 'ANONYMOUS' } };
}

function mb(n: number): string {
  return (n / 2 ** 20).toFixed(0);
}

async function memory(): Promise<{ rss: number; heap: number; external: number; arrayBuffers: number }> {
  // twice, a turn apart: array buffers are freed by a sweeper after the collection that found them dead
  for (let i = 0; i < 2; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** A bare management client on TCP: anonymous sender, dynamic reply receiver, WINDOW requests in flight. */
async function queryAll(port: number, ids: string[]): Promise<{ ms: number; ok: number; failed: number }> {
  const container = rhea.create_container({ id: 'sim-scale-client' });
  const conn = container.connect({ host: '127.0.0.1', port, reconnect: false, idle_time_out: 0 } as never);
  const sender = conn.open_sender({ target: {} });
  const receiver = conn.open_receiver({ source: { dynamic: true } as never, credit_window: 500 });
  const replyTo = await new Promise<string>((resolve) => receiver.once('receiver_open', (ctx: EventContext) => resolve((ctx.receiver!.source as { address: string }).address)));
  await new Promise<void>((resolve) => { if (sender.sendable()) resolve(); else sender.once('sendable', () => resolve()); });
  const waiting = new Map<string, (m: Message | undefined) => void>();
  receiver.on('message', (ctx: EventContext) => {
    const f = waiting.get(String(ctx.message!.correlation_id));
    if (f) { waiting.delete(String(ctx.message!.correlation_id)); f(ctx.message); }
  });
  sender.on('released', (ctx: EventContext) => {
    const cid = String((ctx.delivery as unknown as { cid?: string }).cid);
    const f = waiting.get(cid);
    if (f) { waiting.delete(cid); f(undefined); }
  });
  let next = 0;
  let ok = 0;
  let failed = 0;
  let seq = 0;
  const t0 = performance.now();
  const work = ids.flatMap((id) => Array.from({ length: ROUNDS }, () => id));
  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const id = work[next++]!;
      const cid = `q-${++seq}`;
      const reply = await new Promise<Message | undefined>((resolve) => {
        const timer = setTimeout(() => { waiting.delete(cid); resolve(undefined); }, 30_000);
        waiting.set(cid, (m) => { clearTimeout(timer); resolve(m); });
        const d = sender.send({
          to: `amqp:/_edge/${id}/$management`, reply_to: replyTo, correlation_id: cid,
          application_properties: { operation: 'QUERY', type: 'org.amqp.management', name: 'self', entityType: QD + 'router' },
          body: { attributeNames: ['id', 'mode'] },
        });
        (d as unknown as { cid: string }).cid = cid;
      });
      const body = reply?.body as { results?: unknown[][] } | undefined;
      if (reply?.application_properties?.statusCode === 200 && body?.results?.[0]?.[0] === id) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(WINDOW, work.length) }, worker));
  const ms = performance.now() - t0;
  await new Promise<void>((resolve) => {
    conn.once('connection_close', () => resolve());
    conn.once('disconnected', () => resolve());
    conn.close();
  });
  return { ms, ok, failed };
}

async function run(n: number): Promise<void> {
  const transport = new InProcessTransport();
  const before = await memory();
  const interior = new SimRouter({
    id: 'INT', mode: 'interior', transport, flavor: FLAVOR,
    // the manager dials the normal listener from another process: real TCP; everything else stays in process
    listenerTransport: (name) => (name === 'amqp' ? tcpTransport : transport),
    config: [listener('amqp', 'normal'), listener('edge', 'edge')],
  });
  await interior.start();
  const edgePort = interior.listenerPort('edge')!;
  const edges: SimRouter[] = [];
  let attached = 0;
  const allAttached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${interior.attachedEdges().length}/${n} edges attached within ${ATTACH_TIMEOUT_MS} ms`)), ATTACH_TIMEOUT_MS);
    interior.on('edge-attached', () => {
      attached = interior.attachedEdges().length;
      if (attached === n) { clearTimeout(timer); resolve(); }
    });
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const id = `EDGE.${i + 1}`;
    const e = new SimRouter({
      id, mode: 'edge', transport, flavor: FLAVOR,
      config: [
        listener('amqp', 'normal'),
        { type: 'connector', attributes: { name: 'uplink', host: '127.0.0.1', port: String(edgePort), role: 'edge', saslMechanisms: 'ANONYMOUS' } },
      ],
    });
    edges.push(e);
    await e.start();
  }
  const started = performance.now() - t0;
  await allAttached;
  const up = performance.now() - t0;
  // the last attaches still have frames in flight: let the network settle before measuring
  await new Promise((r) => setTimeout(r, 1000));
  const mem = await memory();
  // BENCH_HEAPSNAPSHOT=file: what the N edges hold, for profiling (summarise it with any heap-snapshot reader)
  if (process.env.BENCH_HEAPSNAPSHOT) (await import('node:v8')).writeHeapSnapshot(process.env.BENCH_HEAPSNAPSHOT);
  // BENCH_NO_QUERY=1: start-up only (for profiling it)
  const q = process.env.BENCH_NO_QUERY ? { ms: 1, ok: 0, failed: 0 } : await queryAll(interior.listenerPort('amqp')!, edges.map((e) => e.id));
  // BENCH_RESTART=1: the interior restarts under all N edges; time until every uplink is attached again (the
  // edges' connectors all fail at once and redial with the default, jittered backoff)
  let restartMs: number | undefined;
  let redials = 0;
  if (process.env.BENCH_RESTART) {
    for (const e of edges) e.on('connector-dial', () => { redials++; });
    const tr = performance.now();
    await interior.faults.restart();
    await new Promise<void>((resolve) => {
      const check = (): void => { if (interior.attachedEdges().length === n) { interior.off('edge-attached', check); resolve(); } };
      interior.on('edge-attached', check);
      check();
    });
    restartMs = performance.now() - tr;
  }
  const t1 = performance.now();
  await Promise.all(edges.map((e) => e.stop()));
  await interior.stop();
  const stopMs = performance.now() - t1;
  const per = (x: number, y: number): string => ((x - y) / n / 1024).toFixed(0);
  console.log([
    `N=${n}`,
    `start ${(started / 1000).toFixed(1)} s, all uplinks attached ${(up / 1000).toFixed(1)} s`,
    `rss ${mb(mem.rss)} MB (${per(mem.rss, before.rss)} KB/edge), heap ${mb(mem.heap)} MB (${per(mem.heap, before.heap)} KB/edge), external ${mb(mem.external)} MB (before ${mb(before.external)} MB), array buffers ${mb(mem.arrayBuffers)} MB`,
    `query ${q.ok}/${n * ROUNDS} ok (${q.failed} failed) in ${(q.ms / 1000).toFixed(2)} s = ${Math.round((n * ROUNDS) / (q.ms / 1000))} req/s (window ${WINDOW})`,
    ...(restartMs === undefined ? [] : [`interior restart: all ${n} uplinks back in ${(restartMs / 1000).toFixed(1)} s, ${redials} dials`]),
    `stop ${(stopMs / 1000).toFixed(1)} s`,
  ].join('\n  '));
}

const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
for (const n of sizes.length > 0 ? sizes : [1000]) await run(n);
