import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AppsV1Api, CoordinationV1Api, CoreV1Api, EventsV1Api, NetworkingV1Api, PatchStrategy, RbacAuthorizationV1Api, V1MicroTime,
  setHeaderOptions, type V1Deployment,
} from '@kubernetes/client-node';
import { startKube, failure } from './kube-client.js';
import { ManualClock } from '../../src/clock.js';

const deployment = (name: string, image = 'nginx:1'): V1Deployment => ({
  metadata: { name, labels: { app: name } },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
  },
});

test('CoreV1Api: configmap, secret, service and namespace CRUD with Status errors', async (t) => {
  const { server, kc } = await startKube();
  t.after(() => server.stop());
  const core = kc.makeApiClient(CoreV1Api);

  const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg', labels: { tier: 'a' } }, data: { k: 'v' } } });
  assert.ok(cm.metadata?.uid);
  assert.ok(cm.metadata?.creationTimestamp instanceof Date);
  assert.match(cm.metadata!.resourceVersion!, /^\d+$/);

  const dup = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' } } }));
  assert.equal(dup.code, 409);
  assert.equal(dup.body.kind, 'Status');
  assert.equal(dup.body.reason, 'AlreadyExists');

  const missing = await failure(core.readNamespacedConfigMap({ namespace: 'default', name: 'nope' }));
  assert.equal(missing.code, 404);
  assert.equal(missing.body.reason, 'NotFound');
  assert.equal(missing.body.message, 'configmaps "nope" not found');

  const noNs = await failure(core.createNamespacedConfigMap({ namespace: 'ghost', body: { metadata: { name: 'x' } } }));
  assert.equal(noNs.code, 404);
  assert.equal(noNs.body.message, 'namespaces "ghost" not found');

  const bad = await failure(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Bad_Name' } } }));
  assert.equal(bad.code, 422);
  assert.equal(bad.body.reason, 'Invalid');

  // replace with the current resourceVersion works, a stale one is a 409 Conflict
  const read = await core.readNamespacedConfigMap({ namespace: 'default', name: 'cfg' });
  const replaced = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { ...read, data: { k: 'w' } } });
  assert.ok(Number(replaced.metadata!.resourceVersion) > Number(read.metadata!.resourceVersion));
  assert.equal(replaced.metadata!.uid, read.metadata!.uid);
  const stale = await failure(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { ...read, data: { k: 'x' } } }));
  assert.equal(stale.code, 409);
  assert.equal(stale.body.reason, 'Conflict');
  assert.match(stale.body.message, /the object has been modified/);

  // a no-op replace keeps the resourceVersion
  const same = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: replaced });
  assert.equal(same.metadata!.resourceVersion, replaced.metadata!.resourceVersion);

  // secrets: stringData becomes base64 data
  const secret = await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's' }, stringData: { password: 'hunter2' } } });
  assert.equal(secret.data!.password, Buffer.from('hunter2').toString('base64'));
  assert.equal(secret.type, 'Opaque');

  // services get a cluster IP
  const svc = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'svc' }, spec: { type: 'LoadBalancer', ports: [{ port: 5672 }] } } });
  assert.match(svc.spec!.clusterIP!, /^10\.96\./);
  assert.equal(svc.spec!.ports![0]!.protocol, 'TCP');

  // selectors and pagination
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg2', labels: { tier: 'b' } } } });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg3', labels: { tier: 'b' } } } });
  const byLabel = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'tier in (b),tier!=a' });
  assert.deepEqual(byLabel.items.map((i) => i.metadata!.name), ['cfg2', 'cfg3']);
  const byField = await core.listNamespacedConfigMap({ namespace: 'default', fieldSelector: 'metadata.name=cfg3' });
  assert.deepEqual(byField.items.map((i) => i.metadata!.name), ['cfg3']);
  const page1 = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2 });
  assert.equal(page1.items.length, 2);
  assert.ok(page1.metadata!._continue);
  const page2 = await core.listNamespacedConfigMap({ namespace: 'default', limit: 2, _continue: page1.metadata!._continue! });
  assert.deepEqual(page2.items.map((i) => i.metadata!.name), ['cfg3']);
  const all = await core.listConfigMapForAllNamespaces();
  assert.equal(all.items.length, 3);
  assert.match(all.metadata!.resourceVersion!, /^\d+$/);

  // namespaces are cluster-scoped; deleting one removes its content, then itself
  await core.createNamespace({ body: { metadata: { name: 'team' } } });
  await core.createNamespacedConfigMap({ namespace: 'team', body: { metadata: { name: 'in-team' } } });
  await core.deleteNamespace({ name: 'team' });
  await server.settled();
  assert.equal((await failure(core.readNamespace({ name: 'team' }))).code, 404);
  assert.equal((await core.listNamespacedConfigMap({ namespace: 'team' })).items.length, 0);

  await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'cfg' });
  assert.equal((await failure(core.readNamespacedConfigMap({ namespace: 'default', name: 'cfg' }))).code, 404);
});

