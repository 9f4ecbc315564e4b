/**
 * The manager's Role against what the manager really asks of the API server: `ecn run --kube` runs against the fake
 * API server with its request audit on (sim/kube/audit.ts), through every Kubernetes path it has — leader election
 * (acquire, renew, release), the informers (list, watch), status writes, Events (created, then repeated: patched),
 * finalizers (added; removed when an Agent and a Microservice are deleted), the ControlPlane's router resources by
 * server-side apply (ServiceAccount, ConfigMap, Role and RoleBinding for two replicas, Deployment, Service, Ingress)
 * and their pruning (the ControlPlane changed to LoadBalancer and one replica: Ingress, Role, RoleBinding looked up
 * by name and deleted; then changed back), and the discovery of the router's replicas (the EndpointSlices of its
 * Service, listed and watched).
 * Then: (a) every call it made is granted by src/kube/permissions.ts; (b) every grant there was used.
 *
 * The test's own reads and writes go through `server.cluster` in this process: the audit (HTTP requests) never sees
 * them, so every audited request is the manager's. Some grants are needed without an API call of their own; they
 * are derived from what the manager wrote (see `impliedGrants`): RBAC lets a Role be written only by someone who
 * holds what it grants, and an owner reference with blockOwnerDeletion needs update on the owner's finalizers.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiServer } from '../../sim/kube/index.js';
import { authorizedVerbs, type AuditEntry } from '../../sim/kube/audit.js';
import { startSimEcn, type SimEcn } from '../../sim/ecn.js';
import { buildFromCrs } from '../../src/kube/cr-source.js';
import { FIELD_MANAGER, FINALIZED_KINDS, PLURALS } from '../../src/kube/kinds.js';
import { LEASE_NAME } from '../../src/kube/leader-election.js';
import { grantKey, grantKeys } from '../../src/kube/permissions.js';
import type { KubeObject } from '../../src/kube/supervised-informer.js';
import type { Kind } from '../../src/model/schemas.js';
import { startEcn } from '../support/cli.js';
import { relocatedBodies } from './example-crs.js';

const NS = 'ecn';
let server: KubeApiServer;
let ecn: SimEcn;

/**
 * Grants no code path uses, kept only because test/deploy/manager.test.ts ("what the brief requires") pins them, each
 * with why nothing uses it. Each must stay unused and granted (test (b) says when one is not: then drop it here).
 */
/** Grants the Role keeps although no test call uses them, each with its reason (none today: the Role is minimal). */
const PINNED_UNUSED: ReadonlyMap<string, string> = new Map<string, string>();

const rt = (kind: Kind) => server.cluster.type('iofog.org', 'v3', PLURALS[kind]);
const crs = () => (Object.keys(PLURALS) as Kind[]).flatMap((k) => server.cluster.list(rt(k), NS).items as KubeObject[]);
const ready = (o: KubeObject | undefined) => ((o?.status as any)?.conditions ?? []).find((c: any) => c.type === 'Ready');
const getCr = (kind: Kind, name: string): KubeObject | undefined => { try { return server.cluster.get(rt(kind), NS, name) as KubeObject; } catch { return undefined; } };
const getObj = (group: string, plural: string, name: string): any => { try { return server.cluster.get(server.cluster.type(group, 'v1', plural), NS, name); } catch { return undefined; } };
const events = () => server.cluster.list(server.cluster.type('', 'v1', 'events'), NS).items as any[];
const audited = (verb: string, resource: string) => server.audit.entries((e) => e.verb === verb && e.resource === resource);

/** The command runs in this process and has no events to offer a test: re-check the cluster every 25 ms. */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Grants needed by what the manager wrote, beyond the verbs of its requests; each with the object that needs it. */
function impliedGrants(): Map<string, string> {
  const out = new Map<string, string>();
  const byManager = (o: any) => (o.metadata.managedFields ?? []).some((f: any) => f.manager === FIELD_MANAGER);
  for (const t of server.cluster.registry.all()) {
    if (t.group === 'iofog.org' || !t.namespaced) continue;
    for (const o of server.cluster.list(t, NS).items as any[]) {
      if (!byManager(o)) continue;
      const what = `${o.kind} ${o.metadata.name}`;
      // RBAC escalation prevention: a Role (and a RoleBinding to it) may grant only what the writer holds
      if (t.group === 'rbac.authorization.k8s.io' && t.plural === 'roles') {
        for (const rule of o.rules ?? []) for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) {
          out.set(grantKey(g, r, v), `${what} grants it (RBAC: a Role may grant only what its writer holds)`);
        }
      }
      // OwnerReferencesPermissionEnforcement: blockOwnerDeletion needs update on the owner's finalizers
      for (const ref of o.metadata.ownerReferences ?? []) {
        if (!ref.blockOwnerDeletion) continue;
        const owner = server.cluster.registry.resolve(ref.kind)!;
        out.set(grantKey(owner.group, `${owner.plural}/finalizers`, 'update'), `${what} has an owner reference with blockOwnerDeletion`);
      }
    }
  }
  return out;
}

