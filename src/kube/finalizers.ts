/**
 * The finalizer `iofog.org/router-config` on Agents and Microservices: added on first sight; removed once the
 * object's router configuration is gone (the reconciler decides when). Patches carry the resourceVersion they were
 * computed from, so a concurrent change answers 409 and the work is retried with fresh data.
 */
import type { Kind } from '../model/schemas.js';
import type { RouterPlan } from '../plan/types.js';
import type { KubeApi } from './kube-api.js';
import { FINALIZED_KINDS, ROUTER_FINALIZER } from './kinds.js';
import type { KubeObject } from './supervised-informer.js';

export const isTerminating = (o: KubeObject): boolean => o.metadata.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;

export const hasFinalizer = (o: KubeObject): boolean => (o.metadata.finalizers ?? []).includes(ROUTER_FINALIZER);

export const needsFinalizer = (kind: Kind, o: KubeObject): boolean => FINALIZED_KINDS.has(kind) && !isTerminating(o) && !hasFinalizer(o);

export async function addFinalizer(api: KubeApi, kind: Kind, o: KubeObject): Promise<KubeObject> {
  const finalizers = [...(o.metadata.finalizers ?? []), ROUTER_FINALIZER];
  return api.patchObject(kind, o.metadata.namespace ?? 'default', o.metadata.name, { metadata: { finalizers, resourceVersion: o.metadata.resourceVersion } });
}

export async function removeFinalizer(api: KubeApi, kind: Kind, o: KubeObject): Promise<KubeObject> {
  const finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== ROUTER_FINALIZER);
  return api.patchObject(kind, o.metadata.namespace ?? 'default', o.metadata.name, { metadata: { finalizers, resourceVersion: o.metadata.resourceVersion } });
}

/**
 * What a router keeps when its agent is deleted: its links (listeners, connectors, TLS profiles: the bootstrap config,
 * so the router stays reachable and starts the same way), without the runtime config (addresses, tcp bridges).
 */
export function decommissionPlan(rp: RouterPlan): RouterPlan {
  return { ...rp, entities: rp.entities.filter((e) => e.type === 'listener' || e.type === 'connector' || e.type === 'sslProfile'), conditions: [] };
}
