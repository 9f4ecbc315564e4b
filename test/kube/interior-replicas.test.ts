/**
 * The manager with a replicated interior, in this process: a simulated ECN whose control plane runs 2, then 3, then 1
 * meshed interior replicas (sim/live-ecn.ts), and the manager told the ready replicas (what src/kube/router-replicas.ts
 * discovers in a cluster). Checked: each replica gets its own connection and the interior's listeners and
 * tcpListeners (read back from each replica); each replica is in the sync status and readiness with the router id
 * read from it; an edge attached to a replica other than the primary connection's is configured, and its uplink is
 * observed (through the mesh) as an uplink to the control plane; a replica gone has its connection closed and leaves
 * the status; back to one replica, the primary connection alone configures it. Every wait is on an event.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { LiveSimEcn, type SimReplica } from '../../sim/live-ecn.js';
import { freePorts } from '../../sim/free-ports.js';
import { loadManifests } from '../../src/model/load.js';
import { Manager } from '../../src/manager/manager.js';
import { readiness } from '../../src/manager/readiness.js';
import { readBackRouter } from '../support/router-readback.js';
import { uplinkViews } from '../../src/http/routes.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/examples/ecn', import.meta.url));

/** Resolves once `cond` holds, re-checked on every event named; rejects after `ms` naming `what`. */
function when(sources: Array<[EventEmitter<any>, string]>, cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => { if (cond()) { done(); resolve(); } };
    const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${ms} ms waiting until ${what}`)); }, ms);
    const done = (): void => { clearTimeout(timer); for (const [e, ev] of sources) e.off(ev, check); };
    for (const [e, ev] of sources) e.on(ev, check);
  });
}


const endpoints = (rs: readonly SimReplica[]) => rs.map((r) => ({ key: r.key, url: `amqp://127.0.0.1:${r.port}` }));

test('a connection and the interior plan per replica; scaled 2 → 3 → 1; edges on other replicas configured and observed', async () => {
  const { model, issues } = await loadManifests(EXAMPLE);
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  const cp = model.controlPlane!;
  const [port] = await freePorts(1);
  const ecn = new LiveSimEcn({ management: { host: '127.0.0.1', port: port! }, flavor: 'skupper' });
  const replicaEvents: SimReplica[][] = [];
  ecn.on('replicas', (rs) => replicaEvents.push(rs));
  await ecn.update(model, { replicas: 2 });
  const manager = new Manager({ router: ecn.url, flavor: 'skupper', observeIntervalMs: 0, syncIntervalMs: 600_000 });
  const synced: Array<[EventEmitter<any>, string]> = [[manager.scheduler, 'synced'], [manager.scheduler, 'sync-failed'], [manager, 'replicas']];
  const inSync = (ids: readonly string[]) => () => ids.every((id) => manager.syncStatus().find((s) => s.router === id)?.state === 'in-sync');
  try {
    manager.setModel(model);
    await manager.start();
    const two = ecn.replicas();
    assert.equal(two.length, 2);
    assert.equal(new Set(two.map((r) => r.routerId)).size, 2, 'distinct router ids');
    manager.setReplicas(endpoints(two));
    const planIds = (rs: readonly SimReplica[]) => rs.map((r) => `${cp.routerId}@${r.key}`);
    const ids = (rs: readonly SimReplica[]) => () => manager.replicaStatus().length === rs.length && manager.replicaStatus().every((r) => r.routerId === rs.find((x) => x.key === r.key)?.routerId);
    await when(synced, () => ids(two)() && inSync([...planIds(two), 'edge-1', 'edge-2', 'edge-3', 'fog-1'])(), 'both replicas and every agent in sync, the replicas\' ids read');

    // the interior's plan on each replica (its listeners and tcpListeners), its own id read from it
    const want = model.controlPlane && [...manager.currentModel().plan.routers.values()].find((r) => r.reach.kind === 'local')!.entities
      .filter((e) => e.type === 'listener' || e.type === 'tcpListener').map((e) => `${e.type}/${e.name}`).sort();
    assert.ok(want!.some((n) => n.startsWith('tcpListener/')), 'the interior plans a tcpListener (the public port)');
    const attached = new Map<string, string>();
    for (const r of two) {
      const got = await readBackRouter(`amqp://127.0.0.1:${r.port}`);
      assert.deepEqual(got.names, want, `replica ${r.key}`);
      assert.equal(got.id, r.routerId);
      for (const e of got.edges) attached.set(e, r.key);
    }
    // status and readiness list each replica, with the id read from it
    const ready = readiness(manager);
    assert.equal(ready.ready, true, ready.reasons.join('; '));
    assert.deepEqual(ready.replicas.map((r) => [r.key, r.routerId, r.plan, r.state]), two.map((r) => [r.key, r.routerId, `${cp.routerId}@${r.key}`, 'ready']));
    assert.ok(planIds(two).every((id) => manager.syncStatus().some((s) => s.router === id)));
    assert.equal(manager.syncStatus().find((s) => s.router === cp.routerId)?.state, 'in-sync', 'the interior: the aggregate of its replicas');

    // an edge on the second replica: configured (in sync above), and observed attached to the control plane's interior
    const onSecond = [...attached].filter(([, key]) => key === two[1]!.key).map(([e]) => e);
    assert.ok(onSecond.length > 0, `an edge attached to ${two[1]!.key}: ${JSON.stringify([...attached])}`);
    const observed = (await manager.observeNow())!;
    assert.equal(observed.interiorId, cp.routerId);
    for (const e of onSecond) {
      assert.deepEqual([observed.edges.get(e)?.interiorId, observed.edges.get(e)?.replica], [cp.routerId, `${cp.routerId}@${two[1]!.key}`], e);
      assert.equal(observed.routers.get(`${cp.routerId}@${two[1]!.key}`)?.reachable, true, 'the replica probed over its own connection');
    }
    const uplinks = () => uplinkViews(manager);
    for (const e of ['edge-2', 'edge-3']) assert.equal(uplinks().find((u) => u.agent === e && u.upstream === cp.routerId)?.state, 'up', `${e}: ${JSON.stringify(uplinks())}`);
    assert.deepEqual(uplinks().filter((u) => u.upstream.startsWith(`${cp.routerId}@`) || u.upstream.startsWith(`${cp.routerId}-`)), [], 'no uplink to a replica as another router');

    // a replica restarts (its runtime config lost, its connections dropped): its own connection comes back, and the
    // manager puts the interior's entities back on it
    const restarted = two[1]!;
    const writes: string[] = [];
    const onWrite = (e: { router: string; name: string; result: string }) => { if (e.router === `${cp.routerId}@${restarted.key}` && e.result === 'ok') writes.push(e.name); };
    manager.scheduler.on('write', onWrite);
    await ecn.replicaRouter(restarted.key)!.faults.restart();
    const lost = want!.filter((n) => n.startsWith('tcpListener/')).map((n) => n.slice('tcpListener/'.length));
    await when(synced, () => lost.every((n) => writes.includes(n)) && inSync(planIds(two))(), 'the restarted replica configured again');
    manager.scheduler.off('write', onWrite);
    assert.deepEqual((await readBackRouter(`amqp://127.0.0.1:${restarted.port}`)).names, want);

    // three replicas: the new one gets a connection and the plan
    await ecn.update(model, { replicas: 3 });
    const three = ecn.replicas();
    assert.equal(three.length, 3);
    manager.setReplicas(endpoints(three));
    await when(synced, () => ids(three)() && inSync(planIds(three))(), 'three replicas in sync');
    assert.deepEqual((await readBackRouter(`amqp://127.0.0.1:${three[2]!.port}`)).names, want);

    // back to one: the other replicas' connections are closed and they leave the status
    const gone = three.slice(1).map((r) => manager.replicas.client(r.key)!);
    await ecn.update(model, { replicas: 1 });
    const one = ecn.replicas();
    assert.deepEqual(one.map((r) => r.key), [three[0]!.key], 'the first replica stays');
    manager.setReplicas(endpoints(one));
    assert.deepEqual(gone.map((c) => c.state), ['closed', 'closed']);
    assert.deepEqual(manager.replicaStatus(), []);
    assert.ok(!manager.syncStatus().some((s) => s.router.startsWith(`${cp.routerId}@`)), 'the replicas left the status');
    await when(synced, inSync([cp.routerId, 'edge-2', 'edge-3']), 'the interior (one replica, the primary connection) and the edges in sync');
    assert.deepEqual(replicaEvents.map((rs) => rs.length), [1, 2, 3, 2, 1]);
  } finally {
    await manager.stop();
    await ecn.stop();
  }
});
