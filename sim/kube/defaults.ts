/**
 * Per-kind behaviour of the real API server that clients notice: defaults on create (a Service gets a clusterIP,
 * a Deployment replicas 1, a Namespace phase Active), Secret stringData folded into data, CRD status conditions.
 */
import { resourceKey, type KubeObject, type ResourceType } from './resources.js';
import type { ObjectStore } from './store.js';

let nextClusterIp = 1;

function allocateClusterIp(store: ObjectStore): string {
  const used = new Set(store.list('services').map((s) => s.spec?.clusterIP));
  for (;;) {
    const n = nextClusterIp++;
    const ip = `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
    if (!used.has(ip)) return ip;
  }
}

export function applyCreateDefaults(rt: ResourceType, obj: KubeObject, store: ObjectStore): void {
  switch (resourceKey(rt)) {
    case 'namespaces':
      obj.metadata!.labels = { ...(obj.metadata!.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata!.name };
      obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
      obj.status = { phase: 'Active' };
      break;
    case 'services': {
      const spec = obj.spec ??= {};
      spec.type ??= 'ClusterIP';
      if (spec.type !== 'ExternalName') {
        if (!spec.clusterIP) spec.clusterIP = allocateClusterIp(store);
        spec.clusterIPs ??= [spec.clusterIP];
      }
      spec.sessionAffinity ??= 'None';
      if (Array.isArray(spec.ports)) {
        for (const p of spec.ports) {
          p.protocol ??= 'TCP';
          p.targetPort ??= p.port;
        }
      }
      obj.status = { loadBalancer: {} };
      break;
    }
    case 'deployments.apps': {
      const spec = obj.spec ??= {};
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
      break;
    }
    case 'secrets':
      obj.type ??= 'Opaque';
      break;
    case 'pods':
      obj.status = { phase: 'Pending' };
      break;
  }
}

/** On every write (create, update, patch). */
export function applyWriteHooks(rt: ResourceType, obj: KubeObject, _current?: KubeObject): void {
  if (resourceKey(rt) === 'secrets' && obj.stringData && typeof obj.stringData === 'object') {
    obj.data = { ...(obj.data ?? {}) };
    for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    delete obj.stringData;
  }
}

/** A CRD's status once its names are accepted: Established, NamesAccepted, acceptedNames, storedVersions. */
export function crdStatus(crd: KubeObject, now: string): KubeObject {
  const names = crd.spec?.names ?? {};
  const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    conditions: [
      cond('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    acceptedNames: {
      plural: names.plural, singular: names.singular ?? String(names.kind ?? '').toLowerCase(), kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      ...(names.categories ? { categories: names.categories } : {}),
    },
    storedVersions: (crd.spec?.versions ?? []).filter((v: any) => v.storage).map((v: any) => v.name),
  };
}
