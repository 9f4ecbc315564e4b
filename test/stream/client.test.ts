/**
 * GraphClient: follows a real stream (copy equal to the filtered graph), resyncs on a gap, survives bad server
 * messages, reports refusals and unreachable servers with codes, and reconnects with backoff.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ManualClock } from '../../src/clock.js';
import { GraphClient } from '../../src/stream/client.js';
import { FilterView, MicroserviceIndex } from '../../src/stream/filter.js';
import type { StreamError } from '../../src/stream/messages.js';
import { canonical, liveNetwork, startStreamServer, type TestServer } from './helpers.js';

let cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

function client(): GraphClient {
  const c = new GraphClient();
  cleanup.push(() => c.close());
  return c;
}

async function server(opts: Partial<Parameters<typeof startStreamServer>[0]> = {}): Promise<{ live: ReturnType<typeof liveNetwork>; s: TestServer }> {
  const live = liveNetwork(5);
  const s = await startStreamServer({ graph: live.graph, batchMs: 0, heartbeatMs: 0, ...opts });
  cleanup.push(() => s.stop());
  return { live, s };
}

/** A scripted server: sends what the test says, records what the client sends. */
async function fakeServer(onConnect: (send: (m: unknown) => void, received: unknown[]) => void): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    const received: unknown[] = [];
    ws.on('message', (d) => { received.push(JSON.parse(String(d))); ws.emit('received'); });
    onConnect((m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)), received);
  });
  cleanup.push(() => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(resolve); }));
  return `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/graph`;
}

const snapshot = (seq: number, nodes: unknown[] = []) => ({ type: 'snapshot', version: 1, seq, reason: 'connect', filter: {}, graph: { options: { type: 'directed', multi: true, allowSelfLoops: false }, attributes: {}, nodes, edges: [] } });
const node = (key: string, state = 'up') => ({ key, attributes: { kind: 'agent', label: key, state, desired: true, observed: true, counters: {}, details: {} } });

