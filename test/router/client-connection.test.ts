/**
 * Connection life cycle: connect failures, disconnects, reconnect with backoff on a manual clock (new reply
 * address, queued requests carried over), giving up, connect timeout, close.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { ManagementClient, type ConnectedEvent, type DisconnectedEvent, type ManagementClientOptions, type ReconnectingEvent } from '../../src/router/client.js';
import { nextEvent, rejection, track } from '../support/deadline.js';
import { Responder, type ResponderOptions } from '../support/rhea-responder.js';

const open: Array<{ close(): Promise<void> } | Responder | net.Server> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) {
    if (x instanceof Responder) await x.stop();
    else if (x instanceof net.Server) await new Promise((r) => x.close(r));
    else await x.close();
  }
});

async function responder(o: ResponderOptions = {}): Promise<Responder> {
  const r = await Responder.start(o);
  open.push(r);
  return r;
}

function client(o: ManagementClientOptions): ManagementClient {
  const c = new ManagementClient(o);
  open.push(c);
  return c;
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('connecting', () => {
  it('rejects connect() with ECN_CONNECT naming host:port and the cause; queued requests fail the same way', async () => {
    const port = await freePort();
    const c = client({ url: `amqp://127.0.0.1:${port}` });
    const early = c.read('listener', 'x');
    const err = await rejection(c.connect());
    assert.equal(err.code, 'ECN_CONNECT');
    assert.match(err.message, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    assert.match(String(err.hint), /nothing accepts connections/);
    const e2 = await rejection(early);
    assert.equal(e2.code, 'ECN_CONNECT');
    assert.match(e2.message, /^READ listener 'x' on .*cannot connect/);
    assert.equal(c.state, 'idle');
  });

  it('connects on the first request when nobody called connect()', async () => {
    const r = await responder();
    const c = client({ url: r.url });
    assert.equal(c.state, 'idle');
    assert.equal((await c.read('listener', 'a')).name, 'a');
    assert.equal(c.state, 'ready');
  });

  it('keeps retrying the first connection with backoff when asked to', async () => {
    const clock = new ManualClock();
    const port = await freePort();
    const c = client({ url: `amqp://127.0.0.1:${port}`, clock, retryInitialConnect: true, reconnect: { initialDelayMs: 100, maxDelayMs: 1000 } });
    const connecting = track(c.connect());
    const [first] = await nextEvent<[ReconnectingEvent]>(c, 'reconnecting');
    assert.equal(first.attempt, 1);
    assert.equal(first.delayMs, 100);
    assert.match(first.error.message, /ECONNREFUSED/);
    const second = nextEvent<[ReconnectingEvent]>(c, 'reconnecting');
    clock.advance(100);
    assert.equal((await second)[0].delayMs, 200);
    await responder({ port });
    const connected = nextEvent<[ConnectedEvent]>(c, 'connected');
    clock.advance(200);
    const [ev] = await connected;
    assert.equal(ev.reconnected, false);
    await connecting.promise;
    assert.equal(c.stats().connectFailures, 2);
  });

  it('gives up after a connect timeout when the peer never speaks AMQP', async () => {
    const silent = net.createServer((s) => { s.on('error', () => undefined); open.push({ close: async () => { s.destroy(); } }); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    open.push(silent);
    const clock = new ManualClock();
    const c = client({ url: `amqp://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, clock, connectTimeoutMs: 3000 });
    const p = track(c.connect());
    await new Promise((r) => setImmediate(r));
    clock.advance(3000);
    const err = await rejection(p.promise);
    assert.equal(err.code, 'ECN_CONNECT');
    assert.match(err.message, /not connected within 3000 ms/);
  });

  it('reports a failed flavor probe as a connect failure', async () => {
    const r = await responder({ product: null, handler: () => ({ kind: 'reply', statusCode: 500, statusDescription: 'agent broken' }) });
    const c = client({ url: r.url });
    const err = await rejection(c.connect());
    assert.equal(err.code, 'ECN_CONNECT');
    assert.match(err.message, /cannot tell the router flavor: GET-TYPES .*500 agent broken/);
  });
});

describe('disconnect and reconnect', () => {
  it('fails requests on the wire, keeps queued ones, reconnects with a new reply address and sends them', async () => {
    const clock = new ManualClock();
    const r = await responder({ handler: () => ({ kind: 'hold' }) });
    const c = client({ url: r.url, clock, window: 2, reconnect: { initialDelayMs: 100 } });
    const events: string[] = [];
    c.on('connected', (e) => events.push(`connected ${e.reconnected}`));
    c.on('disconnected', (e) => events.push(`disconnected ${e.reconnecting}`));
    c.on('reconnecting', (e) => events.push(`reconnecting ${e.attempt} ${e.delayMs}`));
    await c.connect();
    const firstAddress = c.replyAddress;
    const calls = Array.from({ length: 5 }, (_, i) => track(c.read('listener', `l${i}`)));
    await r.waitFor(() => r.held.length === 2, 'a full window');

    const down = nextEvent<[DisconnectedEvent]>(c, 'disconnected');
    r.dropConnections();
    const [ev] = await down;
    assert.equal(ev.reconnecting, true);
    for (const i of [0, 1]) {
      const err = await rejection(calls[i]!.promise);
      assert.equal(err.code, 'ECN_MGMT_DISCONNECTED');
      assert.match(String(err.hint), /may or may not have carried the request out/);
    }
    assert.equal(c.state, 'backoff');
    assert.equal(c.stats().queued, 3);
    assert.ok(calls.slice(2).every((x) => !x.isSettled()));

    r.handler = undefined; // answer normally from now on
    r.held = [];
    const up = nextEvent<[ConnectedEvent]>(c, 'connected');
    clock.advance(100);
    const [again] = await up;
    assert.equal(again.reconnected, true);
    assert.notEqual(again.replyAddress, firstAddress);
    assert.deepEqual((await Promise.all(calls.slice(2).map((x) => x.promise))).map((a) => a.name), ['l2', 'l3', 'l4']);
    const resent = r.requests.filter((q) => q.connection === 2);
    assert.deepEqual(resent.map((q) => q.applicationProperties.name), ['l2', 'l3', 'l4']);
    assert.ok(resent.every((q) => q.replyTo === again.replyAddress));
    assert.equal((await c.read('listener', 'after')).name, 'after');
    assert.deepEqual(events, ['connected false', 'disconnected true', 'reconnecting 1 100', 'connected true']);
    assert.equal(c.stats().disconnects, 1);
    assert.equal(c.stats().connects, 2);
  });

  it('reconnects after the router closes the connection with an error', async () => {
    const clock = new ManualClock();
    const r = await responder({ handler: (q) => (q.applicationProperties.name === 'bye' ? { kind: 'close', condition: 'amqp:internal-error', description: 'router restarting' } : undefined) });
    const c = client({ url: r.url, clock, reconnect: { initialDelayMs: 50 } });
    await c.connect();
    const down = nextEvent<[DisconnectedEvent]>(c, 'disconnected');
    const err = await rejection(c.read('listener', 'bye'));
    assert.equal(err.code, 'ECN_MGMT_DISCONNECTED');
    assert.match((await down)[0].error.message, /amqp:internal-error: router restarting/);
    const up = nextEvent(c, 'connected');
    clock.advance(50);
    await up;
    assert.equal((await c.read('listener', 'x')).name, 'x');
  });

  it('treats a detached reply link as a lost connection and reconnects', async () => {
    const clock = new ManualClock();
    const r = await responder();
    const c = client({ url: r.url, clock, reconnect: { initialDelayMs: 10 } });
    await c.connect();
    const down = nextEvent<[DisconnectedEvent]>(c, 'disconnected');
    r.detachReplyLinks('amqp:resource-deleted', 'link gone');
    assert.match((await down)[0].error.message, /reply link detached with an error: amqp:resource-deleted link gone/);
    await r.waitFor(() => r.openConnections === 0, 'the old connection to close');
    const up = nextEvent<[ConnectedEvent]>(c, 'connected');
    clock.advance(10);
    await up;
    assert.equal((await c.read('listener', 'x')).name, 'x');
  });

  it('without reconnect, fails everything pending and connects afresh on the next request', async () => {
    const r = await responder({ handler: () => ({ kind: 'hold' }) });
    const c = client({ url: r.url, window: 1, reconnect: false });
    await c.connect();
    const a = c.read('listener', 'a');
    const b = c.read('listener', 'b');
    await r.waitFor(() => r.held.length === 1, 'the first request');
    const down = nextEvent<[DisconnectedEvent]>(c, 'disconnected');
    r.dropConnections();
    assert.equal((await down)[0].reconnecting, false);
    assert.equal((await rejection(a)).code, 'ECN_MGMT_DISCONNECTED');
    assert.equal((await rejection(b)).code, 'ECN_MGMT_DISCONNECTED');
    assert.equal(c.state, 'idle');
    r.handler = undefined;
    assert.equal((await c.read('listener', 'c')).name, 'c');
    assert.equal(r.connectionsAccepted, 2);
  });

  it('gives up after maxAttempts failed reconnects and fails the queue with ECN_CONNECT', async () => {
    const clock = new ManualClock();
    const r = await responder({ handler: () => ({ kind: 'hold' }) });
    const c = client({ url: r.url, clock, window: 1, reconnect: { initialDelayMs: 10, maxAttempts: 2 } });
    await c.connect();
    const a = c.read('listener', 'a');
    const b = c.read('listener', 'b');
    await r.waitFor(() => r.held.length === 1, 'the first request');
    const retry1 = nextEvent<[ReconnectingEvent]>(c, 'reconnecting');
    await r.stop();
    assert.equal((await rejection(a)).code, 'ECN_MGMT_DISCONNECTED');
    assert.equal((await retry1)[0].delayMs, 10);
    const retry2 = nextEvent<[ReconnectingEvent]>(c, 'reconnecting');
    clock.advance(10);
    const [second] = await retry2;
    assert.equal(second.attempt, 2);
    assert.equal(second.delayMs, 20);
    clock.advance(20);
    const err = await rejection(b);
    assert.equal(err.code, 'ECN_CONNECT');
    assert.equal(c.state, 'idle');
  });
});

describe('close', () => {
  it('fails pending and queued requests with ECN_MGMT_CLOSED, and everything after', async () => {
    const r = await responder({ handler: () => ({ kind: 'hold' }) });
    const c = client({ url: r.url, window: 1 });
    await c.connect();
    const a = c.read('listener', 'a');
    const b = c.read('listener', 'b');
    await r.waitFor(() => r.held.length === 1, 'the first request');
    const closed = c.close();
    assert.equal(c.close(), closed, 'close is idempotent');
    assert.equal((await rejection(a)).code, 'ECN_MGMT_CLOSED');
    assert.equal((await rejection(b)).code, 'ECN_MGMT_CLOSED');
    await closed;
    assert.equal(c.state, 'closed');
    assert.equal((await rejection(c.read('listener', 'c'))).code, 'ECN_MGMT_CLOSED');
    assert.equal((await rejection(c.connect())).code, 'ECN_MGMT_CLOSED');
    await r.waitFor(() => r.openConnections === 0, 'the connection to close');
  });

  it('stops a pending reconnect', async () => {
    const clock = new ManualClock();
    const port = await freePort();
    const c = client({ url: `amqp://127.0.0.1:${port}`, clock, retryInitialConnect: true });
    const p = c.connect();
    await nextEvent(c, 'reconnecting');
    await c.close();
    assert.equal((await rejection(p)).code, 'ECN_MGMT_CLOSED');
    assert.equal(clock.pending(), 0, 'no timer left behind');
  });
});
