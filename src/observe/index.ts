/** The observer: what the router network actually looks like, as data. */
export * from './types.js';
export * from './parse.js';
export { mapLimit } from './pool.js';
export {
  observeNetwork,
  foldReplicas,
  type ReplicaFold,
  observeTargets,
  probeRouter,
  errorInfo,
  isUnreachable,
  type ObserverClient,
  type ObserveOptions,
  type ObserveTarget,
  type QueryOps,
} from './observer.js';
