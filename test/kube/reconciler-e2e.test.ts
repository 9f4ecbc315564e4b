/**
 * The Kubernetes reconciler end to end: the fake API server (sim/kube) with the real client-node, the example ECN as
 * CRs, simulated routers, and the manager. Apply → Ready; edit → router updated, observedGeneration advanced; an
 * invalid Route → a clear condition while the rest stays Ready; watches broken by 410 and stalled → recovered;
 * delete an Agent → its router config removed by the finalizer, then the object goes.
 */
import { test, before, after } from 'node:test';
import { EventEmitter } from 'node:events';
import assert from 'node:assert/strict';
import { KubeApiServer } from '../../sim/kube/index.js';
import { startSimEcn, type SimEcn } from '../../sim/ecn.js';
import { Manager } from '../../src/manager/manager.js';
import { previewNetwork } from '../../src/manager/preview.js';
import { Reconciler } from '../../src/kube/reconciler.js';
import { clientNodeApi } from '../../src/kube/kube-api.js';
import { loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { buildFromCrs } from '../../src/kube/cr-source.js';
import { PLURALS, ROUTER_FINALIZER } from '../../src/kube/kinds.js';
import { KIND_STATUS_FIELDS } from '../../src/kube/crds.js';
import type { KubeObject } from '../../src/kube/supervised-informer.js';
import type { Kind } from '../../src/model/schemas.js';
import { whenTrue } from '../support/deadline.js';
import { relocatedBodies } from './example-crs.js';

const NS = 'ecn';
let server: KubeApiServer;
let ecn: SimEcn;
let manager: Manager;
let reconciler: Reconciler;

const rt = (kind: Kind) => server.cluster.type('iofog.org', 'v3', PLURALS[kind]);
const getCr = (kind: Kind, name: string): KubeObject | undefined => {
  try { return server.cluster.get(rt(kind), NS, name) as KubeObject; } catch { return undefined; }
};
const condition = (o: KubeObject | undefined, type: string) =>
  ((o?.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } | undefined)?.conditions ?? []).find((c) => c.type === type);
const allCrs = (): Array<{ kind: Kind; obj: KubeObject }> =>
  (Object.keys(PLURALS) as Kind[]).flatMap((kind) => server.cluster.list(rt(kind), NS).items.map((obj) => ({ kind, obj: obj as KubeObject })));

/** Waits (on the reconciler's status writes and the routers' syncs, no polling) until `cond` holds. */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const hub = new EventEmitter();
  const poke = (): void => { hub.emit('poke'); };
  const sources: Array<[EventEmitter, string]> = [[reconciler, 'status'], [reconciler, 'finalized'], [reconciler, 'rebuilt'], [manager.scheduler, 'synced']];
  for (const [e, n] of sources) e.on(n, poke);
  try {
    await whenTrue(hub, ['poke'], cond, what, ms);
  } finally {
    for (const [e, n] of sources) e.off(n, poke);
  }
}

const everyReady = (except: string[] = []): boolean =>
  allCrs().filter((c) => !except.includes(c.obj.metadata.name)).every((c) => condition(c.obj, 'Ready')?.status === 'True' && c.obj.status && (c.obj.status as { observedGeneration?: number }).observedGeneration === c.obj.metadata.generation);

before(async () => {
  server = new KubeApiServer({ preloadIofogCrds: true, namespaces: ['default', NS], bookmarkIntervalMs: 500 });
  await server.start();
  const bodies = await relocatedBodies(NS);
  const { model, issues } = buildFromCrs(bodies.map((obj) => ({ kind: obj.kind as Kind, obj })));
  assert.deepEqual(issues, []);
  ecn = await startSimEcn(model, { flavor: 'skupper' });
  for (const b of bodies) server.cluster.create(rt(b.kind as Kind), NS, b);
  manager = new Manager({ router: ecn.url, flavor: 'skupper', observeIntervalMs: 60_000, syncIntervalMs: 60_000 });
  reconciler = new Reconciler({
    api: clientNodeApi(loadKubeConfig({ server: server.url })), namespace: NS, manager, debounceMs: 20,
    informer: { stallTimeoutMs: 1500, relistIntervalMs: 0, initialBackoffMs: 100, maxBackoffMs: 1000 },
  });
  await reconciler.start();
  await manager.start();
});

after(async () => {
  await reconciler?.stop();
  await manager?.stop();
  await ecn?.stop();
  await server?.stop();
});

