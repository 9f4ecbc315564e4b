/**
 * A simulated Qpid Dispatch / skupper-router router: a rhea AMQP server whose management agent (agent.ts) answers
 * as the real one does, and whose network layer behaves as the real router's does for management traffic: clients
 * attach anonymous or `$management` senders and dynamic reply receivers; edges dial an interior's edge listener and
 * become reachable as `_edge/<id>`; interiors dial each other and route `_topo/0/<id>` and `_edge/<id>` between
 * them; listeners and connectors created at run time really listen and dial.
 *
 * This module wires the parts together and owns the lifecycle (start, stop, restart). The parts:
 *   transport.ts / in-process-transport.ts  sockets (TCP or an in-process network)
 *   connections.ts, listeners.ts, connectors.ts  AMQP connections and the entities that make them
 *   addressing.ts, address-table.ts, forwarding.ts, outcome.ts, raw-message.ts  where a message goes and what the
 *     sender hears back
 *   uplink.ts (edge side), edges.ts (interior side), inter-router.ts + link-state.ts (interior ↔ interior)
 *   management.ts (the $management endpoint), faults.ts, runtime-view.ts (runtime rows), tcp-bridge.ts
 *   instance.ts (what one boot consists of), config-hooks.ts (entity side effects), link-attach.ts (links peers
 *     attach), intake.ts (messages arriving)
 */
import { EventEmitter } from 'node:events';
import rhea, { type Connection, type Container, type EventContext } from 'rhea';
import { systemClock, type Clock } from '../../src/clock.js';
import { EcnError, errorMessage } from '../../src/errors.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { Flavor } from '../../src/router/protocol.js';
import { defaultAgentFactory, type AgentFactory } from './agent-port.js';
import { configHooks } from './config-hooks.js';
import { abortConnection, acceptConnection, closeConnection, dialConnection, socketOf } from './connections.js';
import { DEFAULT_RECONNECT, type ConnectorState, type ReconnectPolicy } from './connectors.js';
import type { ConfigEntity, RuntimeView } from './contract.js';
import { validateReplyMode, type ReplyMode } from './faults.js';
import { buildInstance, listConfig, type Instance } from './instance.js';
import { MessageIntake } from './intake.js';
import { bindDirectEndpoint } from './direct-hop.js';
import { LinkAttach, linkOpener, runCleanup } from './link-attach.js';
import type { ListenerState } from './listeners.js';
import { ManagementEndpoint } from './management.js';
import { Registry, type ConnRecord, type RouterContext, type RouterMode } from './state.js';
import { tcpTransport, type SimSocket, type SimTransport } from './transport.js';

export interface SimRouterOptions {
  id: string;
  mode: RouterMode;
  /** defaults to qdrouterd */
  flavor?: Flavor;
  /** defaults: qdrouterd 1.19.0, skupper 3.5.1 */
  version?: string;
  /** the boot configuration (the router's config file): listeners (port '0' = any free port), connectors, … */
  config?: ConfigEntity[];
  /** address listeners bind to when their entity names none (default 127.0.0.1) */
  host?: string;
  clock?: Clock;
  logger?: Logger;
  /** default: real TCP */
  transport?: SimTransport;
  /**
   * the transport one `listener` entity binds on, by entity name (default: `transport` for every listener). Lets
   * one router of an in-process network listen on real TCP, e.g. an interior whose normal listener serves a manager
   * in another process while its edge listener takes thousands of in-process edges. Return `transport` for the rest.
   */
  listenerTransport?: (listenerName: string) => SimTransport;
  /** the management agent; default: sim/router/agent.ts with the echo rules of correlation.ts */
  agentFactory?: AgentFactory;
  /** connector retry backoff; default: 250 ms doubling to 2 s, jitter 0.5. Unset fields default, jitter to 0. */
  reconnect?: Partial<ReconnectPolicy>;
}

export interface SimRouterFaults {
  /** the router restarts: every connection drops, runtime-created entities are lost, a new instance boots */
  restart(): Promise<void>;
  /** an edge drops its uplink connections (its connectors dial again); an interior drops the uplinks of its edges */
  /** drops the uplinks; with holdMs, every dial of the router's connectors fails for that long (a partition) */
  dropUplinks(holdMs?: number): void;
  /** how management requests are answered from now on */
  replies(mode: ReplyMode): void;
}

