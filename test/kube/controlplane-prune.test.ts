/**
 * Pruning the ControlPlane's children the spec no longer wants, against the fake API server (sim/kube) with the real
 * client-node: ClusterIP + Ingress → LoadBalancer deletes the Ingress; two replicas → one deletes the auto-mesh Role
 * and RoleBinding; an object of the same name the manager does not own (no owner reference to this ControlPlane, or
 * not applied by the manager) survives. The test's own writes go through `server.cluster` (no HTTP, not audited).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiServer } from '../../sim/kube/index.js';
import { ControlPlaneResources } from '../../src/kube/controlplane.js';
import { clientNodeApi } from '../../src/kube/kube-api.js';
import { loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { buildFromCrs } from '../../src/kube/cr-source.js';
import { FIELD_MANAGER, PLURALS } from '../../src/kube/kinds.js';
import { ownedChild, pruneChildren } from '../../src/kube/prune.js';
import type { KubeApi } from '../../src/kube/kube-api.js';
import type { KubeObject } from '../../src/kube/supervised-informer.js';
import type { EcnModel } from '../../src/model/ecn.js';
import { exampleCrs } from './example-crs.js';

const NS = 'ecn';
const NAME = 'iofog-router';
let server: KubeApiServer;
let model: EcnModel;
let api: KubeApi;

const cpType = () => server.cluster.type('iofog.org', 'v3', PLURALS.ControlPlane);
const types = {
  Ingress: () => server.cluster.type('networking.k8s.io', 'v1', 'ingresses'),
  Role: () => server.cluster.type('rbac.authorization.k8s.io', 'v1', 'roles'),
  RoleBinding: () => server.cluster.type('rbac.authorization.k8s.io', 'v1', 'rolebindings'),
  Service: () => server.cluster.type('', 'v1', 'services'),
} as const;
const find = (kind: keyof typeof types, name = NAME, ns = NS): any => {
  try { return server.cluster.get(types[kind](), ns, name); } catch { return undefined; }
};
const deletes = () => server.audit.entries((e) => e.verb === 'delete');

/** Sets the ControlPlane's spec (services, replicas) and returns it as the informer would. */
function setSpec(spec: Record<string, unknown>): KubeObject {
  return server.cluster.patch(cpType(), NS, 'iofog', 'merge', { spec }).object as KubeObject;
}

before(async () => {
  server = new KubeApiServer({ preloadIofogCrds: true, namespaces: ['default', NS, 'elsewhere'], audit: true });
  await server.start();
  const crs = await exampleCrs(NS);
  model = buildFromCrs(crs).model;
  const cp = crs.find((c) => c.kind === 'ControlPlane')!.obj;
  const { uid: _uid, resourceVersion: _rv, generation: _g, creationTimestamp: _c, ...metadata } = cp.metadata;
  server.cluster.create(cpType(), NS, { ...cp, metadata });
  api = clientNodeApi(loadKubeConfig({ server: server.url }));
});

after(async () => { await server?.stop(); });

const resources = () => new ControlPlaneResources({ api, namespace: NS, model: () => model });

test('ClusterIP with an Ingress → LoadBalancer: the Ingress deleted, the Service type changed', async () => {
  const r = resources();
  await r.reconcile(setSpec({ services: { router: { type: 'ClusterIP' } }, replicas: { router: 1 } }));
  const ingress = find('Ingress');
  assert.ok(ingress, 'the Ingress applied');
  assert.equal(find('Service').spec.type, 'ClusterIP');
  assert.ok(ingress.metadata.managedFields.some((f: any) => f.manager === FIELD_MANAGER));

  server.audit.clear();
  const extra = await r.reconcile(setSpec({ services: { router: { type: 'LoadBalancer' } } })) as any;
  assert.equal(find('Ingress'), undefined, 'the Ingress deleted');
  assert.equal(find('Service').spec.type, 'LoadBalancer');
  assert.equal(extra.endpoints.serviceType, 'LoadBalancer');
  assert.equal(r.prunes, 1);
  assert.deepEqual(deletes().map((e) => `${e.resource} ${e.name} ${e.code}`), [`ingresses ${NAME} 200`]);
  // the Role and RoleBinding were never there: looked up (404), not deleted
  assert.deepEqual(server.audit.entries((e) => e.verb === 'get').map((e) => `${e.resource} ${e.code}`).sort(), ['ingresses 200', 'rolebindings 404', 'roles 404']);
});

test('two replicas → one: the auto-mesh Role and RoleBinding deleted (the binding first)', async () => {
  const r = resources();
  await r.reconcile(setSpec({ services: { router: { type: 'LoadBalancer' } }, replicas: { router: 2 } }));
  assert.ok(find('Role') && find('RoleBinding'), 'Role and RoleBinding applied');
  server.audit.clear();
  await r.reconcile(setSpec({ replicas: { router: 1 } }));
  assert.equal(find('Role'), undefined);
  assert.equal(find('RoleBinding'), undefined);
  assert.deepEqual(deletes().map((e) => e.resource), ['rolebindings', 'roles']);
  const dep = server.cluster.get(server.cluster.type('apps', 'v1', 'deployments'), NS, NAME) as any;
  assert.equal(dep.spec.replicas, 1);
  assert.ok(!dep.spec.template.spec.containers[0].env.some((e: any) => e.name === 'QDROUTERD_AUTO_MESH_DISCOVERY'));
});