test('the example CRs: every router configured, every CR Ready with its generation observed, finalizers added', async () => {
  await until(() => everyReady(), 'every CR Ready');
  const previews = await previewNetwork(manager.client, manager.currentModel().plan);
  assert.equal(previews.length, 5);
  for (const p of previews) assert.deepEqual(p.ops, [], `${p.router} still has operations to apply`);
  assert.deepEqual(getCr('Agent', 'edge-1')!.metadata.finalizers, [ROUTER_FINALIZER]);
  assert.deepEqual(getCr('Microservice', 'dashboard')!.metadata.finalizers, [ROUTER_FINALIZER]);
  assert.equal(getCr('Route', 'processor-to-dashboard')!.metadata.finalizers, undefined);
  // every status field written is one the CRDs declare (the API server prunes the others)
  for (const { kind, obj } of allCrs()) {
    const declared = new Set(['observedGeneration', 'conditions', ...Object.keys(KIND_STATUS_FIELDS[kind])]);
    for (const k of Object.keys(obj.status as object)) assert.ok(declared.has(k), `${kind} status.${k} is not in the CRD`);
  }
  assert.deepEqual((getCr('Microservice', 'dashboard')!.status as any).publicPorts.length, 1);
  assert.equal((getCr('Application', 'demo')!.status as any).microservices, 3, 'inline and Microservice objects');
  assert.equal((getCr('Agent', 'fog-1')!.status as any).mode, 'interior');
  assert.equal((getCr('ControlPlane', 'iofog')!.status as any).routerId, 'default-router');
  const agent = getCr('Agent', 'edge-2')!;
  assert.equal(condition(agent, 'RouterSynced')?.status, 'True');
  assert.match(condition(agent, 'Ready')!.message, /edge-2/);
});

test("an Agent's status lists its uplinks from the link graph", async () => {
  await manager.observeNow();
  await until(() => ((getCr('Agent', 'edge-1')?.status as any)?.uplinks ?? []).some((u: any) => u.to === 'fog-1' && u.state === 'up'), 'edge-1 uplink up in its status');
  assert.equal(condition(getCr('Agent', 'edge-1'), 'Degraded')?.status, 'False');
});

test('editing a Microservice updates its router and advances observedGeneration', async () => {
  const before = getCr('Microservice', 'dashboard')!;
  const spec = structuredClone(before.spec) as any;
  const oldPort = spec.container.ports[0].external as number;
  spec.container.ports[0].external = oldPort + 1;
  server.cluster.patch(rt('Microservice'), NS, 'dashboard', 'merge', { spec });
  const gen = getCr('Microservice', 'dashboard')!.metadata.generation!;
  assert.equal(gen, (before.metadata.generation ?? 1) + 1);
  await until(() => {
    const o = getCr('Microservice', 'dashboard')!;
    return (o.status as any)?.observedGeneration === gen && condition(o, 'Ready')?.status === 'True';
  }, 'dashboard Ready at its new generation');
  const connectors = await manager.client.target({ edge: 'edge-2' }).query('tcpConnector', ['name', 'port']);
  assert.ok(connectors.some((c) => String(c.port) === String(oldPort + 1)), JSON.stringify(connectors));
  assert.ok(!connectors.some((c) => String(c.port) === String(oldPort)));
});

