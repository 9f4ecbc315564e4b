/**
 * The sync status of the control plane's interior when it runs as replicas: one status made of its replicas'
 * (src/manager/interior-replicas.ts). It is in sync only when every replica is; it has synced once when every
 * replica has (lastSyncAt: the earliest replica's); its last pass is the oldest replica's last pass, so "a pass that
 * started after T" holds only once every replica made one.
 */
import type { RouterSyncState, RouterSyncStatus } from '../sync/index.js';

const WORST: readonly RouterSyncState[] = ['backoff', 'syncing', 'pending', 'in-sync'];

export function aggregateStatus(routerId: string, replicas: readonly RouterSyncStatus[]): RouterSyncStatus | undefined {
  if (replicas.length === 0) return undefined;
  const state = WORST.find((st) => replicas.some((r) => r.state === st)) ?? 'pending';
  const failing = replicas.find((r) => r.lastError !== undefined);
  const synced = replicas.every((r) => r.lastSyncAt !== undefined);
  const results = replicas.map((r) => r.lastResult);
  const oldest = results.every((r) => r !== undefined)
    ? results.reduce((a, b) => (b!.startedAt < a!.startedAt ? b : a))
    : undefined;
  const anyFailed = results.find((r) => r !== undefined && !r.ok);
  const last = anyFailed ?? oldest;
  const retries = replicas.map((r) => r.retryAt).filter((t): t is number => t !== undefined);
  return {
    router: routerId,
    state,
    ...(failing?.lastError ? { lastError: failing.lastError } : {}),
    ...(synced ? { lastSyncAt: Math.min(...replicas.map((r) => r.lastSyncAt!)) } : {}),
    consecutiveFailures: Math.max(...replicas.map((r) => r.consecutiveFailures)),
    ...(retries.length ? { retryAt: Math.min(...retries) } : {}),
    ...(last ? { lastResult: { ...last, router: routerId } } : {}),
  };
}
