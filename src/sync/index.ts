/**
 * The sync engine: per-router level-triggered passes (syncer), their scheduling (scheduler), the audit trail.
 */
export { RouterSyncer, readOwnedEntities, targetSpecOf, isOpLevelError, opBatches, type SyncClient, type RouterSyncerOptions, type SyncResult } from './syncer.js';
export {
  SyncScheduler,
  type SyncSchedulerOptions,
  type SyncTrigger,
  type RouterSyncState,
  type RouterSyncStatus,
  type SchedulerEvents,
  type BackoffPolicy,
} from './scheduler.js';
export { AuditLog, SyncCounters, type AuditEntry, type WriteReason, type WriteResult, type WriteCount, type SyncCountersSnapshot } from './audit.js';
export { RestartDetector, uptimeType, type RestartSample, type RestartSignal } from './restart-detector.js';
export { learnCapabilities } from './capabilities.js';
