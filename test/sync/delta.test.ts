/**
 * Model changes on a router in a known state are applied as a difference (no QUERY); drift is the full pass's job;
 * a delta that fails falls back to a full pass that reads the router.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { SyncScheduler, type RouterSyncStatus, type SyncResult } from '../../src/sync/index.js';
import { countingClient, edgePlan, networkPlan, startNet, type TestNet } from './sync-support.js';

function nextPass(s: SyncScheduler): Promise<SyncResult> {
  return new Promise((resolve) => {
    const on = (_st: RouterSyncStatus, ...rest: unknown[]): void => {
      s.off('synced', on);
      s.off('sync-failed', on as never);
      resolve(rest.at(-1) as SyncResult);
    };
    s.on('synced', on);
    s.on('sync-failed', on as never);
  });
}

describe('delta passes for model changes', () => {
  let net: TestNet;
  let sched: SyncScheduler;
  let client: ReturnType<typeof countingClient>;
  const clock = new ManualClock(0);

  before(async () => {
    net = await startNet(['E1'], 2000);
    client = countingClient(net.client);
    sched = new SyncScheduler({ client, clock, random: () => 0.5, intervalMs: 60_000, backoff: { initialDelayMs: 10, maxDelayMs: 10 }, probeUptime: false });
    sched.setPlan(networkPlan(edgePlan('E1', 0)));
    const first = nextPass(sched);
    sched.start();
    assert.equal((await first).mode, 'full');
  });
  after(async () => {
    await sched?.stop();
    await net?.stop();
  });

  const names = async (type: string): Promise<Array<Record<string, unknown>>> => net.client.target({ edge: 'E1' }).query(type, []);

  it('a change is applied without reading the router: only the changed entities are written', async () => {
    client.reset();
    const p = nextPass(sched);
    sched.setPlan(networkPlan(edgePlan('E1', 1)), new Set(['E1']));
    const r = await p;
    assert.equal(r.mode, 'delta');
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.queries, 0);
    assert.equal([...client.queries.values()].reduce((a, b) => a + b, 0), 0, 'no QUERY sent');
    assert.deepEqual([r.creates, r.deletes], [2, 2], 'connector and address replaced');
    const addr = (await names('router.config.address')).find((x) => x.name === 'ecn.E1.addr');
    assert.equal(addr?.prefix, 'app/E1/1');
  });

  it('drift is not what a delta looks at; the next full pass repairs it', async () => {
    await net.client.target({ edge: 'E1' }).delete('listener', 'ecn.E1.app');
    const p = nextPass(sched);
    sched.setPlan(networkPlan(edgePlan('E1', 2)), new Set(['E1']));
    const r = await p;
    assert.equal(r.mode, 'delta');
    assert.ok(!(await names('listener')).some((x) => x.name === 'ecn.E1.app'), 'the delta did not touch the listener');
    const full = nextPass(sched);
    sched.trigger('E1', 'periodic');
    const f = await full;
    assert.equal(f.mode, 'full');
    assert.equal(f.creates, 1);
    assert.ok((await names('listener')).some((x) => x.name === 'ecn.E1.app'), 'repaired');
  });

  it('a delta that fails (the router is not as confirmed) falls back to a full pass', async () => {
    await net.client.target({ edge: 'E1' }).delete('router.config.address', 'ecn.E1.addr');
    const p = nextPass(sched);
    sched.setPlan(networkPlan(edgePlan('E1', 3)), new Set(['E1']));
    const r = await p;
    assert.equal(r.mode, 'delta');
    assert.equal(r.ok, false, 'the DELETE of the vanished address fails');
    const retry = nextPass(sched);
    clock.advance(10); // the backoff
    const f = await retry;
    assert.equal(f.mode, 'full');
    assert.equal(f.ok, true, f.error?.message);
    const addr = (await names('router.config.address')).find((x) => x.name === 'ecn.E1.addr');
    assert.equal(addr?.prefix, 'app/E1/3');
    assert.equal(sched.status()[0]?.state, 'in-sync');
  });
});
