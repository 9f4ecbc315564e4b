/**
 * Leader election over a coordination.k8s.io/v1 Lease, so that of several `ecn run --kube` replicas in a namespace
 * only one reconciles and writes to the routers.
 *
 * - The Lease `ecn-router-manager` in the manager's namespace; holderIdentity is $POD_NAME, else hostname-pid.
 * - The leader renews every 5 s (renewTime, a MicroTime string). A candidate takes over when the record has not
 *   changed for leaseDurationSeconds (15 s) by its own clock (the time it observed the change, never the
 *   timestamps in the record: clocks of different nodes disagree), and increments leaseTransitions.
 * - Every write carries the resourceVersion it read (optimistic concurrency): a 409 means someone wrote in between,
 *   and the elector re-reads and decides again.
 * - A leader that cannot renew for renewDeadline (10 s, less than the lease duration, so it steps down before anyone
 *   may take over) or that finds another holder stops leading at once: the 'lost' event.
 * - API errors are retried with exponential backoff (1 s doubling, up to 30 s; a leader retries at least every renew
 *   interval), never thrown.
 * - stop() releases the lease when leading (holderIdentity emptied), so a standby takes over without waiting.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { statusOf } from './kube-errors.js';

export const LEASE_NAME = 'ecn-router-manager';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime: RFC 3339 with microseconds */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface LeaseObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: LeaseSpec;
}

/** The Lease calls the elector makes (src/kube/lease-api.ts over client-node). Errors carry the HTTP status (statusOf). */
export interface LeaseApi {
  /** undefined when there is no such Lease (404) */
  get(namespace: string, name: string): Promise<LeaseObject | undefined>;
  /** 409 when it exists already */
  create(namespace: string, lease: LeaseObject): Promise<LeaseObject>;
  /** replace; 409 when metadata.resourceVersion is not the current one */
  update(namespace: string, lease: LeaseObject): Promise<LeaseObject>;
}

export interface LeaderElectorOptions {
  api: LeaseApi;
  namespace: string;
  /** default ecn-router-manager */
  name?: string;
  /** default $POD_NAME, else hostname-pid */
  identity?: string;
  clock?: Clock;
  logger?: Logger;
  /** default 15 s */
  leaseDurationMs?: number;
  /** how often the leader renews (default 5 s) */
  renewIntervalMs?: number;
  /** a leader that has not renewed for this long stops leading (default 10 s; less than the lease duration) */
  renewDeadlineMs?: number;
  /** how often a standby looks at the lease (default 5 s) */
  retryIntervalMs?: number;
  /** backoff after API errors: from 1 s, doubling, up to this (default 30 s) */
  maxBackoffMs?: number;
}

export interface LeaderElectorEvents {
  /** this elector holds the lease */
  'leading': [];
  /** it stopped holding it (another holder, or no renewal within the deadline) */
  'lost': [reason: string];
}

/** $POD_NAME (the Downward API), else hostname-pid. */
export function defaultIdentity(): string {
  return process.env.POD_NAME || `${hostname()}-${process.pid}`;
}

