/**
 * Every way a request can fail, and what the caller gets: router statuses, malformed replies, delivery
 * outcomes, timeouts (on a manual clock), late replies; plus the request counters.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { ManagementClient, type ManagementClientOptions } from '../../src/router/client.js';
import type { RequestEvent } from '../../src/router/metrics.js';
import { eventually, rejection } from '../support/deadline.js';
import { Responder, type Handler, type ResponderOptions } from '../support/rhea-responder.js';

const open: Array<{ close(): Promise<void> } | Responder> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await (x instanceof Responder ? x.stop() : x.close());
});

async function start(handler?: Handler, c: Partial<ManagementClientOptions> = {}, r: ResponderOptions = {}) {
  const responder = await Responder.start({ handler, ...r });
  open.push(responder);
  const client = new ManagementClient({ url: responder.url, reconnect: false, ...c });
  open.push(client);
  await client.connect();
  return { responder, client };
}

describe('router statuses', () => {
  it('404 → ECN_MGMT_STATUS with the request coordinates and a hint', async () => {
    const { client, responder } = await start(() => ({ kind: 'reply', statusCode: 404, statusDescription: 'No entity with name=l9' }));
    const err = await rejection(client.target({ edge: 'E1' }).read('listener', 'l9'));
    assert.equal(err.code, 'ECN_MGMT_STATUS');
    assert.equal(err.name, 'ManagementError');
    assert.equal(err.statusCode, 404);
    assert.equal(err.statusDescription, 'No entity with name=l9');
    assert.equal(err.operation, 'READ');
    assert.equal(err.type, 'listener');
    assert.equal(err.entityName, 'l9');
    assert.equal(err.target, 'amqp:/_edge/E1/$management');
    assert.equal(err.router, `127.0.0.1:${responder.port}`);
    assert.match(err.message, /READ listener 'l9' via amqp:\/_edge\/E1\/\$management on 127\.0\.0\.1:\d+ failed: 404 No entity with name=l9/);
    assert.match(String(err.hint), /does not exist/);
  });

  it('501 on UPDATE → hint to DELETE and CREATE instead', async () => {
    const { client } = await start(() => ({ kind: 'reply', statusCode: 501, statusDescription: "Operation 'UPDATE' not implemented for 'org.apache.qpid.dispatch.listener'" }));
    const err = await rejection(client.update('listener', 'l1', { maxFrameSize: 1 }));
    assert.equal(err.code, 'ECN_MGMT_STATUS');
    assert.match(String(err.hint), /cannot UPDATE listener: DELETE it and CREATE it again/);
  });

  it('400 "No such entity type" → ECN_MGMT_UNKNOWN_TYPE; other 4xx/5xx → ECN_MGMT_STATUS', async () => {
    let answer = { code: 400, text: "No such entity type 'org.apache.qpid.dispatch.tcpListener'" };
    const { client } = await start(() => ({ kind: 'reply', statusCode: answer.code, statusDescription: answer.text, body: null }));
    assert.equal((await rejection(client.create('tcpListener', 't1', { port: '1' }))).code, 'ECN_MGMT_UNKNOWN_TYPE');
    for (const code of [400, 403, 500]) {
      answer = { code, text: 'nope' };
      const err = await rejection(client.read('router', 'r'));
      assert.equal(err.code, 'ECN_MGMT_STATUS');
      assert.equal(err.statusCode, code);
    }
  });

  it('request() hands back non-2xx replies instead of throwing', async () => {
    const { client } = await start(() => ({ kind: 'reply', statusCode: 404, statusDescription: 'Not Found', body: {} }));
    assert.deepEqual(await client.request({ operation: 'READ', type: 'connection', identity: '1' }), { statusCode: 404, statusDescription: 'Not Found', body: {} });
  });

  for (const statusCodeType of ['int', 'long', 'uint', 'ulong'] as const) {
    it(`accepts an AMQP ${statusCodeType} statusCode`, async () => {
      const { client } = await start((q) => ({ kind: 'reply', statusCode: 200, statusCodeType, body: { name: q.applicationProperties.name } }));
      assert.deepEqual(await client.read('listener', 'x'), { name: 'x' });
    });
  }
});

describe('malformed replies → ECN_MGMT_BAD_RESPONSE', () => {
  const cases: Array<[string, Handler, (c: ManagementClient) => Promise<unknown>, RegExp]> = [
    ['string statusCode', () => ({ kind: 'reply', statusCode: '200', statusCodeType: 'string' }), (c) => c.read('listener', 'x'), /statusCode is the string "200"/],
    ['missing statusCode', () => ({ kind: 'reply', statusCode: null }), (c) => c.read('listener', 'x'), /no statusCode/],
    ['QUERY with ragged rows', () => ({ kind: 'reply', body: { attributeNames: ['a', 'b'], results: [[1, 2], [3]] } }), (c) => c.query('listener', ['a', 'b']), /results\[1\] has 1 values for 2 attributeNames/],
    ['QUERY without results', () => ({ kind: 'reply', body: { attributeNames: ['a'] } }), (c) => c.query('listener', ['a']), /results is missing/],
    ['READ with a list body', () => ({ kind: 'reply', body: ['x'] }), (c) => c.read('listener', 'x'), /the body is a list of 1, not a map/],
    ['READ with a string body', () => ({ kind: 'reply', body: 'x' }), (c) => c.read('listener', 'x'), /not a map/],
    ['CREATE with a null body', () => ({ kind: 'reply', statusCode: 201, body: null }), (c) => c.create('listener', 'x', {}), /the body is null/],
    ['GET-MGMT-NODES with a map body', () => ({ kind: 'reply', body: {} }), (c) => c.getMgmtNodes(), /not a list/],
    ['GET-TYPES with a non-list entry', () => ({ kind: 'reply', body: { t: 'x' } }), (c) => c.getTypes(), /entry for 't'/],
  ];
  for (const [name, handler, call, text] of cases) {
    it(name, async () => {
      const { client } = await start(handler);
      const err = await rejection(call(client));
      assert.equal(err.code, 'ECN_MGMT_BAD_RESPONSE', err.message);
      assert.match(err.message, text);
      assert.equal(client.state, 'ready', 'a bad reply does not hurt the connection');
    });
  }
});

describe('delivery outcomes', () => {
  it('RELEASED → ECN_MGMT_UNREACHABLE at once, without waiting for the timeout', async () => {
    const clock = new ManualClock();
    const { client } = await start((q) => (q.to?.includes('NO.SUCH') ? { kind: 'release' } : undefined), { clock });
    const err = await rejection(client.target({ edge: 'NO.SUCH.EDGE' }).query('router'));
    assert.equal(err.code, 'ECN_MGMT_UNREACHABLE');
    assert.match(err.message, /no route to amqp:\/_edge\/NO\.SUCH\.EDGE\/\$management \(delivery RELEASED\)/);
    assert.equal(clock.now(), 0, 'no time passed');
    assert.deepEqual(await client.getMgmtNodes(), ['amqp:/_topo/0/R1/$management']);
  });

  it('MODIFIED → ECN_MGMT_UNREACHABLE', async () => {
    const { client } = await start(() => ({ kind: 'modify' }));
    const err = await rejection(client.target({ router: 'X' }).read('listener', 'a'));
    assert.equal(err.code, 'ECN_MGMT_UNREACHABLE');
    assert.match(err.message, /MODIFIED/);
  });

  it('REJECTED → ECN_MGMT_REJECTED with the condition', async () => {
    const { client } = await start(() => ({ kind: 'reject', condition: 'amqp:unauthorized-access', description: 'policy says no' }));
    const err = await rejection(client.read('listener', 'a'));
    assert.equal(err.code, 'ECN_MGMT_REJECTED');
    assert.match(err.message, /amqp:unauthorized-access: policy says no/);
  });
});

describe('timeouts', () => {
  it('times out a request that gets no reply, on the injected clock', async () => {
    const clock = new ManualClock();
    const { client, responder } = await start(() => ({ kind: 'silent' }), { clock, timeoutMs: 5000 });
    const p = client.read('router.link', { identity: '3' });
    await responder.waitFor(() => responder.received === 1, 'the request');
    clock.advance(4999);
    assert.equal(client.stats().inflight, 1);
    clock.advance(1);
    const err = await rejection(p);
    assert.equal(err.code, 'ECN_MGMT_TIMEOUT');
    assert.match(err.message, /READ router\.link identity '3' on .*: no reply within 5000 ms/);
    assert.equal(client.stats().inflight, 0);
  });

  it('honours a per-call timeout', async () => {
    const clock = new ManualClock();
    const { client, responder } = await start(() => ({ kind: 'silent' }), { clock, timeoutMs: 5000 });
    const p = client.read('listener', 'x', { timeoutMs: 50 });
    await responder.waitFor(() => responder.received === 1, 'the request');
    clock.advance(50);
    assert.equal((await rejection(p)).code, 'ECN_MGMT_TIMEOUT');
  });

  it('drops and counts a reply that comes after the timeout, and carries on', async () => {
    const clock = new ManualClock();
    const { client, responder } = await start((q) => (q.applicationProperties.name === 'slow' ? { kind: 'hold' } : undefined), { clock, timeoutMs: 1000 });
    const p = client.read('listener', 'slow');
    await responder.waitFor(() => responder.held.length === 1, 'the held request');
    clock.advance(1000);
    assert.equal((await rejection(p)).code, 'ECN_MGMT_TIMEOUT');
    responder.answerHeld();
    await eventually(() => client.stats().lateReplies === 1, 'the late reply to be counted');
    assert.deepEqual(await client.read('listener', 'fast'), { name: 'fast', identity: 'listener/1', type: 'org.apache.qpid.dispatch.listener' });
    assert.equal(client.stats().unknownReplies, 0);
  });
});

describe('bad requests', () => {
  it('fails a request whose body cannot be encoded, and only that one', async () => {
    const { client, responder } = await start();
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    const err = await rejection(client.create('listener', 'x', loop));
    assert.equal(err.code, 'ECN_MGMT_BAD_REQUEST');
    assert.match(err.message, /cannot be encoded/);
    assert.equal((await client.read('listener', 'y')).name, 'y');
    assert.equal(responder.received, 1);
  });

  it('rejects bad options and targets with ECN_MGMT_BAD_REQUEST', async () => {
    assert.throws(() => new ManagementClient({ url: 'amqp://h:1', window: 0 }), (e: Error & { code?: string }) => e.code === 'ECN_MGMT_BAD_REQUEST');
    assert.throws(() => new ManagementClient({ url: 'amqp://h:1', timeoutMs: -1 }), (e: Error & { code?: string }) => e.code === 'ECN_MGMT_BAD_REQUEST');
    assert.throws(() => new ManagementClient({ url: 'http://h:1' }), (e: Error & { code?: string }) => e.code === 'ECN_MGMT_BAD_REQUEST');
    const { client } = await start();
    assert.throws(() => client.target({ edge: '' }), (e: Error & { code?: string }) => e.code === 'ECN_MGMT_BAD_REQUEST');
    assert.equal((await rejection(client.read('listener', 'x', { timeoutMs: 0 }))).code, 'ECN_MGMT_BAD_REQUEST');
  });
});

describe('request counters', () => {
  it('counts requests by operation and result, with latency, and reports each to the hook', async () => {
    const events: RequestEvent[] = [];
    const { client } = await start((q) => (q.applicationProperties.name === 'missing' ? { kind: 'reply', statusCode: 404 } : undefined), {
      onRequest: (e) => { events.push(e); if (events.length === 1) throw new Error('a broken hook must not break requests'); },
    });
    await client.read('listener', 'a');
    await client.read('listener', 'b');
    await rejection(client.read('listener', 'missing'));
    assert.equal((await client.request({ operation: 'READ', type: 'listener', name: 'missing' })).statusCode, 404);
    await client.query('listener');
    const s = client.stats();
    assert.deepEqual(s.requests, { READ: { ok: 2, ECN_MGMT_STATUS: 2 }, QUERY: { ok: 1 } });
    assert.equal(s.latency.READ!.count, 4);
    assert.ok(s.latency.READ!.totalMs >= s.latency.READ!.maxMs && s.latency.READ!.maxMs > 0);
    assert.equal(events.length, 5);
    assert.deepEqual({ ...events[2], latencyMs: 0 }, { operation: 'READ', type: 'listener', target: '$management', router: client.router, result: 'ECN_MGMT_STATUS', statusCode: 404, latencyMs: 0 });
    assert.equal(s.connects, 1);
    assert.equal(s.state, 'ready');
  });
});