const describe = (e: AuditEntry) => `${e.verb} ${e.apiGroup || 'core'}/${e.resource}${e.name ? ` ${e.namespace ?? ''}/${e.name}` : ''}`;

before(async () => {
  server = new KubeApiServer({ preloadIofogCrds: true, namespaces: ['default', NS], audit: true });
  await server.start();
  const bodies = await relocatedBodies(NS);
  const { model } = buildFromCrs(bodies.map((obj) => ({ kind: obj.kind as Kind, obj })));
  ecn = await startSimEcn(model, { flavor: 'skupper' });
  for (const b of bodies) {
    // two router replicas: the auto-mesh Role and RoleBinding are applied too
    if (b.kind === 'ControlPlane') b.spec = { ...(b.spec as object), replicas: { router: 2 } };
    server.cluster.create(rt(b.kind as Kind), NS, b);
  }
});

after(async () => {
  await ecn?.stop();
  await server?.stop();
});

test('ecn run --kube through every Kubernetes path: leader election, informers, status, events, finalizers, router resources', async () => {
  assert.equal(server.audit.size, 0, 'the set-up made no HTTP request');
  const running = startEcn(['run', '--kube', '--kube-server', server.url, '--namespace', NS, '--router', ecn.url, '--router-service-type', 'ClusterIP', '--router-image', 'example/router:1', '--http', '127.0.0.1:0', '--observe-interval', '60000']);
  try {
    // leader election: acquired (the Lease created), informers, finalizers, status of every CR
    await until(() => /^leading: /m.test(running.out()) || running.ended(), 'the manager leads');
    assert.equal(running.ended(), false, running.err());
    await until(() => crs().every((o) => ready(o)?.status === 'True'), 'every CR Ready');
    assert.ok(getCr('Agent', 'edge-1')!.metadata.finalizers?.length, 'finalizer added');
    // the router resources, by server-side apply
    await until(() => getObj('networking.k8s.io', 'ingresses', 'iofog-router') !== undefined && getObj('rbac.authorization.k8s.io', 'rolebindings', 'iofog-router') !== undefined, 'the router resources applied');
    assert.equal(getObj('apps', 'deployments', 'iofog-router').spec.replicas, 2);
    assert.ok(getObj('rbac.authorization.k8s.io', 'roles', 'iofog-router'));

    // pruning: LoadBalancer and one replica → the Ingress, Role and RoleBinding no longer wanted: looked up by name and
    // deleted; then back to ClusterIP and two replicas (applied again: the Role's grants are derived from it below)
    const optional = () => [getObj('networking.k8s.io', 'ingresses', 'iofog-router'), getObj('rbac.authorization.k8s.io', 'roles', 'iofog-router'), getObj('rbac.authorization.k8s.io', 'rolebindings', 'iofog-router')];
    server.cluster.patch(rt('ControlPlane'), NS, 'iofog', 'merge', { spec: { services: { router: { type: 'LoadBalancer' } }, replicas: { router: 1 } } });
    await until(() => optional().every((o) => o === undefined), 'the Ingress, Role and RoleBinding pruned');
    assert.equal(getObj('', 'services', 'iofog-router').spec.type, 'LoadBalancer');
    assert.deepEqual(audited('delete', 'ingresses').concat(audited('delete', 'roles'), audited('delete', 'rolebindings')).map((e) => e.code), [200, 200, 200]);
    server.cluster.patch(rt('ControlPlane'), NS, 'iofog', 'merge', { spec: { services: null, replicas: { router: 2 } } });
    await until(() => optional().every((o) => o !== undefined), 'the Ingress, Role and RoleBinding applied again');

    // an invalid Route: an Event created; fixed, then broken the same way again: the same Event patched (count 2)
    server.cluster.create(rt('Route'), NS, { apiVersion: 'iofog.org/v3', kind: 'Route', metadata: { name: 'to-nowhere' }, spec: { application: 'demo', from: 'sensor', to: 'ghost' } });
    const invalidEvent = () => events().find((e) => e.involvedObject.name === 'to-nowhere' && e.reason === 'InvalidSpec');
    await until(() => invalidEvent() !== undefined, 'the InvalidSpec event');
    server.cluster.patch(rt('Route'), NS, 'to-nowhere', 'merge', { spec: { to: 'dashboard' } });
    await until(() => ready(getCr('Route', 'to-nowhere'))?.status === 'True', 'the fixed route Ready');
    server.cluster.patch(rt('Route'), NS, 'to-nowhere', 'merge', { spec: { to: 'ghost' } });
    await until(() => invalidEvent()?.count === 2, 'the repeated event counted');

    // deletions: the finalizers removed once the routers dropped the config
    server.cluster.delete(rt('Microservice'), NS, 'dashboard');
    server.cluster.delete(rt('Agent'), NS, 'edge-1');
    await until(() => getCr('Microservice', 'dashboard') === undefined && getCr('Agent', 'edge-1') === undefined, 'dashboard and edge-1 gone');

    // the Lease renewed (every 5 s)
    await until(() => audited('update', 'leases').length > 0, 'the Lease renewed', 15_000);
  } finally {
    assert.equal(await running.stop(), 0, running.err());
  }
  const lease = server.cluster.get(server.cluster.type('coordination.k8s.io', 'v1', 'leases'), NS, LEASE_NAME) as any;
  assert.equal(lease.spec.holderIdentity, '', 'released on stop');
  assert.ok(audited('create', 'leases').length === 1 && audited('update', 'leases').length >= 2, 'acquired, renewed and released');
});

