/**
 * ManagementClient: the one way the rest of the product talks to a router's management agents. One AMQP
 * connection per router URL, on its own rhea container; a dynamic reply receiver and an anonymous sender; string
 * correlation ids; a bounded in-flight window on top of link credit; a timeout on every request; reconnect with
 * exponential backoff on the injected clock.
 *
 * States: idle → connecting → ready ⇄ (backoff → connecting) … → closed. Requests made in any state but closed
 * are queued until the connection is ready (the first one starts connecting if nobody called connect()). When a
 * ready connection drops, the requests on the wire fail with ECN_MGMT_DISCONNECTED (their replies can no longer
 * arrive; whether the router acted on them is unknown) while queued ones wait for the next connection.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import rhea, { type Container, type Message } from 'rhea';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { AmqpTransport, type DeliveryFailure, type TransportReady } from './amqp-transport.js';
import { backoffDelay, mayRetry, type ReconnectPolicy } from './backoff.js';
import {
  describeEndpoint,
  hostPort,
  resolveConnectOptions,
  toRheaOptions,
  type ResolvedConnectOptions,
  type SaslOptions,
  type TlsOptions,
} from './connect-options.js';
import { Correlator, type Pending } from './correlator.js';
import { flavorFromConnectionProperties, flavorFromTypeNames } from './flavor.js';
import { describeRequest, ManagementError, statusError, type RequestCoordinates } from './management-error.js';
import { ClientMetrics, type ClientCounters, type RequestEvent, type RequestResult } from './metrics.js';
import { LOCAL_MANAGEMENT, type Flavor } from './protocol.js';
import { buildMessage, coordinatesOf, validateRequest, type CallOptions, type ManagementRequest } from './request.js';
import { badResponse, checkStatus, decodeReply, expectTypeMap, isSuccess, type Attributes, type ManagementResponse } from './response.js';
import {
  ManagementTarget,
  targetAddress,
  type EntityRef,
  type ManagementOps,
  type QueryOptions,
  type RequestExecutor,
  type TargetSpec,
} from './target.js';

export interface ManagementClientOptions {
  /** `amqp://host:port` or `amqps://host:port` (a bare `host:port` means amqp) */
  url: string;
  /** the type prefix to use; when omitted it is detected on every connection */
  flavor?: Flavor;
  tls?: TlsOptions;
  /** default ANONYMOUS (PLAIN when the URL carries user:password) */
  sasl?: SaslOptions;
  /** AMQP container id the router sees for this client (default `ecn-mgmt-<uuid>`) */
  containerId?: string;
  /** most requests on the wire at once (default 64) */
  window?: number;
  /** reply timeout of a sent request (default 10 s) */
  timeoutMs?: number;
  /** longest wait of a request before it is sent, e.g. while reconnecting (default 60 s) */
  queueTimeoutMs?: number;
  /** limit for TCP + TLS + SASL + AMQP open + links + flavor detection (default 10 s) */
  connectTimeoutMs?: number;
  /** false: never reconnect. Default: reconnect forever with 100 ms … 30 s backoff */
  reconnect?: false | ReconnectPolicy;
  /** true: connect() keeps retrying (with the reconnect policy) until the router answers; default false: it rejects on the first failure */
  retryInitialConnect?: boolean;
  /** AMQP idle timeout we ask of the router (heartbeats detect a dead peer); default none */
  idleTimeoutMs?: number;
  maxFrameSize?: number;
  clock?: Clock;
  logger?: Logger;
  /** called once per finished request (for metrics) */
  onRequest?: (e: RequestEvent) => void;
  /** for reconnect jitter; tests may fix it */
  random?: () => number;
}

export type ClientState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

export interface ConnectedEvent {
  router: string;
  replyAddress: string;
  flavor: Flavor;
  /** false for the first connection of this client, true for every later one */
  reconnected: boolean;
  remoteContainerId: string | undefined;
}

