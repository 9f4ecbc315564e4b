/**
 * The narrow Kubernetes API the reconciler uses (list, watch, patch, events, server-side apply), and its client-node
 * implementation. Every call stays within src/kube/permissions.ts. Failures become EcnError ECN_KUBE naming the object
 * and the HTTP status (src/kube/kube-errors.ts). client-node is a large module (seconds to load): only `ecn run --kube`
 * loads this file (src/kube/source.ts imports it on demand).
 */
import {
  AppsV1Api, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, NetworkingV1Api, PatchStrategy, RbacAuthorizationV1Api, Watch, setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { EcnError } from '../errors.js';
import { kubeError, statusOf } from './kube-errors.js';
import type { Kind } from '../model/schemas.js';
import { FIELD_MANAGER, GROUP, PLURALS, VERSION } from './kinds.js';
import type { KubeObject, ObjectList, WatchFn } from './supervised-informer.js';

export interface KubeEvent {
  metadata: { name: string; namespace: string };
  involvedObject: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string; resourceVersion?: string };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string };
  reportingComponent: string;
  reportingInstance?: string;
}

export interface KubeApi {
  listCustom(kind: Kind, namespace: string): Promise<ObjectList<KubeObject>>;
  watch: WatchFn;
  /** merge-patch of the /status subresource */
  patchStatus(kind: Kind, namespace: string, name: string, status: unknown): Promise<KubeObject>;
  /** merge-patch of the object (metadata only here: finalizers, with resourceVersion for optimistic concurrency) */
  patchObject(kind: Kind, namespace: string, name: string, patch: unknown): Promise<KubeObject>;
  createEvent(namespace: string, event: KubeEvent): Promise<void>;
  patchEvent(namespace: string, name: string, patch: unknown): Promise<void>;
  /** server-side apply (fieldManager ecn-router-manager, force) of a built-in object */
  apply(obj: KubeObject): Promise<KubeObject>;
  /** the discovery.k8s.io/v1 EndpointSlices of a namespace matching a label selector (the interior router's replicas,
   *  src/kube/router-replicas.ts). Optional: without it (a test fake) the manager discovers no replicas */
  listEndpointSlices?(namespace: string, labelSelector: string): Promise<ObjectList<KubeObject>>;
  /** GET of a ControlPlane child that may become unwanted, by name; undefined when there is none (404). Optional: a
   *  KubeApi without it and deleteChild (a test fake) prunes nothing (src/kube/prune.ts) */
  getChild?(kind: PrunableKind, namespace: string, name: string): Promise<KubeObject | undefined>;
  /** DELETE of such a child, only while its uid is `uid` (a precondition: 409 otherwise); false when it was gone (404) */
  deleteChild?(kind: PrunableKind, namespace: string, name: string, uid: string): Promise<boolean>;
}

/** The ControlPlane's children a spec change can make unwanted (src/kube/controlplane.ts), so the manager deletes. */
export type PrunableKind = 'Ingress' | 'Role' | 'RoleBinding';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** The client-node implementation. */
export function clientNodeApi(kc: KubeConfig): KubeApi {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const net = kc.makeApiClient(NetworkingV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const watcher = new Watch(kc);
  const cr = (kind: Kind, namespace: string) => ({ group: GROUP, version: VERSION, namespace, plural: PLURALS[kind] });
  const wrap = async <T>(what: string, p: () => Promise<T>): Promise<T> => {
    try { return await p(); } catch (err) { throw kubeError(what, err); }
  };
  return {
    listCustom: (kind, namespace) => wrap(`list ${PLURALS[kind]} in ${namespace}`, async () => (await custom.listNamespacedCustomObject(cr(kind, namespace))) as ObjectList<KubeObject>),
    listEndpointSlices: (namespace, labelSelector) => wrap(`list endpointslices ${labelSelector} in ${namespace}`,
      async () => (await discovery.listNamespacedEndpointSlice({ namespace, labelSelector })) as unknown as ObjectList<KubeObject>),
    watch: (path, params, onEvent, onDone) => watcher.watch(path, params as Record<string, string | number | boolean | undefined>, onEvent, onDone),
    patchStatus: (kind, namespace, name, status) => wrap(`patch the status of ${kind} ${namespace}/${name}`,
      async () => (await custom.patchNamespacedCustomObjectStatus({ ...cr(kind, namespace), name, body: { status }, fieldManager: FIELD_MANAGER }, mergePatch)) as KubeObject),
    patchObject: (kind, namespace, name, patch) => wrap(`patch ${kind} ${namespace}/${name}`,
      async () => (await custom.patchNamespacedCustomObject({ ...cr(kind, namespace), name, body: patch, fieldManager: FIELD_MANAGER }, mergePatch)) as KubeObject),
    createEvent: (namespace, event) => wrap(`create event ${event.metadata.name}`, async () => { await core.createNamespacedEvent({ namespace, body: event as never }); }),
    patchEvent: (namespace, name, patch) => wrap(`patch event ${name}`, async () => { await core.patchNamespacedEvent({ namespace, name, body: patch }, mergePatch); }),
    apply: (obj) => {
      const name = obj.metadata.name;
      const namespace = obj.metadata.namespace ?? 'default';
      const args = { name, namespace, body: obj as never, fieldManager: FIELD_MANAGER, force: true };
      return wrap(`apply ${obj.kind} ${namespace}/${name}`, async () => {
        switch (obj.kind) {
          case 'Deployment': return (await apps.patchNamespacedDeployment(args, applyPatch)) as KubeObject;
          case 'ConfigMap': return (await core.patchNamespacedConfigMap(args, applyPatch)) as KubeObject;
          case 'Service': return (await core.patchNamespacedService(args, applyPatch)) as KubeObject;
          case 'ServiceAccount': return (await core.patchNamespacedServiceAccount(args, applyPatch)) as KubeObject;
          case 'Role': return (await rbac.patchNamespacedRole(args, applyPatch)) as KubeObject;
          case 'RoleBinding': return (await rbac.patchNamespacedRoleBinding(args, applyPatch)) as KubeObject;
          case 'Ingress': return (await net.patchNamespacedIngress(args, applyPatch)) as KubeObject;
          default: throw new EcnError('ECN_KUBE', `apply: kind ${String(obj.kind)} is not one the manager manages`, { hint: 'a bug: src/kube/controlplane.ts builds only Deployment, ConfigMap, Service, ServiceAccount, Role, RoleBinding, Ingress' });
        }
      });
    },
    getChild: (kind, namespace, name) => wrap(`get ${kind} ${namespace}/${name}`, async () => {
      try {
        switch (kind) {
          case 'Ingress': return (await net.readNamespacedIngress({ name, namespace })) as KubeObject;
          case 'Role': return (await rbac.readNamespacedRole({ name, namespace })) as KubeObject;
          case 'RoleBinding': return (await rbac.readNamespacedRoleBinding({ name, namespace })) as KubeObject;
        }
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    }),
    deleteChild: (kind, namespace, name, uid) => wrap(`delete ${kind} ${namespace}/${name}`, async () => {
      const args = { name, namespace, body: { preconditions: { uid } } };
      try {
        switch (kind) {
          case 'Ingress': await net.deleteNamespacedIngress(args); break;
          case 'Role': await rbac.deleteNamespacedRole(args); break;
          case 'RoleBinding': await rbac.deleteNamespacedRoleBinding(args); break;
        }
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw err;
      }
    }),
  };
}
