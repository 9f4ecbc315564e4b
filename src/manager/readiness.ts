/**
 * Whether the manager is ready: connected to the control plane's interior router, and every router of the plan
 * has completed at least one successful sync pass. A router that converged once and fails later stays ready (its
 * trouble shows in the status and the metrics): readiness is about having done the initial work, and must not flap
 * with one unreachable edge.
 */
import type { ClientState } from '../router/client.js';
import type { RouterSyncState, RouterSyncStatus } from '../sync/index.js';
import type { ManagerReplicaStatus } from './interior-replicas.js';

export interface RouterNotReady {
  router: string;
  state: RouterSyncState;
  reason: string;
  consecutiveFailures: number;
  lastError?: { code: string; message: string };
}

export interface Readiness {
  ready: boolean;
  stopped: boolean;
  interior: { state: ClientState; connected: boolean };
  /** the interior router's replicas, each on its own connection (empty unless it runs two or more) */
  replicas: Array<{ key: string; url: string; routerId: string | null; plan: string; state: ClientState }>;
  routers: { total: number; ready: number };
  /** the first `limit` routers not ready yet, by id */
  notReady: RouterNotReady[];
  notReadyCount: number;
  /** one line per reason the manager is not ready (empty when ready) */
  reasons: string[];
}

/** The part of the Manager readiness looks at. */
export interface ReadinessSource {
  readonly isStopped: boolean;
  readonly client: { readonly state: ClientState };
  syncStatus(): RouterSyncStatus[];
  replicaStatus?(): ManagerReplicaStatus[];
}

function whyNotReady(s: RouterSyncStatus): string {
  switch (s.state) {
    case 'syncing': return 'first sync pass in progress';
    case 'backoff': return `first sync ${s.consecutiveFailures === 1 ? 'pass' : `${s.consecutiveFailures} passes`} failed${s.lastError ? ` (${s.lastError.code}: ${s.lastError.message})` : ''}; retrying`;
    default: return s.lastError ? `waiting to retry after ${s.lastError.code}: ${s.lastError.message}` : 'waiting for its first sync pass';
  }
}

export function readiness(source: ReadinessSource, limit = 20): Readiness {
  const stopped = source.isStopped;
  const state = source.client.state;
  const connected = state === 'ready';
  const status = source.syncStatus();
  const notReady: RouterNotReady[] = [];
  let notReadyCount = 0;
  for (const s of status) {
    if (s.lastSyncAt !== undefined) continue;
    notReadyCount++;
    if (notReady.length < limit) {
      notReady.push({ router: s.router, state: s.state, reason: whyNotReady(s), consecutiveFailures: s.consecutiveFailures, ...(s.lastError ? { lastError: s.lastError } : {}) });
    }
  }
  const reasons: string[] = [];
  if (stopped) reasons.push('the manager is stopped');
  if (!connected) reasons.push(`not connected to the interior router (connection ${state})`);
  if (notReadyCount > 0) reasons.push(`${notReadyCount} of ${status.length} router(s) not synced yet`);
  return {
    ready: reasons.length === 0,
    stopped,
    interior: { state, connected },
    replicas: (source.replicaStatus?.() ?? []).map((r) => ({ key: r.key, url: r.url, routerId: r.routerId ?? null, plan: r.plan, state: r.state })),
    routers: { total: status.length, ready: status.length - notReadyCount },
    notReady,
    notReadyCount,
    reasons,
  };
}
