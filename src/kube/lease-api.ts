/**
 * The coordination.k8s.io/v1 Lease calls leader election makes (get, create, update: src/kube/permissions.ts), over
 * client-node. Loaded on demand with the rest of the Kubernetes client (src/kube/source.ts). Failures are EcnError
 * ECN_KUBE with the HTTP status in details.status (404 and 409 are what the elector looks at).
 */
import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeError, statusOf } from './kube-errors.js';
import type { LeaseApi, LeaseObject } from './leader-election.js';

export function clientNodeLeaseApi(kc: KubeConfig): LeaseApi {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    async get(namespace, name) {
      try {
        return (await api.readNamespacedLease({ namespace, name })) as unknown as LeaseObject;
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw kubeError(`get lease ${namespace}/${name}`, err);
      }
    },
    async create(namespace, lease) {
      try {
        return (await api.createNamespacedLease({ namespace, body: lease as never })) as unknown as LeaseObject;
      } catch (err) { throw kubeError(`create lease ${namespace}/${lease.metadata.name}`, err); }
    },
    async update(namespace, lease) {
      try {
        return (await api.replaceNamespacedLease({ namespace, name: lease.metadata.name, body: lease as never })) as unknown as LeaseObject;
      } catch (err) { throw kubeError(`update lease ${namespace}/${lease.metadata.name}`, err); }
    },
  };
}
