/**
 * Request/reply correlation with a bounded in-flight window and per-request timeouts. It knows nothing of AMQP:
 * a Sink says whether a request can go out now and puts it on the wire; the client feeds replies and delivery
 * outcomes back in by correlation id.
 *
 * Life of a request: queued (waiting for the connection, the window or link capacity) → sent (counted in the
 * window, its reply timer running) → done (resolved, rejected, timed out). A queued request has its own, longer
 * deadline so that nothing waits forever while the router is unreachable; a sent request times out after
 * `timeoutMs` because some requests are never answered by design (see router-management §2.5).
 */
import type { Message } from 'rhea';
import type { Clock, TimerHandle } from '../clock.js';
import { describeRequest, ManagementError, type RequestCoordinates } from './management-error.js';

export type PendingState = 'queued' | 'sent' | 'done';

export interface Pending<R> {
  /** the correlation id: always a string (the Python agent does not echo int/long/ulong/uuid ids faithfully) */
  readonly id: string;
  readonly request: R;
  readonly coords: RequestCoordinates;
  /** sent before ordinary requests and while the gate admits only urgent ones (the connect-time flavor probe) */
  readonly urgent: boolean;
  readonly timeoutMs: number;
  state: PendingState;
  timer: TimerHandle | undefined;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
}

export interface Sink<R> {
  /** room to put one more message on the wire now (link credit and session buffer) */
  canSend(): boolean;
  /** puts it on the wire; throwing rejects just this request */
  send(p: Pending<R>): void;
}

/** closed: nothing goes out; urgent: only urgent requests (links up, connection not yet usable); open: everything */
export type Gate = 'closed' | 'urgent' | 'open';

export interface CorrelatorOptions {
  window: number;
  clock: Clock;
  /** the longest a request may wait before it is sent */
  queueTimeoutMs: number;
  /** prefix of correlation ids; lets a late reply be told from a stray one */
  idPrefix: string;
}

export interface SubmitOptions {
  timeoutMs: number;
  urgent?: boolean;
}

export class Correlator<R> {
  private readonly window: number;
  private readonly clock: Clock;
  private readonly queueTimeoutMs: number;
  private readonly idPrefix: string;
  private sink: Sink<R> | undefined;
  private gate: Gate = 'closed';
  private seq = 0;
  // FIFO with a moving head: shift() on a 3000-entry array would be quadratic.
  private queue: Array<Pending<R> | undefined> = [];
  private head = 0;
  private urgentQueue: Array<Pending<R>> = [];
  private queued = 0;
  private readonly inflight = new Map<string, Pending<R>>();
  private pumping = false;
  /** true when the last pump stopped for lack of link capacity with work waiting */
  starved = false;
  /** replies whose request had already timed out or failed */
  lateReplies = 0;
  /** replies whose correlation id was never ours */
  unknownReplies = 0;
  /** the most requests ever in flight at once */
  maxInflight = 0;

  constructor(opts: CorrelatorOptions) {
    if (!Number.isInteger(opts.window) || opts.window < 1) {
      throw new ManagementError('ECN_MGMT_BAD_REQUEST', `window must be a positive integer, not ${String(opts.window)}`);
    }
    this.window = opts.window;
    this.clock = opts.clock;
    this.queueTimeoutMs = opts.queueTimeoutMs;
    this.idPrefix = opts.idPrefix;
  }

  get inflightCount(): number { return this.inflight.size; }
  get queuedCount(): number { return this.queued; }

  setSink(sink: Sink<R> | undefined): void { this.sink = sink; }

  setGate(gate: Gate): void {
    this.gate = gate;
    if (gate !== 'closed') this.pump();
  }