test('a Route to a missing microservice: Ready False InvalidSpec naming it, a Warning Event; the rest stays Ready', async () => {
  server.cluster.create(rt('Route'), NS, { apiVersion: 'iofog.org/v3', kind: 'Route', metadata: { name: 'to-nowhere' }, spec: { application: 'demo', from: 'sensor', to: 'ghost' } });
  await until(() => condition(getCr('Route', 'to-nowhere'), 'Ready')?.reason === 'InvalidSpec', 'the invalid route reported');
  const ready = condition(getCr('Route', 'to-nowhere'), 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.match(ready.message, /ghost/);
  assert.match(ready.message, /spec\.to/);
  assert.ok(everyReady(['to-nowhere']), 'the other CRs stay Ready');
  const events = server.cluster.list(server.cluster.type('', 'v1', 'events'), NS).items;
  assert.ok(events.some((e: any) => e.involvedObject.name === 'to-nowhere' && e.reason === 'InvalidSpec' && e.type === 'Warning'));
  server.cluster.delete(rt('Route'), NS, 'to-nowhere');
});

test('a watch answered 410 Gone relists and goes on', async () => {
  const inf = reconciler.informers.get('Agent')!;
  const gone = inf.stats.restarts.gone;
  server.faults.goneOnNextWatch('agents');
  inf.relist();
  await until(() => inf.stats.restarts.gone > gone, '410 handled', 10_000);
  server.cluster.patch(rt('Agent'), NS, 'edge-3', 'merge', { metadata: { labels: { touched: 'after-410' } } });
  await until(() => inf.get(NS, 'edge-3')?.metadata.labels?.touched === 'after-410', 'a change after the 410 seen', 10_000);
});

test('a stalled watch is restarted by the watchdog; a change made during the stall arrives', async () => {
  const inf = reconciler.informers.get('Microservice')!;
  const stalls = inf.stats.restarts.stall;
  server.faults.stallOpenWatches('microservices');
  server.cluster.patch(rt('Microservice'), NS, 'dashboard', 'merge', { metadata: { labels: { during: 'stall' } } });
  await whenTrue(inf, ['restart', 'update'], () => inf.get(NS, 'dashboard')?.metadata.labels?.during === 'stall', 'the change seen after the stall', 15_000);
  assert.ok(inf.stats.restarts.stall > stalls);
});

test("a router that fails: its Agent's RouterSynced False naming router and error, a Warning Event; then recovered", async () => {
  const edge3 = ecn.routers.get('edge-3')!;
  edge3.faults.replies({ kind: 'fail', statusCode: 500, description: 'injected failure' });
  manager.scheduler.trigger('edge-3', 'manual');
  try {
    await until(() => condition(getCr('Agent', 'edge-3'), 'RouterSynced')?.reason === 'SyncFailed', 'edge-3 SyncFailed');
    const c = condition(getCr('Agent', 'edge-3'), 'RouterSynced')!;
    assert.equal(c.status, 'False');
    assert.match(c.message, /router edge-3: ECN_/);
    assert.equal(condition(getCr('Agent', 'edge-3'), 'Ready')?.status, 'False');
    await until(() => server.cluster.list(server.cluster.type('', 'v1', 'events'), NS).items.some((e: any) => e.involvedObject.name === 'edge-3' && e.reason === 'SyncFailed'), 'a SyncFailed event');
  } finally {
    edge3.faults.replies({ kind: 'normal' });
  }
  manager.scheduler.trigger('edge-3', 'manual');
  await until(() => condition(getCr('Agent', 'edge-3'), 'Ready')?.status === 'True', 'edge-3 Ready again');
});

test('deleting a Microservice: the finalizer holds it until its routers dropped its config', async () => {
  const bridges = async () => ({
    edge: (await manager.client.target({ edge: 'edge-2' }).query('tcpConnector', ['name'])).map((r) => String(r.name)).filter((n) => n.startsWith('ecn.')),
    interior: (await manager.client.target('local').query('tcpListener', ['name'])).map((r) => String(r.name)).filter((n) => n.startsWith('ecn.')),
  });
  const before = await bridges();
  assert.ok(before.edge.length > 0 && before.interior.length > 0, JSON.stringify(before));
  server.cluster.delete(rt('Microservice'), NS, 'dashboard');
  assert.ok(getCr('Microservice', 'dashboard')?.metadata.deletionTimestamp, 'held by the finalizer');
  await until(() => getCr('Microservice', 'dashboard') === undefined, 'dashboard gone');
  assert.deepEqual(await bridges(), { edge: [], interior: [] }, 'the public port bridge was removed before the finalizer');
  await until(() => condition(getCr('Route', 'processor-to-dashboard'), 'Ready')?.reason === 'InvalidSpec', 'the route to it reports the missing microservice');
});

test('deleting an Agent: out of the model, its router config removed, then the finalizer goes and so does the object', async () => {
  const edge1 = ecn.routers.get('edge-1')!;
  const owned = async () => (await manager.client.target({ edge: 'edge-1' }).query('router.config.address', ['name'])).map((r) => String(r.name)).filter((n) => n.startsWith('ecn.'));
  assert.ok((await owned()).length > 0, 'edge-1 carries the sensor route address');
  server.cluster.delete(rt('Agent'), NS, 'edge-1');
  assert.ok(getCr('Agent', 'edge-1')?.metadata.deletionTimestamp, 'held by the finalizer');
  await until(() => getCr('Agent', 'edge-1') === undefined, 'edge-1 gone');
  assert.equal(manager.currentModel().model.agents.has('edge-1'), false);
  assert.deepEqual(await owned(), [], 'the route address on edge-1 was removed before the finalizer');
  assert.ok(edge1);
  // the inline microservice on it is now invalid, and its Application says why
  await until(() => condition(getCr('Application', 'demo'), 'Ready')?.status === 'False', 'demo reports the missing agent');
  assert.match(condition(getCr('Application', 'demo'), 'Ready')!.message, /edge-1/);
});
