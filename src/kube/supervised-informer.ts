/**
 * An informer that does not stay down: list, then watch from the list's resourceVersion, with what client-node 1.x's
 * ListWatch leaves to the caller (docs: reference §2.3–2.4):
 *   - any error (list or watch) → restart with exponential backoff and jitter, then relist (the cache is diffed, so
 *     objects that vanished meanwhile fire `delete`);
 *   - 410 Gone (HTTP status or an in-stream ERROR event) → relist at once;
 *   - a clean end of the stream (the server's timeout) → watch again from the last resourceVersion;
 *   - a stall watchdog: no event and no bookmark for `stallTimeoutMs` → restart (watches that go silent are a known
 *     client-node problem);
 *   - a periodic relist every `relistIntervalMs` (jittered), which also repairs anything missed.
 * Bookmarks are requested (`allowWatchBookmarks`) and count as activity. Handlers must only enqueue work: this class
 * calls them synchronously and a throw is caught and reported, never allowed to stop the informer.
 *
 * It uses client-node's `Watch` for the streaming request (auth, TLS) through the `WatchFn` signature, and its own
 * cache instead of ListWatch's, because ListWatch cannot be told to relist, hides bookmarks, and reports the abort of
 * its own stop() as an error.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  deletionTimestamp?: string | Date;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string | Date;
  ownerReferences?: unknown[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: unknown;
}

export interface ObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export type ListFn<T> = () => Promise<ObjectList<T>>;

/** client-node `Watch.prototype.watch`'s shape: resolves with something to abort the request. */
export type WatchFn = (
  path: string,
  params: Record<string, unknown>,
  onEvent: (type: string, obj: any) => void,
  onDone: (err: any) => void,
) => Promise<{ abort(): void }>;

export type RestartReason = 'error' | 'gone' | 'stall' | 'relist' | 'closed';

export interface InformerEvents<T> {
  add: [obj: T];
  update: [obj: T, old: T];
  delete: [obj: T];
  /** a list finished and the cache holds its result */
  listed: [items: T[]];
  /** something failed; the informer retries after `retryInMs` */
  failure: [err: unknown, retryInMs: number];
  restart: [reason: RestartReason];
}

export interface SupervisedInformerOptions<T> {
  /** for logs and errors, e.g. `agents.iofog.org` */
  name: string;
  /** the collection path the watch requests, e.g. /apis/iofog.org/v3/namespaces/ns/agents */
  path: string;
  list: ListFn<T>;
  watch: WatchFn;
  clock?: Clock;
  random?: () => number;
  /** backoff after errors: initial (default 1 s), doubled up to max (default 30 s), ±jitter (default 0.2) */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  jitter?: number;
  /** no event nor bookmark for this long → restart (default 300 s; 0 disables) */
  stallTimeoutMs?: number;
  /** relist every (default 600 s; 0 disables) */
  relistIntervalMs?: number;
  /** a watch that ends cleanly sooner than this is treated as a failure (default 1 s): no tight reconnect loop */
  minWatchMs?: number;
  /** server-side timeout asked for each watch (seconds; default unset) */
  timeoutSeconds?: number;
  labelSelector?: string;
}

export const objectKey = (o: { metadata: { name: string; namespace?: string } }): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

const isGone = (err: any): boolean => err != null && (err.statusCode === 410 || err.code === 410 || err.status === 410);

export class SupervisedInformer<T extends KubeObject = KubeObject> extends EventEmitter<InformerEvents<T>> {
  private readonly opts: SupervisedInformerOptions<T>;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly cache = new Map<string, T>();
  private rv = '';
  /** bumped by every restart: callbacks of older runs are ignored */
  private gen = 0;
  private request: { abort(): void } | undefined;
  private retryTimer: TimerHandle | undefined;
  private watchdog: TimerHandle | undefined;
  private relistTimer: TimerHandle | undefined;
  private lastActivity = 0;
  private watchStartedAt = 0;
  private failures = 0;
  private synced = false;
  private running = false;
  /** counters, for tests and metrics */
  readonly stats = { lists: 0, watches: 0, restarts: { error: 0, gone: 0, stall: 0, relist: 0, closed: 0 } as Record<RestartReason, number> };

  constructor(opts: SupervisedInformerOptions<T>) {
    super();
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
  }

  get name(): string { return this.opts.name; }

  /** true once the first list has filled the cache */
  hasSynced(): boolean { return this.synced; }

  list(): T[] { return [...this.cache.values()]; }

  get(namespace: string | undefined, name: string): T | undefined { return this.cache.get(`${namespace ?? ''}/${name}`); }

  latestResourceVersion(): string { return this.rv; }

  /** Starts listing and watching; resolves after the first list attempt (successful or not). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const first = new Promise<void>((resolve) => {
      const done = (): void => { this.off('listed', done); this.off('failure', done); resolve(); };
      this.on('listed', done);
      this.on('failure', done);
    });
    this.begin(true);
    await first;
  }

  stop(): void {
    this.running = false;
    this.gen++;
    this.clearTimers();
    this.abortRequest();
  }

  /** Relists now (also what the periodic timer does). */
  relist(): void {
    if (this.running) this.restart('relist', true, 0);
  }

  private begin(relist: boolean): void {
    const g = ++this.gen;
    void this.run(g, relist);
  }

  private restart(reason: RestartReason, relist: boolean, delayMs: number): void {
    this.stats.restarts[reason]++;
    this.gen++;
    this.clearTimers();
    this.abortRequest();
    this.emit('restart', reason);
    if (!this.running) return;
    if (delayMs <= 0) { this.begin(relist); return; }
    this.retryTimer = this.clock.setTimeout(() => { this.retryTimer = undefined; if (this.running) this.begin(relist); }, delayMs);
  }

