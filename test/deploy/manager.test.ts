/**
 * The manager's runtime objects in deploy/base: the Role grants exactly src/kube/permissions.ts, and the
 * Deployment runs non-root with the required security context, probes, args and token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PERMISSIONS, grantKey, grantKeys, roleRules } from '../../src/kube/permissions.js';
import { KINDS } from '../../src/model/schemas.js';
import { pluralOf } from '../../src/kube/crds.js';
import { DEPLOY, byKind, one, readObjects, type KubeObject } from './helpers.js';

const base = [...(await readObjects(join(DEPLOY, 'base', 'rbac.yaml'))), ...(await readObjects(join(DEPLOY, 'base', 'manager.yaml')))];

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

test('the Role grants exactly permissions.ts: no wildcard, no extra verb or resource', () => {
  const role = one(base, 'Role') as unknown as { metadata: { namespace: string }; rules: Rule[] };
  assert.equal(role.metadata.namespace, 'ecn-system');
  const granted = new Set<string>();
  for (const rule of role.rules) {
    assert.equal(rule.nonResourceURLs, undefined);
    for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) {
      assert.ok(![g, r, v].includes('*'), `wildcard in ${JSON.stringify(rule)}`);
      granted.add(grantKey(g, r, v));
    }
  }
  assert.deepEqual([...granted].sort(), [...grantKeys()].sort());
  assert.deepEqual(role.rules, roleRules());
});

test('permissions.ts: the calls the manager makes and nothing more (test/kube/rbac-audit.test.ts checks them against its real calls)', () => {
  const keys = grantKeys();
  for (const plural of KINDS.map(pluralOf)) {
    for (const v of ['list', 'watch']) assert.ok(keys.has(grantKey('iofog.org', plural, v)), `${plural}:${v}`);
    assert.ok(keys.has(grantKey('iofog.org', `${plural}/status`, 'patch')), `${plural}/status:patch`);
    for (const v of ['create', 'delete', 'update']) assert.ok(!keys.has(grantKey('iofog.org', plural, v)), `the manager never creates, replaces or deletes ${plural}`);
  }
  assert.deepEqual([...keys].filter((k) => /^iofog\.org\/\w+:patch$/.test(k)).sort(), ['iofog.org/agents:patch', 'iofog.org/microservices:patch'], 'only finalized kinds are patched');
  assert.deepEqual([...keys].filter((k) => k.startsWith('core/events')).sort(), ['core/events:create', 'core/events:patch']);
  assert.deepEqual([...keys].filter((k) => k.startsWith('coordination.k8s.io/leases')).sort(), ['coordination.k8s.io/leases:create', 'coordination.k8s.io/leases:get', 'coordination.k8s.io/leases:update']);
  for (const [g, r] of [['', 'configmaps'], ['', 'services'], ['', 'serviceaccounts'], ['apps', 'deployments']] as const) {
    assert.deepEqual([...keys].filter((k) => k.startsWith(`${g || 'core'}/${r}:`)).sort(), [grantKey(g, r, 'create'), grantKey(g, r, 'patch')].sort(), `${r}: server-side apply only`);
  }
  // the ControlPlane's optional children: applied, then read by name and deleted once the spec no longer wants them
  for (const [g, r] of [['rbac.authorization.k8s.io', 'roles'], ['rbac.authorization.k8s.io', 'rolebindings'], ['networking.k8s.io', 'ingresses']] as const) {
    assert.deepEqual([...keys].filter((k) => k.startsWith(`${g}/${r}:`)).sort(), ['create', 'delete', 'get', 'patch'].map((v) => grantKey(g, r, v)).sort(), `${r}: server-side apply, pruned by name`);
  }
  assert.deepEqual([...keys].filter((k) => /:(delete|deletecollection)$/.test(k)).sort(), ['networking.k8s.io/ingresses:delete', 'rbac.authorization.k8s.io/rolebindings:delete', 'rbac.authorization.k8s.io/roles:delete'], 'deletes only what it prunes');
  assert.ok(![...keys].some((k) => /:list$/.test(k) && /ingresses|roles|rolebindings/.test(k)), 'pruning looks up by name, never lists');
  assert.ok(![...keys].some((k) => /customresourcedefinitions|nodes|namespaces/.test(k)), 'nothing cluster-scoped');
  for (const p of PERMISSIONS) assert.ok(p.reason.length > 0, `${p.resource}: say why`);
});

test('the RoleBinding binds that Role to the manager ServiceAccount, which the Deployment runs as', () => {
  const sa = one(base, 'ServiceAccount');
  const binding = one(base, 'RoleBinding') as unknown as { roleRef: { kind: string; name: string; apiGroup: string }; subjects: Array<{ kind: string; name: string; namespace: string }> };
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: one(base, 'Role').metadata.name });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
  assert.equal(podSpec(one(base, 'Deployment')).serviceAccountName, sa.metadata.name);
  assert.equal(byKind(base, 'ClusterRole').length + byKind(base, 'ClusterRoleBinding').length, 0);
});

function podSpec(d: KubeObject): Record<string, any> {
  return (d.spec as { template: { spec: Record<string, any> } }).template.spec;
}

test('the Deployment: image, args, token from an optional Secret, probes, resources, hardened security context', () => {
  const spec = podSpec(one(base, 'Deployment'));
  assert.equal(spec.containers.length, 1);
  const c = spec.containers[0];
  assert.equal(c.image, 'ecn-router-manager:0.1.0');
  assert.deepEqual(c.args, ['run', '--kube', '--http', '0.0.0.0:8080']);
  const token = c.env.find((e: { name: string }) => e.name === 'ECN_TOKEN');
  assert.equal(token.valueFrom.secretKeyRef.optional, true);
  const port = c.ports.find((p: { containerPort: number }) => p.containerPort === 8080);
  assert.ok(port, 'container port 8080');
  for (const [probe, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']] as const) {
    assert.equal(c[probe].httpGet.path, path, probe);
    assert.ok(c[probe].httpGet.port === 8080 || c[probe].httpGet.port === port.name, `${probe} on port 8080`);
  }
  for (const kind of ['requests', 'limits']) assert.ok(c.resources[kind].cpu && c.resources[kind].memory, `resources.${kind}`);
  assert.deepEqual(
    { ...c.securityContext, capabilities: undefined, seccompProfile: undefined },
    { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: undefined, seccompProfile: undefined },
  );
  assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
  assert.deepEqual(c.securityContext.seccompProfile, { type: 'RuntimeDefault' });
  assert.equal(spec.securityContext.runAsNonRoot, true);
  assert.equal(spec.securityContext.runAsUser, 10001);
  // a read-only root file system needs somewhere to write temporary files
  const tmp = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
  assert.ok(spec.volumes.some((v: { name: string; emptyDir?: unknown }) => v.name === tmp.name && v.emptyDir));
});

test('the Service exposes the manager HTTP port to the Deployment pods', () => {
  const svc = one(base, 'Service') as unknown as { spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string | number }> } };
  const d = one(base, 'Deployment') as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } };
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(d.spec.template.metadata.labels[k], v, `selector ${k}`);
  assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[8080, 'http']]);
});
