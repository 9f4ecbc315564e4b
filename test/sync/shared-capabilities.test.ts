/** Capabilities learnt once for the network: one GET-OPERATIONS instead of one per router, same result. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { SyncScheduler, type SyncClient } from '../../src/sync/index.js';
import type { ManagementOps, TargetSpec } from '../../src/router/index.js';
import { whenTrue } from '../support/deadline.js';
import { edgePlan, interiorPlan, networkPlan, startNet } from './sync-support.js';

test('with shared capabilities the network is asked GET-OPERATIONS once, and converges the same', async () => {
  const net = await startNet(['E1', 'E2', 'E3'], 2000);
  let getOperations = 0;
  const client: SyncClient = {
    get flavor() { return net.client.flavor; },
    target(spec: TargetSpec): ManagementOps {
      const t = net.client.target(spec);
      return new Proxy(t, {
        get(obj, prop, recv) {
          if (prop === 'getOperations') getOperations++;
          const v = Reflect.get(obj, prop, recv) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(obj) : v;
        },
      });
    },
  };
  const sched = new SyncScheduler({ client, clock: new ManualClock(0), concurrency: 1, shareCapabilities: true, probeUptime: false });
  try {
    sched.setPlan(networkPlan(interiorPlan('INT'), edgePlan('E1'), edgePlan('E2'), edgePlan('E3')));
    sched.start();
    await whenTrue(sched, ['synced', 'sync-failed'], () => sched.status().every((s) => s.state === 'in-sync'), 'all in sync', 10_000);
    assert.equal(getOperations, 1);
    assert.equal(sched.counters.snapshot().passes.failed, 0);
    for (const id of ['E1', 'E2', 'E3']) {
      const names = (await net.client.target({ edge: id }).query('router.config.address', ['name'])).map((r) => r.name);
      assert.ok(names.includes(`ecn.${id}.addr`), `${id} configured`);
    }
  } finally {
    await sched.stop();
    await net.stop();
  }
});
