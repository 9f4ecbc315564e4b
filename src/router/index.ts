/**
 * The router management client: the public surface other layers import.
 */
export {
  ManagementClient,
  createManagementClient,
  type ManagementClientOptions,
  type ClientState,
  type ClientEvents,
  type ClientStats,
  type ConnectedEvent,
  type DisconnectedEvent,
  type ReconnectingEvent,
} from './client.js';
export {
  ManagementTarget,
  targetAddress,
  type TargetSpec,
  type EntityRef,
  type QueryOptions,
  type ManagementOps,
  type RequestExecutor,
} from './target.js';
export type { ManagementRequest, CallOptions } from './request.js';
export type { Attributes, ManagementResponse } from './response.js';
export { ManagementError, isManagementError, isStatus, type RequestCoordinates } from './management-error.js';
export type { TlsOptions, SaslOptions } from './connect-options.js';
export { parseRouterUrl, hostPort, redactUrl } from './connect-options.js';
export type { ReconnectPolicy } from './backoff.js';
export { applyRheaFixes } from './rhea-fixes.js';
export type { RequestEvent, RequestResult, ClientCounters } from './metrics.js';
export * from './protocol.js';
