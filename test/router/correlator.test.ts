/**
 * The correlator on its own: window, link capacity, urgent requests, timeouts on a manual clock, late replies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from 'rhea';
import { ManualClock } from '../../src/clock.js';
import { Correlator, type Pending } from '../../src/router/correlator.js';
import { rejection } from '../support/deadline.js';

interface Req { n: number }

function setup(window = 3, capacity = Infinity) {
  const clock = new ManualClock();
  const c = new Correlator<Req>({ window, clock, queueTimeoutMs: 1000, idPrefix: 'p:' });
  const sent: Array<Pending<Req>> = [];
  let room = capacity;
  c.setSink({ canSend: () => room > 0, send: (p) => { room--; sent.push(p); } });
  return { clock, c, sent, addRoom: (n: number) => { room += n; } };
}

const coords = { operation: 'READ', type: 'listener', name: 'x', target: '$management', router: 'h:1' };
const reply = (s: string): Message => ({ body: s }) as Message;

describe('correlator', () => {
  it('sends nothing while the gate is closed, then at most `window` at a time', async () => {
    const { c, sent } = setup(3);
    const ps = Array.from({ length: 7 }, (_, n) => c.submit({ n }, coords, { timeoutMs: 100 }));
    assert.equal(sent.length, 0);
    c.setGate('open');
    assert.deepEqual(sent.map((p) => p.request.n), [0, 1, 2]);
    assert.equal(c.queuedCount, 4);
    c.onReply(sent[1]!.id, reply('b'));
    assert.equal(sent.length, 4);
    // Answer whatever is on the wire until everything went out and came back.
    for (let i = 0; i < sent.length; i++) if (i !== 1) c.onReply(sent[i]!.id, reply(String(i)));
    assert.equal(sent.length, 7);
    const bodies = (await Promise.all(ps)).map((m) => m.body);
    assert.equal(bodies.length, 7);
    assert.equal(c.maxInflight, 3);
    assert.ok(sent.every((p) => typeof p.id === 'string' && p.id.startsWith('p:')));
  });

  it('stops when the sink has no room and resumes on pump()', async () => {
    const { c, sent, addRoom } = setup(100, 2);
    c.setGate('open');
    const ps = Array.from({ length: 5 }, (_, n) => c.submit({ n }, coords, { timeoutMs: 100 }));
    assert.equal(sent.length, 2);
    assert.equal(c.starved, true);
    addRoom(10);
    c.pump();
    assert.equal(sent.length, 5);
    for (const p of sent) c.onReply(p.id, reply('x'));
    await Promise.all(ps);
  });

  it('lets urgent requests through a half-open gate, ahead of the queue', async () => {
    const { c, sent } = setup(5);
    const normal = c.submit({ n: 1 }, coords, { timeoutMs: 100 });
    const urgent = c.submit({ n: 2 }, coords, { timeoutMs: 100, urgent: true });
    c.setGate('urgent');
    assert.deepEqual(sent.map((p) => p.request.n), [2]);
    c.onReply(sent[0]!.id, reply('u'));
    assert.equal((await urgent).body, 'u');
    c.setGate('open');
    assert.deepEqual(sent.map((p) => p.request.n), [2, 1]);
    c.onReply(sent[1]!.id, reply('n'));
    await normal;
  });

  it('times a sent request out on the clock, frees its slot and counts its late reply', async () => {
    const { c, clock, sent } = setup(1);
    c.setGate('open');
    const a = c.submit({ n: 1 }, coords, { timeoutMs: 100 });
    const b = c.submit({ n: 2 }, coords, { timeoutMs: 100 });
    assert.equal(sent.length, 1);
    clock.advance(99);
    assert.equal(c.inflightCount, 1);
    clock.advance(1);
    const err = await rejection(a);
    assert.equal(err.code, 'ECN_MGMT_TIMEOUT');
    assert.match(err.message, /no reply within 100 ms/);
    assert.equal(sent.length, 2, 'the freed slot went to the queued request');
    assert.equal(c.onReply(sent[0]!.id, reply('late')), false);
    assert.equal(c.lateReplies, 1);
    assert.equal(c.onReply('someone-else:1', reply('stray')), false);
    assert.equal(c.onReply(42, reply('stray')), false);
    assert.equal(c.unknownReplies, 2);
    c.onReply(sent[1]!.id, reply('b'));
    assert.equal((await b).body, 'b');
  });

  it('times a request out that could never be sent', async () => {
    const { c, clock, sent } = setup(1);
    const p = c.submit({ n: 1 }, coords, { timeoutMs: 100 });
    clock.advance(1000);
    const err = await rejection(p);
    assert.equal(err.code, 'ECN_MGMT_TIMEOUT');
    assert.match(err.message, /not sent within 1000 ms/);
    c.setGate('open');
    assert.equal(sent.length, 0);
    assert.equal(c.queuedCount, 0);
  });

  it('fails in-flight and queued requests separately, and a send that throws fails only its request', async () => {
    const { c, sent } = setup(2);
    c.setGate('open');
    const ps = Array.from({ length: 4 }, (_, n) => c.submit({ n }, coords, { timeoutMs: 100 }));
    c.failInflight(() => new Error('gone'));
    assert.equal((await rejection(ps[0]!)).message, 'gone');
    assert.equal((await rejection(ps[1]!)).message, 'gone');
    assert.equal(sent.length, 2, 'failing the wire does not send the queue by itself');
    assert.equal(c.queuedCount, 2);
    c.failQueued(() => new Error('closed'));
    assert.equal((await rejection(ps[2]!)).message, 'closed');
    assert.equal((await rejection(ps[3]!)).message, 'closed');
    assert.equal(c.queuedCount, 0);

    c.setSink({ canSend: () => true, send: () => { throw new Error('encode failed'); } });
    const bad = c.submit({ n: 9 }, coords, { timeoutMs: 100 });
    assert.equal((await rejection(bad)).message, 'encode failed');
    assert.equal(c.inflightCount, 0);
  });
});
