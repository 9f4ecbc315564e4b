/**
 * Runs the syncers of many routers: bounded concurrency across routers, at most one pass per router at a time,
 * triggers coalesced per router, exponential backoff with jitter per router (a router answering 500 or nothing
 * slows only itself), a jittered periodic pass, and model changes that resync only the routers they touch.
 * All waiting goes through the injected Clock.
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.js';
import { systemClock } from '../clock.js';
import type { EcnError } from '../errors.js';
import type { DesiredEntity, NetworkPlan, RouterCapabilities, RouterPlan } from '../plan/types.js';
import { AuditLog, SyncCounters, type AuditEntry, type WriteReason } from './audit.js';
import { RouterSyncer, type SyncClient, type SyncResult } from './syncer.js';

export type SyncTrigger = 'connect' | 'restart' | 'periodic' | 'change' | 'manual';
export type RouterSyncState = 'in-sync' | 'pending' | 'syncing' | 'backoff';

export interface RouterSyncStatus {
  router: string;
  state: RouterSyncState;
  lastError?: { code: string; message: string };
  /** clock time of the last finished pass that succeeded */
  lastSyncAt?: number;
  consecutiveFailures: number;
  /** clock time the next backoff pass is due (state backoff) */
  retryAt?: number;
  lastResult?: SyncResult;
}

export interface SchedulerEvents {
  synced: [status: RouterSyncStatus, result: SyncResult];
  'sync-failed': [status: RouterSyncStatus, error: EcnError, result: SyncResult];
  write: [entry: AuditEntry];
}

export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

export interface SyncSchedulerOptions {
  client: SyncClient;
  clock?: Clock;
  /** in [0,1); tests fix it */
  random?: () => number;
  /** passes in flight across routers (default 32) */
  concurrency?: number;
  /** periodic pass (default 30 s), jittered by ±intervalJitter (default 0.1) */
  intervalMs?: number;
  intervalJitter?: number;
  backoff?: Partial<BackoffPolicy>;
  /** per-request reply timeout */
  timeoutMs?: number;
  probeUptime?: boolean;
  auditCapacity?: number;
  /** learn router capabilities once for the network instead of once per router (default false) */
  shareCapabilities?: boolean;
}

/** The part of ManagementClient's events the scheduler listens to (optional: any SyncClient works). */
interface ConnectionEvents {
  on(event: 'connected', fn: (ev: { reconnected?: boolean }) => void): unknown;
  off(event: 'connected', fn: (ev: { reconnected?: boolean }) => void): unknown;
}

const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 1000, maxDelayMs: 60_000, factor: 2 };

// When several triggers coalesce, the pass is recorded with the most telling reason.
const REASON_RANK: Record<WriteReason, number> = { drift: 0, change: 1, restart: 2, initial: 3 };
const stronger = (a: WriteReason | undefined, b: WriteReason): WriteReason => (a === undefined || REASON_RANK[b] > REASON_RANK[a] ? b : a);

interface RouterEntry {
  id: string;
  plan: RouterPlan;
  planKey: string;
  syncer: RouterSyncer;
  /** a pass is wanted, with this reason */
  pending: WriteReason | undefined;
  queued: boolean;
  running: boolean;
  /** the pass in flight, for stop() */
  current?: Promise<void>;
  everSynced: boolean;
  consecutiveFailures: number;
  timer?: TimerHandle;
  timerKind?: 'periodic' | 'backoff';
  retryAt?: number;
  lastError?: EcnError;
  lastSyncAt?: number;
  lastResult?: SyncResult;
  /** the entities the router was confirmed to have after its last clean pass; cleared by anything that doubts it */
  confirmed?: readonly DesiredEntity[];
}

/** A stable fingerprint of what a router should have, to tell which routers a new plan changes. */
function planKey(p: RouterPlan): string {
  const ents = [...p.entities].sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
  return JSON.stringify([p.reach, ents.map((e) => [e.type, e.name, Object.keys(e.attributes).sort().map((k) => [k, e.attributes[k]])])]);
}

export class SyncScheduler extends EventEmitter<SchedulerEvents> {
  readonly audit: AuditLog;
  readonly counters = new SyncCounters();
  private readonly opts: SyncSchedulerOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly intervalMs: number;
  private readonly jitter: number;
  private readonly backoff: BackoffPolicy;
  private readonly routers = new Map<string, RouterEntry>();
  private readonly queue: string[] = [];
  private inFlight = 0;
  /** capabilities learnt from one router, offered to the others (reset with the connection) */
  private sharedValue: RouterCapabilities | undefined;
  private readonly sharedCaps = { get: () => this.sharedValue, set: (c: RouterCapabilities) => { this.sharedValue ??= c; } };
  private started = false;
  private stopped = false;