describe('GraphClient', () => {
  it('keeps a copy equal to the filtered graph through deltas, with a token and a filter', async () => {
    const { live, s } = await server({ token: 't0k' });
    const c = client();
    const snap = await c.connect(s.url, { token: 't0k', filter: { agent: 'agent-1' } });
    assert.equal(snap.reason, 'connect');
    const expected = () => canonical(JSON.parse(new FilterView({ agent: 'agent-1' }, live.graph.graph, new MicroserviceIndex(live.graph.graph)).serialize()));
    assert.deepEqual(canonical(c.graph), expected());
    const delta = once(c, 'delta');
    const p = live.net.observed.routers.get('agent-1')!;
    live.net.observed.routers.set('agent-1', { ...p, reachable: false });
    live.update();
    const [d] = await delta;
    assert.ok(d.ops.length > 0);
    assert.equal(c.seq, live.graph.seq);
    assert.deepEqual(canonical(c.graph), expected());
    assert.equal(c.graph.getNodeAttribute('router:agent-1', 'state'), 'down');
    // a new filter: the copy is replaced by the server's snapshot under it
    const next = once(c, 'snapshot');
    c.setFilter({ kinds: ['agent'] });
    assert.equal((await next)[0].reason, 'filter');
    assert.equal(c.graph.order, 5);
    assert.equal(c.graph.size, 0);
  });

  it('asks for a resync when a delta does not follow, and ignores deltas until the snapshot', async () => {
    let sendNow: (m: unknown) => void = () => undefined;
    let got: unknown[] = [];
    const url = await fakeServer((send, received) => { sendNow = send; got = received; send(snapshot(5, [node('agent:a')])); });
    const c = client();
    await c.connect(url);
    const gap = once(c, 'gap');
    sendNow({ type: 'delta', from: 7, seq: 7, ops: [{ op: 'dropNode', key: 'agent:a' }] });
    assert.deepEqual((await gap)[0], { expected: 6, from: 7 });
    while (got.length === 0) await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [{ type: 'resync' }]);
    sendNow({ type: 'delta', from: 8, seq: 8, ops: [{ op: 'dropNode', key: 'agent:a' }] }); // ignored: waiting for the snapshot
    const snap = once(c, 'snapshot');
    sendNow({ ...snapshot(9, [node('agent:a'), node('agent:b')]), reason: 'resync' });
    await snap;
    const d = once(c, 'delta');
    sendNow({ type: 'delta', from: 10, seq: 10, ops: [{ op: 'mergeNodeAttributes', key: 'agent:b', attributes: { state: 'down' } }] });
    await d;
    assert.equal(c.seq, 10);
    assert.deepEqual(c.graph.nodes(), ['agent:a', 'agent:b']);
    assert.equal(c.graph.getNodeAttribute('agent:b', 'state'), 'down');
  });

  it('reports a bad server message as an error event and resyncs, without crashing', async () => {
    let sendNow: (m: unknown) => void = () => undefined;
    const url = await fakeServer((send) => { sendNow = send; send(snapshot(1, [node('agent:a')])); });
    const quiet = client();
    await quiet.connect(url); // no error listener: must not throw
    const c = client();
    await c.connect(url);
    const errors: StreamError[] = [];
    c.on('error', (e) => errors.push(e));
    const first = once(c, 'error');
    sendNow({ type: 'delta', from: 2, seq: 2, ops: [{ op: 'renameNode', key: 'agent:a' }] });
    await first;
    sendNow('not json');
    sendNow({ type: 'snapshot', version: 1, seq: 3, reason: 'connect', filter: { app: 'x' }, graph: { nodes: [], edges: [] } });
    while (errors.length < 3) await once(c, 'error');
    assert.deepEqual(errors.map((e) => e.code), ['ECN_STREAM_BAD_MESSAGE', 'ECN_STREAM_BAD_MESSAGE', 'ECN_STREAM_BAD_FILTER']);
    assert.match(errors[0]!.message, /delta\.ops\[0\]\.op "renameNode"/);
    assert.equal(c.seq, 1);
    assert.deepEqual(c.graph.nodes(), ['agent:a']);
  });

  it('rejects with coded errors when refused or unreachable', async () => {
    const { s } = await server({ token: 't0k' });
    const e1 = await client().connect(s.url).catch((e: StreamError) => e);
    assert.equal((e1 as StreamError).code, 'ECN_STREAM_UNAUTHORIZED');
    assert.equal((e1 as StreamError).status, 401);
    const e2 = await client().connect(s.url, { token: 't0k', filter: { kinds: ['nope' as 'agent'] } }).catch((e: StreamError) => e);
    assert.equal((e2 as StreamError).code, 'ECN_STREAM_BAD_FILTER');
    const port = s.port;
    await s.stop();
    cleanup.pop();
    const e3 = await client().connect(`ws://127.0.0.1:${port}/graph`).catch((e: StreamError) => e);
    assert.equal((e3 as StreamError).code, 'ECN_STREAM_UNREACHABLE');
  });

  it('reconnects with backoff after the connection drops', async () => {
    const clock = new ManualClock();
    const { live, s } = await server();
    const c = client();
    await c.connect(s.url, { reconnect: { initialMs: 100, maxMs: 1000 }, clock });
    const closed = once(c, 'close');
    s.sockets[0]!.destroy();
    assert.equal((await closed)[0].reconnecting, true);
    const p = live.net.observed.routers.get('agent-2')!;
    live.net.observed.routers.set('agent-2', { ...p, reachable: false });
    live.update();
    const snap = once(c, 'snapshot');
    clock.advance(100);
    await snap;
    assert.equal(c.seq, live.graph.seq);
    assert.equal(c.graph.getNodeAttribute('router:agent-2', 'state'), 'down');
  });
});