test('AppsV1Api: deployments, generation on spec changes only, status subresource, patches', async (t) => {
  const { server, kc } = await startKube();
  t.after(() => server.stop());
  const apps = kc.makeApiClient(AppsV1Api);

  const d = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('web') });
  assert.equal(d.metadata!.generation, 1);
  assert.equal(d.spec!.replicas, 1);

  const labelled = await apps.patchNamespacedDeployment({ namespace: 'default', name: 'web', body: { metadata: { labels: { extra: 'yes' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  assert.equal(labelled.metadata!.generation, 1, 'metadata changes do not bump the generation');
  assert.equal(labelled.metadata!.labels!.extra, 'yes');

  const scaled = await apps.patchNamespacedDeployment({ namespace: 'default', name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: 3 }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
  assert.equal(scaled.metadata!.generation, 2);
  assert.equal(scaled.spec!.replicas, 3);

  // strategic merge patch merges the containers list by name
  const smp = await apps.patchNamespacedDeployment({
    namespace: 'default', name: 'web',
    body: { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } },
  }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
  assert.deepEqual(smp.spec!.template.spec!.containers.map((c) => c.name), ['c', 'sidecar']);

  // the main resource ignores status; /status ignores spec
  const withStatus = await apps.replaceNamespacedDeployment({ namespace: 'default', name: 'web', body: { ...smp, status: { replicas: 9 } } });
  assert.equal(withStatus.status, undefined);
  const st = await apps.replaceNamespacedDeploymentStatus({ namespace: 'default', name: 'web', body: { ...withStatus, spec: { ...withStatus.spec!, replicas: 7 }, status: { replicas: 3, readyReplicas: 3 } } });
  assert.equal(st.status!.readyReplicas, 3);
  assert.equal(st.spec!.replicas, 3);
  assert.equal(st.metadata!.generation, smp.metadata!.generation);

  // a JSON patch test on a stale resourceVersion fails
  const testFail = await failure(apps.patchNamespacedDeployment({ namespace: 'default', name: 'web', body: [{ op: 'test', path: '/metadata/resourceVersion', value: '1' }, { op: 'remove', path: '/metadata/labels/extra' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)));
  assert.equal(testFail.code, 422);

  // server-side apply: create, own fields, conflict with another manager, force
  const applied = await apps.patchNamespacedDeployment({ namespace: 'default', name: 'api', fieldManager: 'ops', body: { apiVersion: 'apps/v1', kind: 'Deployment', ...deployment('api', 'api:1'), spec: { ...deployment('api', 'api:1').spec!, replicas: 2 } } },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  assert.equal(applied.spec!.replicas, 2);
  assert.ok(applied.metadata!.managedFields!.some((m) => m.manager === 'ops' && m.operation === 'Apply'));
  const clash = await failure(apps.patchNamespacedDeployment({ namespace: 'default', name: 'api', fieldManager: 'hpa', body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 5 } } },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)));
  assert.equal(clash.code, 409);
  assert.match(clash.body.message, /conflict with "ops".*\.spec\.replicas/);
  const forced = await apps.patchNamespacedDeployment({ namespace: 'default', name: 'api', fieldManager: 'hpa', force: true, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 5 } } },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  assert.equal(forced.spec!.replicas, 5);
  assert.equal(forced.spec!.template.spec!.containers[0]!.image, 'api:1', 'fields of the other manager stay');
  // ops applies again without replicas: it no longer owns them, so they stay at hpa's value
  const again = await apps.patchNamespacedDeployment({ namespace: 'default', name: 'api', fieldManager: 'ops', body: { apiVersion: 'apps/v1', kind: 'Deployment', ...deployment('api', 'api:2') } },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  assert.equal(again.spec!.replicas, 5);
  assert.equal(again.spec!.template.spec!.containers[0]!.image, 'api:2');
  // the same value from two appliers is shared, not a conflict
  await apps.patchNamespacedDeployment({ namespace: 'default', name: 'api', fieldManager: 'audit', body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api' }, spec: { replicas: 5 } } },
    setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));

  const gone = await failure(apps.patchNamespacedDeployment({ namespace: 'default', name: 'ghost', body: { spec: {} } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
  assert.equal(gone.code, 404);
});

test('finalizers hold a deleted object until they are removed; owners take their dependents with them', async (t) => {
  const { server, kc } = await startKube();
  t.after(() => server.stop());
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);

  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'held', finalizers: ['ecn.iofog.org/cleanup'] } } });
  await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'held' });
  const terminating = await core.readNamespacedConfigMap({ namespace: 'default', name: 'held' });
  assert.ok(terminating.metadata!.deletionTimestamp instanceof Date);
  const readd = await failure(core.patchNamespacedConfigMap({ namespace: 'default', name: 'held', body: { metadata: { finalizers: ['ecn.iofog.org/cleanup', 'other'] } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch)));
  assert.equal(readd.code, 422);
  await core.patchNamespacedConfigMap({ namespace: 'default', name: 'held', body: { metadata: { finalizers: null } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  assert.equal((await failure(core.readNamespacedConfigMap({ namespace: 'default', name: 'held' }))).code, 404);

  // owner GC: two dependents of the deployment, one of them also owned by a live configmap
  const owner = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('owner') });
  const other = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'other-owner' } } });
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'owner', uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
  const otherRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'other-owner', uid: other.metadata!.uid! };
  await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'child', ownerReferences: [ref] }, spec: { ports: [{ port: 80 }] } } });
  await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'shared', ownerReferences: [ref, otherRef] } } });
  await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'owner' });
  await server.settled();
  assert.equal((await failure(core.readNamespacedService({ namespace: 'default', name: 'child' }))).code, 404);
  const shared = await core.readNamespacedSecret({ namespace: 'default', name: 'shared' });
  assert.deepEqual(shared.metadata!.ownerReferences!.map((r) => r.name), ['other-owner']);

  // orphan propagation keeps the dependents and drops the reference
  const owner2 = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('owner2') });
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'orphan', ownerReferences: [{ ...ref, name: 'owner2', uid: owner2.metadata!.uid! }] } } });
  await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'owner2', propagationPolicy: 'Orphan' });
  await server.settled();
  const orphan = await core.readNamespacedConfigMap({ namespace: 'default', name: 'orphan' });
  assert.equal(orphan.metadata!.ownerReferences, undefined);

  // foreground: the owner waits (foregroundDeletion finalizer) for its blocking dependent, held by its own finalizer
  const owner3 = await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('owner3') });
  const ref3 = { ...ref, name: 'owner3', uid: owner3.metadata!.uid! };
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'blocker', finalizers: ['x/hold'], ownerReferences: [ref3] } } });
  await apps.deleteNamespacedDeployment({ namespace: 'default', name: 'owner3', propagationPolicy: 'Foreground' });
  await server.settled();
  const waiting = await apps.readNamespacedDeployment({ namespace: 'default', name: 'owner3' });
  assert.ok(waiting.metadata!.deletionTimestamp);
  assert.deepEqual(waiting.metadata!.finalizers, ['foregroundDeletion']);
  assert.ok((await core.readNamespacedConfigMap({ namespace: 'default', name: 'blocker' })).metadata!.deletionTimestamp);
  await core.patchNamespacedConfigMap({ namespace: 'default', name: 'blocker', body: { metadata: { finalizers: null } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await server.settled();
  assert.equal((await failure(apps.readNamespacedDeployment({ namespace: 'default', name: 'owner3' }))).code, 404);

  // delete preconditions
  const pre = await failure(core.deleteNamespacedConfigMap({ namespace: 'default', name: 'orphan', body: { preconditions: { resourceVersion: '1' } } }));
  assert.equal(pre.code, 409);
});

test('injected request failures answer 500 the requested number of times', async (t) => {
  const { server, kc } = await startKube();
  t.after(() => server.stop());
  const core = kc.makeApiClient(CoreV1Api);
  server.faults.failNextRequests('configmaps', 2, { verbs: ['list'] });
  assert.equal((await failure(core.listNamespacedConfigMap({ namespace: 'default' }))).code, 500);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'a' } } });
  assert.equal((await failure(core.listNamespacedConfigMap({ namespace: 'default' }))).code, 500);
  assert.equal((await core.listNamespacedConfigMap({ namespace: 'default' })).items.length, 1);
  server.faults.failNextRequests('cm', 1, { code: 503 });
  assert.equal((await failure(core.readNamespacedConfigMap({ namespace: 'default', name: 'a' }))).code, 503);
});