  private fail(err: unknown): void {
    this.failures++;
    const base = Math.min(this.opts.maxBackoffMs ?? 30_000, (this.opts.initialBackoffMs ?? 1000) * 2 ** (this.failures - 1));
    const j = this.opts.jitter ?? 0.2;
    const delay = Math.round(base * (1 - j + 2 * j * this.random()));
    this.emit('failure', err, delay);
    this.restart('error', true, delay);
  }

  private async run(g: number, relist: boolean): Promise<void> {
    if (relist || this.rv === '') {
      let list: ObjectList<T>;
      try {
        this.stats.lists++;
        list = await this.opts.list();
      } catch (err) {
        if (g === this.gen) this.fail(err);
        return;
      }
      if (g !== this.gen) return;
      this.applyList(list);
      this.scheduleRelist();
    }
    if (g !== this.gen) return;
    this.lastActivity = this.clock.now();
    this.watchStartedAt = this.lastActivity;
    this.armWatchdog(g);
    const params: Record<string, unknown> = { resourceVersion: this.rv, allowWatchBookmarks: true };
    if (this.opts.timeoutSeconds !== undefined) params.timeoutSeconds = this.opts.timeoutSeconds;
    if (this.opts.labelSelector !== undefined) params.labelSelector = this.opts.labelSelector;
    try {
      this.stats.watches++;
      const req = await this.opts.watch(this.opts.path, params, (type, obj) => this.onEvent(g, type, obj), (err) => this.onDone(g, err));
      if (g !== this.gen) { req.abort(); return; }
      this.request = req;
    } catch (err) {
      if (g !== this.gen) return;
      if (isGone(err)) this.restart('gone', true, 0);
      else this.fail(err);
    }
  }

  private applyList(list: ObjectList<T>): void {
    const seen = new Set<string>();
    const items = list.items ?? [];
    for (const obj of items) {
      const key = objectKey(obj);
      seen.add(key);
      this.put(key, obj);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.call('delete', old);
      }
    }
    this.rv = list.metadata?.resourceVersion ?? '';
    this.synced = true;
    this.call('listed', items);
  }

  private put(key: string, obj: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) this.call('add', obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.call('update', obj, old);
  }

  private onEvent(g: number, type: string, obj: any): void {
    if (g !== this.gen) return;
    this.lastActivity = this.clock.now();
    const rv: unknown = obj?.metadata?.resourceVersion;
    switch (type) {
      case 'ADDED':
      case 'MODIFIED':
        if (obj?.metadata?.name) this.put(objectKey(obj), obj as T);
        break;
      case 'DELETED': {
        if (!obj?.metadata?.name) break;
        const key = objectKey(obj);
        const old = this.cache.get(key);
        this.cache.delete(key);
        this.call('delete', (old ?? obj) as T);
        break;
      }
      case 'BOOKMARK':
        break;
      case 'ERROR':
        if (isGone(obj)) this.restart('gone', true, 0);
        else this.fail(Object.assign(new Error(`watch of ${this.opts.name} failed: ${obj?.message ?? JSON.stringify(obj)}`), { statusCode: obj?.code }));
        return;
      default:
        return;
    }
    this.failures = 0;
    if (typeof rv === 'string' && rv !== '') this.rv = rv;
  }

  private onDone(g: number, err: unknown): void {
    if (g !== this.gen) return;
    this.request = undefined;
    const lasted = this.clock.now() - this.watchStartedAt;
    // a watch that worked for a while resets the backoff (a list alone does not: a watch that fails at once after
    // every good list must still back off)
    if (lasted >= (this.opts.minWatchMs ?? 1000) && lasted > 0) this.failures = 0;
    if (isGone(err)) { this.restart('gone', true, 0); return; }
    if (err) { this.fail(err); return; }
    if (lasted < (this.opts.minWatchMs ?? 1000)) {
      this.fail(new Error(`the watch of ${this.opts.name} ended after ${lasted} ms`));
      return;
    }
    this.stats.restarts.closed++;
    this.gen++;
    this.clearWatchdog();
    this.emit('restart', 'closed');
    this.begin(false);
  }

  private armWatchdog(g: number): void {
    this.clearWatchdog();
    const limit = this.opts.stallTimeoutMs ?? 300_000;
    if (limit <= 0) return;
    const check = (): void => {
      this.watchdog = undefined;
      if (g !== this.gen) return;
      const idle = this.clock.now() - this.lastActivity;
      if (idle >= limit) this.restart('stall', true, 0);
      else this.watchdog = this.clock.setTimeout(check, limit - idle);
    };
    this.watchdog = this.clock.setTimeout(check, limit);
  }

  private scheduleRelist(): void {
    this.relistTimer?.cancel();
    const every = this.opts.relistIntervalMs ?? 600_000;
    if (every <= 0) return;
    const delay = Math.round(every * (0.9 + 0.2 * this.random()));
    this.relistTimer = this.clock.setTimeout(() => { this.relistTimer = undefined; this.relist(); }, delay);
  }

  private clearWatchdog(): void {
    this.watchdog?.cancel();
    this.watchdog = undefined;
  }

  private clearTimers(): void {
    this.clearWatchdog();
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    this.relistTimer?.cancel();
    this.relistTimer = undefined;
  }

  private abortRequest(): void {
    const r = this.request;
    this.request = undefined;
    try { r?.abort(); } catch { /* already closed */ }
  }

  /** Handlers only enqueue; a throw must not stop the informer. */
  private call<E extends 'add' | 'update' | 'delete' | 'listed'>(event: E, ...args: InformerEvents<T>[E]): void {
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.emit('failure', new Error(`a ${event} handler of ${this.opts.name} threw: ${errorMessage(err)}`), 0);
    }
  }
}