  constructor(opts: SyncSchedulerOptions) {
    super();
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.concurrency = Math.max(1, opts.concurrency ?? 32);
    this.intervalMs = opts.intervalMs ?? 30_000;
    this.jitter = Math.min(Math.max(opts.intervalJitter ?? 0.1, 0), 0.9);
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.audit = new AuditLog(opts.auditCapacity ?? 1000);
    // A ManagementClient announces reconnects; what was learnt over the old connection may be stale.
    const events = opts.client as Partial<ConnectionEvents>;
    if (typeof events.on === 'function' && typeof events.off === 'function') {
      events.on('connected', this.onClientConnected);
      this.detach = () => events.off!('connected', this.onClientConnected);
    }
  }

  private detach: (() => void) | undefined;
  private readonly onClientConnected = (ev: { reconnected?: boolean }): void => {
    if (ev?.reconnected) this.onConnected();
  };

  /**
   * Installs a new network plan. Routers new to the plan get their first sync; routers that left it are forgotten
   * (their entities stay: the router may be gone, and deleting needs a plan). Of the others, only those in
   * `touched` (or, without it, those whose entities changed) resync, with reason 'change'.
   */
  setPlan(plan: NetworkPlan, touched?: Set<string>): void {
    for (const [id, e] of this.routers) {
      if (!plan.routers.has(id)) {
        e.timer?.cancel();
        this.routers.delete(id);
      }
    }
    for (const [id, rp] of plan.routers) {
      const e = this.routers.get(id);
      // fingerprints cost O(entities): with `touched` given, only the touched (and new) routers need one
      const key = e && touched && !touched.has(id) ? e.planKey : planKey(rp);
      if (!e) {
        this.routers.set(id, this.newEntry(id, rp, key));
        if (this.started) this.trigger(id, 'connect');
        continue;
      }
      const changed = touched ? touched.has(id) : key !== e.planKey;
      e.plan = rp;
      e.planKey = key;
      if (changed && this.started) this.trigger(id, 'change');
    }
  }

  /** First sync of every planned router. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const id of this.routers.keys()) this.trigger(id, 'connect');
  }

  /** The management connection (re)connected: what we learnt about the routers may be stale; resync all. */
  onConnected(): void {
    this.sharedValue = undefined;
    for (const e of this.routers.values()) {
      e.syncer.resetCapabilities();
      e.confirmed = undefined;
      if (this.started) this.trigger(e.id, 'connect');
    }
  }

  /**
   * Asks for a pass. Coalesced: a router never syncs twice at once; a trigger during a pass schedules exactly one
   * more. A router in backoff keeps waiting for its retry (the reason is remembered), so a failing router is not
   * hammered by triggers.
   */
  trigger(id: string, kind: SyncTrigger): void {
    const e = this.routers.get(id);
    if (!e || this.stopped) return;
    let reason: WriteReason = kind === 'change' ? 'change' : kind === 'restart' ? 'restart' : 'drift';
    if (!e.everSynced) reason = 'initial';
    e.pending = stronger(e.pending, reason);
    if (e.running || e.queued) return;
    if (e.timerKind === 'backoff') return;
    this.enqueue(e);
  }

  status(): RouterSyncStatus[] {
    return [...this.routers.values()].map((e) => this.statusOf(e)).sort((a, b) => (a.router < b.router ? -1 : a.router > b.router ? 1 : 0));
  }

  syncer(id: string): RouterSyncer | undefined {
    return this.routers.get(id)?.syncer;
  }

