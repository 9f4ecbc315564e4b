/**
 * A fake Kubernetes API server for the real @kubernetes/client-node and kubectl (see api-server.ts).
 *
 *   const server = new KubeApiServer({ preloadIofogCrds: true });   // or crds: [...], or apply CRDs to it
 *   await server.start();                                            // http://127.0.0.1:PORT
 *   kc.loadFromOptions(server.kubeConfigOptions());                  // plain HTTP: skipTLSVerify is set
 *   server.faults.goneOnNextWatch('agents'); await server.settled(); // faults; background GC done
 *
 * Modules: cluster.ts (semantics), store.ts (objects, resourceVersions, watch history), watch.ts, patch.ts and
 * fields.ts (patch types, server-side apply), schema.ts (CRD schemas), gc.ts, stages.ts, faults.ts, discovery.ts,
 * openapi.ts, table.ts, protobuf.ts, request.ts.
 */
export { KubeApiServer, type KubeApiServerOptions } from './api-server.js';
export { KubeCluster, type ClusterOptions, type KubeList, type DeleteOptions, type PatchOptions, type WriteOptions } from './cluster.js';
export { KubeFaults, type FaultVerb } from './faults.js';
export { runKubeFaultCommand, KUBE_FAULT_HELP } from './fault-commands.js';
export { GarbageCollector } from './gc.js';
export { Stages, type StagesOptions } from './stages.js';
export { ObjectStore, type StoreEvent } from './store.js';
export { BUILTIN_RESOURCES, ResourceRegistry, crdResourceTypes, groupVersion, resourceKey, type KubeObject, type ResourceType } from './resources.js';
export { KubeApiError, failureStatus, type KubeStatus } from './status.js';
export { iofogCrd, iofogCrds, iofogPlural, IOFOG_GROUP, IOFOG_KINDS, IOFOG_VERSION } from './iofog-crds.js';
