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
const MANAGE: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

const CR_PLURALS = KINDS.map(pluralOf);

export const PERMISSIONS: readonly Permission[] = [
  // The six custom resources: informers (get/list/watch); finalizers are added and removed with a patch of the object.
  ...CR_PLURALS.map((resource) => ({
    apiGroup: CRD_GROUP,
    resource,
    verbs: [...READ, 'update', 'patch'] as Verb[],
    reason: 'watch the ECN objects; add/remove the manager finalizer (patch)',
  })),
  ...CR_PLURALS.map((resource) => ({
    apiGroup: CRD_GROUP,
    resource: `${resource}/status`,
    verbs: ['update', 'patch'] as Verb[],
    reason: 'write observedGeneration, conditions and the status fields',
  })),
  {
    apiGroup: CRD_GROUP,
    resource: 'controlplanes/finalizers',
    verbs: ['update'],
    reason: 'owner references with blockOwnerDeletion to the ControlPlane on its children (OwnerReferencesPermissionEnforcement)',
  },
  { apiGroup: '', resource: 'events', verbs: ['create', 'patch'], reason: 'record events on the ECN objects' },
  // The ControlPlane's children: the interior router and how it is exposed.
  { apiGroup: '', resource: 'configmaps', verbs: MANAGE, reason: "the interior router's configuration" },
  { apiGroup: '', resource: 'services', verbs: MANAGE, reason: 'the interior router Service (LoadBalancer or ClusterIP) and its public ports' },
  { apiGroup: '', resource: 'serviceaccounts', verbs: MANAGE, reason: "the interior router's ServiceAccount" },
  { apiGroup: 'apps', resource: 'deployments', verbs: MANAGE, reason: 'the interior router Deployment' },
  { apiGroup: 'rbac.authorization.k8s.io', resource: 'roles', verbs: MANAGE, reason: "the interior router's Role (it may grant only what this list grants)" },
  { apiGroup: 'rbac.authorization.k8s.io', resource: 'rolebindings', verbs: MANAGE, reason: "the interior router's RoleBinding" },
  { apiGroup: 'networking.k8s.io', resource: 'ingresses', verbs: MANAGE, reason: 'the Ingress in front of ClusterIP router/public-port Services' },
  { apiGroup: '', resource: 'pods', verbs: READ, reason: "granted on to the interior router's Role when it runs more than one replica (skupper-router auto-mesh lists pods); RBAC lets the manager grant only what it holds" },
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