test('leases, roles, role bindings, ingresses, service accounts and events through their typed clients', async (t) => {
  const { server, kc } = await startKube();
  t.after(() => server.stop());
  const coord = kc.makeApiClient(CoordinationV1Api);
  const lease = await coord.createNamespacedLease({ namespace: 'default', body: { metadata: { name: 'ecn-leader' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: new V1MicroTime() } } });
  assert.equal(lease.spec!.holderIdentity, 'a');
  const renewed = await coord.replaceNamespacedLease({ namespace: 'default', name: 'ecn-leader', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } } });
  assert.equal(renewed.spec!.holderIdentity, 'b');
  const lost = await failure(coord.replaceNamespacedLease({ namespace: 'default', name: 'ecn-leader', body: { ...lease, spec: { ...lease.spec, holderIdentity: 'c' } } }));
  assert.equal(lost.code, 409, 'a racing candidate with the old resourceVersion loses');

  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({ namespace: 'default', body: { metadata: { name: 'router' }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }] } });
  await rbac.createNamespacedRoleBinding({ namespace: 'default', body: { metadata: { name: 'router' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'router' }, subjects: [{ kind: 'ServiceAccount', name: 'router', namespace: 'default' }] } });
  assert.equal((await rbac.listNamespacedRoleBinding({ namespace: 'default' })).items.length, 1);

  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'router' } } });
  await core.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'e1' }, involvedObject: { kind: 'Agent', name: 'edge-1' }, reason: 'Connected', message: 'up' } });
  const ev = kc.makeApiClient(EventsV1Api);
  await ev.createNamespacedEvent({ namespace: 'default', body: { metadata: { name: 'e2' }, eventTime: new V1MicroTime(), reportingController: 'ecn', reportingInstance: 'ecn-1', action: 'Sync', reason: 'Synced' } });
  assert.equal((await core.listNamespacedEvent({ namespace: 'default' })).items.length, 1);

  const net = kc.makeApiClient(NetworkingV1Api);
  const ing = await net.createNamespacedIngress({ namespace: 'default', body: { metadata: { name: 'ctl' }, spec: { rules: [{ host: 'ctl.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'controller', port: { number: 51121 } } } }] } }] } } });
  assert.equal(ing.metadata!.generation, 1);
  await net.deleteNamespacedIngress({ namespace: 'default', name: 'ctl' });
  assert.equal((await net.listNamespacedIngress({ namespace: 'default' })).items.length, 0);
});

test('lifecycle stages: a LoadBalancer Service gets an ingress IP, a Deployment becomes ready, after delays on the clock', async (t) => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const { server, kc } = await startKube({ clock, stages: { loadBalancer: { delayMs: 5000, ipPrefix: '203.0.113.' }, deployments: { delayMs: 1000 } } });
  t.after(() => server.stop());
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'router' }, spec: { type: 'LoadBalancer', ports: [{ port: 5671 }] } } });
  await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'internal' }, spec: { ports: [{ port: 80 }] } } });
  clock.advance(4999);
  assert.equal((await core.readNamespacedService({ namespace: 'default', name: 'router' })).status!.loadBalancer!.ingress, undefined);
  clock.advance(1);
  assert.equal((await core.readNamespacedService({ namespace: 'default', name: 'router' })).status!.loadBalancer!.ingress![0]!.ip, '203.0.113.1');
  assert.equal((await core.readNamespacedService({ namespace: 'default', name: 'internal' })).status!.loadBalancer!.ingress, undefined);

  await apps.createNamespacedDeployment({ namespace: 'default', body: { ...deployment('ctl'), spec: { ...deployment('ctl').spec!, replicas: 2 } } });
  clock.advance(1000);
  const ready = await apps.readNamespacedDeployment({ namespace: 'default', name: 'ctl' });
  assert.equal(ready.status!.readyReplicas, 2);
  assert.equal(ready.status!.observedGeneration, 1);
  await apps.patchNamespacedDeployment({ namespace: 'default', name: 'ctl', body: { spec: { replicas: 3 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  assert.equal((await apps.readNamespacedDeployment({ namespace: 'default', name: 'ctl' })).status!.observedGeneration, 1);
  clock.advance(1000);
  const rolled = await apps.readNamespacedDeployment({ namespace: 'default', name: 'ctl' });
  assert.equal(rolled.status!.observedGeneration, 2);
  assert.equal(rolled.status!.readyReplicas, 3);
});
