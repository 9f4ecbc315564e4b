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
 */
import { EventEmitter } from 'node:events';
import rhea, { type Connection, type Container, type Delivery, type EventContext, type Receiver, type Sender } from 'rhea';
import { systemClock, type Clock } from '../../src/clock.js';
import { EcnError, errorMessage } from '../../src/errors.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { shortType, type Flavor } from '../../src/router/protocol.js';
import { AddressTable } from './address-table.js';
import { edgeKey, mobileKey, parseAddress, stripScheme, tempAddress, tempSuffix } from './addressing.js';
import { defaultAgentFactory, type AgentFactory, type AgentLike } from './agent-port.js';
import { abortConnection, acceptConnection, closeConnection, dialConnection, socketOf } from './connections.js';
import { Connectors, DEFAULT_RECONNECT, type ConnectorState, type ReconnectPolicy } from './connectors.js';
import type { AgentHooks, Attributes, ConfigEntity, RuntimeView } from './contract.js';
import { DOWNLINK_CAPABILITY, EdgeAttachments } from './edges.js';
import { validateReplyMode, type ReplyMode } from './faults.js';
import { countOutcome, Forwarder, type Hop, type LocalConsumer, type RoutedMessage, type RoutingTables } from './forwarding.js';
import { InterRouter, ROUTER_CONTROL_ADDRESS } from './inter-router.js';
import { LinkStateDb } from './link-state.js';
import { Listeners, type ListenerState } from './listeners.js';
import { ManagementEndpoint } from './management.js';
import { RELEASED, messageCodec, settle, type Outcome, type OutcomeCallback } from './outcome.js';
import { currentRaw, readRouterAnnotations, withRouterAnnotations } from './raw-message.js';
import { RuntimeRows } from './runtime-view.js';
import { Registry, zeroLinkCounters, type ConnRecord, type LinkRecord, type RouterContext, type RouterMode } from './state.js';
import { TcpBridges } from './tcp-bridge.js';
import { tcpTransport, type SimSocket, type SimTransport } from './transport.js';
import { EDGE_CONTROL_ADDRESS, Uplinks, type LinkSpec, type RouterLinkOpener } from './uplink.js';

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
  /** the management agent; default: sim/router/agent.ts with the echo rules of correlation.ts */
  agentFactory?: AgentFactory;
  /** connector retry backoff */
  reconnect?: Partial<ReconnectPolicy>;
}

export interface SimRouterFaults {
  /** the router restarts: every connection drops, runtime-created entities are lost, a new instance boots */
  restart(): Promise<void>;
  /** an edge drops its uplink connections (its connectors dial again); an interior drops the uplinks of its edges */
  dropUplinks(): void;
  /** how management requests are answered from now on */
  replies(mode: ReplyMode): void;
}

type Lifecycle = 'new' | 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

const DEFAULT_VERSION: Record<Flavor, string> = { qdrouterd: '1.19.0', skupper: '3.5.1' };
/** link capacity of the real routers (linkCapacity default) */
const CREDIT_WINDOW = 250;