  /** Cancels timers and waits for the passes in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.detach?.();
    this.detach = undefined;
    this.queue.length = 0;
    for (const e of this.routers.values()) {
      e.timer?.cancel();
      e.timer = undefined;
      e.timerKind = undefined;
      e.queued = false;
    }
    await Promise.allSettled([...this.routers.values()].map((e) => e.current));
  }

  private newEntry(id: string, plan: RouterPlan, key: string): RouterEntry {
    const entry: RouterEntry = {
      id, plan, planKey: key, pending: undefined, queued: false, running: false, everSynced: false, consecutiveFailures: 0,
      syncer: new RouterSyncer(id, {
        client: this.opts.client,
        plan: () => this.routers.get(id)?.plan,
        clock: this.clock,
        audit: this.audit,
        counters: this.counters,
        onWrite: (w) => this.emitSafe('write', w),
        ...(this.opts.timeoutMs === undefined ? {} : { timeoutMs: this.opts.timeoutMs }),
        ...(this.opts.probeUptime === undefined ? {} : { probeUptime: this.opts.probeUptime }),
        ...(this.opts.shareCapabilities ? { sharedCapabilities: this.sharedCaps } : {}),
      }),
    };
    return entry;
  }

  private enqueue(e: RouterEntry): void {
    e.timer?.cancel();
    e.timer = undefined;
    e.timerKind = undefined;
    e.retryAt = undefined;
    e.queued = true;
    this.queue.push(e.id);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0 && !this.stopped) {
      const id = this.queue.shift()!;
      const e = this.routers.get(id);
      if (!e || !e.queued) continue;
      e.queued = false;
      this.inFlight++;
      e.current = this.run(e)
        .catch(() => undefined) // run() records failures itself; nothing may escape as an unhandled rejection
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private async run(e: RouterEntry): Promise<void> {
    const reason = e.pending ?? 'drift';
    e.pending = undefined;
    e.running = true;
    let result: SyncResult;
    // a model change on a router in a known state is applied as a difference; anything else reads the router
    const from = reason === 'change' ? e.confirmed : undefined;
    e.confirmed = undefined;
    try {
      result = await e.syncer.sync(reason, from ? { from } : {});
    } finally {
      e.running = false;
    }
    e.lastResult = result;
    if (this.routers.get(e.id) !== e) return; // left the plan meanwhile
    if (result.ok) {
      e.confirmed = result.converged;
      e.everSynced = true;
      e.consecutiveFailures = 0;
      e.lastError = undefined;
      e.lastSyncAt = result.finishedAt;
    } else {
      e.consecutiveFailures++;
      e.lastError = result.error;
      // what the failed pass was for is still owed (a change stays a change; a detected restart stays a restart)
      e.pending = stronger(e.pending, result.reason);
    }
    if (!this.stopped) {
      if (!result.ok) this.scheduleBackoff(e);
      else if (e.pending !== undefined) this.enqueue(e);
      else this.schedulePeriodic(e);
    }
    const st = this.statusOf(e);
    if (result.ok) this.emitSafe('synced', st, result);
    else this.emitSafe('sync-failed', st, result.error!, result);
  }

  private scheduleBackoff(e: RouterEntry): void {
    const n = e.consecutiveFailures;
    const base = Math.min(this.backoff.maxDelayMs, this.backoff.initialDelayMs * this.backoff.factor ** Math.max(0, n - 1));
    // "equal jitter": at least half the delay, so retries of many failing routers spread without collapsing to 0
    const delay = Math.round(base / 2 + (base / 2) * this.random());
    // the retry keeps whatever was pending; a router never synced keeps 'initial'
    e.pending = stronger(e.pending, e.everSynced ? 'drift' : 'initial');
    this.setTimer(e, 'backoff', delay);
  }

  private schedulePeriodic(e: RouterEntry): void {
    const delay = Math.round(this.intervalMs * (1 - this.jitter + 2 * this.jitter * this.random()));
    this.setTimer(e, 'periodic', delay);
  }

  private setTimer(e: RouterEntry, kind: 'periodic' | 'backoff', delay: number): void {
    e.timer?.cancel();
    e.timerKind = kind;
    e.retryAt = kind === 'backoff' ? this.clock.now() + delay : undefined;
    e.timer = this.clock.setTimeout(() => {
      e.timer = undefined;
      e.timerKind = undefined;
      if (kind === 'periodic') this.trigger(e.id, 'periodic');
      else if (!e.running && !e.queued) this.enqueue(e);
    }, delay);
  }

  private statusOf(e: RouterEntry): RouterSyncStatus {
    let state: RouterSyncState;
    if (e.running) state = 'syncing';
    else if (e.timerKind === 'backoff') state = 'backoff';
    else if (e.queued || e.pending !== undefined || !e.everSynced) state = 'pending';
    else state = 'in-sync';
    return {
      router: e.id,
      state,
      ...(e.lastError ? { lastError: { code: e.lastError.code, message: e.lastError.message } } : {}),
      ...(e.lastSyncAt === undefined ? {} : { lastSyncAt: e.lastSyncAt }),
      consecutiveFailures: e.consecutiveFailures,
      ...(e.retryAt === undefined ? {} : { retryAt: e.retryAt }),
      ...(e.lastResult ? { lastResult: e.lastResult } : {}),
    };
  }

  private emitSafe<K extends keyof SchedulerEvents>(event: K, ...args: SchedulerEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: SchedulerEvents[K]) => boolean)(event, ...args);
    } catch {
      // a listener's bug must not break the scheduler's bookkeeping
    }
  }
}
