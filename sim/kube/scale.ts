/**
 * The scale subresource of Deployments (autoscaling/v1 Scale), for `kubectl scale` and autoscaler-like clients.
 */
import type { KubeCluster } from './cluster.js';
import { jsonPatch, mergePatch, strategicMergePatch, type PatchType } from './patch.js';
import type { KubeObject, ResourceType } from './resources.js';
import { badRequest } from './status.js';

export function hasScale(rt: ResourceType): boolean {
  return rt.group === 'apps' && rt.plural === 'deployments';
}

export function toScale(obj: KubeObject): KubeObject {
  const md = obj.metadata ?? {};
  const labels = obj.spec?.selector?.matchLabels ?? {};
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: md.name, namespace: md.namespace, uid: md.uid, resourceVersion: md.resourceVersion, creationTimestamp: md.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 1 },
    status: { replicas: obj.status?.replicas ?? 0, selector: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') },
  };
}

/** Writes a new Scale (PUT body, or a patch of the current Scale) as the Deployment's spec.replicas. */
export function writeScale(cluster: KubeCluster, rt: ResourceType, namespace: string | undefined, name: string,
  change: { put: unknown } | { patch: unknown; type: PatchType }, manager: string): KubeObject {
  const current = cluster.get(rt, namespace, name);
  let scale: KubeObject;
  if ('put' in change) scale = change.put as KubeObject;
  else if (change.type === 'json') scale = jsonPatch(toScale(current), change.patch);
  else if (change.type === 'strategic') scale = strategicMergePatch(toScale(current), change.patch) as KubeObject;
  else scale = mergePatch(toScale(current), change.patch) as KubeObject;
  const replicas = scale?.spec?.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) throw badRequest('Scale spec.replicas must be a non-negative integer');
  const rv = scale.metadata?.resourceVersion;
  const r = cluster.patch(rt, namespace, name, 'merge', { metadata: rv ? { resourceVersion: rv } : {}, spec: { replicas } }, { manager });
  return toScale(r.object);
}
