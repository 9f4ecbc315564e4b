/**
 * The ceiling for the management client: a bare rhea request/response loop with the same message shapes (a
 * dynamic reply receiver, an anonymous sender with `to`, string correlation ids, management application
 * properties and bodies), but nothing else: no window bookkeeping beyond a counter, no timers, no promises, no
 * validation. Works against any management endpoint (the test responder, the simulated router, a real router).
 *
 *   node --import tsx test/bench/echo.ts            runs it against an in-process echo server
 */
import { performance } from 'node:perf_hooks';
import type { AddressInfo, Server } from 'node:net';
import { pathToFileURL } from 'node:url';
import rhea, { type EventContext, type Message, type Sender } from 'rhea';
import '../../src/router/rhea-fixes.js';
import { TYPE_PREFIX, type Flavor } from '../../src/router/protocol.js';

export type BenchKind = 'create-delete' | 'query';

export interface BenchOptions {
  window: number;
  ops: number;
  kind: BenchKind;
  flavor?: Flavor;
}

export interface BenchResult {
  label: string;
  window: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** Percentiles of latencies (ms). */
export function summarize(label: string, window: number, latencies: Float64Array, seconds: number, errors: number): BenchResult {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return { label, window, ops: latencies.length, seconds, opsPerSec: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99), errors };
}

/** The request for operation number `i` of a benchmark: CREATE/DELETE pairs of one name, or QUERYs. */
export function benchRequest(kind: BenchKind, flavor: Flavor, i: number): { applicationProperties: Record<string, unknown>; body: unknown } {
  const prefix = TYPE_PREFIX[flavor];
  if (kind === 'query') {
    return {
      applicationProperties: { operation: 'QUERY', type: 'org.amqp.management', name: 'self', entityType: `${prefix}router.config.address` },
      body: { attributeNames: ['name', 'prefix'] },
    };
  }
  const name = `bench-${i >> 1}`;
  if ((i & 1) === 0) {
    return {
      applicationProperties: { operation: 'CREATE', type: `${prefix}router.config.address`, name },
      body: { name, prefix: name, distribution: 'closest' },
    };
  }
  return { applicationProperties: { operation: 'DELETE', type: `${prefix}router.config.address`, name }, body: {} };
}

/** Runs `ops` requests with `window` in flight over one bare rhea connection. */
export function benchEcho(url: string, opts: BenchOptions): Promise<BenchResult> {
  const u = new URL(url);
  const flavor = opts.flavor ?? 'qdrouterd';
  const container = rhea.create_container({ id: 'bench-echo-client' });
  container.on('error', () => undefined);
  return new Promise<BenchResult>((resolve, reject) => {
    const conn = container.connect({ host: u.hostname, port: Number(u.port || 5672), reconnect: false });
    conn.on('disconnected', (ctx: EventContext) => reject(ctx.error ?? new Error('disconnected')));
    conn.on('connection_error', () => undefined);
    const receiver = conn.open_receiver({ source: { dynamic: true }, credit_window: Math.max(2 * opts.window, 100) } as never);
    const sender = conn.open_sender({ target: {} } as never);
    const latencies = new Float64Array(opts.ops);
    const sentAt = new Map<string, { i: number; t: number }>();
    let replyTo = '';
    let next = 0;
    let done = 0;
    let errors = 0;
    let t0 = 0;
    let waiting: number[] = [];
    let linksOpen = 0;

    // Operation i+1 of a CREATE/DELETE pair goes out only after operation i's reply (never DELETE before CREATE).
    const sendOne = (i: number) => {
      if (!sender.sendable()) { waiting.push(i); return; }
      const r = benchRequest(opts.kind, flavor, i);
      const id = `e${i}`;
      sentAt.set(id, { i, t: performance.now() });
      sender.send({ to: '$management', reply_to: replyTo, correlation_id: id, application_properties: r.applicationProperties, body: r.body });
    };
    const take = () => {
      if (next >= opts.ops) return;
      const i = next;
      next += opts.kind === 'create-delete' ? 2 : 1;
      sendOne(i);
    };
    const start = () => {
      t0 = performance.now();
      for (let k = 0; k < opts.window; k++) take();
    };
    const onOpen = () => { if (++linksOpen === 2) { replyTo = receiver.source.address; start(); } };
    receiver.on('receiver_open', onOpen);
    sender.on('sender_open', onOpen);
    sender.on('sendable', () => {
      const w = waiting;
      waiting = [];
      for (const i of w) sendOne(i);
    });
    const expected = opts.kind === 'create-delete' ? opts.ops & ~1 : opts.ops;
    receiver.on('message', (ctx: EventContext) => {
      const m = ctx.message as Message;
      const s = sentAt.get(m.correlation_id as string);
      if (!s) return;
      sentAt.delete(m.correlation_id as string);
      latencies[s.i] = performance.now() - s.t;
      const code = m.application_properties?.statusCode;
      if (typeof code !== 'number' || code < 200 || code >= 300) errors++;
      done++;
      if (opts.kind === 'create-delete' && (s.i & 1) === 0) sendOne(s.i + 1);
      else take();
      if (done === expected) {
        const seconds = (performance.now() - t0) / 1000;
        conn.removeAllListeners('disconnected');
        conn.on('disconnected', () => undefined);
        conn.close();
        resolve(summarize('bare rhea', opts.window, latencies.subarray(0, expected), seconds, errors));
      }
    });
  });
}

export interface EchoServer {
  url: string;
  stop(): Promise<void>;
}

/** A bare rhea server answering every request with 201/204/200 and a small body, as cheaply as possible. */
export async function startEchoServer(): Promise<EchoServer> {
  const container = rhea.create_container({ id: 'bench-echo-server' });
  const senders = new Map<string, Sender>();
  let seq = 0;
  for (const e of ['error', 'connection_error', 'protocol_error', 'disconnected', 'sender_error', 'receiver_error']) container.on(e, () => undefined);
  container.on('sender_open', (ctx: EventContext) => {
    if (ctx.sender!.source?.dynamic) {
      const address = `amqp:/_topo/0/ECHO/temp.${++seq}`;
      ctx.sender!.set_source({ address });
      senders.set(address, ctx.sender!);
    }
  });
  container.on('receiver_open', (ctx: EventContext) => ctx.receiver!.set_target(ctx.receiver!.target ?? {}));
  container.on('message', (ctx: EventContext) => {
    const m = ctx.message!;
    const s = senders.get(m.reply_to as string);
    if (!s) return;
    const op = m.application_properties?.operation;
    const code = op === 'CREATE' ? 201 : op === 'DELETE' ? 204 : 200;
    const body = op === 'QUERY' ? { attributeNames: ['name', 'prefix'], results: [['a', 'a'], ['b', 'b']] } : op === 'CREATE' ? m.body : {};
    s.send({ to: m.reply_to, correlation_id: m.correlation_id, application_properties: { statusCode: code, statusDescription: 'OK' }, body });
  });
  const server = container.listen({ port: 0, host: '127.0.0.1', properties: { product: 'qpid-dispatch-router' } } as never) as Server;
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    url: `amqp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startEchoServer();
  for (const window of [1, 10, 100]) {
    const r = await benchEcho(server.url, { window, ops: window === 1 ? 5000 : 20000, kind: 'create-delete' });
    console.log(`window ${window}: ${Math.round(r.opsPerSec)} ops/s, p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms`);
  }
  await server.stop();
}
