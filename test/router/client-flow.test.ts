/**
 * Flow control: the in-flight window holds at the responder, and thousands of requests issued at once neither
 * overflow rhea's 2048-delivery session buffer nor get lost.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ManagementClient, type ManagementClientOptions } from '../../src/router/client.js';
import { Responder, type ResponderOptions } from '../support/rhea-responder.js';

const open: Array<{ close(): Promise<void> } | Responder> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await (x instanceof Responder ? x.stop() : x.close());
});

async function start(r: ResponderOptions, c: Partial<ManagementClientOptions>) {
  const responder = await Responder.start(r);
  open.push(responder);
  const client = new ManagementClient({ url: responder.url, reconnect: false, ...c });
  open.push(client);
  await client.connect();
  return { responder, client };
}

/** Answers held requests batch by batch until `total` requests were received and none is held. */
async function drain(responder: Responder, total: number): Promise<void> {
  while (responder.received < total || responder.held.length > 0) {
    await responder.waitFor(() => responder.held.length > 0, `held requests (received ${responder.received}/${total})`);
    responder.answerHeld();
  }
}

describe('flow control', () => {
  it('never has more than `window` requests outstanding at the responder', async () => {
    const { responder, client } = await start({ handler: () => ({ kind: 'hold' }), record: false }, { window: 4 });
    const all = Promise.all(Array.from({ length: 40 }, (_, i) => client.read('listener', `l${i}`)));
    await responder.waitFor(() => responder.held.length === 4, 'a full window');
    assert.equal(client.stats().queued, 36);
    await drain(responder, 40);
    assert.equal((await all).length, 40);
    assert.equal(responder.maxHeld, 4);
    assert.equal(client.stats().maxInflight, 4);
  });

  it('sends 3000 requests issued at once, all answered, with a window larger than the session buffer', async () => {
    const { responder, client } = await start({ creditWindow: 5000, record: false }, { window: 5000 });
    const results = await Promise.all(Array.from({ length: 3000 }, (_, i) => client.read('listener', `l${i}`)));
    assert.equal(results.length, 3000);
    assert.equal(results[2999]!.name, 'l2999');
    assert.equal(responder.received, 3000);
    assert.deepEqual(client.stats().requests, { READ: { ok: 3000 } });
  });

  it('waits for session buffer room instead of overflowing it while requests stay unsettled', async () => {
    // The responder neither settles nor answers until told: each request holds a slot of the client's
    // 2048-delivery outgoing session buffer. Sending blindly would make rhea throw at delivery 2049.
    const { responder, client } = await start({ creditWindow: 5000, record: false, handler: () => ({ kind: 'hold', settle: false }) }, { window: 5000 });
    const calls = Array.from({ length: 3000 }, (_, i) => client.read('listener', `l${i}`));
    await responder.waitFor(() => responder.received >= 2048, '2048 requests');
    assert.ok(responder.received <= 2048, `received ${responder.received}`);
    assert.equal(client.stats().queued, 3000 - responder.received);
    await drain(responder, 3000);
    const results = await Promise.all(calls);
    assert.equal(results.length, 3000);
    assert.equal(responder.received, 3000);
  });
});
