/**
 * The audit trail of writes to routers and the counters behind the future metrics. Bounded: a manager runs for
 * months, so the trail is a ring of the most recent entries, and counters are keyed by a small closed set of labels.
 */
import type { ManagedType, PlanOp } from '../plan/types.js';

/** Why a pass wrote: the first sync of a router, a model change, a detected router restart, or drift found later. */
export type WriteReason = 'change' | 'drift' | 'restart' | 'initial';
export type WriteResult = 'ok' | 'error' | 'skipped';

export interface AuditEntry {
  /** clock time of the write's completion (ms) */
  time: number;
  router: string;
  op: PlanOp['op'];
  type: ManagedType;
  name: string;
  reason: WriteReason;
  /** what differed and why (the diff's detail and op reason) */
  detail: string;
  result: WriteResult;
  /** error code and status when result is not ok */
  error?: string;
}

export class AuditLog {
  private readonly ring: AuditEntry[] = [];
  private next = 0;
  private total = 0;

  constructor(readonly capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`audit capacity must be a positive integer, got ${capacity}`);
  }

  add(e: AuditEntry): void {
    if (this.ring.length < this.capacity) this.ring.push(e);
    else this.ring[this.next] = e;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** The retained entries, oldest first; optionally only those of one router. */
  entries(router?: string): AuditEntry[] {
    const ordered = this.ring.length < this.capacity ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return router === undefined ? ordered : ordered.filter((e) => e.router === router);
  }

  /** Entries ever added (including those the ring has dropped). */
  get count(): number { return this.total; }
}

export interface WriteCount {
  op: PlanOp['op'];
  type: ManagedType;
  result: WriteResult;
  reason: WriteReason;
  count: number;
}

export interface SyncCountersSnapshot {
  writes: WriteCount[];
  passes: { ok: number; failed: number };
  queries: number;
  restartsDetected: number;
}

/** Plain counters for metrics to come (a Prometheus collector can read snapshot()). */
export class SyncCounters {
  private readonly writes = new Map<string, WriteCount>();
  passesOk = 0;
  passesFailed = 0;
  queries = 0;
  restartsDetected = 0;

  write(op: PlanOp['op'], type: ManagedType, result: WriteResult, reason: WriteReason): void {
    const k = `${op}|${type}|${result}|${reason}`;
    const c = this.writes.get(k);
    if (c) c.count++;
    else this.writes.set(k, { op, type, result, reason, count: 1 });
  }

  snapshot(): SyncCountersSnapshot {
    return {
      writes: [...this.writes.values()].map((w) => ({ ...w })),
      passes: { ok: this.passesOk, failed: this.passesFailed },
      queries: this.queries,
      restartsDetected: this.restartsDetected,
    };
  }
}
