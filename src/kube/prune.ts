/**
 * Pruning the ControlPlane's children a spec change made unwanted: the Ingress (the Service is no longer ClusterIP
 * with an ingress address) and the auto-mesh Role and RoleBinding (one replica). Each is looked up by name (GET, 404:
 * nothing to do) and deleted only when the manager owns it: in the namespace, with an owner reference to this
 * ControlPlane's uid, and applied by the manager (its field manager in managedFields, or its managed-by label).
 * A user's object of the same name is never touched. The DELETE carries the object's uid as a precondition, so an
 * object replaced between the GET and the DELETE survives (409: left for the next reconcile to judge).
 */
import type { KubeApi, PrunableKind } from './kube-api.js';
import { statusOf } from './kube-errors.js';
import { FIELD_MANAGER } from './kinds.js';
import type { KubeObject } from './supervised-informer.js';

/** The kinds that may become unwanted, in the order they are deleted (a binding before its Role). */
export const PRUNABLE_KINDS: readonly PrunableKind[] = ['Ingress', 'RoleBinding', 'Role'];

export interface PruneTarget {
  kind: PrunableKind;
  name: string;
}

/** True when `o` is a child the manager made for `owner` (a ControlPlane with a uid) in `namespace`. */
export function ownedChild(o: KubeObject, owner: KubeObject, namespace: string): boolean {
  const uid = owner.metadata.uid;
  if (!uid || o.metadata.namespace !== namespace) return false;
  const refs = (o.metadata.ownerReferences ?? []) as Array<{ uid?: string; kind?: string }>;
  if (!refs.some((r) => r.uid === uid && r.kind === 'ControlPlane')) return false;
  const managed = ((o.metadata as { managedFields?: Array<{ manager?: string }> }).managedFields ?? []).some((f) => f.manager === FIELD_MANAGER);
  return managed || o.metadata.labels?.['app.kubernetes.io/managed-by'] === FIELD_MANAGER;
}

/**
 * Deletes the targets the manager owns; resolves with the ones deleted (`Kind name`). Needs `api.getChild` and
 * `api.deleteChild` (without them nothing is pruned). Other failures (403, 5xx) reject: the caller retries.
 */
export async function pruneChildren(api: KubeApi, owner: KubeObject, namespace: string, targets: readonly PruneTarget[]): Promise<string[]> {
  const deleted: string[] = [];
  if (!api.getChild || !api.deleteChild || !owner.metadata.uid) return deleted;
  for (const t of [...targets].sort((a, b) => PRUNABLE_KINDS.indexOf(a.kind) - PRUNABLE_KINDS.indexOf(b.kind))) {
    const o = await api.getChild(t.kind, namespace, t.name);
    if (!o?.metadata.uid || !ownedChild(o, owner, namespace)) continue;
    try {
      if (await api.deleteChild(t.kind, namespace, t.name, o.metadata.uid)) deleted.push(`${t.kind} ${t.name}`);
    } catch (err) {
      if (statusOf(err) !== 409) throw err; // 409: replaced since the GET, not the object judged
    }
  }
  return deleted;
}