  submit(request: R, coords: RequestCoordinates, opts: SubmitOptions): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const p: Pending<R> = {
        id: this.idPrefix + (this.seq++).toString(36),
        request,
        coords,
        urgent: opts.urgent === true,
        timeoutMs: opts.timeoutMs,
        state: 'queued',
        timer: undefined,
        resolve,
        reject,
      };
      if (p.urgent) this.urgentQueue.push(p);
      else this.queue.push(p);
      this.queued++;
      this.pump();
      // Only a request that has to wait pays for a queue timer.
      if (p.state === 'queued') {
        p.timer = this.clock.setTimeout(() => this.expireQueued(p), this.queueTimeoutMs);
      }
    });
  }

  /** Sends queued requests while the gate, the window and the sink allow. Safe to call at any time. */
  pump(): void {
    if (this.pumping || this.gate === 'closed' || !this.sink) return;
    this.pumping = true;
    try {
      const sink = this.sink;
      this.starved = false;
      while (this.inflight.size < this.window) {
        const p = this.peek();
        if (!p) break;
        if (!sink.canSend()) { this.starved = true; break; }
        this.take(p);
        this.sendOne(sink, p);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Delivers a reply. Returns false (and counts it) when no request is waiting for this id. */
  onReply(id: unknown, msg: Message): boolean {
    const p = typeof id === 'string' ? this.inflight.get(id) : undefined;
    if (!p) {
      if (this.isOurs(id)) this.lateReplies++;
      else this.unknownReplies++;
      return false;
    }
    this.finish(p);
    p.resolve(msg);
    this.pump();
    return true;
  }

  /** Fails an in-flight request now (its delivery was released/rejected, …). Unknown ids are ignored. */
  failSent(id: string, err: (p: Pending<R>) => Error): void {
    const p = this.inflight.get(id);
    if (!p) return;
    this.finish(p);
    p.reject(err(p));
    this.pump();
  }

  /** Fails every request on the wire (the connection went away: their replies can no longer arrive). */
  failInflight(err: (p: Pending<R>) => Error): void {
    const all = [...this.inflight.values()];
    for (const p of all) this.finish(p);
    for (const p of all) p.reject(err(p));
  }

  /** Fails every request not yet sent. */
  failQueued(err: (p: Pending<R>) => Error): void {
    const all: Array<Pending<R>> = [];
    for (const p of this.urgentQueue) if (p.state === 'queued') all.push(p);
    for (let i = this.head; i < this.queue.length; i++) {
      const p = this.queue[i];
      if (p && p.state === 'queued') all.push(p);
    }
    this.urgentQueue = [];
    this.queue = [];
    this.head = 0;
    for (const p of all) this.finish(p);
    for (const p of all) p.reject(err(p));
  }

  /** Fails the urgent requests only, queued or sent (a connect-time probe whose connection attempt was abandoned). */
  failUrgent(err: (p: Pending<R>) => Error): void {
    const all = this.urgentQueue.filter((p) => p.state === 'queued');
    for (const p of this.inflight.values()) if (p.urgent) all.push(p);
    this.urgentQueue = [];
    for (const p of all) this.finish(p);
    for (const p of all) p.reject(err(p));
  }

  private peek(): Pending<R> | undefined {
    while (this.urgentQueue.length > 0) {
      const u = this.urgentQueue[0]!;
      if (u.state === 'queued') return u;
      this.urgentQueue.shift();
    }
    if (this.gate !== 'open') return undefined;
    while (this.head < this.queue.length) {
      const p = this.queue[this.head];
      if (p && p.state === 'queued') return p;
      this.queue[this.head++] = undefined;
    }
    return undefined;
  }

  private take(p: Pending<R>): void {
    if (p.urgent) this.urgentQueue.shift();
    else {
      this.queue[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    }
  }

  private sendOne(sink: Sink<R>, p: Pending<R>): void {
    this.queued--;
    if (p.timer) p.timer.cancel();
    p.state = 'sent';
    this.inflight.set(p.id, p);
    if (this.inflight.size > this.maxInflight) this.maxInflight = this.inflight.size;
    try {
      sink.send(p);
    } catch (err) {
      this.finish(p);
      p.reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    p.timer = this.clock.setTimeout(() => this.expireSent(p), p.timeoutMs);
  }

  private finish(p: Pending<R>): void {
    if (p.timer) { p.timer.cancel(); p.timer = undefined; }
    if (p.state === 'sent') this.inflight.delete(p.id);
    else if (p.state === 'queued') this.queued--;
    p.state = 'done';
  }

  private expireQueued(p: Pending<R>): void {
    if (p.state !== 'queued') return;
    this.finish(p);
    p.reject(new ManagementError('ECN_MGMT_TIMEOUT', `${describeRequest(p.coords)}: not sent within ${this.queueTimeoutMs} ms`, {
      ...p.coords,
      details: { phase: 'queued', timeoutMs: this.queueTimeoutMs },
      hint: 'the connection to the router was not usable (down, reconnecting, or the in-flight window stayed full) for the whole wait',
    }));
  }

  private expireSent(p: Pending<R>): void {
    if (p.state !== 'sent') return;
    this.finish(p);
    p.reject(new ManagementError('ECN_MGMT_TIMEOUT', `${describeRequest(p.coords)}: no reply within ${p.timeoutMs} ms`, {
      ...p.coords,
      details: { phase: 'sent', timeoutMs: p.timeoutMs },
      hint: 'the agent did not answer: some requests are never answered by design (e.g. skupper READ router.link, qd UPDATE of router.config.*), or the target agent is slow or gone',
    }));
    this.pump();
  }

  private isOurs(id: unknown): boolean {
    if (typeof id !== 'string' || !id.startsWith(this.idPrefix)) return false;
    const n = parseInt(id.slice(this.idPrefix.length), 36);
    return Number.isInteger(n) && n >= 0 && n < this.seq;
  }
}