type Lifecycle = 'new' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

const DEFAULT_VERSION: Record<Flavor, string> = { qdrouterd: '1.19.0', skupper: '3.5.1' };
export class SimRouter extends EventEmitter {
  readonly id: string;
  readonly mode: RouterMode;
  readonly flavor: Flavor;
  readonly version: string;
  readonly host: string;
  readonly transport: SimTransport;
  readonly faults: SimRouterFaults;

  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly config: ConfigEntity[];
  private readonly container: Container;
  private readonly registry = new Registry();
  private readonly ctx: RouterContext;
  private readonly policy: ReconnectPolicy;
  private readonly management: ManagementEndpoint;
  private readonly factory: AgentFactory;
  private readonly attach: LinkAttach;
  private readonly intake: MessageIntake;
  private inst: Instance | undefined;
  private lifecycle: Lifecycle = 'new';
  private lastInstance = 0;
  /** ports the boot listeners got on the first start; a restart binds the same ones so peers can dial back */
  private readonly bootPorts = new Map<string, number>();
  /** called whenever a connection is gone (stop() waits for the last one) */
  private readonly goneWaiters = new Set<() => void>();

  constructor(opts: SimRouterOptions) {
    super();
    this.id = opts.id;
    this.mode = opts.mode;
    this.flavor = opts.flavor ?? 'qdrouterd';
    this.version = opts.version ?? DEFAULT_VERSION[this.flavor];
    this.host = opts.host ?? '127.0.0.1';
    this.transport = opts.transport ?? tcpTransport;
    this.clock = opts.clock ?? systemClock;
    this.logger = opts.logger ?? silentLogger;
    this.config = opts.config ?? [];
    this.factory = opts.agentFactory ?? defaultAgentFactory;
    // a given policy without jitter is exact (see DEFAULT_RECONNECT)
    this.policy = opts.reconnect ? { ...DEFAULT_RECONNECT, jitter: 0, ...opts.reconnect } : { ...DEFAULT_RECONNECT };
    // the container id is the router id: peers see it as the `container` of their connection to us
    // tcp_no_delay: management traffic is small request/response frames; Nagle would add ~40 ms per hop.
    // credit_window 0: the router grants credit itself, one per settled delivery (link-attach.ts, intake.ts)
    this.container = rhea.create_container({ id: this.id, autoaccept: false, credit_window: 0, tcp_no_delay: true } as never);
    const listenerTransport = opts.listenerTransport;
    // The callbacks a router hands its parts are methods closing over `router`, not arrow functions in property
    // positions: under tsx (esbuild keepNames) each such arrow gets its own `name` property, which costs a property
    // array and a hidden class per function per router (~10 KB per router, 100 MB at 10,000 routers).
    const router = this;
    this.ctx = {
      id: this.id, mode: this.mode, flavor: this.flavor, version: this.version, host: this.host,
      clock: this.clock, logger: this.logger, transport: this.transport, container: this.container, registry: this.registry,
      listenerTransport(name) { return listenerTransport ? listenerTransport(name) : router.transport; },
      emit(event, ...args) { router.safeEmit(event, ...args); },
    };
    this.management = new ManagementEndpoint({
      ctx: this.ctx,
      agent() { return router.inst?.agent; },
      echoesCorrelationId(agent, type) { return router.factory.echoesCorrelationId(agent, type); },
      originate(m) {
        router.intake.originate(m, (o) => {
          if (o.kind !== 'accepted') router.logger.debug({ to: m.to, outcome: o.kind }, 'management reply not delivered');
        });
      },
    });
    this.faults = {
      restart() { return router.restart(); },
      dropUplinks(holdMs) { router.dropUplinks(holdMs); },
      replies(mode) { router.management.replyMode = validateReplyMode(mode); },
    };
    this.attach = new LinkAttach(this.ctx, () => this.inst);
    this.intake = new MessageIntake(this.ctx, () => this.inst);
    this.registerContainerHandlers();
  }

  /** the bound port of a listener (or tcpListener) entity, by entity name */
  listenerPort(name: string): number | undefined {
    return this.inst?.listeners.port(name) ?? this.inst?.bridges.listenerPort(name);
  }

  /** the router's runtime rows, as its agent sees them */
  get runtime(): RuntimeView | undefined {
    return this.inst?.runtime;
  }