/** A Kubernetes MicroTime: 2006-01-02T15:04:05.000000Z. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

type Outcome = 'leader' | 'standby' | 'conflict';

const MAX_CONFLICT_RETRIES = 3;
const INITIAL_BACKOFF_MS = 1000;

export class LeaderElector extends EventEmitter<LeaderElectorEvents> {
  readonly identity: string;
  readonly name: string;
  readonly namespace: string;
  private readonly api: LeaseApi;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewIntervalMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryIntervalMs: number;
  private readonly maxBackoffMs: number;
  private leading = false;
  private stopped = true;
  private failures = 0;
  private timer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private inflight: Promise<void> | undefined;
  /** the last record seen, and when (by our clock) it last changed */
  private observedKey: string | undefined;
  private observedAt = 0;
  private observed: LeaseObject | undefined;

  constructor(opts: LeaderElectorOptions) {
    super();
    this.api = opts.api;
    this.namespace = opts.namespace;
    this.name = opts.name ?? LEASE_NAME;
    this.identity = opts.identity ?? defaultIdentity();
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'leader-election', lease: `${opts.namespace}/${this.name}`, identity: this.identity });
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewIntervalMs = opts.renewIntervalMs ?? 5000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryIntervalMs = opts.retryIntervalMs ?? 5000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 30_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error('leader election: the renew deadline must be shorter than the lease duration');
  }

  get isLeader(): boolean { return this.leading; }

  /** The holder in the last record read (undefined: none, or not read yet). */
  get holder(): string | undefined { return this.observed?.spec?.holderIdentity || undefined; }

  /** API errors in a row (0 after a successful read or write). */
  get consecutiveFailures(): number { return this.failures; }

  /** Starts trying to acquire the lease now, then keeps renewing or watching it. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Resolves when the attempt in flight (if any) is done: for tests driving a ManualClock. */
  async settled(): Promise<void> {
    while (this.inflight) await this.inflight;
  }

  /** Stops; a leader releases the lease (best effort) so that a standby takes over at once. */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    await this.settled();
    const wasLeading = this.leading;
    this.setLeading(false);
    if (!wasLeading || opts.release === false || !this.observed) return;
    const now = this.clock.now();
    const spec = this.observed.spec ?? {};
    try {
      await this.api.update(this.namespace, {
        ...this.observed,
        spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(now) },
      });
      this.log.info({}, 'released the lease');
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'could not release the lease; a standby takes over when it expires');
    }
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      const p = this.tick().finally(() => { if (this.inflight === p) this.inflight = undefined; });
      this.inflight = p;
    }, ms);
  }

  /** One attempt to acquire or renew, and the next one scheduled. Never throws. */
  private async tick(): Promise<void> {
    if (this.stopped) return;
    const startedAt = this.clock.now();
    let outcome: Outcome | undefined;
    try {
      outcome = await this.attempt();
    } catch (err) {
      this.log.warn({ err: errorMessage(err), status: statusOf(err) }, 'lease request failed; retrying with backoff');
    }
    if (this.stopped) return;
    if (outcome === 'leader') {
      this.failures = 0;
      this.armDeadline(startedAt);
      this.setLeading(true);
      this.schedule(this.renewIntervalMs);
      return;
    }
    if (outcome === 'standby') {
      this.failures = 0;
      if (this.leading) this.lose(`the lease is held by ${this.holder ?? 'another manager'}`);
      this.schedule(this.retryIntervalMs);
      return;
    }
    // an API error, or lost write races in a row: back off (a leader keeps trying within its deadline)
    this.failures++;
    const backoff = Math.min(this.maxBackoffMs, INITIAL_BACKOFF_MS * 2 ** Math.min(this.failures - 1, 20));
    this.schedule(this.leading ? Math.min(backoff, this.renewIntervalMs) : backoff);
  }

  private async attempt(): Promise<Outcome> {
    for (let i = 0; i < MAX_CONFLICT_RETRIES; i++) {
      const now = this.clock.now();
      const current = await this.api.get(this.namespace, this.name);
      if (!current) {
        try {
          this.observe(await this.api.create(this.namespace, this.record(undefined, now)));
          return 'leader';
        } catch (err) {
          if (statusOf(err) === 409) continue; // another candidate created it first: read it
          throw err;
        }
      }
      this.observe(current);
      const holder = current.spec?.holderIdentity || undefined;
      if (holder !== undefined && holder !== this.identity && !this.expired()) return 'standby';
      try {
        this.observe(await this.api.update(this.namespace, this.record(current, now)));
        return 'leader';
      } catch (err) {
        if (statusOf(err) === 409) continue; // written in between: read again and decide again
        throw err;
      }
    }
    return 'conflict';
  }

  /** The record to write: a renewal keeps acquireTime and the transitions; a takeover counts one more transition. */
  private record(current: LeaseObject | undefined, now: number): LeaseObject {
    const t = microTime(now);
    const old = current?.spec ?? {};
    const renewing = old.holderIdentity === this.identity;
    const spec: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: renewing && old.acquireTime ? old.acquireTime : t,
      renewTime: t,
      leaseTransitions: current === undefined ? 0 : (old.leaseTransitions ?? 0) + (renewing ? 0 : 1),
    };
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: current ? { ...current.metadata } : { name: this.name, namespace: this.namespace },
      spec,
    };
  }

  /** Remembers the record; its age counts from the moment we saw it change. */
  private observe(lease: LeaseObject): void {
    const s = lease.spec ?? {};
    const key = JSON.stringify([s.holderIdentity ?? '', s.renewTime ?? '', s.acquireTime ?? '', s.leaseTransitions ?? 0, s.leaseDurationSeconds ?? 0]);
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.clock.now();
    }
    this.observed = lease;
  }

  private expired(): boolean {
    const seconds = this.observed?.spec?.leaseDurationSeconds;
    const duration = seconds !== undefined && seconds > 0 ? seconds * 1000 : this.leaseDurationMs;
    return this.observedAt + duration <= this.clock.now();
  }

  /** A leader whose renewals fail for renewDeadline stops leading, even while a request hangs. */
  private armDeadline(renewedAt: number): void {
    this.deadline?.cancel();
    const left = renewedAt + this.renewDeadlineMs - this.clock.now();
    this.deadline = this.clock.setTimeout(() => {
      this.deadline = undefined;
      if (this.leading) this.lose(`the lease was not renewed within ${this.renewDeadlineMs / 1000} s`);
    }, Math.max(0, left));
  }

  private setLeading(on: boolean): void {
    if (on === this.leading) return;
    this.leading = on;
    if (on) {
      this.log.info({}, 'leading: this manager holds the lease');
      this.emit('leading');
    } else {
      this.deadline?.cancel();
      this.deadline = undefined;
    }
  }

  private lose(reason: string): void {
    this.setLeading(false);
    this.log.warn({ reason }, 'lost the lease: stopped leading');
    this.emit('lost', reason);
  }
}

/** Resolves true once the elector leads, false if `stop` resolves first. */
export function whenLeading(elector: LeaderElector, stop: Promise<unknown>): Promise<boolean> {
  if (elector.isLeader) return Promise.resolve(true);
  return new Promise((resolve) => {
    const on = (): void => resolve(true);
    elector.once('leading', on);
    void stop.then(() => { elector.off('leading', on); resolve(false); });
  });
}
