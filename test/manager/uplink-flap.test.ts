/**
 * An uplink flaps: the edge's connection to its interior drops and comes back. The link graph shows it down while
 * it is down and up again after; the edge keeps its configuration, so the manager writes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/clock.js';
import { loadManifests } from '../../src/model/load.js';
import { Manager } from '../../src/manager/manager.js';
import { uplinkKey } from '../../src/graph/index.js';
import { startSimEcn } from '../../sim/ecn.js';
import { relocatePorts } from '../support/relocate.js';
import { whenTrue, nextEvent } from '../support/deadline.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/examples/ecn', import.meta.url));

test('an uplink flap shows in the graph and costs no writes', async () => {
  const { model: loaded } = await loadManifests([EXAMPLE]);
  const model = await relocatePorts(loaded);
  // the routers run on a manual clock, so the dropped uplink stays down until the test lets the connector retry
  const simClock = new ManualClock(Date.now());
  const ecn = await startSimEcn(model, { flavor: 'skupper', clock: simClock });
  const manager = new Manager({ router: ecn.url, flavor: 'skupper', observeIntervalMs: 3_600_000, syncIntervalMs: 3_600_000 });
  manager.setModel(model);
  try {
    await manager.start();
    await whenTrue(manager.scheduler, ['synced'], () => manager.syncStatus().every((s) => s.state === 'in-sync') && manager.syncStatus().length === 5, 'converged', 20_000);
    const key = uplinkKey('edge-3', 'default-router');
    await manager.observeNow();
    assert.equal(manager.graph.graph.getEdgeAttribute(key, 'state'), 'up');

    let writes = 0;
    manager.scheduler.on('write', () => { writes++; });
    const edge = ecn.routers.get('edge-3')!;
    // down once the interior has noticed (its connection table is what the observer reads)
    const detached = nextEvent(ecn.interior, 'edge-detached', 5000);
    edge.faults.dropUplinks();
    await detached;
    await manager.observeNow();
    assert.equal(manager.graph.graph.getEdgeAttribute(key, 'state'), 'down', 'uplink shown down while it is down');

    const up = nextEvent(edge, 'uplink-up', 10_000);
    simClock.advance(2_000); // the connector's retry delay passes
    await up;
    await manager.observeNow();
    assert.equal(manager.graph.graph.getEdgeAttribute(key, 'state'), 'up', 'uplink back up');
    manager.scheduler.trigger('edge-3', 'periodic');
    await nextEvent(manager.scheduler, 'synced', 10_000);
    assert.equal(writes, 0, 'the edge kept its configuration: nothing to write');
  } finally {
    await manager.stop();
    await ecn.stop();
  }
});
