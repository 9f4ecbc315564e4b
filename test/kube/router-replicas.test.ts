/**
 * The pieces of "one management connection per interior router replica": distinct router ids in the rendered config
 * when the Deployment runs more than one replica; the ready endpoints of the router Service from its EndpointSlices
 * (pure, then listed and watched on the fake API server); the per-replica connections (one client per replica,
 * closed when it goes, replica targets sent to it, the rest to the primary); the replicas' plans; the interior's
 * status made of its replicas'; the observation folded so that edges on any replica hang off the control plane.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { controlPlaneObjects, replicaRouterId } from '../../src/kube/controlplane.js';
import { buildFromCrs } from '../../src/kube/cr-source.js';
import { connectKube } from '../../src/kube/source.js';
import { endpointsFromSlices, RouterReplicaDiscovery, type RouterEndpoint } from '../../src/kube/router-replicas.js';
import { InteriorReplicas, replicaPlans } from '../../src/manager/interior-replicas.js';
import { aggregateStatus } from '../../src/manager/replica-status.js';
import { foldReplicas } from '../../src/observe/observer.js';
import type { ObservedNetwork } from '../../src/observe/types.js';
import type { ManagementClient } from '../../src/router/client.js';
import type { NetworkPlan, RouterPlan } from '../../src/plan/types.js';
import { replicaTargetAddress } from '../../src/plan/types.js';
import type { RouterSyncStatus } from '../../src/sync/index.js';
import { KubeApiServer } from '../../sim/kube/index.js';
import { exampleCrs } from './example-crs.js';

test('more than one replica: each gets its own router id from its host name; one replica: the config is unchanged', async () => {
  const crs = await exampleCrs('ecn');
  const cp = crs.find((c) => c.kind === 'ControlPlane')!;
  const { model } = buildFromCrs(crs);
  const render = (replicas: number) => {
    const objs = controlPlaneObjects({ ...cp.obj, spec: { ...(cp.obj.spec as object), replicas: { router: replicas } } }, model, 'ecn');
    const cm = objs.find((o) => o.kind === 'ConfigMap') as any;
    const dep = objs.find((o) => o.kind === 'Deployment') as any;
    return { json: cm.data['skrouterd.json'] as string, conf: cm.data['qdrouterd.conf'] as string, hash: dep.spec.template.metadata.annotations['ecn.iofog.org/config-hash'] };
  };
  const one = render(1);
  assert.deepEqual(JSON.parse(one.json)[0], ['router', { mode: 'interior', id: 'default-router' }]);
  assert.match(one.conf, /^ {4}id: default-router$/m);
  const two = render(2);
  assert.deepEqual(JSON.parse(two.json)[0], ['router', { mode: 'interior', id: 'default-router-${HOSTNAME}' }]);
  assert.match(two.conf, /^ {4}id: default-router-\$HOSTNAME$/m);
  assert.equal(replicaRouterId('r', 'json'), 'r-${HOSTNAME}');
  // everything but the id is the same; the pods roll when the id scheme changes
  assert.equal(two.json.replace('-${HOSTNAME}', ''), one.json);
  assert.notEqual(two.hash, one.hash);
  assert.deepEqual(render(3), two);
});

const slice = (name: string, port: number | undefined, endpoints: unknown[], portName = 'amqp', extra: Record<string, unknown> = {}) => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
  metadata: { name, labels: { 'kubernetes.io/service-name': 'iofog-router' } },
  addressType: 'IPv4', endpoints, ports: port === undefined ? [] : [{ name: portName, port, protocol: 'TCP' }, { name: 'edge', port: 45672, protocol: 'TCP' }], ...extra,
});
const pod = (ip: string, name?: string, conditions: Record<string, unknown> = { ready: true }) => ({ addresses: [ip], conditions, ...(name ? { targetRef: { kind: 'Pod', name } } : {}) });

test('endpointsFromSlices: ready endpoints with the message port, keyed by pod, sorted, deduplicated', () => {
  const got = endpointsFromSlices([
    slice('a', 5672, [pod('10.0.0.2', 'router-b'), pod('10.0.0.1', 'router-a'), pod('10.0.0.3', 'router-c', { ready: false }), pod('10.0.0.4', 'router-d', { ready: true, terminating: true })]),
    slice('b', 5672, [pod('10.0.0.5'), pod('10.0.0.1', 'router-a'), pod('10.0.0.6', 'router-e', {})]),
    slice('c', 5673, [pod('10.0.0.7', 'router-f')], 'other'),
    slice('d', 5672, [pod('fd00::8', 'router-g')], 'amqp', { addressType: 'IPv6' }),
  ] as any);
  assert.deepEqual(got, [
    { key: '10.0.0.5', url: 'amqp://10.0.0.5:5672' },
    { key: 'router-a', url: 'amqp://10.0.0.1:5672' },
    { key: 'router-b', url: 'amqp://10.0.0.2:5672' },
    { key: 'router-e', url: 'amqp://10.0.0.6:5672' }, // no ready condition: ready, as the API says
    { key: 'router-g', url: 'amqp://[fd00::8]:5672' },
  ]);
  assert.deepEqual(endpointsFromSlices([slice('x', undefined, [pod('10.0.0.1', 'a')])] as any), []);
});

test('RouterReplicaDiscovery lists and watches the Service\'s slices on the API server and emits each new set', async () => {
  const server = new KubeApiServer({ namespaces: ['ecn'] });
  await server.start();
  const rt = server.cluster.type('discovery.k8s.io', 'v1', 'endpointslices');
  server.cluster.create(rt, 'ecn', slice('iofog-router-1', 5672, [pod('10.0.0.1', 'p1')]));
  server.cluster.create(rt, 'ecn', { ...slice('other', 5672, [pod('10.9.9.9', 'x')]), metadata: { name: 'other', labels: { 'kubernetes.io/service-name': 'other' } } });
  const kube = await connectKube({ server: server.url, namespace: 'ecn', routerResources: false });
  const d = new RouterReplicaDiscovery({ api: kube.api as any, namespace: 'ecn', service: 'iofog-router', informer: { minWatchMs: 0 } });
  const sets: RouterEndpoint[][] = [];
  const next = () => new Promise<RouterEndpoint[]>((resolve) => d.once('change', resolve));
  d.on('change', (s) => sets.push(s));
  try {
    const first = next();
    await d.start();
    assert.deepEqual(await first, [{ key: 'p1', url: 'amqp://10.0.0.1:5672' }]);
    let changed = next();
    server.cluster.create(rt, 'ecn', slice('iofog-router-2', 5673, [pod('10.0.0.2', 'p2')]));
    assert.deepEqual((await changed).map((e) => e.key), ['p1', 'p2']);
    changed = next();
    server.cluster.patch(rt, 'ecn', 'iofog-router-1', 'merge', { endpoints: [pod('10.0.0.1', 'p1', { ready: false })] });
    assert.deepEqual(await changed, [{ key: 'p2', url: 'amqp://10.0.0.2:5673' }]);
    changed = next();
    server.cluster.delete(rt, 'ecn', 'iofog-router-2');
    assert.deepEqual(await changed, []);
    assert.equal(sets.length, 4, 'one emission per change of the set');
  } finally {
    d.stop();
    await server.stop();
  }
});

/** A stand-in for ManagementClient: records what was asked of it. */
class FakeClient extends EventEmitter {
  state: 'idle' | 'ready' | 'closed' = 'idle';
  flavor = 'skupper' as const;
  readonly targets: unknown[] = [];
  readonly local: { name: string };
  constructor(readonly url: string, private readonly id: string) { super(); this.local = { name: `local:${url}` }; }
  connect(): Promise<void> { this.state = 'ready'; queueMicrotask(() => this.emit('connected', { reconnected: false })); return Promise.resolve(); }
  close(): Promise<void> { this.state = 'closed'; return Promise.resolve(); }
  query(type: string): Promise<Array<Record<string, unknown>>> { return Promise.resolve(type === 'router' ? [{ id: this.id }] : []); }
  target(spec: unknown): unknown { this.targets.push(spec); return { via: this.url, spec }; }
}

