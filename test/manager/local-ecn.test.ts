/**
 * The whole local ECN, end to end over real AMQP: the example manifests, simulated routers started from their
 * bootstrap configs, simulated microservices, and the manager converging everything; then faults.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../../src/model/load.js';
import type { EcnModel } from '../../src/model/ecn.js';
import { Manager } from '../../src/manager/manager.js';
import { previewNetwork } from '../../src/manager/preview.js';
import { startSimEcn, type SimEcn } from '../../sim/ecn.js';
import { relocatePorts } from '../support/relocate.js';
import { whenTrue } from '../support/deadline.js';
import { routeKey } from '../../src/graph/index.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/examples/ecn', import.meta.url));

let model: EcnModel;
let ecn: SimEcn;
let manager: Manager;

async function converged(): Promise<void> {
  await whenTrue(manager.scheduler, ['synced', 'sync-failed'], () => {
    const s = manager.syncStatus();
    return s.length === manager.currentModel().plan.routers.size && s.every((r) => r.state === 'in-sync');
  }, 'every router in sync', 20_000);
}

before(async () => {
  const loaded = await loadManifests([EXAMPLE]);
  assert.deepEqual(loaded.issues.filter((i) => i.severity === 'error'), []);
  model = await relocatePorts(loaded.model);
  ecn = await startSimEcn(model, { flavor: 'skupper' });
  manager = new Manager({ router: ecn.url, flavor: 'skupper', observeIntervalMs: 60_000, syncIntervalMs: 60_000 });
  manager.setModel(model, loaded.issues);
  await manager.start();
  await converged();
});

after(async () => {
  await manager?.stop();
  await ecn?.stop();
});

test('every router converges, and a dry run then finds nothing to do', async () => {
  const previews = await previewNetwork(manager.client, manager.currentModel().plan);
  assert.equal(previews.length, 5);
  for (const p of previews) {
    assert.equal(p.error, undefined, `${p.router}: ${p.error}`);
    assert.deepEqual(p.ops, [], `${p.router} still has operations to apply`);
  }
});

test('a TCP client on the public port reaches the microservice behind it', async () => {
  const pp = model.publicPorts[0]!;
  const got = await new Promise<string>((resolve, reject) => {
    const s = net.connect(pp.publicPort, '127.0.0.1', () => s.write('ping\n'));
    let data = '';
    s.on('data', (d) => { data += String(d); if (data.includes('ping')) { s.destroy(); resolve(data); } });
    s.on('error', reject);
    setTimeout(() => { s.destroy(); reject(new Error(`no echo within 5 s, got ${JSON.stringify(data)}`)); }, 5000);
  });
  assert.match(got, /^hello from demo\/dashboard on port \d+\nping\n$/);
});

test('the link graph shows the uplinks and the routes up', async () => {
  await manager.observeNow();
  const g = manager.graph.graph;
  const uplinks = g.filterEdges((_k, a) => a.kind === 'uplink');
  assert.ok(uplinks.length >= 3);
  for (const k of uplinks) assert.equal(g.getEdgeAttribute(k, 'state'), 'up', k);
  for (const r of model.routes.values()) {
    assert.equal(g.getEdgeAttribute(routeKey(r.application, r.name), 'state'), 'up', `route ${r.name}`);
  }
});

test('an edge router restart loses its runtime config; the manager re-applies it', async () => {
  const edge = ecn.routers.get('edge-2')!;
  const restartWrites: string[] = [];
  const onWrite = (e: { router: string; reason: string; op: string; name: string }) => { if (e.router === 'edge-2' && e.reason === 'restart') restartWrites.push(`${e.op} ${e.name}`); };
  manager.scheduler.on('write', onWrite);
  try {
    await edge.faults.restart();
    await new Promise<void>((resolve) => edge.once('uplink-up', () => resolve()));
    await manager.observeNow(); // the observer sees the restart and triggers a resync
    await whenTrue(manager.scheduler, ['write', 'synced'], () => restartWrites.length > 0 && manager.syncStatus().every((s) => s.state === 'in-sync'), 'edge-2 re-applied', 20_000);
  } finally {
    manager.scheduler.off('write', onWrite);
  }
  assert.ok(restartWrites.some((w) => w.startsWith('CREATE ')), restartWrites.join(', '));
  const previews = await previewNetwork(manager.client, manager.currentModel().plan);
  assert.deepEqual(previews.find((p) => p.router === 'edge-2')?.ops, []);
});

test('drift: an owned entity deleted by hand is repaired; an entity the manager does not own is never touched', async () => {
  const fog = manager.client.target({ router: 'fog-1' });
  await fog.create('router.config.address', 'hand-made', { prefix: 'hand/made', distribution: 'closest' });
  const owned = (await fog.query('router.config.address', ['name'])).map((r) => String(r.name)).filter((n) => n.startsWith('ecn.'));
  assert.ok(owned.length > 0, 'fog-1 has owned route addresses');
  await fog.delete('router.config.address', owned[0]!);
  manager.scheduler.trigger('fog-1', 'periodic');
  await whenTrue(manager.scheduler, ['synced'], () => manager.scheduler.audit.entries('fog-1').some((e) => e.name === owned[0] && e.reason === 'drift' && e.op === 'CREATE'), 'drift repaired', 20_000);
  const names = (await fog.query('router.config.address', ['name'])).map((r) => String(r.name));
  assert.ok(names.includes(owned[0]!), 'repaired');
  assert.ok(names.includes('hand-made'), 'the unowned entity is still there');
});