export interface DisconnectedEvent {
  router: string;
  error: Error;
  /** a reconnect has been scheduled */
  reconnecting: boolean;
}

export interface ReconnectingEvent {
  router: string;
  /** the number of the coming attempt since the last good connection (1 = first retry) */
  attempt: number;
  delayMs: number;
  error: Error;
}

export interface ClientEvents {
  connected: [ConnectedEvent];
  disconnected: [DisconnectedEvent];
  reconnecting: [ReconnectingEvent];
}

export interface ClientStats extends ClientCounters {
  state: ClientState;
  router: string;
  flavor: Flavor | undefined;
  replyAddress: string | undefined;
  inflight: number;
  queued: number;
  maxInflight: number;
}

interface Outbound {
  address: string;
  req: ManagementRequest;
}

const DEFAULTS = {
  window: 64,
  timeoutMs: 10_000,
  queueTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  closeGraceMs: 2_000,
};

export class ManagementClient extends EventEmitter<ClientEvents> implements ManagementOps, RequestExecutor {
  /** `host:port` of the router */
  readonly router: string;
  /** the connected router's own agent */
  readonly local: ManagementTarget;

  private readonly conn: ResolvedConnectOptions;
  private readonly container: Container;
  private readonly containerId: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly correlator: Correlator<Outbound>;
  private readonly metrics = new ClientMetrics();
  private readonly targets = new Map<string, ManagementTarget>();
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly reconnectPolicy: ReconnectPolicy | false;
  private readonly retryInitialConnect: boolean;
  private readonly configuredFlavor: Flavor | undefined;
  private readonly onRequest: ((e: RequestEvent) => void) | undefined;
  private readonly random: () => number;
  private readonly rheaTuning: { idleTimeoutMs?: number; maxFrameSize?: number };
  private readonly replyCredit: number;

  private _state: ClientState = 'idle';
  private transport: AmqpTransport | undefined;
  private _flavor: Flavor | undefined;
  private _replyAddress: string | undefined;
  /** consecutive failed attempts since the last good connection */
  private failures = 0;
  /** connected at least once since the client last went idle: later failures are reconnects */
  private sessionAlive = false;
  private everConnected = false;
  private connectTimer: TimerHandle | undefined;
  private backoffTimer: TimerHandle | undefined;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private closing: Promise<void> | undefined;