test('InteriorReplicas: a client per replica from two up, ids read from each, closed when gone; targets multiplexed', async () => {
  const primary = new FakeClient('amqp://svc:5672', 'r-a');
  const made: FakeClient[] = [];
  const reps = new InteriorReplicas({
    primary: primary as unknown as ManagementClient,
    makeClient: (url) => { const c = new FakeClient(url, `r-${url.slice(-1)}`); made.push(c); return c as unknown as ManagementClient; },
  });
  const connected = (n: number) => new Promise<void>((resolve) => { let k = 0; const on = () => { if (++k === n) { reps.off('replica-connected', on); resolve(); } }; reps.on('replica-connected', on); });
  reps.setEndpoints([{ key: 'a', url: 'amqp://10.0.0.1:a' }]);
  assert.equal(made.length, 0, 'one replica: the primary connection is all there is');
  assert.equal(reps.active, false);
  let up = connected(2);
  reps.setEndpoints([{ key: 'a', url: 'amqp://10.0.0.1:a' }, { key: 'b', url: 'amqp://10.0.0.2:b' }]);
  await up;
  assert.equal(reps.active, true);
  assert.deepEqual(reps.status().map((r) => [r.key, r.routerId, r.state]), [['a', 'r-a', 'ready'], ['b', 'r-b', 'ready']]);
  assert.deepEqual([...reps.routerIds()], [['r-a', 'a'], ['r-b', 'b']]);
  // a replica's target is its own agent; edges and the rest go through the primary connection
  assert.equal(reps.target({ address: replicaTargetAddress('b') }), made[1]!.local);
  assert.deepEqual(reps.target({ edge: 'edge-1' }), { via: 'amqp://svc:5672', spec: { edge: 'edge-1' } });
  await assert.rejects(reps.target({ address: replicaTargetAddress('zz') }).query('listener'), { code: 'ECN_MGMT_UNREACHABLE' });
  // c comes, b goes: b's client closed; a url change is a new client
  up = connected(2);
  reps.setEndpoints([{ key: 'a', url: 'amqp://10.0.0.9:a' }, { key: 'c', url: 'amqp://10.0.0.3:c' }]);
  await up;
  assert.deepEqual(made.map((c) => [c.url, c.state]), [['amqp://10.0.0.1:a', 'closed'], ['amqp://10.0.0.2:b', 'closed'], ['amqp://10.0.0.9:a', 'ready'], ['amqp://10.0.0.3:c', 'ready']]);
  assert.deepEqual(reps.keys(), ['a', 'c']);
  reps.setEndpoints(undefined);
  assert.deepEqual(made.map((c) => c.state), ['closed', 'closed', 'closed', 'closed']);
  assert.deepEqual(reps.status(), []);
  assert.equal(primary.state, 'idle', 'the primary is the manager\'s to close');
  await reps.close();
});

