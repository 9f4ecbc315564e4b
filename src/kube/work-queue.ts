/**
 * A keyed work queue, as controllers use: a key queued twice runs once; a key never runs twice at the same time (a key
 * added while it runs runs once more afterwards); failures retry with exponential backoff per key; at most
 * `concurrency` keys run at once. Informer handlers only add keys; the work reads the current state when it runs.
 */
import { systemClock, type Clock, type TimerHandle } from '../clock.js';

export type WorkHandler = (key: string) => Promise<void>;

export interface WorkQueueOptions {
  handler: WorkHandler;
  clock?: Clock;
  /** keys processed at once (default 4) */
  concurrency?: number;
  /** first retry delay (default 500 ms), doubled per consecutive failure of the key up to maxDelayMs (default 60 s) */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** called when the handler fails (after the retry is scheduled) */
  onError?: (key: string, err: unknown, failures: number) => void;
}

export class WorkQueue {
  private readonly opts: WorkQueueOptions;
  private readonly clock: Clock;
  private readonly concurrency: number;
  /** keys waiting to run, in order */
  private readonly ready: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  /** keys added while running: run again when done */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, TimerHandle>();
  private readonly idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(opts: WorkQueueOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
  }

  /** Queues the key now (a pending delayed retry of it is superseded). */
  add(key: string): void {
    if (this.stopped) return;
    const t = this.delayed.get(key);
    if (t) { t.cancel(); this.delayed.delete(key); }
    if (this.running.has(key)) { this.dirty.add(key); return; }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
    this.pump();
  }

  /** Queues the key after `ms` (an earlier add or retry wins over a later one). */
  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    if (ms <= 0) { this.add(key); return; }
    if (this.delayed.has(key) || this.queued.has(key)) return;
    this.delayed.set(key, this.clock.setTimeout(() => { this.delayed.delete(key); this.add(key); }, ms));
  }

  /** The delay before the next retry of a key that failed `failures` times in a row. */
  retryDelay(failures: number): number {
    const initial = this.opts.initialDelayMs ?? 500;
    const max = this.opts.maxDelayMs ?? 60_000;
    return Math.min(max, initial * 2 ** Math.max(0, failures - 1));
  }

  /** Consecutive failures of a key (0 after a success). */
  failuresOf(key: string): number { return this.failures.get(key) ?? 0; }

  get length(): number { return this.ready.length; }

  /** True when nothing is queued or running (delayed retries do not count). */
  isIdle(): boolean { return this.ready.length === 0 && this.running.size === 0; }

  /** Resolves when the queue is idle. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops queued keys and retries; work in flight finishes. */
  stop(): void {
    this.stopped = true;
    for (const t of this.delayed.values()) t.cancel();
    this.delayed.clear();
    this.ready.length = 0;
    this.queued.clear();
    this.dirty.clear();
    this.notifyIdle();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift()!;
      this.queued.delete(key);
      this.running.add(key);
      void this.run(key);
    }
    this.notifyIdle();
  }

  private async run(key: string): Promise<void> {
    let failed = false;
    let error: unknown;
    try {
      await this.opts.handler(key);
    } catch (err) {
      failed = true;
      error = err;
    }
    this.running.delete(key);
    if (failed) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      if (this.dirty.delete(key)) this.add(key); // new information: try again now
      else this.addAfter(key, this.retryDelay(n));
      this.opts.onError?.(key, error, n);
    } else {
      this.failures.delete(key);
      if (this.dirty.delete(key)) this.add(key);
    }
    this.pump();
  }

  private notifyIdle(): void {
    if (!this.isIdle() && !this.stopped) return;
    if (this.running.size > 0) return;
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}
