/**
 * Injectable faults, all programmatic: the next watch(es) on a resource answer 410 Gone (an ERROR event with a
 * Status, as the real server does for a too-old resourceVersion); the next watch(es) stall (connection open,
 * nothing sent, not even events), or every open watch stalls (or ends) now; the next N requests on a resource answer an
 * error status (500 by default). Resources are named by plural, plural.group, kind or short name.
 */
export type FaultVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

interface FailRule { remaining: number; code: number; verbs?: FaultVerb[] }

export class KubeFaults {
  private readonly gone = new Map<string, number>();
  private readonly stalls = new Map<string, number>();
  private readonly failures = new Map<string, FailRule[]>();
  private readonly stallNowListeners = new Set<(key: string) => void>();
  private readonly dropNowListeners = new Set<(key: string) => void>();
  /** resolves a user-facing resource name to the store key (plural.group); set by the server */
  resolve: (resource: string) => string = (r) => r;

  /** The next `count` watches on `resource` answer 410 Gone. */
  goneOnNextWatch(resource: string, count = 1): void {
    const k = this.resolve(resource);
    this.gone.set(k, (this.gone.get(k) ?? 0) + count);
  }

  /** The next `count` watches on `resource` stay open and send nothing. */
  stallNextWatch(resource: string, count = 1): void {
    const k = this.resolve(resource);
    this.stalls.set(k, (this.stalls.get(k) ?? 0) + count);
  }

  /** Every watch open on `resource` now stops sending (events and bookmarks) but keeps its connection. */
  stallOpenWatches(resource: string): void {
    const k = this.resolve(resource);
    for (const fn of [...this.stallNowListeners]) fn(k);
  }

  /** Every watch open on `resource` ends now, cleanly (as on a server-side timeout); clients reconnect. */
  dropOpenWatches(resource: string): void {
    const k = this.resolve(resource);
    for (const fn of [...this.dropNowListeners]) fn(k);
  }

  /** The next `count` requests on `resource` (optionally only these verbs) answer `code` (default 500). */
  failNextRequests(resource: string, count: number, opts: { code?: number; verbs?: FaultVerb[] } = {}): void {
    const k = this.resolve(resource);
    const rules = this.failures.get(k) ?? [];
    rules.push({ remaining: count, code: opts.code ?? 500, ...(opts.verbs ? { verbs: opts.verbs } : {}) });
    this.failures.set(k, rules);
  }

  /** Removes every pending fault (open stalled watches stay stalled until their client goes). */
  clear(): void {
    this.gone.clear();
    this.stalls.clear();
    this.failures.clear();
  }

  // ---- used by the server ----

  takeGone(key: string): boolean { return this.take(this.gone, key); }

  takeStall(key: string): boolean { return this.take(this.stalls, key); }

  /** The status code to fail this request with, or undefined. */
  takeFailure(key: string, verb: FaultVerb): number | undefined {
    const rules = this.failures.get(key);
    if (!rules) return undefined;
    const rule = rules.find((r) => r.remaining > 0 && (!r.verbs || r.verbs.includes(verb)));
    if (!rule) return undefined;
    rule.remaining--;
    if (rules.every((r) => r.remaining <= 0)) this.failures.delete(key);
    return rule.code;
  }

  onStallNow(fn: (key: string) => void): () => void {
    this.stallNowListeners.add(fn);
    return () => { this.stallNowListeners.delete(fn); };
  }

  onDropNow(fn: (key: string) => void): () => void {
    this.dropNowListeners.add(fn);
    return () => { this.dropNowListeners.delete(fn); };
  }

  private take(m: Map<string, number>, key: string): boolean {
    const n = m.get(key) ?? 0;
    if (n <= 0) return false;
    if (n === 1) m.delete(key); else m.set(key, n - 1);
    return true;
  }
}
