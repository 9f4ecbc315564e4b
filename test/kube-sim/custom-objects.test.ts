import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiextensionsV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startKube, failure } from './kube-client.js';
import { iofogCrd } from '../../sim/kube/index.js';

const G = { group: 'iofog.org', version: 'v3', namespace: 'default' };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

test('CustomObjectsApi on iofog.org/v3: status subresource, generation, 409 on stale resourceVersion, patches', async (t) => {
  const { server, kc } = await startKube({ preloadIofogCrds: true });
  t.after(() => server.stop());
  const api = kc.makeApiClient(CustomObjectsApi);
  const plural = 'agents';

  const created = await api.createNamespacedCustomObject({ ...G, plural, body: { apiVersion: 'iofog.org/v3', kind: 'Agent', metadata: { name: 'edge-1' }, spec: { host: '10.0.0.1' }, status: { phase: 'ignored' } } });
  assert.equal(created.metadata.generation, 1);
  assert.equal(created.status, undefined, 'status is not set on create when the status subresource is on');

  // status through /status: generation unchanged, spec changes there ignored
  const withStatus = await api.patchNamespacedCustomObjectStatus({ ...G, plural, name: 'edge-1', body: { spec: { host: 'changed' }, status: { connected: true } } }, merge);
  assert.equal(withStatus.status.connected, true);
  assert.equal(withStatus.spec.host, '10.0.0.1');
  assert.equal(withStatus.metadata.generation, 1);

  // main resource: status ignored; spec change bumps generation; metadata change does not
  const labelled = await api.patchNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: { metadata: { labels: { zone: 'a' } }, status: { connected: false } } }, merge);
  assert.equal(labelled.metadata.generation, 1);
  assert.equal(labelled.status.connected, true);
  const specced = await api.patchNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: { spec: { host: '10.0.0.2' } } }, merge);
  assert.equal(specced.metadata.generation, 2);

  // replace with a stale resourceVersion
  const stale = await failure(api.replaceNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: { ...created, spec: { host: 'x' } } }));
  assert.equal(stale.code, 409);
  assert.equal(stale.body.reason, 'Conflict');
  const unconditional = await failure(api.replaceNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: { ...created, metadata: { name: 'edge-1' }, spec: { host: 'x' } } }));
  assert.equal(unconditional.code, 422, 'custom resources need a resourceVersion on update');
  const fresh = await api.getNamespacedCustomObject({ ...G, plural, name: 'edge-1' });
  const replaced = await api.replaceNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: { ...fresh, spec: { host: 'x' } } });
  assert.equal(replaced.metadata.generation, 3);

  // JSON patch with a test on the resourceVersion (the safe way to drop finalizers)
  const jp = await api.patchNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: [
    { op: 'test', path: '/metadata/resourceVersion', value: replaced.metadata.resourceVersion },
    { op: 'add', path: '/spec/routerMode', value: 'edge' },
  ] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
  assert.equal(jp.spec.routerMode, 'edge');

  // without the header client-node sends a plain object as JSON patch: a clear 400/422, not a crash
  const wrong = await failure(api.patchNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: { spec: { a: 1 } } }));
  assert.ok(wrong.code === 400 || wrong.code === 422, `code ${wrong.code}`);

  // server-side apply creates, then merges; status apply goes through /status
  const applied = await api.patchNamespacedCustomObject({ ...G, plural: 'routes', name: 'r1', fieldManager: 'ecn', force: true,
    body: { apiVersion: 'iofog.org/v3', kind: 'Route', metadata: { name: 'r1' }, spec: { from: 'a', to: 'b' } } }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  assert.equal(applied.spec.to, 'b');
  const st = await api.patchNamespacedCustomObjectStatus({ ...G, plural: 'routes', name: 'r1', fieldManager: 'ecn-status', force: true,
    body: { apiVersion: 'iofog.org/v3', kind: 'Route', metadata: { name: 'r1' }, status: { ready: true } } }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
  assert.equal(st.status.ready, true);
  assert.equal(st.metadata.generation, 1);

  const list = await api.listNamespacedCustomObject({ ...G, plural, labelSelector: 'zone=a' });
  assert.equal(list.items.length, 1);
  assert.equal(list.kind, 'AgentList');

  // finalizer flow on a CR
  await api.patchNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: { metadata: { finalizers: ['iofog.org/router'] } } }, merge);
  const deleting = await api.deleteNamespacedCustomObject({ ...G, plural, name: 'edge-1' });
  assert.ok(deleting.metadata.deletionTimestamp);
  const stillThere = await api.getNamespacedCustomObject({ ...G, plural, name: 'edge-1' });
  assert.equal(stillThere.metadata.generation, 5, 'deletion bumps the generation, as the real server does');
  await api.patchNamespacedCustomObject({ ...G, plural, name: 'edge-1', body: { metadata: { finalizers: [] } } }, merge);
  assert.equal((await failure(api.getNamespacedCustomObject({ ...G, plural, name: 'edge-1' }))).code, 404);
});