/** Grants the manager needed but `granted` lacks, each with an example of what needed it. */
function missingGrants(granted: ReadonlySet<string>): Map<string, string> {
  const missing = new Map<string, string>();
  for (const e of server.audit.entries()) {
    for (const v of authorizedVerbs(e)) {
      const key = grantKey(e.apiGroup, e.resource, v);
      if (!granted.has(key) && !missing.has(key)) missing.set(key, v === e.verb ? describe(e) : `${describe(e)}, an apply that created it: also ${v}`);
    }
  }
  for (const [key, why] of impliedGrants()) if (!granted.has(key) && !missing.has(key)) missing.set(key, why);
  return missing;
}

/** Grants in `granted` nothing used (PINNED_UNUSED aside). */
function unusedGrants(granted: ReadonlySet<string>): string[] {
  const used = new Set<string>(impliedGrants().keys());
  for (const e of server.audit.entries()) for (const v of authorizedVerbs(e)) used.add(grantKey(e.apiGroup, e.resource, v));
  return [...granted].filter((k) => !used.has(k) && !PINNED_UNUSED.has(k)).sort();
}

test('(a) every API call the manager made is granted by its Role', () => {
  const missing = missingGrants(grantKeys());
  assert.ok(missing.size === 0, `the manager needs permissions its Role does not grant:\n${[...missing].map(([k, why]) => `  ${k}   (${why})`).join('\n')}\nadd them to src/kube/permissions.ts and run npm run gen:deploy`);
});

test('(b) every grant of the Role was used', () => {
  const unused = unusedGrants(grantKeys());
  assert.deepEqual(unused, [], `granted but never used: remove it from src/kube/permissions.ts or exercise it here:\n  ${unused.join('\n  ')}`);
  const needed = missingGrants(new Set());
  const pinnedButUsed = [...PINNED_UNUSED.keys()].filter((k) => needed.has(k)).sort();
  assert.deepEqual(pinnedButUsed, [], `used now, so no longer an exception: remove it from PINNED_UNUSED in this test:\n  ${pinnedButUsed.join('\n  ')}`);
  const pinnedNotGranted = [...PINNED_UNUSED.keys()].filter((k) => !grantKeys().has(k)).sort();
  assert.deepEqual(pinnedNotGranted, [], 'PINNED_UNUSED lists grants permissions.ts no longer has: remove them from this test');
});

test('the checks catch a grant taken away, one needed only by what the manager wrote, and one too many', () => {
  const less = new Set(grantKeys());
  less.delete(grantKey('', 'events', 'patch'));
  less.delete(grantKey('apps', 'deployments', 'create'));
  less.delete(grantKey('', 'pods', 'list'));
  less.delete(grantKey('iofog.org', 'controlplanes/finalizers', 'update'));
  less.delete(grantKey('networking.k8s.io', 'ingresses', 'delete'));
  less.delete(grantKey('rbac.authorization.k8s.io', 'roles', 'get'));
  assert.deepEqual([...missingGrants(less).keys()].sort(), [
    'apps/deployments:create', 'core/events:patch', 'core/pods:list', 'iofog.org/controlplanes/finalizers:update',
    'networking.k8s.io/ingresses:delete', 'rbac.authorization.k8s.io/roles:get',
  ]);
  assert.equal(missingGrants(less).get('networking.k8s.io/ingresses:delete'), 'delete networking.k8s.io/ingresses ecn/iofog-router');
  assert.match(missingGrants(less).get('apps/deployments:create')!, /an apply that created it/);
  assert.match(missingGrants(less).get('core/pods:list')!, /Role iofog-router grants it/);
  assert.deepEqual(unusedGrants(new Set([...grantKeys(), grantKey('', 'secrets', 'get'), grantKey('iofog.org', 'agents', 'delete')])), ['core/secrets:get', 'iofog.org/agents:delete']);
  // the audit saw the manager's calls, not nothing
  assert.ok(server.audit.entries((e) => e.verb === 'watch' && e.apiGroup === 'iofog.org').length >= 6, 'the six informers watched');
});