test('replicaPlans: the interior\'s plan copied to each replica in place of the local one; nothing without replicas', () => {
  const local: RouterPlan = { routerId: 'int', mode: 'interior', reach: { kind: 'local' }, entities: [{ type: 'listener', name: 'ecn.l', attributes: {}, owner: 'x' }], conditions: [] };
  const edge: RouterPlan = { routerId: 'e1', mode: 'edge', agent: 'e1', reach: { kind: 'edge', id: 'e1' }, entities: [], conditions: [] };
  const plan: NetworkPlan = { routers: new Map([['int', local], ['e1', edge]]) };
  assert.equal(replicaPlans(plan, 'int', []).plan, plan);
  assert.equal(replicaPlans(plan, 'e1', ['p1']).plan, plan, 'only the local plan is copied');
  const run = replicaPlans(plan, 'int', ['p1', 'p2']).plan;
  assert.deepEqual([...run.routers.keys()].sort(), ['e1', 'int@p1', 'int@p2']);
  assert.deepEqual(run.routers.get('int@p2'), { ...local, routerId: 'int@p2', reach: { kind: 'replica', key: 'p2' } });
  assert.equal(run.routers.get('e1'), edge);
});

test('aggregateStatus: the interior is in sync when every replica is; its last pass is the oldest replica\'s', () => {
  const st = (router: string, state: RouterSyncStatus['state'], lastSyncAt?: number, startedAt?: number, ok = true): RouterSyncStatus => ({
    router, state, consecutiveFailures: ok ? 0 : 2, ...(lastSyncAt === undefined ? {} : { lastSyncAt }),
    ...(startedAt === undefined ? {} : { lastResult: { router, reason: 'drift', ok, queries: 1, creates: 0, updates: 0, deletes: 0, errors: 0, planned: 0, mode: 'full', startedAt, finishedAt: startedAt + 1 } }),
  });
  assert.equal(aggregateStatus('int', []), undefined);
  const both = aggregateStatus('int', [st('int@a', 'in-sync', 10, 9), st('int@b', 'in-sync', 20, 19)])!;
  assert.deepEqual([both.router, both.state, both.lastSyncAt, both.lastResult?.startedAt, both.lastResult?.router], ['int', 'in-sync', 10, 9, 'int']);
  const one = aggregateStatus('int', [st('int@a', 'in-sync', 10, 9), st('int@b', 'backoff', undefined, 30, false)])!;
  assert.deepEqual([one.state, one.lastSyncAt, one.lastResult?.ok, one.consecutiveFailures], ['backoff', undefined, false, 2]);
  assert.equal(aggregateStatus('int', [st('int@a', 'in-sync', 10, 9), st('int@b', 'pending')])!.state, 'pending');
});

