/**
 * The graph stream server end to end over real WebSockets on 127.0.0.1: snapshot then deltas, coalescing, resync,
 * filters, auth, origin, limits, bad messages, heartbeat, slow clients and shutdown.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { MultiDirectedGraph } from 'graphology';
import { ManualClock } from '../../src/clock.js';
import { applyOps } from '../../src/graph/diff.js';
import type { EdgeAttributes, NodeAttributes } from '../../src/graph/types.js';
import { FilterView, MicroserviceIndex } from '../../src/stream/filter.js';
import type { ErrorMessage, GraphFilter, ServerMessage, SnapshotMessage } from '../../src/stream/protocol.js';
import { canonical, liveNetwork, RawClient, refusedStatus, startStreamServer, type TestServer } from './helpers.js';

let servers: TestServer[] = [];
let clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients) c.ws.terminate();
  clients = [];
  for (const s of servers) await s.stop();
  servers = [];
});

async function setup(opts: Partial<Parameters<typeof startStreamServer>[0]> = {}) {
  const live = liveNetwork(6);
  const s = await startStreamServer({ graph: live.graph, batchMs: 0, heartbeatMs: 0, ...opts });
  servers.push(s);
  return { ...live, s };
}

function connect(url: string, opts: ConstructorParameters<typeof RawClient>[1] = {}): RawClient {
  const c = new RawClient(url, opts);
  clients.push(c);
  return c;
}

const expectType = <T extends ServerMessage['type']>(m: ServerMessage, type: T): Extract<ServerMessage, { type: T }> => {
  assert.equal(m.type, type, `expected ${type}, got ${JSON.stringify(m).slice(0, 300)}`);
  return m as Extract<ServerMessage, { type: T }>;
};

function copyOf(snap: SnapshotMessage) {
  const g = new MultiDirectedGraph<NodeAttributes, EdgeAttributes>({ allowSelfLoops: false });
  g.import(snap.graph);
  return g;
}

function filtered(live: ReturnType<typeof liveNetwork>, f: GraphFilter) {
  return canonical(JSON.parse(new FilterView(f, live.graph.graph, new MicroserviceIndex(live.graph.graph)).serialize()));
}

function flipRouter(live: ReturnType<typeof liveNetwork>, id: string): void {
  const p = live.net.observed.routers.get(id)!;
  live.net.observed.routers.set(id, { ...p, reachable: !p.reachable });
  live.update();
}

describe('graph stream', () => {
  it('sends a snapshot on connect, then deltas that keep a copy equal to the graph', async () => {
    const live = await setup();
    const c = connect(live.s.url);
    const snap = expectType(await c.next(), 'snapshot');
    assert.equal(snap.reason, 'connect');
    assert.equal(snap.version, 1);
    assert.equal(snap.seq, live.graph.seq);
    assert.deepEqual(snap.filter, {});
    const copy = copyOf(snap);
    assert.deepEqual(canonical(copy), canonical(live.graph.graph));
    flipRouter(live, 'agent-1');
    flipRouter(live, 'agent-2');
    const d1 = expectType(await c.next(), 'delta');
    const d2 = expectType(await c.next(), 'delta');
    assert.deepEqual([d1.from, d1.seq, d2.from, d2.seq], [snap.seq + 1, snap.seq + 1, snap.seq + 2, snap.seq + 2]);
    assert.ok(d1.ops.some((o) => o.key === 'router:agent-1' && o.op === 'mergeNodeAttributes'));
    applyOps(copy, d1.ops);
    applyOps(copy, d2.ops);
    assert.deepEqual(canonical(copy), canonical(live.graph.graph));
    assert.equal(live.s.stream.clientCount(), 1);
  });

  it('coalesces the batches of batchMs into one delta covering their range', async () => {
    const clock = new ManualClock();
    const live = await setup({ batchMs: 50, clock });
    const c = connect(live.s.url);
    const snap = expectType(await c.next(), 'snapshot');
    flipRouter(live, 'agent-1');
    flipRouter(live, 'agent-1');
    flipRouter(live, 'agent-3');
    assert.equal(c.pendingCount(), 0);
    clock.advance(50);
    const d = expectType(await c.next(), 'delta');
    assert.deepEqual([d.from, d.seq], [snap.seq + 1, snap.seq + 3]);
    const copy = copyOf(snap);
    applyOps(copy, d.ops);
    assert.deepEqual(canonical(copy), canonical(live.graph.graph));
  });

  it('answers resync with a snapshot at the current seq', async () => {
    const live = await setup();
    const c = connect(live.s.url);
    expectType(await c.next(), 'snapshot');
    flipRouter(live, 'agent-1');
    expectType(await c.next(), 'delta');
    c.send({ type: 'resync' });
    const again = expectType(await c.next(), 'snapshot');
    assert.equal(again.reason, 'resync');
    assert.equal(again.seq, live.graph.seq);
    flipRouter(live, 'agent-1');
    assert.equal(expectType(await c.next(), 'delta').from, again.seq + 1);
  });

  it('filters by application, agent and kinds, from the URL and by message, folding emptied ranges', async () => {
    const live = await setup();
    const byAgent = connect(`${live.s.url}?agent=agent-1`);
    const routers = connect(`${live.s.url}?kinds=edge-router,interior-router`);
    const app = connect(`${live.s.url}?application=app`);
    const snapA = expectType(await byAgent.next(), 'snapshot');
    assert.deepEqual(snapA.filter, { agent: 'agent-1' });
    assert.deepEqual(canonical(snapA.graph), filtered(live, { agent: 'agent-1' }));
    const snapR = expectType(await routers.next(), 'snapshot');
    assert.deepEqual(snapR.filter, { kinds: ['edge-router', 'interior-router'] });
    assert.ok(snapR.graph.nodes.every((n) => n.attributes!.kind.endsWith('router')));
    const snapApp = expectType(await app.next(), 'snapshot');
    assert.deepEqual(canonical(snapApp.graph), filtered(live, { application: 'app' }));
    // agent-4 is outside agent-1's view: that batch is folded into the next delta's range
    flipRouter(live, 'agent-4');
    flipRouter(live, 'agent-1');
    const d = expectType(await byAgent.next(), 'delta');
    assert.deepEqual([d.from, d.seq], [snapA.seq + 1, snapA.seq + 2]);
    const copyA = copyOf(snapA);
    applyOps(copyA, d.ops);
    assert.deepEqual(canonical(copyA), filtered(live, { agent: 'agent-1' }));
    const dr = [expectType(await routers.next(), 'delta'), expectType(await routers.next(), 'delta')];
    assert.deepEqual(dr.map((x) => x.from), [snapR.seq + 1, snapR.seq + 2]);
    // a new filter by message: a snapshot under it, then its deltas
    app.send({ type: 'filter', filter: { application: 'app', kinds: ['microservice'] } });
    let m = await app.next();
    while (m.type === 'delta') m = await app.next();
    const refiltered = expectType(m, 'snapshot');
    assert.equal(refiltered.reason, 'filter');
    assert.deepEqual(refiltered.filter, { application: 'app', kinds: ['microservice'] });
    assert.deepEqual(canonical(refiltered.graph), filtered(live, { application: 'app', kinds: ['microservice'] }));
    assert.ok(refiltered.graph.edges.every((e) => e.attributes!.kind === 'route'));
  });

  it('refuses a bad filter in the URL with HTTP 400', async () => {
    const live = await setup();
    assert.equal(await refusedStatus(connect(`${live.s.url}?kinds=router`)), 400);
    assert.equal(await refusedStatus(connect(`${live.s.url}?colour=blue`)), 400);
    assert.equal(await refusedStatus(connect(`${live.s.url}?application=`)), 400);
  });

  it('requires the token by header, query or subprotocol when one is set', async () => {
    const live = await setup({ token: 's3cret' });
    assert.equal(await refusedStatus(connect(live.s.url)), 401);
    assert.equal(await refusedStatus(connect(live.s.url, { headers: { Authorization: 'Bearer wrong' } })), 401);
    assert.equal(await refusedStatus(connect(`${live.s.url}?token=wrong`)), 401);
    const header = connect(live.s.url, { headers: { Authorization: 'Bearer s3cret' } });
    expectType(await header.next(), 'snapshot');
    const query = connect(`${live.s.url}?token=s3cret&agent=agent-1`);
    assert.deepEqual(expectType(await query.next(), 'snapshot').filter, { agent: 'agent-1' });
    const proto = connect(live.s.url, { protocols: ['ecn.graph.v1', 'bearer.s3cret'] });
    expectType(await proto.next(), 'snapshot');
    assert.equal(proto.ws.protocol, 'ecn.graph.v1');
    const protoOnly = connect(live.s.url, { protocols: ['bearer.s3cret'] });
    expectType(await protoOnly.next(), 'snapshot');
  });

  it('refuses a foreign Origin with HTTP 403 and accepts its own and listed ones', async () => {
    const live = await setup({ allowedOrigins: ['https://viewer.example'] });
    assert.equal(await refusedStatus(connect(live.s.url, { origin: 'https://evil.example' })), 403);
    expectType(await connect(live.s.url, { origin: `http://127.0.0.1:${live.s.port}` }).next(), 'snapshot');
    expectType(await connect(live.s.url, { origin: 'https://viewer.example' }).next(), 'snapshot');
    expectType(await connect(live.s.url).next(), 'snapshot');
  });

  it('closes a client whose message is too large with 1009', async () => {
    const live = await setup({ maxMessageBytes: 1024 });
    const c = connect(live.s.url);
    expectType(await c.next(), 'snapshot');
    c.send({ type: 'resync', pad: 'x'.repeat(2000) });
    assert.equal((await c.closed).code, 1009);
  });

  for (const [what, msg, code, field] of [
    ['not JSON', '{resync', 'ECN_STREAM_BAD_MESSAGE', /not JSON/],
    ['an unknown type', { type: 'subscribe' }, 'ECN_STREAM_BAD_MESSAGE', /"subscribe"/],
    ['an extra key', { type: 'resync', now: true }, 'ECN_STREAM_BAD_MESSAGE', /unknown field 'now'/],
    ['a bad filter', { type: 'filter', filter: { kinds: ['router'] } }, 'ECN_STREAM_BAD_FILTER', /filter\.kinds\[0\]: 'router'/],
    ['an unknown filter key', { type: 'filter', filter: { app: 'x' } }, 'ECN_STREAM_BAD_FILTER', /unknown field 'app'/],
  ] as const) {
    it(`answers ${what} with an error naming it and closes only that client (4400)`, async () => {
      const live = await setup();
      const bad = connect(live.s.url);
      const good = connect(live.s.url);
      expectType(await bad.next(), 'snapshot');
      const snap = expectType(await good.next(), 'snapshot');
      bad.send(msg);
      const e = expectType(await bad.next(), 'error') as ErrorMessage;
      assert.equal(e.code, code);
      assert.match(e.message, field);
      assert.ok(e.hint);
      assert.equal((await bad.closed).code, 4400);
      flipRouter(live, 'agent-2');
      assert.equal(expectType(await good.next(), 'delta').from, snap.seq + 1);
      assert.equal(live.s.stream.clientCount(), 1);
    });
  }

  it('terminates a client that stops answering pings, and keeps one that answers', async () => {
    const clock = new ManualClock();
    const live = await setup({ heartbeatMs: 1000, clock });
    const dead = connect(live.s.url, { autoPong: false });
    const alive = connect(live.s.url);
    expectType(await dead.next(), 'snapshot');
    expectType(await alive.next(), 'snapshot');
    const pinged = new Promise((resolve) => alive.ws.once('ping', resolve));
    clock.advance(1000); // ping; both are marked unanswered
    await pinged;
    // the pong went out before this resync: once its snapshot is back, the server has seen the pong
    alive.send({ type: 'resync' });
    expectType(await alive.next(), 'snapshot');
    clock.advance(1000); // dead has not answered: terminated
    assert.equal((await dead.closed).code, 1006);
    assert.equal(live.s.stream.clientCount(), 1);
    assert.equal(alive.ws.readyState, alive.ws.OPEN);
  });

  it('skips deltas for a client whose buffer is full and sends it a snapshot once it drains', async () => {
    const live = await setup({ maxBufferedBytes: 1 });
    const c = connect(live.s.url);
    const snap = expectType(await c.next(), 'snapshot');
    // hold everything the server writes to this client in its socket buffer
    const socket = live.s.sockets[0]!;
    (socket as unknown as { cork(): void }).cork();
    flipRouter(live, 'agent-1'); // sent into the held buffer
    flipRouter(live, 'agent-2'); // buffer past 1 byte: skipped
    flipRouter(live, 'agent-3'); // skipped
    (socket as unknown as { uncork(): void }).uncork();
    const d = expectType(await c.next(), 'delta');
    assert.equal(d.from, snap.seq + 1);
    const again = expectType(await c.next(), 'snapshot');
    assert.equal(again.reason, 'slow-client');
    assert.equal(again.seq, snap.seq + 3);
    assert.deepEqual(canonical(again.graph), canonical(live.graph.graph));
  });

  it('serializes a snapshot once per (seq, filter) and shares it', async (t) => {
    const live = await setup();
    const serialize = t.mock.method(FilterView.prototype, 'serializeBuffer');
    const a = connect(live.s.url);
    const b = connect(`${live.s.url}?kinds=agent`);
    const c = connect(live.s.url);
    const d = connect(`${live.s.url}?kinds=agent`);
    const [sa, sb, sc, sd] = [await a.next(), await b.next(), await c.next(), await d.next()];
    assert.deepEqual(sa, sc);
    assert.deepEqual(sb, sd);
    assert.notDeepEqual(sa, sb);
    assert.equal(serialize.mock.callCount(), 2);
    flipRouter(live, 'agent-1');
    await Promise.all([a.next(), c.next()]);
    a.send({ type: 'resync' });
    c.send({ type: 'resync' });
    assert.deepEqual(await a.next(), await c.next());
    assert.equal(serialize.mock.callCount(), 3);
  });

  it('on close sends ECN_STREAM_SHUTDOWN and closes every client with 1001', async () => {
    const live = await setup();
    const a = connect(live.s.url);
    const b = connect(`${live.s.url}?agent=agent-1`);
    expectType(await a.next(), 'snapshot');
    expectType(await b.next(), 'snapshot');
    await live.s.stream.close();
    for (const c of [a, b]) {
      const e = expectType(await c.next(), 'error');
      assert.equal(e.code, 'ECN_STREAM_SHUTDOWN');
      assert.equal((await c.closed).code, 1001);
    }
    assert.equal(live.s.stream.clientCount(), 0);
    flipRouter(live, 'agent-1'); // no listener left: nothing happens
  });
});