  constructor(opts: ManagementClientOptions) {
    super();
    this.conn = resolveConnectOptions(opts.url, { tls: opts.tls, sasl: opts.sasl });
    this.router = hostPort(this.conn.endpoint);
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'mgmt-client', router: this.router });
    this.containerId = opts.containerId ?? `ecn-mgmt-${randomUUID()}`;
    // A dedicated container: handlers on rhea's default singleton would leak between components.
    this.container = rhea.create_container({ id: this.containerId });
    // Last resort: an 'error' nobody handles would otherwise be thrown by the EventEmitter and end the process.
    this.container.on('error', (err: unknown) => this.log.warn({ err: errorMessage(err) }, 'rhea container error'));
    const window = opts.window ?? DEFAULTS.window;
    this.timeoutMs = positive(opts.timeoutMs, DEFAULTS.timeoutMs, 'timeoutMs');
    this.connectTimeoutMs = positive(opts.connectTimeoutMs, DEFAULTS.connectTimeoutMs, 'connectTimeoutMs');
    this.correlator = new Correlator<Outbound>({
      window,
      clock: this.clock,
      queueTimeoutMs: positive(opts.queueTimeoutMs, DEFAULTS.queueTimeoutMs, 'queueTimeoutMs'),
      idPrefix: `${randomBytes(3).toString('hex')}:`,
    });
    this.replyCredit = Math.max(2 * window, 100);
    this.reconnectPolicy = opts.reconnect === false ? false : (opts.reconnect ?? {});
    this.retryInitialConnect = opts.retryInitialConnect ?? false;
    this.configuredFlavor = opts.flavor;
    this.onRequest = opts.onRequest;
    this.random = opts.random ?? Math.random;
    this.rheaTuning = { idleTimeoutMs: opts.idleTimeoutMs, maxFrameSize: opts.maxFrameSize };
    this.local = new ManagementTarget(this, LOCAL_MANAGEMENT);
    this.targets.set(LOCAL_MANAGEMENT, this.local);
  }

  get state(): ClientState { return this._state; }
  /** the flavor of the current (or last) connection */
  get flavor(): Flavor | undefined { return this._flavor; }
  /** the reply address of the current connection; it changes on every reconnect */
  get replyAddress(): string | undefined { return this._state === 'ready' ? this._replyAddress : undefined; }

  /**
   * Resolves when the connection is usable (links attached, flavor known). Rejects with ECN_CONNECT naming the
   * router and the cause when the attempt fails and the policy says not to retry (retryInitialConnect false,
   * reconnect off, or maxAttempts used up), or ECN_MGMT_CLOSED after close().
   */
  connect(): Promise<void> {
    if (this._state === 'closed') return Promise.reject(this.closedError());
    if (this._state === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (this._state === 'idle') this.startAttempt();
    });
  }

  /** The operations of another agent reachable through this connection. */
  target(spec: TargetSpec): ManagementTarget {
    const address = targetAddress(spec);
    let t = this.targets.get(address);
    if (!t) {
      t = new ManagementTarget(this, address);
      this.targets.set(address, t);
    }
    return t;
  }

  // The local agent's operations, so `client.read(...)` needs no `.local`.
  create(type: string, name: string | undefined, attributes?: Attributes, opts?: CallOptions): Promise<Attributes> {
    return this.local.create(type, name, attributes, opts);
  }
  read(type: string, ref: EntityRef, opts?: CallOptions): Promise<Attributes> { return this.local.read(type, ref, opts); }
  update(type: string, ref: EntityRef, attributes: Attributes, opts?: CallOptions): Promise<Attributes> {
    return this.local.update(type, ref, attributes, opts);
  }
  delete(type: string, ref: EntityRef, opts?: CallOptions): Promise<void> { return this.local.delete(type, ref, opts); }
  query(type: string, attributeNames?: string[], opts?: QueryOptions): Promise<Attributes[]> {
    return this.local.query(type, attributeNames, opts);
  }
  getTypes(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>> { return this.local.getTypes(entityType, opts); }
  getAttributes(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>> {
    return this.local.getAttributes(entityType, opts);
  }
  getOperations(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>> {
    return this.local.getOperations(entityType, opts);
  }
  getMgmtNodes(opts?: CallOptions): Promise<string[]> { return this.local.getMgmtNodes(opts); }
  getSchema(opts?: CallOptions): Promise<Record<string, unknown>> { return this.local.getSchema(opts); }
  request(req: ManagementRequest, opts?: CallOptions): Promise<ManagementResponse> { return this.local.request(req, opts); }

  /** Runs one request against an agent address; resolves with the reply whatever its statusCode. */
  async execute(address: string, req: ManagementRequest, opts?: CallOptions): Promise<ManagementResponse> {
    const coords = coordinatesOf(req, address, this.router);
    const t0 = performance.now();
    let result: RequestResult = 'ok';
    let statusCode: number | undefined;
    try {
      if (this._state === 'closed') throw this.closedError(coords);
      validateRequest(req, coords);
      const timeoutMs = opts?.timeoutMs === undefined ? this.timeoutMs : positive(opts.timeoutMs, this.timeoutMs, 'timeoutMs');
      const pending = this.correlator.submit({ address, req }, coords, { timeoutMs });
      if (this._state === 'idle') this.startAttempt();
      const resp = decodeReply(await pending, coords);
      statusCode = resp.statusCode;
      if (!isSuccess(resp.statusCode)) result = statusError(coords, resp.statusCode, resp.statusDescription).code;
      return resp;
    } catch (err) {
      result = err instanceof ManagementError ? err.code : 'ECN_MGMT_BAD_RESPONSE';
      throw err;
    } finally {
      const e: RequestEvent = {
        operation: coords.operation ?? '?',
        type: coords.type,
        target: address,
        router: this.router,
        result,
        statusCode,
        latencyMs: performance.now() - t0,
      };
      this.metrics.record(e);
      if (this.onRequest) {
        try { this.onRequest(e); } catch (hookErr) { this.log.warn({ err: errorMessage(hookErr) }, 'onRequest hook threw'); }
      }
    }
  }

  stats(): ClientStats {
    return {
      ...this.metrics.snapshot({ lateReplies: this.correlator.lateReplies, unknownReplies: this.correlator.unknownReplies }),
      state: this._state,
      router: this.router,
      flavor: this._flavor,
      replyAddress: this.replyAddress,
      inflight: this.correlator.inflightCount,
      queued: this.correlator.queuedCount,
      maxInflight: this.correlator.maxInflight,
    };
  }

  /** Fails everything pending with ECN_MGMT_CLOSED and closes the connection. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this._state = 'closed';
    this.cancelTimers();
    this.correlator.setGate('closed');
    this.correlator.setSink(undefined);
    this.correlator.failInflight((p) => this.closedError(p.coords));
    this.correlator.failQueued((p) => this.closedError(p.coords));
    this.rejectWaiters(this.closedError());
    const t = this.transport;
    this.transport = undefined;
    this.log.debug('closing');
    this.closing = t ? t.close() : Promise.resolve();
    return this.closing;
  }

  // ---- connection life cycle ----

  private startAttempt(): void {
    if (this._state === 'closed') return;
    this._state = 'connecting';
    this.backoffTimer = undefined;
    const options = toRheaOptions(this.conn, this.container, { containerId: this.containerId, ...this.rheaTuning });
    const t: AmqpTransport = new AmqpTransport(this.container, options, {
      ready: (info) => this.onTransportReady(t, info),
      reply: (msg) => this.onReply(msg),
      failed: (id, outcome, error) => this.onDeliveryFailed(t, id, outcome, error),
      writable: () => { if (this.transport === t && this.correlator.starved) this.correlator.pump(); },
      down: (err) => this.onTransportDown(t, err),
    }, {
      replyCredit: this.replyCredit,
      logger: this.log,
      closeGraceMs: DEFAULTS.closeGraceMs,
      setTimer: (fn, ms) => this.clock.setTimeout(fn, ms),
    });
    this.transport = t;
    const { router: _router, ...endpoint } = describeEndpoint(this.conn);
    this.log.debug(endpoint, 'connecting');
    this.connectTimer = this.clock.setTimeout(() => {
      if (this.transport !== t || this._state !== 'connecting') return;
      this.abandonAttempt(t, new Error(`not connected within ${this.connectTimeoutMs} ms`));
    }, this.connectTimeoutMs);
    t.open();
  }

  private onTransportReady(t: AmqpTransport, info: TransportReady): void {
    if (this.transport !== t) return;
    this._replyAddress = info.replyAddress;
    this.correlator.setSink({
      canSend: () => t.canSend(),
      send: (p: Pending<Outbound>) => {
        const m = buildMessage(p.request.req, this._flavor, p.request.address, info.replyAddress, p.id);
        try {
          t.send(m, p.id);
        } catch (err) {
          // rhea encodes while sending: a body it cannot encode (e.g. a circular structure) fails only this request.
          throw new ManagementError('ECN_MGMT_BAD_REQUEST', `${describeRequest(p.coords)}: the request cannot be encoded (${errorMessage(err)})`, { ...p.coords, cause: err });
        }
      },
    });
    const flavor = this.configuredFlavor ?? flavorFromConnectionProperties(info.remoteProperties);
    if (flavor) {
      this.becomeReady(flavor, info);
      return;
    }
    // No product property: ask the agent for its types and look at their prefix. Only this probe may use the
    // connection until it answers.
    this._flavor = undefined;
    this.correlator.setGate('urgent');
    const req: ManagementRequest = { operation: 'GET-TYPES' };
    const coords: RequestCoordinates = coordinatesOf(req, LOCAL_MANAGEMENT, this.router);
    this.correlator
      .submit({ address: LOCAL_MANAGEMENT, req }, coords, { timeoutMs: this.timeoutMs, urgent: true })
      .then((msg: Message) => {
        if (this.transport !== t) return;
        const resp = decodeReply(msg, coords);
        checkStatus(resp, coords);
        const names = Object.keys(expectTypeMap(resp.body, coords));
        const f = flavorFromTypeNames(names);
        if (!f) throw badResponse(coords, `no known type prefix among ${names.length} type names (${names.slice(0, 3).join(', ')}…)`);
        this.becomeReady(f, info);
      })
      .catch((err: unknown) => {
        if (this.transport !== t) return;
        this.abandonAttempt(t, new Error(`cannot tell the router flavor: ${errorMessage(err)}`, { cause: err }));
      });
  }

  private becomeReady(flavor: Flavor, info: TransportReady): void {
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    this._flavor = flavor;
    this._state = 'ready';
    this.failures = 0;
    this.sessionAlive = true;
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.metrics.connects++;
    this.log.info({ replyAddress: info.replyAddress, flavor, remoteContainer: info.remoteContainerId, reconnected }, 'management connection ready');
    this.correlator.setGate('open');
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
    this.emitSafe('connected', { router: this.router, replyAddress: info.replyAddress, flavor, reconnected, remoteContainerId: info.remoteContainerId });
  }

  private onReply(msg: Message): void {
    if (!this.correlator.onReply(msg.correlation_id, msg)) {
      this.log.debug({ correlationId: msg.correlation_id }, 'dropped a reply nobody waits for (late or stray)');
    }
  }

  private onDeliveryFailed(t: AmqpTransport, id: string, outcome: DeliveryFailure, error: { condition?: string; description?: string } | undefined): void {
    if (this.transport !== t) return;
    this.correlator.failSent(id, (p) => {
      const c = p.coords;
      if (outcome === 'rejected') {
        const why = error ? [error.condition, error.description].filter(Boolean).join(': ') : '';
        return new ManagementError('ECN_MGMT_REJECTED', `${describeRequest(c)}: the router rejected the request message${why ? ` (${why})` : ''}`, {
          ...c,
          details: { condition: error?.condition, description: error?.description },
          hint: 'the message itself was refused (not the operation): check the target address and the message size',
        });
      }
      return new ManagementError('ECN_MGMT_UNREACHABLE', `${describeRequest(c)}: no route to ${c.target ?? 'the agent'} (delivery ${outcome.toUpperCase()})`, {
        ...c,
        details: { outcome },
        hint: 'the network does not know that router: check the router/edge id, that the edge is attached to an interior, and that ids are unique',
      });
    });
  }

  private onTransportDown(t: AmqpTransport, err: Error): void {
    if (this.transport !== t) return;
    this.lose(err);
  }

  /** Gives up on an attempt that will not become usable (timeout, failed flavor probe). */
  private abandonAttempt(t: AmqpTransport, err: Error): void {
    t.destroy();
    this.lose(err);
  }

  /** The current transport is gone (or abandoned): fail what was on the wire, then retry or give up. */
  private lose(err: Error): void {
    const wasReady = this._state === 'ready';
    this.transport = undefined;
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    this.correlator.setGate('closed');
    this.correlator.setSink(undefined);
    this.correlator.failUrgent((p) => this.disconnectedError(p.coords, err));
    this.correlator.failInflight((p) => this.disconnectedError(p.coords, err));
    if (this._state === 'closed') return;

    if (wasReady) {
      this.metrics.disconnects++;
      this.failures = 0;
    } else {
      this.metrics.connectFailures++;
      this.failures++;
    }
    const policy = this.reconnectPolicy;
    const retry = policy !== false && (this.sessionAlive || this.retryInitialConnect) && mayRetry(this.failures, policy);
    if (wasReady) {
      this.log.warn({ err: err.message, reconnecting: retry }, 'management connection lost');
      this.emitSafe('disconnected', { router: this.router, error: err, reconnecting: retry });
    } else {
      this.log.info({ err: err.message, attempt: this.failures }, 'connection attempt failed');
    }
    if (retry) {
      // Retry n waits backoffDelay(n): after a drop n = 1; each failed retry adds one.
      const attempt = this.sessionAlive ? this.failures + 1 : this.failures;
      const delayMs = backoffDelay(attempt, policy, this.random);
      this._state = 'backoff';
      this.emitSafe('reconnecting', { router: this.router, attempt, delayMs, error: err });
      this.backoffTimer = this.clock.setTimeout(() => {
        if (this._state === 'backoff') this.startAttempt();
      }, delayMs);
      return;
    }
    // Give up: back to idle (a later request or connect() starts afresh).
    this._state = 'idle';
    this.failures = 0;
    const hadSession = this.sessionAlive;
    this.sessionAlive = false;
    const connectErr = this.connectError(err);
    this.rejectWaiters(connectErr);
    this.correlator.failQueued((p) => (hadSession && wasReady ? this.disconnectedError(p.coords, err) : this.connectError(err, p.coords)));
  }

  private cancelTimers(): void {
    this.connectTimer?.cancel();
    this.connectTimer = undefined;
    this.backoffTimer?.cancel();
    this.backoffTimer = undefined;
  }

  private rejectWaiters(err: Error): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(err);
  }

  /** Listener exceptions must not unwind into rhea's event dispatch. */
  private emitSafe<K extends keyof ClientEvents>(event: K, ...args: ClientEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ClientEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.log.warn({ err: errorMessage(err), event }, 'event listener threw');
    }
  }

  // ---- errors ----

  private closedError(c?: RequestCoordinates): ManagementError {
    const subject = c ? describeRequest(c) : `management client for ${this.router}`;
    return new ManagementError('ECN_MGMT_CLOSED', `${subject}: the client was closed`, { ...c, router: this.router });
  }

  private disconnectedError(c: RequestCoordinates, cause: Error): ManagementError {
    return new ManagementError('ECN_MGMT_DISCONNECTED', `${describeRequest(c)}: the connection was lost before the reply (${cause.message})`, {
      ...c,
      cause,
      hint: 'the router may or may not have carried the request out: read the entity before retrying a CREATE or DELETE',
    });
  }

  private connectError(cause: Error, c?: RequestCoordinates): ManagementError {
    const text = cause.message;
    let hint = 'check that the router is running and reachable at that address';
    if (/ECONNREFUSED/.test(text)) hint = 'nothing accepts connections there: is the router running, and is that its listener port?';
    else if (/ENOTFOUND|EAI_AGAIN/.test(text)) hint = 'the host name does not resolve';
    else if (/authenticat|sasl|mechanism/i.test(text)) hint = 'SASL failed: check the mechanism and the credentials the router listener expects';
    else if (/certificate|self[- ]signed|TLS|SSL|handshake|altnames/i.test(text)) hint = 'TLS failed: check the CA, the server name and (for EXTERNAL) the client certificate';
    else if (/flavor/.test(text)) hint = 'the peer answered AMQP but not as a qdrouterd/skupper-router agent; set the flavor option if it is one';
    const subject = c ? `${describeRequest(c)}: ` : '';
    return new ManagementError('ECN_CONNECT', `${subject}cannot connect to ${this.router}: ${text}`, { ...c, router: this.router, cause, hint });
  }
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', `${name} must be a positive number of milliseconds, not ${String(v)}`);
  }
  return v;
}

/** Shorthand for `new ManagementClient(opts)`. */
export function createManagementClient(opts: ManagementClientOptions): ManagementClient {
  return new ManagementClient(opts);
}