test('foldReplicas: edges on any replica hang off the control plane\'s interior; replicas\' rows go under their plan keys', () => {
  const o: ObservedNetwork = {
    at: 0, flavor: 'skupper', interiorId: 'int-p1', errors: [], restarts: [],
    interiors: new Map([
      ['int-p1', { id: 'int-p1', instance: 1, linkState: ['int-p2', 'fog'], self: true, cost: 0 }],
      ['int-p2', { id: 'int-p2', instance: 2, linkState: ['int-p1'], self: false, cost: 1 }],
      ['fog', { id: 'fog', instance: 3, linkState: ['int-p1'], self: false, cost: 1 }],
    ]),
    edges: new Map([
      ['e1', { edgeId: 'e1', interiorId: 'int-p2', connectionId: '7', uptimeSeconds: 5, active: true, operStatus: 'up', host: undefined }],
      ['e2', { edgeId: 'e2', interiorId: 'fog', connectionId: '8', uptimeSeconds: 5, active: true, operStatus: 'up', host: undefined }],
    ]),
    edgeAddresses: new Map([['e1', { edgeId: 'e1', subscriberCount: 0, remoteHostRouters: ['int-p2'] }]]),
    addresses: new Map(),
    routers: new Map(),
  };
  const f = foldReplicas(o, { interiorId: 'int', byRouterId: new Map([['int-p1', 'int@p1'], ['int-p2', 'int@p2']]) });
  assert.equal(f.interiorId, 'int');
  assert.deepEqual([...f.interiors.keys()], ['int@p1', 'int@p2', 'fog']);
  assert.deepEqual(f.interiors.get('int@p1')!.linkState, ['int@p2'], 'the mesh; its link to fog is the control plane\'s');
  assert.deepEqual(f.interiors.get('fog')!.linkState, ['int'], 'a link to a replica is a link to the control plane');
  assert.deepEqual(f.edges.get('e1'), { ...o.edges.get('e1')!, interiorId: 'int', replica: 'int@p2' });
  assert.equal(f.edges.get('e2'), o.edges.get('e2'));
  assert.deepEqual(f.edgeAddresses.get('e1')!.remoteHostRouters, ['int']);
  assert.equal(foldReplicas(o, { interiorId: 'int', byRouterId: new Map() }), o);
});
