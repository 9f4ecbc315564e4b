import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlPlaneObjects, routerDeploymentSpec, routerEndpoints, DEFAULT_ROUTER_IMAGE, ControlPlaneResources } from '../../src/kube/controlplane.js';
import { buildFromCrs } from '../../src/kube/cr-source.js';
import type { KubeApi } from '../../src/kube/kube-api.js';
import type { KubeObject } from '../../src/kube/supervised-informer.js';
import { ManualClock } from '../../src/clock.js';
import { exampleCrs } from './example-crs.js';

async function setup(specPatch: Record<string, unknown> = {}) {
  const crs = await exampleCrs('ecn');
  const cp = crs.find((c) => c.kind === 'ControlPlane')!;
  cp.obj.metadata.uid = 'cp-uid';
  cp.obj.spec = { ...(cp.obj.spec as object), ...specPatch };
  const { model } = buildFromCrs(crs);
  return { cr: cp.obj, model };
}

const byKind = (objs: KubeObject[]) => new Map(objs.map((o) => [o.kind!, o as any]));

test('defaults: LoadBalancer Service, one replica, the default image, the bootstrap config, owned by the CR', async () => {
  const { cr, model } = await setup();
  const objs = controlPlaneObjects(cr, model, 'ecn');
  assert.deepEqual(objs.map((o) => o.kind), ['ServiceAccount', 'ConfigMap', 'Deployment', 'Service']);
  const k = byKind(objs);
  for (const o of objs) {
    assert.equal(o.metadata.namespace, 'ecn');
    assert.deepEqual((o.metadata.ownerReferences as any[])[0], { apiVersion: 'iofog.org/v3', kind: 'ControlPlane', name: 'iofog', uid: 'cp-uid', controller: true, blockOwnerDeletion: true });
  }
  const dep = k.get('Deployment');
  assert.equal(dep.spec.replicas, 1);
  assert.equal(dep.spec.template.spec.containers[0].image, DEFAULT_ROUTER_IMAGE);
  assert.equal(dep.spec.template.spec.volumes[0].configMap.name, 'iofog-router-config');
  const conf = JSON.parse(k.get('ConfigMap').data['skrouterd.json']);
  assert.deepEqual(conf[0], ['router', { mode: 'interior', id: 'default-router' }]);
  assert.ok(conf.some(([t, a]: [string, any]) => t === 'listener' && a.role === 'edge' && String(a.port) === '45672'));
  assert.match(k.get('ConfigMap').data['qdrouterd.conf'], /^router \{/);
  const svc = k.get('Service');
  assert.equal(svc.spec.type, 'LoadBalancer');
  assert.deepEqual(svc.spec.ports.map((p: any) => p.port), [5672, 55672, 45672]);
  assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
});

test('the spec decides: image, replicas (with auto-mesh Role), ClusterIP + Ingress at ingresses.router.address', async () => {
  const { cr, model } = await setup({ images: { router: 'example/router:9' }, replicas: { router: 2 }, services: { router: { type: 'ClusterIP' } } });
  const objs = controlPlaneObjects(cr, model, 'ecn');
  assert.deepEqual(objs.map((o) => o.kind), ['ServiceAccount', 'ConfigMap', 'Role', 'RoleBinding', 'Deployment', 'Service', 'Ingress']);
  const k = byKind(objs);
  assert.equal(k.get('Deployment').spec.replicas, 2);
  assert.equal(k.get('Deployment').spec.template.spec.containers[0].image, 'example/router:9');
  assert.equal(k.get('Service').spec.type, 'ClusterIP');
  assert.equal(k.get('Ingress').spec.rules[0].host, '127.0.0.1');
  assert.deepEqual(k.get('Role').rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
});

test('the service type default comes from the options (the deploy overlays), bad values are named', async () => {
  const { cr } = await setup();
  assert.equal(routerDeploymentSpec(cr, undefined, 'ClusterIP').serviceType, 'ClusterIP');
  const bad = await setup({ services: { router: { type: 'Bogus' } } });
  assert.throws(() => routerDeploymentSpec(bad.cr), /spec\.services\.router\.type "Bogus"/);
  const badReplicas = await setup({ replicas: { router: -1 } });
  assert.throws(() => routerDeploymentSpec(badReplicas.cr), /spec\.replicas\.router/);
});

test('nothing for a ControlPlane that is not the model\'s', async () => {
  const { cr, model } = await setup();
  assert.deepEqual(controlPlaneObjects({ ...cr, metadata: { ...cr.metadata, name: 'other' } }, model, 'ecn'), []);
});

test('endpoints from the Service: in-cluster always, external from the load balancer', async () => {
  const { model } = await setup();
  const svc = { metadata: { name: 'iofog-router' }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } };
  const e = routerEndpoints(svc, 'ecn', model) as any;
  assert.equal(e.routerAddress, '203.0.113.7');
  assert.equal(e.endpoints.inCluster.amqp, 'amqp://iofog-router.ecn.svc:5672');
  assert.equal(e.endpoints.external.edge, '203.0.113.7:45672');
  const pending = routerEndpoints({ ...svc, status: {} }, 'ecn', model) as any;
  assert.equal(pending.endpoints.external, null);
  assert.equal(pending.routerAddress, undefined);
});

test('applies only when something changed (or after the refresh interval)', async () => {
  const { cr, model } = await setup();
  const applied: string[] = [];
  const api = { apply: async (o: KubeObject) => { applied.push(o.kind!); return o; } } as unknown as KubeApi;
  const clock = new ManualClock(0);
  const r = new ControlPlaneResources({ api, namespace: 'ecn', model: () => model, clock, refreshMs: 60_000 });
  await r.reconcile(cr);
  await r.reconcile(cr);
  assert.equal(applied.length, 4);
  clock.advance(60_000);
  await r.reconcile(cr);
  assert.equal(applied.length, 8);
  await r.reconcile({ ...cr, spec: { ...(cr.spec as object), replicas: { router: 3 } } });
  assert.equal(applied.length, 14, 'a spec change: applied again (now with Role and RoleBinding)');
});