test('creating a CRD registers its resource (discovery included); deleting it removes the resource and its objects', async (t) => {
  const { server, kc } = await startKube();
  t.after(() => server.stop());
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const api = kc.makeApiClient(CustomObjectsApi);

  const before = await failure(api.listNamespacedCustomObject({ ...G, plural: 'controlplanes' }));
  assert.equal(before.code, 404);

  const crd = await ext.createCustomResourceDefinition({ body: iofogCrd('ControlPlane') as any });
  assert.ok(crd.status!.conditions!.some((c) => c.type === 'Established' && c.status === 'True'));
  const res = await fetch(`${server.url}/apis/iofog.org/v3`);
  const doc = await res.json() as { resources: { name: string; kind: string; namespaced: boolean }[] };
  assert.deepEqual(doc.resources.map((r) => r.name), ['controlplanes', 'controlplanes/status']);
  assert.equal(doc.resources[0]!.namespaced, true);

  await api.createNamespacedCustomObject({ ...G, plural: 'controlplanes', body: { apiVersion: 'iofog.org/v3', kind: 'ControlPlane', metadata: { name: 'iofog' }, spec: {} } });
  assert.equal((await api.listNamespacedCustomObject({ ...G, plural: 'controlplanes' })).items.length, 1);

  const bad = await failure(ext.createCustomResourceDefinition({ body: { metadata: { name: 'wrong.iofog.org' }, spec: { group: 'iofog.org', names: { plural: 'things', kind: 'Thing' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] } } as any }));
  assert.equal(bad.code, 422);
  assert.match(bad.body.message, /metadata\.name/);

  await ext.deleteCustomResourceDefinition({ name: 'controlplanes.iofog.org' });
  assert.equal((await failure(api.listNamespacedCustomObject({ ...G, plural: 'controlplanes' }))).code, 404);
  await ext.createCustomResourceDefinition({ body: iofogCrd('ControlPlane') as any });
  assert.equal((await api.listNamespacedCustomObject({ ...G, plural: 'controlplanes' })).items.length, 0, 'objects went with their CRD');
});

test('custom resources follow their CRD schema: unknown fields pruned (Strict: 400, Warn: Warning header), invalid values 422', async (t) => {
  const widgetCrd = {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.test.ecn.io' },
    spec: {
      group: 'test.ecn.io', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
      versions: [{
        name: 'v1', served: true, storage: true, subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: {
          spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 }, mode: { type: 'string', enum: ['a', 'b'] }, extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
          status: { type: 'object', properties: { ready: { type: 'boolean' } } },
        } } },
      }],
    },
  };
  const { server, kc } = await startKube({ crds: [widgetCrd] });
  t.after(() => server.stop());
  const api = kc.makeApiClient(CustomObjectsApi);
  const W = { group: 'test.ecn.io', version: 'v1', namespace: 'default', plural: 'widgets' };
  const body = (spec: Record<string, unknown>) => ({ apiVersion: 'test.ecn.io/v1', kind: 'Widget', metadata: { name: 'w' }, spec });

  const invalid = await failure(api.createNamespacedCustomObject({ ...W, body: body({ size: 'big', mode: 'c' }) }));
  assert.equal(invalid.code, 422);
  assert.equal(invalid.body.reason, 'Invalid');
  assert.deepEqual(invalid.body.details.causes.map((c: { field: string }) => c.field).sort(), ['spec.mode', 'spec.size']);
  const missing = await failure(api.createNamespacedCustomObject({ ...W, body: body({}) }));
  assert.match(missing.body.message, /spec\.size: Required value/);

  const strict = await fetch(`${server.url}/apis/test.ecn.io/v1/namespaces/default/widgets?fieldValidation=Strict`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body({ size: 1, junk: true })),
  });
  assert.equal(strict.status, 400);
  assert.match(((await strict.json()) as { message: string }).message, /unknown field "spec\.junk"/);

  const warned = await fetch(`${server.url}/apis/test.ecn.io/v1/namespaces/default/widgets`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body({ size: 1, junk: true, extra: { free: 1 } })),
  });
  assert.equal(warned.status, 201);
  assert.match(warned.headers.get('warning') ?? '', /unknown field \\"spec\.junk\\"/);
  const stored = (await warned.json()) as { spec: Record<string, unknown> };
  assert.deepEqual(stored.spec, { size: 1, extra: { free: 1 } }, 'unknown fields are pruned, preserved subtrees kept');

  const st = await api.patchNamespacedCustomObjectStatus({ ...W, name: 'w', body: { status: { ready: true, other: 1 } } }, merge);
  assert.deepEqual(st.status, { ready: true });
});

test('KubernetesObjectApi (discovery-driven generic client): create, server-side apply, read, list, delete', async (t) => {
  const { server, kc } = await startKube({ preloadIofogCrds: true });
  t.after(() => server.stop());
  const client = KubernetesObjectApi.makeApiClient(kc);
  const route = { apiVersion: 'iofog.org/v3', kind: 'Route', metadata: { name: 'r', namespace: 'default' }, spec: { from: 'a', to: 'b' } };
  await client.create(route);
  const applied = await client.patch({ ...route, spec: { from: 'a', to: 'c' } }, undefined, undefined, 'ecn', true, PatchStrategy.ServerSideApply) as any;
  assert.equal(applied.spec.to, 'c');
  const svc = await client.patch({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'router', namespace: 'default' }, spec: { ports: [{ name: 'amqp', port: 5672 }] } } as any,
    undefined, undefined, 'ecn', true, PatchStrategy.ServerSideApply) as any;
  assert.match(svc.spec.clusterIP, /^10\.96\./);
  const read = await client.read({ apiVersion: 'iofog.org/v3', kind: 'Route', metadata: { name: 'r', namespace: 'default' } }) as any;
  assert.equal(read.metadata.generation, 2);
  assert.equal((await client.list('iofog.org/v3', 'Route', 'default')).items.length, 1);
  await client.delete(read);
  assert.equal((await client.list('iofog.org/v3', 'Route', 'default')).items.length, 0);
});