  /** the boot instance (router.node `instance`); changes on restart */
  get instance(): number {
    return this.inst?.number ?? 0;
  }

  get running(): boolean {
    return this.lifecycle === 'running';
  }

  /** interior: ids of the edges whose active uplink ends here, in attach order */
  attachedEdges(): string[] {
    return this.inst?.edges?.ids() ?? [];
  }

  /** edge: the interior its active uplink goes to */
  activeUplink(): string | undefined {
    return this.inst?.uplinks?.active?.container;
  }

  async start(): Promise<void> {
    if (this.lifecycle !== 'new' && this.lifecycle !== 'stopped') {
      throw new EcnError('ECN_SIM', `router ${this.id} is ${this.lifecycle}; start() needs a new or stopped router`, {
        hint: 'call stop() first, or use faults.restart()',
      });
    }
    this.lifecycle = 'starting';
    try {
      await this.boot(true);
      this.lifecycle = 'running';
    } catch (err) {
      await this.teardown(true).catch(() => undefined);
      this.lifecycle = 'stopped';
      throw err instanceof EcnError ? err : new EcnError('ECN_SIM', `router ${this.id} failed to start: ${errorMessage(err)}`, { cause: err });
    }
  }

  async stop(): Promise<void> {
    if (this.lifecycle === 'new' || this.lifecycle === 'stopped' || this.lifecycle === 'stopping') {
      this.lifecycle = 'stopped';
      return;
    }
    this.lifecycle = 'stopping';
    await this.teardown(false);
    this.lifecycle = 'stopped';
  }

  private async restart(): Promise<void> {
    if (this.lifecycle !== 'running') {
      throw new EcnError('ECN_SIM', `router ${this.id} is ${this.lifecycle}; only a running router can restart`);
    }
    this.lifecycle = 'restarting';
    await this.teardown(true);
    await this.boot(false);
    this.lifecycle = 'running';
    this.safeEmit('restarted', this.instance);
  }

  private dropUplinks(holdMs = 0): void {
    const inst = this.inst;
    if (!inst) return;
    if (holdMs > 0) inst.connectors.holdDials(holdMs);
    const victims = [...this.registry.conns.values()].filter((r) => r.role === 'edge' && (this.mode === 'edge' ? r.dir === 'out' : r.dir === 'in'));
    for (const rec of victims) {
      rec.error = 'Connection reset by peer';
      abortConnection(rec);
      this.connGone(rec, rec.error);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private nextInstance(): number {
    // router.node `instance` is the boot time in seconds; never repeat one within a process
    const n = Math.max(this.lastInstance + 1, Math.floor(this.clock.now() / 1000));
    this.lastInstance = n;
    return n;
  }

  /** Builds a new instance from the boot configuration. On start a boot listener that cannot bind fails the start. */
  private async boot(starting: boolean): Promise<void> {
    this.registry.reset();
    const router = this;
    // methods rather than arrow properties: see the constructor
    const inst = buildInstance({
      ctx: this.ctx,
      number: this.nextInstance(),
      policy: this.policy,
      links: linkOpener(this.ctx),
      management: this.management,
      accept(socket, l) { return router.accept(socket, l); },
      dial(st) { return router.dial(st); },
      drop(rec) { closeConnection(rec); },
      originate(m, done) { router.intake.originate(m, done); },
    });
    this.inst = inst;
    inst.agent = this.factory.create({
      identity: { id: this.id, mode: this.mode, flavor: this.flavor, version: this.version },
      runtime: inst.runtime,
      hooks: configHooks(this.ctx, inst, () => this.inst === inst),
      config: this.config,
    });
    inst.booting = false;
    inst.interRouter?.announce();

    // the boot configuration: listeners first (so their ports are known when start() resolves), then the rest
    await Promise.all(listConfig(inst, 'listener').map((a) => inst.listeners.open(a, this.bootPorts.get(String(a.name)))));
    const failed = listConfig(inst, 'listener').map((a) => inst.listeners.get(String(a.name))).filter((l) => l?.error !== undefined);
    if (starting && failed.length > 0) {
      const what = failed.map((l) => `${l!.name} (${l!.host}:${l!.requestedPort}): ${l!.error}`).join('; ');
      throw new EcnError('ECN_SIM', `router ${this.id}: listener could not be opened: ${what}`, {
        hint: 'choose a free port (0 picks one), or stop whatever holds it',
        details: { listeners: failed.map((l) => l!.name) },
      });
    }
    for (const [name, port] of inst.listeners.ports()) if (!this.bootPorts.has(name)) this.bootPorts.set(name, port);
    for (const a of listConfig(inst, 'connector')) inst.connectors.add(a);
    await Promise.all(listConfig(inst, 'tcpListener').map((a) => inst.bridges.addListener(a)));
    for (const a of listConfig(inst, 'tcpConnector')) inst.bridges.addConnector(a);
  }

  /** Closes everything of the current instance. abort: drop connections as a crash would; otherwise close them. */
  private async teardown(abort: boolean): Promise<void> {
    const inst = this.inst;
    if (!inst) return;
    this.management.cancelDelayed();
    inst.connectors.removeAll();
    await inst.bridges.stopAll();
    const drop = (rec: ConnRecord): void => {
      if (abort) {
        abortConnection(rec);
        this.connGone(rec, undefined);
      } else {
        closeConnection(rec);
      }
    };
    await inst.listeners.closeAll(drop);
    for (const rec of [...this.registry.conns.values()]) drop(rec);
    if (!abort) await this.waitForConnectionsGone(1000);
    for (const rec of [...this.registry.conns.values()]) {
      abortConnection(rec);
      this.connGone(rec, undefined);
    }
    inst.forwarder.clear();
    inst.addresses.clear();
    inst.edges?.clear();
    inst.uplinks?.clear();
  }

  /**
   * Resolves once every connection is gone, or after ms (the caller then aborts what is left). Wall-clock time on
   * purpose: a stop must finish even when the injected clock is a manual one that nobody advances.
   */
  private waitForConnectionsGone(ms: number): Promise<void> {
    if (this.registry.conns.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.goneWaiters.delete(check);
        resolve();
      };
      const check = (): void => {
        if (this.registry.conns.size === 0) finish();
      };
      const timer = setTimeout(finish, ms);
      this.goneWaiters.add(check);
    });
  }