test('an object of the same name the manager does not own survives', async () => {
  const cp = server.cluster.get(cpType(), NS, 'iofog') as KubeObject;
  const ours = { apiVersion: 'iofog.org/v3', kind: 'ControlPlane', name: 'iofog', uid: cp.metadata.uid, controller: true, blockOwnerDeletion: true };
  const spec = { rules: [{ host: 'router.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: NAME, port: { number: 5672 } } } }] } }] };
  let prunes = 0;
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a user\'s Ingress: no owner reference', {}],
    ['owned by another ControlPlane (another uid), though labelled as ours', { ownerReferences: [{ ...ours, uid: 'another-uid' }], labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER } }],
    ['our owner reference, but written by someone else (kubectl)', { ownerReferences: [ours] }],
  ];
  for (const [why, meta] of cases) {
    server.cluster.create(types.Ingress(), NS, { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: NAME, ...meta }, spec }, { manager: 'kubectl-client-side-apply' });
    server.audit.clear();
    const r = resources(); // a fresh one each time: as after a restart, the first reconcile applies (and prunes)
    await r.reconcile(setSpec({ services: { router: { type: 'LoadBalancer' } }, replicas: { router: 1 } }));
    prunes += r.prunes;
    assert.ok(find('Ingress'), `${why}: survives`);
    assert.deepEqual(deletes(), [], `${why}: no DELETE`);
    assert.ok(server.audit.entries((e) => e.verb === 'get' && e.resource === 'ingresses').length === 1, `${why}: looked at`);
    server.cluster.delete(types.Ingress(), NS, NAME);
  }
  assert.equal(prunes, 0);
});

test('ownedChild: namespace, owner uid, and the manager\'s field manager or label', () => {
  const owner = { metadata: { name: 'iofog', uid: 'u1' } } as KubeObject;
  const ref = [{ kind: 'ControlPlane', name: 'iofog', uid: 'u1' }];
  const base = { metadata: { name: NAME, namespace: NS, ownerReferences: ref, managedFields: [{ manager: FIELD_MANAGER }] } } as unknown as KubeObject;
  assert.equal(ownedChild(base, owner, NS), true);
  assert.equal(ownedChild(base, owner, 'elsewhere'), false, 'another namespace');
  assert.equal(ownedChild(base, { metadata: { name: 'iofog' } }, NS), false, 'an owner without uid proves nothing');
  assert.equal(ownedChild({ metadata: { ...base.metadata, ownerReferences: [{ ...ref[0], uid: 'u2' }] } } as KubeObject, owner, NS), false);
  assert.equal(ownedChild({ metadata: { ...base.metadata, managedFields: [{ manager: 'kubectl' }] } } as unknown as KubeObject, owner, NS), false);
  assert.equal(ownedChild({ metadata: { ...base.metadata, managedFields: [], labels: { 'app.kubernetes.io/managed-by': FIELD_MANAGER } } } as unknown as KubeObject, owner, NS), true, 'by label');
});

test('a replaced object (uid changed between GET and DELETE) is left alone; a KubeApi without getChild prunes nothing', async () => {
  const owner = { metadata: { name: 'iofog', uid: 'u1' } } as KubeObject;
  const seen: string[] = [];
  const racing = {
    getChild: async (kind: string) => ({ kind, metadata: { name: NAME, namespace: NS, uid: 'old', ownerReferences: [{ kind: 'ControlPlane', uid: 'u1' }], managedFields: [{ manager: FIELD_MANAGER }] } }),
    deleteChild: async (kind: string, _ns: string, _name: string, uid: string) => {
      seen.push(`${kind} ${uid}`);
      throw Object.assign(new Error('Precondition failed: UID'), { code: 409 });
    },
  } as unknown as KubeApi;
  assert.deepEqual(await pruneChildren(racing, owner, NS, [{ kind: 'Role', name: NAME }, { kind: 'Ingress', name: NAME }]), []);
  assert.deepEqual(seen, ['Ingress old', 'Role old'], 'Ingress first, with the uid as precondition');
  const forbidden = { ...racing, deleteChild: async () => { throw Object.assign(new Error('forbidden'), { code: 403 }); } } as unknown as KubeApi;
  await assert.rejects(pruneChildren(forbidden, owner, NS, [{ kind: 'Role', name: NAME }]), /forbidden/);
  assert.deepEqual(await pruneChildren({ apply: async (o: KubeObject) => o } as unknown as KubeApi, owner, NS, [{ kind: 'Role', name: NAME }]), []);
});
