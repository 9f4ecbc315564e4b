/**
 * The Kubernetes permissions the manager needs at run time, as data: the reconciler's calls must stay within them,
 * and deploy/base/rbac.yaml (a namespaced Role) is generated from them by scripts/gen-deploy.ts. A test checks the
 * committed Role grants exactly these, nothing more. Keep this file in step with src/kube (add a permission here
 * in the same change as the call that needs it; remove it when the call goes).
 *
 * Not here: the CRDs themselves (cluster-scoped, applied once by an administrator; the manager never reads or
 * writes CustomResourceDefinitions).
 */
import { KINDS } from '../model/schemas.js';
import { CRD_GROUP, pluralOf } from './crds.js';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface Permission {
  /** API group; `''` is the core group */
  apiGroup: string;
  /** resource (plural) or `resource/subresource` */
  resource: string;
  verbs: readonly Verb[];
  /** why the manager needs it */
  reason: string;
}

const READ: readonly Verb[] = ['get', 'list', 'watch'];
/** the router's resources are written by server-side apply only: PATCH, which creates the object the first time */
const APPLY: readonly Verb[] = ['create', 'patch'];
/**
 * the ControlPlane's optional children (src/kube/prune.ts): applied, and deleted by name once no longer wanted — a GET
 * first, to delete only what the manager owns (its owner reference and field manager), never a user's namesake
 */
const APPLY_PRUNE: readonly Verb[] = ['get', 'create', 'patch', 'delete'];

/** The kinds whose objects carry the manager's finalizer (kinds.ts FINALIZED_KINDS): the only objects it patches. */
const FINALIZED_PLURALS = ['agents', 'microservices'];

export const PERMISSIONS: readonly Permission[] = [
  // The six custom resources: informers list and watch (no single GET); status is merge-patched.
  ...KINDS.map(pluralOf).map((resource) => ({
    apiGroup: CRD_GROUP,
    resource,
    verbs: (FINALIZED_PLURALS.includes(resource) ? ['list', 'watch', 'patch'] : ['list', 'watch']) as Verb[],
    reason: FINALIZED_PLURALS.includes(resource)
      ? 'watch the ECN objects; add and remove the manager finalizer (merge patch)'
      : 'watch the ECN objects',
  })),
  ...KINDS.map(pluralOf).map((resource) => ({
    apiGroup: CRD_GROUP,
    resource: `${resource}/status`,
    verbs: ['patch'] as Verb[],
    reason: 'write observedGeneration, conditions and the status fields (merge patch)',
  })),
  {
    apiGroup: CRD_GROUP,
    resource: 'controlplanes/finalizers',
    verbs: ['update'],
    reason: 'owner references with blockOwnerDeletion to the ControlPlane on its children (OwnerReferencesPermissionEnforcement)',
  },
  { apiGroup: '', resource: 'events', verbs: ['create', 'patch'], reason: 'record events on the ECN objects (a repeat patches the count)' },
  // The ControlPlane's children, by server-side apply; garbage collection deletes them with the ControlPlane, the
  // manager deletes an Ingress, Role or RoleBinding the spec no longer wants.
  { apiGroup: '', resource: 'configmaps', verbs: APPLY, reason: "the interior router's configuration" },
  { apiGroup: '', resource: 'services', verbs: APPLY, reason: 'the interior router Service (LoadBalancer or ClusterIP)' },
  { apiGroup: '', resource: 'serviceaccounts', verbs: APPLY, reason: "the interior router's ServiceAccount" },
  { apiGroup: 'apps', resource: 'deployments', verbs: APPLY, reason: 'the interior router Deployment' },
  { apiGroup: 'rbac.authorization.k8s.io', resource: 'roles', verbs: APPLY_PRUNE, reason: "the interior router's Role (it may grant only what this list grants), deleted when down to one replica" },
  { apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings', verbs: APPLY_PRUNE, reason: "the interior router's RoleBinding, deleted when down to one replica" },
  { apiGroup: 'networking.k8s.io', resource: 'ingresses', verbs: APPLY_PRUNE, reason: 'the Ingress in front of a ClusterIP router Service, deleted when the Service type or address no longer wants it' },
  { apiGroup: '', resource: 'pods', verbs: READ, reason: "granted on to the interior router's Role when it runs more than one replica (skupper-router auto-mesh lists pods); RBAC lets the manager grant only what it holds" },
  // One management connection per interior router replica (src/kube/router-replicas.ts).
  { apiGroup: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['list', 'watch'], reason: "find the ready replicas of the interior router behind its Service, to configure each over its own connection" },
  // One active manager per namespace.
  { apiGroup: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], reason: 'leader election' },
];

/** Every (apiGroup, resource, verb) granted, as `group/resource:verb` strings (`core` for the core group). */
export function grantKeys(perms: readonly Permission[] = PERMISSIONS): Set<string> {
  const out = new Set<string>();
  for (const p of perms) for (const v of p.verbs) out.add(grantKey(p.apiGroup, p.resource, v));
  return out;
}

export function grantKey(apiGroup: string, resource: string, verb: string): string {
  return `${apiGroup === '' ? 'core' : apiGroup}/${resource}:${verb}`;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** The Role rules: permissions with the same group and verbs share a rule (order of first appearance). */
export function roleRules(perms: readonly Permission[] = PERMISSIONS): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const byKey = new Map<string, PolicyRule>();
  for (const p of perms) {
    const key = `${p.apiGroup}\u0000${p.verbs.join(',')}`;
    let rule = byKey.get(key);
    if (!rule) {
      rule = { apiGroups: [p.apiGroup], resources: [], verbs: [...p.verbs] };
      byKey.set(key, rule);
      rules.push(rule);
    }
    if (!rule.resources.includes(p.resource)) rule.resources.push(p.resource);
  }
  return rules;
}
