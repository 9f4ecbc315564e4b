/**
 * Every overlay rendered offline (`kubectl kustomize`) and every rendered object checked against the Kubernetes
 * schemas (kubernetes-models). Without kubectl the rendering tests skip, except in CI (CI=true), where they fail.
 * The kustomization files stay within what kubectl 1.20's built-in kustomize (v2.0.3, Debian bookworm) accepts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { KINDS } from '../../src/model/schemas.js';
import { crdName } from '../../src/kube/crds.js';
import { DEPLOY, OVERLAYS, byKind, kubectlVersion, kustomize, one, readDir, readObjects, type KubeObject } from './helpers.js';

/** The kinds the deploy tree may contain, with their kubernetes-models class. */
const MODELS: Record<string, { validate(data: unknown): void }> = {
  'v1/Namespace': { validate: (d) => new Namespace(d as never).validate() },
  'v1/ServiceAccount': { validate: (d) => new ServiceAccount(d as never).validate() },
  'v1/Service': { validate: (d) => new Service(d as never).validate() },
  'apps/v1/Deployment': { validate: (d) => new Deployment(d as never).validate() },
  'rbac.authorization.k8s.io/v1/Role': { validate: (d) => new Role(d as never).validate() },
  'rbac.authorization.k8s.io/v1/RoleBinding': { validate: (d) => new RoleBinding(d as never).validate() },
  'networking.k8s.io/v1/Ingress': { validate: (d) => new Ingress(d as never).validate() },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': { validate: (d) => new CustomResourceDefinition(d as never).validate() },
};

const version = await kubectlVersion();

function needKubectl(t: TestContext): boolean {
  if (version !== undefined) return true;
  if (process.env.CI === 'true') assert.fail('kubectl is missing: CI must install it (Debian: apt-get install kubernetes-client)');
  t.skip('kubectl not found (set KUBECTL or install kubernetes-client); CI=true makes this a failure');
  return false;
}

const rendered = new Map<string, KubeObject[]>();
async function render(overlay: string): Promise<KubeObject[]> {
  let objs = rendered.get(overlay);
  if (!objs) {
    objs = await kustomize(join(DEPLOY, 'overlays', overlay));
    rendered.set(overlay, objs);
  }
  return objs;
}

for (const overlay of OVERLAYS) {
  test(`overlay ${overlay}: renders offline and every object is valid for Kubernetes (${version ?? 'no kubectl'})`, async (t) => {
    if (!needKubectl(t)) return;
    const objects = await render(overlay);
    for (const obj of objects) {
      const key = `${obj.apiVersion}/${obj.kind}`;
      const model = MODELS[key];
      assert.ok(model, `${key} ${obj.metadata.name}: not a kind the deploy tree should contain`);
      assert.doesNotThrow(() => model.validate(obj), `${key} ${obj.metadata.name}`);
    }
    assert.deepEqual(byKind(objects, 'CustomResourceDefinition').map((c) => c.metadata.name).sort(), KINDS.map(crdName).sort());
    for (const crd of byKind(objects, 'CustomResourceDefinition')) assert.equal(crd.metadata.namespace, undefined, 'CRDs are cluster-scoped');
    for (const obj of objects) {
      if (obj.kind === 'CustomResourceDefinition' || obj.kind === 'Namespace') continue;
      assert.equal(obj.metadata.namespace, 'ecn-system', `${obj.kind} ${obj.metadata.name} namespace`);
    }
    // least privilege at the cluster level: nothing cluster-wide but the CRDs and the namespace
    assert.deepEqual(objects.filter((o) => /^Cluster/.test(o.kind)), []);
  });
}

test('overlays set the router Service type; clusterip-ingress adds an Ingress to the manager Service', async (t) => {
  if (!needKubectl(t)) return;
  const expect = { loadbalancer: 'LoadBalancer', 'clusterip-ingress': 'ClusterIP' } as const;
  for (const overlay of OVERLAYS) {
    const objects = await render(overlay);
    const container = managerContainer(one(objects, 'Deployment'));
    assert.deepEqual(container.args, ['run', '--kube', '--http', '0.0.0.0:8080', '--router-service-type', expect[overlay]], overlay);
    // the patch replaced args only: the rest of the container is the base's
    assert.equal(container.image, 'ecn-router-manager:0.1.0');
    assert.ok(container.livenessProbe && container.readinessProbe && container.securityContext, overlay);
  }
  const objects = await render('clusterip-ingress');
  const ingress = one(objects, 'Ingress') as unknown as { spec: { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }> } };
  const backend = ingress.spec.rules[0]!.http.paths[0]!.backend.service;
  const service = one(objects, 'Service') as unknown as { metadata: { name: string }; spec: { ports: Array<{ name: string }> } };
  assert.equal(backend.name, service.metadata.name);
  assert.ok(service.spec.ports.some((p) => p.name === backend.port.name));
  assert.equal(byKind(await render('loadbalancer'), 'Ingress').length, 0);
});

function managerContainer(deployment: KubeObject): Record<string, unknown> {
  const spec = deployment.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } };
  return spec.template.spec.containers.find((c) => c.name === 'manager')!;
}

test('the base and overlay files, read as they are (no kubectl), are valid Kubernetes objects', async () => {
  const dirs = [join(DEPLOY, 'base'), join(DEPLOY, 'base', 'crds'), ...OVERLAYS.map((o) => join(DEPLOY, 'overlays', o))];
  let count = 0;
  for (const dir of dirs) {
    for (const { file, objects } of await readDir(dir)) {
      if (file.endsWith('kustomization.yaml') || file.endsWith('manager-args.yaml')) continue; // not objects / partial patches
      for (const obj of objects) {
        const model = MODELS[`${obj.apiVersion}/${obj.kind}`];
        assert.ok(model, `${file}: ${obj.apiVersion}/${obj.kind} is not a kind the deploy tree should contain`);
        assert.doesNotThrow(() => model.validate(obj), `${file}: ${obj.kind} ${obj.metadata.name}`);
        count++;
      }
    }
  }
  assert.equal(count, 6 + 1 + 3 + 2 + 1); // CRDs, Namespace, RBAC, Deployment + Service, Ingress
});

/** Top-level fields kustomize v2.0.3 (kubectl ≤ 1.20) knows; newer ones (`patches`, `replacements`, …) break it. */
const V2_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'commonLabels',
  'commonAnnotations',
  'resources',
  'bases',
  'patchesStrategicMerge',
  'patchesJson6902',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'images',
  'vars',
]);

test('kustomization files use only kustomize v2.0.3 fields; resources are files, bases are directories', async () => {
  for (const dir of ['base', ...OVERLAYS.map((o) => `overlays/${o}`)]) {
    const [k] = await readObjects(join(DEPLOY, dir, 'kustomization.yaml'));
    const fields = Object.keys(k!);
    assert.deepEqual(fields.filter((f) => !V2_FIELDS.has(f)), [], `${dir}/kustomization.yaml`);
    const { resources = [], bases = [] } = k as unknown as { resources?: string[]; bases?: string[] };
    for (const r of resources) assert.match(r, /\.ya?ml$/, `${dir}: resources lists files only in kustomize v2.0.3 (${r})`);
    for (const b of bases) assert.doesNotMatch(b, /\.ya?ml$/, `${dir}: bases are directories (${b})`);
  }
});