/** Everything that lives for one boot of the router; a restart throws it away and builds a new one. */
interface Instance {
  number: number;
  startedAt: number;
  addresses: AddressTable;
  forwarder: Forwarder;
  listeners: Listeners;
  connectors: Connectors;
  bridges: TcpBridges;
  edges: EdgeAttachments | undefined;
  uplinks: Uplinks | undefined;
  interRouter: InterRouter | undefined;
  runtime: RuntimeRows;
  agent: AgentLike | undefined;
  /** true while the agent is being built: its boot entities are applied by boot(), not by the hooks */
  booting: boolean;
}

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
    this.policy = { ...DEFAULT_RECONNECT, ...opts.reconnect };
    // the container id is the router id: peers see it as the `container` of their connection to us
    // tcp_no_delay: management traffic is small request/response frames; Nagle would add ~40 ms per hop
    this.container = rhea.create_container({ id: this.id, autoaccept: false, credit_window: CREDIT_WINDOW, tcp_no_delay: true } as never);
    this.ctx = {
      id: this.id, mode: this.mode, flavor: this.flavor, version: this.version, host: this.host,
      clock: this.clock, logger: this.logger, transport: this.transport, container: this.container, registry: this.registry,
      emit: (event, ...args) => this.safeEmit(event, ...args),
    };
    this.management = new ManagementEndpoint({
      ctx: this.ctx,
      agent: () => this.inst?.agent,
      echoesCorrelationId: (agent, type) => this.factory.echoesCorrelationId(agent, type),
      originate: (m) => this.originate(m, (o) => {
        if (o.kind !== 'accepted') this.logger.debug({ to: m.to, outcome: o.kind }, 'management reply not delivered');
      }),
    });
    this.faults = {
      restart: () => this.restart(),
      dropUplinks: () => this.dropUplinks(),
      replies: (mode) => { this.management.replyMode = validateReplyMode(mode); },
    };
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

  /** ids of the edges attached here (interior), or the interior of the active uplink (edge) */
  attachedEdges(): string[] {
    return this.inst?.edges?.ids() ?? [];
  }

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
      await this.boot();
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
    await this.boot();
    this.lifecycle = 'running';
    this.safeEmit('restarted', this.instance);
  }

  private dropUplinks(): void {
    const inst = this.inst;
    if (!inst) return;
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

  private async boot(): Promise<void> {
    this.registry.reset();
    const addresses = new AddressTable();
    const edges = this.mode === 'interior' ? new EdgeAttachments(this.ctx) : undefined;
    const opener = this.linkOpener();
    const uplinks = this.mode === 'edge' ? new Uplinks(this.ctx, opener, () => addresses.mobileAddresses().map(([a]) => a)) : undefined;
    const interRouter = this.mode === 'interior'
      ? new InterRouter(this.ctx, opener, () => this.localAnnouncement(), () => this.instance)
      : undefined;
    const tables = this.routingTables(addresses, edges, uplinks, interRouter);
    const forwarder = new Forwarder(this.ctx, tables);
    const listeners = new Listeners(this.ctx, (socket, l) => this.accept(socket, l));
    const connectors = new Connectors(this.ctx, this.policy, (st) => this.dial(st), (rec) => closeConnection(rec));
    const bridges = new TcpBridges({
      ctx: this.ctx,
      addressOf: (name) => (this.mode === 'edge' ? `amqp:/_edge/${this.id}/${name}` : `amqp:/_topo/0/${this.id}/${name}`),
      addLocal: (name, consumer) => addresses.addLocal(name, { consumer, inProcess: true }),
      addMobile: (address, consumer) => addresses.addMobile(address, { consumer, inProcess: true }),
      originate: (m, done) => this.originate(m, done),
    });
    const inst: Instance = {
      number: this.nextInstance(), startedAt: this.clock.now(), addresses, forwarder, listeners, connectors, bridges,
      edges, uplinks, interRouter, runtime: undefined as unknown as RuntimeRows, agent: undefined, booting: true,
    };
    inst.runtime = new RuntimeRows({
      ctx: this.ctx,
      startedAt: () => inst.startedAt,
      instance: () => inst.number,
      addresses, edges, interRouter, connectors, bridges,
      distributionOf: (a) => this.distributionOf(a),
      mobileKey: (a) => mobileKey(this.flavor, a),
    });
    this.inst = inst;

    addresses.addLocal('$management', { consumer: this.management, inProcess: true });
    addresses.onMobileChange = () => {
      uplinks?.reportAddresses();
      interRouter?.changed();
    };
    if (edges && interRouter) edges.onChange = () => interRouter.changed();

    inst.agent = this.factory.create({
      identity: { id: this.id, mode: this.mode, flavor: this.flavor, version: this.version },
      runtime: inst.runtime,
      hooks: this.hooks(inst),
      config: this.config,
    });
    inst.booting = false;
    interRouter?.announce();

    // the boot configuration: listeners first (so their ports are known when start() resolves), then the rest
    const listed = (type: string): Attributes[] => {
      try {
        return inst.agent?.list(type) ?? [];
      } catch {
        return []; // a type this version does not have
      }
    };
    await Promise.all(listed('listener').map((a) => listeners.open(a, this.bootPorts.get(String(a.name)))));
    for (const [name, port] of listeners.ports()) if (!this.bootPorts.has(name)) this.bootPorts.set(name, port);
    for (const a of listed('connector')) connectors.add(a);
    await Promise.all(listed('tcpListener').map((a) => bridges.addListener(a)));
    for (const a of listed('tcpConnector')) bridges.addConnector(a);
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

  /** Resolves once every connection is gone, or after ms (the caller then aborts what is left). */
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

  // ---------------------------------------------------------------- config side effects

  private hooks(inst: Instance): AgentHooks {
    const guard = (what: string, f: () => void): void => {
      try {
        f();
      } catch (err) {
        this.logger.error({ err, what }, 'config side effect failed');
      }
    };
    return {
      created: (type, entity) => guard('created', () => {
        if (inst.booting || this.inst !== inst) return;
        const t = shortType(type);
        if (t === 'listener') void inst.listeners.open(entity);
        else if (t === 'connector') inst.connectors.add(entity);
        else if (t === 'tcpListener') void inst.bridges.addListener(entity);
        else if (t === 'tcpConnector') inst.bridges.addConnector(entity);
      }),
      deleted: (type, entity) => guard('deleted', () => {
        if (this.inst !== inst) return;
        const t = shortType(type);
        const name = String(entity.name ?? '');
        if (t === 'listener') void inst.listeners.close(name, (rec) => closeConnection(rec));
        else if (t === 'connector') inst.connectors.remove(name);
        else if (t === 'tcpListener') void inst.bridges.removeListener(name);
        else if (t === 'tcpConnector') inst.bridges.removeConnector(name);
      }),
      updated: (type, entity) => {
        this.logger.debug({ type, name: entity.name }, 'entity updated');
      },
      closeConnection: (identity) => {
        const rec = this.registry.byIdentity(identity);
        if (!rec) return false;
        closeConnection(rec);
        return true;
      },
    };
  }

  private distributionOf(address: string): string {
    let best = '';
    let dist = 'balanced';
    let entries: Attributes[] = [];
    try {
      entries = this.inst?.agent?.list('router.config.address') ?? [];
    } catch {
      entries = [];
    }
    for (const e of entries) {
      const prefix = typeof e.prefix === 'string' ? e.prefix : undefined;
      if (prefix && address.startsWith(prefix) && prefix.length > best.length && typeof e.distribution === 'string') {
        best = prefix;
        dist = e.distribution;
      }
    }
    return dist;
  }

  // ---------------------------------------------------------------- connections

  private accept(socket: SimSocket, l: ListenerState): ConnRecord {
    const rec = acceptConnection(this.ctx, socket, l.role, l.name);
    rec.cost = l.cost;
    this.watchSocket(rec, socket);
    return rec;
  }

  private dial(st: ConnectorState): ConnRecord {
    const rec = dialConnection(this.ctx, st.host, st.port ?? 0, st.role, st.name);
    rec.cost = st.cost;
    const socket = socketOf(rec.conn);
    if (socket) {
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
    for (const l of [...rec.links]) this.runCleanup(l);
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

  private runCleanup(l: LinkRecord): void {
    const f = l.cleanup;
    l.cleanup = undefined;
    if (!f) return;
    try {
      f();
    } catch (err) {
      this.logger.warn({ err, link: l.name }, 'link cleanup failed');
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

  // ---------------------------------------------------------------- links

  private linkOpener(): RouterLinkOpener {
    const open = (rec: ConnRecord, spec: LinkSpec, sender: boolean): Sender | Receiver => {
      const name = `qdlink.${tempSuffix()}`;
      const link = sender
        ? rec.conn.open_sender({ name, ...spec.options })
        : rec.conn.open_receiver({ name, autoaccept: false, credit_window: CREDIT_WINDOW, ...spec.options });
      this.registry.addLink({
        identity: this.registry.nextId(), name, link, conn: rec, role: spec.role, linkType: spec.linkType,
        dir: sender ? 'out' : 'in', owningAddr: spec.owningAddr, counters: zeroLinkCounters(),
      });
      return link;
    };
    return {
      openSender: (rec, spec) => open(rec, spec, true) as Sender,
      openReceiver: (rec, spec) => open(rec, spec, false) as Receiver,
    };
  }

  /** The peer attached a receiver, so we send on this link: a client's reply/subscription, or an edge's downlink. */
  private onSenderOpen(ctx: EventContext): void {
    const sender = ctx.sender!;
    const inst = this.inst;
    const rec = this.registry.conns.get(ctx.connection);
    if (this.registry.links.has(sender)) return; // the peer answered one of our own attaches
    if (!rec || !inst) {
      sender.close({ condition: 'amqp:resource-deleted', description: 'router restarted' });
      return;
    }
    const source = sender.source as { address?: string; dynamic?: boolean; capabilities?: unknown } | undefined;
    const target = sender.target as { address?: string } | undefined;
    const base = {
      identity: this.registry.nextId(), name: sender.name, link: sender, conn: rec, dir: 'out' as const,
      counters: zeroLinkCounters(),
    };
    if (target) sender.set_target({ address: target.address } as never);
    const capabilities = Array.isArray(source?.capabilities) ? source.capabilities.map(String) : [];

    if (source?.dynamic) {
      const suffix = tempSuffix();
      const name = `temp.${suffix}`;
      sender.set_source({ address: tempAddress(this.mode, this.id, suffix), dynamic: true });
      const unsubscribe = inst.addresses.addLocal(name, { consumer: this.linkConsumer(rec, sender), inProcess: false });
      this.registry.addLink({ ...base, role: 'client-out', linkType: 'endpoint', owningAddr: `L${name}`, cleanup: unsubscribe });
      return;
    }
    if (capabilities.includes(DOWNLINK_CAPABILITY) && rec.role === 'edge' && this.mode === 'interior' && inst.edges) {
      const edges = inst.edges;
      sender.set_source({ address: source?.address, capabilities: [DOWNLINK_CAPABILITY] } as never);
      rec.downlink = sender;
      const hop: Hop = { conn: rec, sender };
      this.registry.addLink({
        ...base, role: 'downlink-out', linkType: 'edge-downlink', owningAddr: edgeKey(rec.container ?? ''),
        cleanup: () => edges.detach(rec),
      });
      // bound before the attach is answered: when the edge sees its downlink open, H<edge> is routable here
      edges.attach(rec, hop);
      return;
    }
    if (source?.address) {
      sender.set_source({ address: source.address });
      const consumer = this.linkConsumer(rec, sender);
      const p = parseAddress(source.address);
      let owningAddr: string | null = null;
      let cleanup: (() => void) | undefined;
      if (p.kind === 'mobile') {
        owningAddr = mobileKey(this.flavor, p.address);
        cleanup = inst.addresses.addMobile(p.address, { consumer, inProcess: false });
      } else if (p.kind === 'local' || (p.kind === 'topo' && p.router === this.id) || (p.kind === 'edge' && p.edge === this.id)) {
        const localName = p.kind === 'local' ? p.name : p.kind === 'topo' ? p.name : (p as { name: string }).name;
        owningAddr = `L${localName}`;
        cleanup = inst.addresses.addLocal(localName, { consumer, inProcess: false });
      }
      this.registry.addLink({ ...base, role: 'client-out', linkType: 'endpoint', owningAddr, cleanup });
      return;
    }
    this.registry.addLink({ ...base, role: 'client-out', linkType: 'endpoint', owningAddr: null });
  }

  /** The peer attached a sender, so we receive on this link. */
  private onReceiverOpen(ctx: EventContext): void {
    const receiver = ctx.receiver!;
    const inst = this.inst;
    const rec = this.registry.conns.get(ctx.connection);
    const own = this.registry.links.get(receiver);
    if (own) {
      // the peer answered one of our attaches; for an edge, the interior answering the downlink means H<us> is bound
      if (own.linkType === 'endpoint' && own.role === 'router-in' && this.mode === 'edge') inst?.uplinks?.downlinkOpened(own.conn);
      return;
    }
    if (!rec || !inst) {
      receiver.close({ condition: 'amqp:resource-deleted', description: 'router restarted' });
      return;
    }
    const target = receiver.target as { address?: string } | undefined;
    const address = typeof target?.address === 'string' && target.address.length > 0 ? target.address : undefined;
    if (target) receiver.set_target({ address } as never);
    const base = {
      identity: this.registry.nextId(), name: receiver.name, link: receiver, conn: rec, dir: 'in' as const,
      counters: zeroLinkCounters(),
    };
    const routerConn = rec.role === 'edge' || rec.role === 'inter-router';
    if (routerConn && (address === ROUTER_CONTROL_ADDRESS || address === EDGE_CONTROL_ADDRESS)) {
      this.registry.addLink({
        ...base, role: 'control-in', linkType: rec.role === 'inter-router' ? 'router-control' : 'endpoint',
        owningAddr: rec.role === 'edge' ? mobileKey(this.flavor, EDGE_CONTROL_ADDRESS) : null,
      });
      return;
    }
    if (routerConn) {
      this.registry.addLink({ ...base, role: 'router-in', linkType: rec.role === 'inter-router' ? 'inter-router' : 'endpoint', owningAddr: null });
      return;
    }
    const owningAddr = address ? this.keyOf(address) : null;
    this.registry.addLink({ ...base, role: 'client-in', linkType: 'endpoint', owningAddr, target: address });
  }

  private onLinkClose(link: Sender | Receiver): void {
    const l = this.registry.links.get(link);
    if (!l) return;
    this.runCleanup(l);
    this.registry.removeLink(link);
    if (l.conn.dataSender === link) l.conn.dataSender = undefined;
    if (l.conn.controlSender === link) l.conn.controlSender = undefined;
    if (l.conn.downlink === link) l.conn.downlink = undefined;
  }

  /** the router.address key a client-side terminus address maps to (owningAddr) */
  private keyOf(address: string): string {
    const p = parseAddress(address);
    switch (p.kind) {
      case 'local': return p.name === '$management' ? mobileKey(this.flavor, '$management') : `L${p.name}`;
      case 'topo': return p.router === this.id ? `L${p.name}` : `R${p.router}`;
      case 'edge': return p.edge === this.id ? `L${p.name}` : edgeKey(p.edge);
      case 'mobile': return mobileKey(this.flavor, p.address);
    }
  }

  /** A client link that receives: deliveries go out stripped of router annotations; its outcome comes back. */
  private linkConsumer(rec: ConnRecord, sender: Sender): LocalConsumer {
    return {
      label: `link/${sender.name}`,
      deliver: (msg, done) => {
        const inst = this.inst;
        if (!inst) { done(RELEASED); return; }
        let payload: Buffer;
        try {
          payload = withRouterAnnotations(msg.raw, undefined);
        } catch {
          done({ kind: 'rejected', condition: 'amqp:decode-error', description: 'malformed message' });
          return;
        }
        inst.forwarder.send({ conn: rec, sender }, payload, done);
      },
    };
  }

  // ---------------------------------------------------------------- messages

  private onMessage(ctx: EventContext): void {
    const delivery = ctx.delivery!;
    const receiver = ctx.receiver!;
    const message = ctx.message!;
    const inst = this.inst;
    const rec = this.registry.conns.get(ctx.connection);
    const link = this.registry.links.get(receiver);
    if (!inst || !rec || !link) {
      this.logger.debug({ known: { inst: !!inst, conn: !!rec, link: !!link } }, 'message on an unknown link: released');
      settle(delivery, RELEASED);
      return;
    }
    link.counters.delivered++;
    rec.lastDeliveryAt = this.clock.now();
    if (delivery.remote_settled) {
      link.counters.presettled++;
      this.registry.counters.presettledDeliveries++;
    }

    if (link.role === 'control-in') {
      settle(delivery, { kind: 'accepted' });
      this.onControl(rec, message.body);
      return;
    }

    let address: string | undefined;
    let trace: string[] = [];
    let ingress: string | undefined;
    if (link.role === 'client-in') {
      // a targeted link routes by its target; an anonymous one by each message's `to`. Annotations from clients
      // are not trusted (stripAnnotations: in).
      address = link.target ?? (typeof message.to === 'string' ? message.to : undefined);
      this.registry.counters.deliveriesIngress++;
    } else if (link.role === 'router-in') {
      const ann = readRouterAnnotations(message as { message_annotations?: Record<string, unknown> });
      address = ann.to ?? (typeof message.to === 'string' ? message.to : undefined);
      trace = ann.trace ?? [];
      ingress = ann.ingress;
    } else {
      settle(delivery, { kind: 'rejected', condition: 'amqp:not-allowed', description: 'not a receiving link' });
      return;
    }
    if (!address) {
      this.logger.debug({ link: link.name }, 'message without an address: released');
      this.finish(link, delivery, RELEASED);
      return;
    }
    let raw = currentRaw(ctx.connection);
    if (!raw) {
      // should not happen (captureRawTransfers is installed on every connection); re-encoding loses AMQP types
      this.logger.warn('raw message bytes unavailable; re-encoding');
      raw = messageCodec.encode(message);
    }
    const routed: RoutedMessage = { raw, message, address, trace, ingress, from: rec };
    inst.forwarder.forward(routed, (outcome) => this.finish(link, delivery, outcome));
  }

  private finish(link: LinkRecord, delivery: Delivery, outcome: Outcome): void {
    countOutcome(link, outcome);
    const c = this.registry.counters;
    if (outcome.kind === 'accepted') c.acceptedDeliveries++;
    else if (outcome.kind === 'released') c.releasedDeliveries++;
    else if (outcome.kind === 'rejected') c.rejectedDeliveries++;
    else c.modifiedDeliveries++;
    settle(delivery, outcome);
  }

  private onControl(rec: ConnRecord, body: unknown): void {
    const inst = this.inst;
    if (!inst) return;
    if (rec.role === 'inter-router') {
      inst.interRouter?.onControl(rec, body);
      return;
    }
    const b = body as { op?: unknown; addresses?: unknown } | null;
    if (rec.role === 'edge' && inst.edges && b && b.op === 'edge-addresses' && Array.isArray(b.addresses)) {
      inst.edges.report(rec, b.addresses.filter((a): a is string => typeof a === 'string').map(stripScheme));
      return;
    }
    this.logger.debug({ conn: rec.identity }, 'ignored control message');
  }

  /** Routes a message this router originates (management replies, TCP flow messages). */
  private originate(message: rhea.Message, done: OutcomeCallback): void {
    const inst = this.inst;
    const to = typeof message.to === 'string' ? message.to : undefined;
    if (!inst || !to) {
      done(RELEASED);
      return;
    }
    const raw = messageCodec.encode(message);
    inst.forwarder.forward({ raw, message, address: to, trace: [], ingress: undefined, from: undefined }, done);
  }

  // ---------------------------------------------------------------- routing tables

  private localAnnouncement(): { edges: string[]; mobile: string[] } {
    const inst = this.inst;
    if (!inst) return { edges: [], mobile: [] };
    const mobile = new Set(inst.addresses.mobileAddresses().map(([a]) => a));
    for (const a of inst.edges?.addresses().keys() ?? []) mobile.add(a);
    return { edges: inst.edges?.ids() ?? [], mobile: [...mobile] };
  }

  private routingTables(addresses: AddressTable, edges: EdgeAttachments | undefined, uplinks: Uplinks | undefined, interRouter: InterRouter | undefined): RoutingTables {
    const flavor = this.flavor;
    return {
      localConsumer: (name) => addresses.local(name),
      mobileConsumer: (address) => addresses.mobile(address),
      uplink: () => uplinks?.hop(),
      edgeDownlink: (edgeId) => edges?.hop(edgeId),
      edgeWithAddress: (address, exclude) => edges?.withAddress(address, exclude),
      neighbourHop: (routerId) => interRouter?.neighbourHop(routerId),
      get linkState() {
        return interRouter ? interRouter.db : EMPTY_DB;
      },
      mobileKey: (a) => mobileKey(flavor, a),
    };
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
    c.on('sender_open', safe('sender_open', (ctx) => this.onSenderOpen(ctx)));
    c.on('receiver_open', safe('receiver_open', (ctx) => this.onReceiverOpen(ctx)));
    c.on('sender_close', safe('sender_close', (ctx) => this.onLinkClose(ctx.sender!)));
    c.on('receiver_close', safe('receiver_close', (ctx) => this.onLinkClose(ctx.receiver!)));
    c.on('message', safe('message', (ctx) => this.onMessage(ctx)));
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

/** the link state of a router without one (edges): no routes */
const EMPTY_DB = new LinkStateDb('');

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