  // ---------------------------------------------------------------- connections

  private accept(socket: SimSocket, l: ListenerState): ConnRecord {
    const rec = acceptConnection(this.ctx, socket, l.role, l.name);
    rec.cost = l.cost;
    if (rec.role !== 'normal') bindDirectEndpoint(socket, rec, this.intake, this.registry);
    this.watchSocket(rec, socket);
    return rec;
  }

  private dial(st: ConnectorState): ConnRecord {
    const rec = dialConnection(this.ctx, st.host, st.port ?? 0, st.role, st.name);
    rec.cost = st.cost;
    const socket = socketOf(rec.conn);
    if (socket) {
      if (rec.role !== 'normal') bindDirectEndpoint(socket, rec, this.intake, this.registry);
      this.watchSocket(rec, socket);
      socket.once('connect', () => { rec.localSocket = `${socket.localAddress ?? '127.0.0.1'}:${socket.localPort ?? 0}`; });
    }
    return rec;
  }

  private watchSocket(rec: ConnRecord, socket: SimSocket): void {
    socket.on('error', (err: NodeJS.ErrnoException) => {
      rec.error = describeSocketError(err);
    });
    socket.once('close', () => this.connGone(rec, rec.error));
  }

  /** A connection is finished (closed, dropped or never established). Idempotent. */
  private connGone(rec: ConnRecord, error: string | undefined): void {
    if (this.registry.conns.get(rec.conn) !== rec) return;
    this.logger.debug({ conn: rec.identity, role: rec.role, dir: rec.dir, peer: rec.container, error }, 'connection gone');
    const inst = this.inst;
    for (const l of [...rec.links]) runCleanup(this.ctx, l);
    this.registry.removeConn(rec.conn);
    rec.closing = true;
    for (const w of [...this.goneWaiters]) w();
    if (rec.opened) this.safeEmit('connection-closed', connectionEvent(rec));
    if (!inst) return;
    inst.forwarder.failConnection(rec);
    inst.listeners.forget(rec);
    if (rec.connector) inst.connectors.gone(rec, error ?? rec.error);
    if (rec.role === 'edge') {
      inst.edges?.detach(rec);
      inst.uplinks?.gone(rec);
    } else if (rec.role === 'inter-router') {
      inst.interRouter?.peerGone(rec);
    }
  }

  private onConnectionOpen(ctx: EventContext): void {
    const rec = this.registry.conns.get(ctx.connection);
    const inst = this.inst;
    if (!rec || !inst || rec.opened) return;
    rec.opened = true;
    const conn = ctx.connection as Connection & { container_id?: string; properties?: Record<string, unknown> };
    rec.container = conn.container_id;
    rec.properties = conn.properties && typeof conn.properties === 'object' ? { ...conn.properties } : {};
    this.safeEmit('connection-open', connectionEvent(rec));
    if (rec.connector) inst.connectors.opened(rec);
    if (rec.role === 'edge' && this.mode === 'edge' && rec.dir === 'out') inst.uplinks?.opened(rec);
    else if (rec.role === 'inter-router' && this.mode === 'interior') inst.interRouter?.peerOpened(rec);
  }

  // ---------------------------------------------------------------- rhea events

  private registerContainerHandlers(): void {
    const c = this.container;
    const safe = (name: string, f: (ctx: EventContext) => void) => (ctx: EventContext): void => {
      try {
        f(ctx);
      } catch (err) {
        // one bad frame or message must not take the router down
        this.logger.error({ err, event: name }, 'error handling AMQP event');
      }
    };
    c.on('connection_open', safe('connection_open', (ctx) => this.onConnectionOpen(ctx)));
    c.on('sender_open', safe('sender_open', (ctx) => this.attach.onSenderOpen(ctx)));
    c.on('receiver_open', safe('receiver_open', (ctx) => this.attach.onReceiverOpen(ctx)));
    c.on('sender_close', safe('sender_close', (ctx) => this.attach.onLinkClose(ctx.sender!)));
    c.on('receiver_close', safe('receiver_close', (ctx) => this.attach.onLinkClose(ctx.receiver!)));
    c.on('message', safe('message', (ctx) => this.intake.onMessage(ctx)));
    for (const ev of ['accepted', 'released', 'rejected', 'modified', 'settled']) {
      c.on(ev, safe(ev, (ctx) => { if (ctx.delivery && ctx.sender) this.inst?.forwarder.onDeliveryUpdate(ctx.delivery); }));
    }
    c.on('disconnected', safe('disconnected', (ctx) => {
      const rec = this.registry.conns.get(ctx.connection);
      if (!rec) return;
      const err = (ctx as EventContext & { error?: NodeJS.ErrnoException }).error;
      if (err) rec.error = describeSocketError(err);
      this.connGone(rec, rec.error);
    }));
    c.on('connection_close', safe('connection_close', (ctx) => {
      const rec = this.registry.conns.get(ctx.connection);
      if (rec) rec.closing = true;
    }));
    for (const ev of ['connection_error', 'session_error', 'sender_error', 'receiver_error']) {
      c.on(ev, (ctx: EventContext) => {
        const e = (ctx.connection as Connection & { error?: unknown }).error ?? (ctx.session as { error?: unknown } | undefined)?.error;
        this.logger.debug({ event: ev, error: e ? String((e as { description?: unknown }).description ?? e) : undefined }, 'AMQP error from peer');
      });
    }
    c.on('protocol_error', (err: unknown) => this.logger.warn({ err: errorMessage(err) }, 'AMQP protocol error'));
    c.on('error', (err: unknown) => this.logger.warn({ err: errorMessage(err) }, 'AMQP error'));
  }

  private safeEmit(event: string, ...args: unknown[]): void {
    if (event === 'error' && this.listenerCount('error') === 0) {
      this.logger.error({ args }, 'router error');
      return;
    }
    try {
      this.emit(event, ...args);
    } catch (err) {
      this.logger.error({ err, event }, 'router event listener threw');
    }
  }
}

/** what 'connection-open' / 'connection-closed' listeners get */
export interface ConnectionEvent {
  identity: string;
  role: string;
  dir: 'in' | 'out';
  container: string | undefined;
  host: string;
}

function connectionEvent(rec: ConnRecord): ConnectionEvent {
  return { identity: rec.identity, role: rec.role, dir: rec.dir, container: rec.container, host: rec.host };
}

function describeSocketError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'Connection refused';
    case 'ECONNRESET': return 'Connection reset by peer';
    case 'EHOSTUNREACH': return 'No route to host';
    case 'ETIMEDOUT': return 'Connection timed out';
    default: return err.message;
  }
}
