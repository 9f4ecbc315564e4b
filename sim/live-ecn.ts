/**
 * A simulated ECN that follows a changing model (sim/ecn.ts starts a fixed one): `update(model)` starts the control
 * plane's interior router once a ControlPlane is there, starts the router of every new Agent from its bootstrap
 * config, stops the routers of Agents that are gone (and restarts one whose mode or host changed), and does the same
 * for the microservices. Routers and microservices live on an in-process network of named hosts
 * (sim/host-network.ts), so the hosts and ports of the model need not exist on this machine; only the interior's
 * normal listener, where the manager connects, is real TCP on `management` (127.0.0.1, a port chosen beforehand).
 * Updates run one at a time, in order; a router that cannot start is reported and skipped, never thrown.
 *
 * Replicas (`update(model, { replicas: N })`, a ControlPlane's spec.replicas.router): N interior routers for the
 * control plane, as a Deployment of N pods would run, meshed by inter-router connectors (each new replica dials the
 * ones before it, as skupper-router's auto-mesh does). The first replica is the one described above (its normal
 * listener on `management`, its other listeners on the control plane's host); every other one has its own host (its
 * pod name) and its normal listener on real TCP at 127.0.0.1 (a free port). Each replica's id is the one its config
 * gets by envsubst in a cluster: `<routerId>-<pod>` when it starts while more than one replica is wanted, else the
 * control plane's router id. Dials of the control plane's address (the Service) from agents' routers go to one
 * replica each, spread by agent name over the replicas running then. Scaling down stops the newest replicas first,
 * never the first one (the manager's connection stands for the Service's). `replicas()` and the `replicas` event say
 * which run where.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../src/log.js';
import { silentLogger } from '../src/log.js';
import type { Agent, EcnModel, Microservice } from '../src/model/ecn.js';
import type { Flavor } from '../src/router/protocol.js';
import { bootstrapEntities, type BootEntity } from '../src/plan/bootstrap.js';
import { errorMessage } from '../src/errors.js';
import { SimRouter, type SimRouterOptions } from './router/router.js';
import { tcpTransport, type SimTransport } from './router/transport.js';
import { SimMicroservice } from './agent/microservice.js';
import { HostNetwork } from './host-network.js';
import { microserviceWiring, startOrder } from './ecn.js';

export interface LiveSimEcnOptions {
  /** where the interior's normal listener binds on TCP (the manager's URL) */
  management: { host: string; port: number };
  flavor?: Flavor;
  logger?: Logger;
  /** start the microservices too (default true) */
  microservices?: boolean;
}

/** A running replica of the control plane's interior router. */
export interface SimReplica {
  /** its pod name */
  key: string;
  routerId: string;
  /** its host on the in-process network */
  host: string;
  /** the real TCP port of its normal listener on 127.0.0.1 */
  port: number;
}

export interface LiveSimEcnEvents {
  /** the interior's replicas changed (started or stopped) */
  'replicas': [replicas: SimReplica[]];
  /** a router started (`interior` true for the control plane's) */
  'router-started': [id: string, interior: boolean];
  'router-stopped': [id: string, interior: boolean];
  'microservice-started': [key: string];
  'microservice-stopped': [key: string];
  /** something could not start; the rest goes on */
  'problem': [message: string];
}

interface Running<T> { sim: T; fingerprint: string; agent: string }

const agentFingerprint = (a: Agent): string => `${a.routerMode}|${a.host.toLowerCase()}`;


interface RunningReplica extends SimReplica { router: SimRouter }

/** A stable spread of agents over replicas. */
const spread = (name: string, n: number): number => {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h + name.charCodeAt(i)) | 0;
  return Math.abs(h) % n;
};

export class LiveSimEcn extends EventEmitter<LiveSimEcnEvents> {
  readonly network = new HostNetwork();
  /** the first replica of the control plane's interior */
  interior: SimRouter | undefined;
  private readonly replicaList: RunningReplica[] = [];
  private replicaSerial = 0;
  readonly routers = new Map<string, SimRouter>();
  readonly microservices = new Map<string, SimMicroservice>();
  private readonly running = new Map<string, string>();
  private readonly msRunning = new Map<string, Running<SimMicroservice>>();
  private readonly log: Logger;
  private readonly flavor: Flavor;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: LiveSimEcnOptions) {
    super();
    this.log = (opts.logger ?? silentLogger).child({ component: 'live-sim' });
    this.flavor = opts.flavor ?? 'skupper';
  }

  /** amqp://host:port of the interior's normal listener (known before the interior starts) */
  get url(): string {
    const h = this.opts.management.host;
    return `amqp://${h.includes(':') ? `[${h}]` : h}:${this.opts.management.port}`;
  }

  /**
   * Follows the model (queued behind earlier updates); resolves when this one is applied. `keep`: agents whose
   * routers stay up although the model no longer has them (e.g. a deleted Agent CR until its finalizer is done: the
   * manager removes its configuration from the running router first).
   */
  update(model: EcnModel, opts: { keep?: ReadonlySet<string>; replicas?: number } = {}): Promise<void> {
    const next = this.queue.then(() => this.apply(model, opts.keep ?? new Set(), Math.max(1, opts.replicas ?? 1)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    await Promise.allSettled([...this.microservices.values()].map((m) => m.stop()));
    await Promise.allSettled([...this.routers.values()].map((r) => r.stop()));
    const replicas = this.replicaList.splice(0);
    await Promise.allSettled(replicas.map((r) => r.router.stop()));
    this.microservices.clear();
    this.routers.clear();
  }

  private problem(message: string): void {
    this.log.warn({ problem: message }, 'simulated ECN');
    this.emit('problem', message);
  }

  /** The simulated router of a running replica (for faults). */
  replicaRouter(key: string): SimRouter | undefined {
    return this.replicaList.find((r) => r.key === key)?.router;
  }

  /** The interior's replicas running now, oldest first. */
  replicas(): SimReplica[] {
    return this.replicaList.map(({ router: _r, ...rest }) => rest);
  }

  private async apply(model: EcnModel, keep: ReadonlySet<string>, replicas: number): Promise<void> {
    if (this.stopped) return;
    const cp = model.controlPlane;
    if (!this.interior) {
      if (!cp) return; // nothing runs before there is a control plane to connect to
      await this.startInterior(model, replicas);
      if (!this.interior) return;
    }
    if (cp) await this.scaleReplicas(model, replicas);
    // gone, or changed beyond what the manager can reconfigure: stop (microservices first, they sit on the routers)
    for (const [key, ms] of [...this.msRunning]) {
      const want = model.microservices.get(key);
      if (!want || this.msFingerprint(model, want) !== ms.fingerprint || !this.routerWillRun(model, want.agent)) await this.stopMicroservice(key);
    }
    for (const [name, fp] of [...this.running]) {
      const want = model.agents.get(name);
      if (want ? agentFingerprint(want) !== fp : !keep.has(name)) await this.stopRouter(name);
    }
    for (const name of startOrder(model)) {
      if (!this.routers.has(name)) await this.startRouter(model, model.agents.get(name)!);
    }
    if (this.opts.microservices === false) return;
    for (const [key, ms] of model.microservices) {
      if (!this.msRunning.has(key) && this.routers.has(ms.agent)) await this.startMicroservice(model, key, ms);
    }
  }

  private routerWillRun(model: EcnModel, agent: string): boolean {
    const a = model.agents.get(agent);
    return a !== undefined && this.running.get(agent) === agentFingerprint(a);
  }

  private msFingerprint(model: EcnModel, ms: Microservice): string {
    const { inbound, outbound } = microserviceWiring(model, ms);
    const agent = model.agents.get(ms.agent);
    return JSON.stringify([ms.agent, agent?.host, agent?.messagingPort, ms.ports, inbound, [...outbound]]);
  }

  private async startInterior(model: EcnModel, replicas: number): Promise<void> {
    const cp = model.controlPlane!;
    const key = `${cp.name}-router-${this.replicaSerial}`;
    const id = replicas > 1 ? `${cp.routerId}-${key}` : cp.routerId;
    const config = withRouterId(bootstrapEntities(model, cp.routerId), id);
    const normal = normalListenerName(config);
    const mgmt = this.opts.management;
    // the manager's listener: real TCP on the chosen address, whatever host and port the ControlPlane names
    const management: SimTransport = { kind: 'tcp', listen: (_h, _p, on) => tcpTransport.listen(mgmt.host, mgmt.port, on), connect: tcpTransport.connect };
    const onHost = this.network.viewFrom(cp.router.address);
    const r = await this.launch({
      flavor: this.flavor, id, mode: 'interior', host: cp.router.address, config,
      logger: this.log.child({ router: id }),
      transport: onHost,
      listenerTransport: (name) => (name === normal ? management : onHost),
    }, `the interior router '${id}'`);
    if (!r) return;
    this.replicaSerial++;
    this.interior = r;
    this.replicaList.push({ key, routerId: id, host: cp.router.address, port: mgmt.port, router: r });
    this.emit('router-started', id, true);
    this.emit('replicas', this.replicas());
  }

  /** Starts or stops replicas of the interior until `want` run (the first one always stays). */
  private async scaleReplicas(model: EcnModel, want: number): Promise<void> {
    const cp = model.controlPlane!;
    while (this.replicaList.length > want && this.replicaList.length > 1) {
      const gone = this.replicaList.pop()!;
      this.emit('replicas', this.replicas());
      await gone.router.stop().catch((err: unknown) => this.problem(`stopping interior replica '${gone.key}': ${errorMessage(err)}`));
      this.emit('router-stopped', gone.routerId, true);
    }
    while (this.replicaList.length < want && !this.stopped) {
      const key = `${cp.name}-router-${this.replicaSerial++}`;
      const id = `${cp.routerId}-${key}`;
      const config = withRouterId(bootstrapEntities(model, cp.routerId), id);
      const normal = normalListenerName(config);
      // the auto-mesh: a connector to each replica running (names without the manager's prefix: it never touches them)
      // (dialled by pod name: the first replica's host may be a loopback name, which means "this host" to a router)
      for (const peer of this.replicaList) {
        config.push({ type: 'connector', attributes: { name: `auto-mesh-${peer.key}`, host: peer.key, port: String(cp.router.interiorPort), role: 'inter-router' } });
      }
      const onHost = this.replicaTransport(key);
      // a free port the first time, the same one after a restart (a pod keeps its address when its container restarts)
      let bound: number | undefined;
      const loopback: SimTransport = {
        kind: 'tcp',
        listen: async (_h, _p, on) => { const srv = await tcpTransport.listen('127.0.0.1', bound ?? 0, on); bound ??= srv.port; return srv; },
        connect: tcpTransport.connect,
      };
      const r = await this.launch({
        flavor: this.flavor, id, mode: 'interior', host: key, config,
        logger: this.log.child({ router: id }),
        transport: onHost,
        listenerTransport: (name) => (name === normal ? loopback : onHost),
      }, `the interior router replica '${key}'`);
      if (!r) return;
      this.replicaList.push({ key, routerId: id, host: key, port: r.listenerPort(normal) ?? 0, router: r });
      this.emit('router-started', id, true);
      this.emit('replicas', this.replicas());
    }
  }

  /** A replica's view of the network: its own host, and its peers by pod name wherever they run. */
  private replicaTransport(key: string): SimTransport {
    const base = this.network.viewFrom(key);
    return {
      kind: base.kind,
      listen: base.listen,
      connect: (h, port) => {
        const peer = this.replicaList.find((r) => r.key === h && r.key !== key);
        return peer ? this.network.viewFrom(peer.host).connect(peer.host, port) : base.connect(h, port);
      },
    };
  }

  /**
   * An agent router's view of the network: dials of the control plane's address (its Service) reach one replica,
   * chosen by the agent's name among the replicas running at the time of the dial.
   */
  private agentTransport(model: EcnModel, agent: Agent): SimTransport {
    const base = this.network.viewFrom(agent.host);
    const cp = model.controlPlane;
    const service = cp?.router.address.toLowerCase();
    const ports = new Set([cp?.router.edgePort, cp?.router.interiorPort]);
    return {
      kind: base.kind,
      listen: base.listen,
      connect: (h, port) => {
        const list = this.replicaList;
        if (service === undefined || h.toLowerCase() !== service || !ports.has(port) || list.length < 2) return base.connect(h, port);
        return base.connect(list[spread(agent.name, list.length)]!.host, port);
      },
    };
  }

  /** Starts a router; one that cannot start is reported as a problem (what: who it is) and left stopped. */
  private async launch(opts: SimRouterOptions, what: string): Promise<SimRouter | undefined> {
    const r = new SimRouter(opts);
    try {
      await r.start();
      return r;
    } catch (err) {
      await r.stop().catch(() => undefined);
      this.problem(`${what} cannot start: ${errorMessage(err)}`);
      return undefined;
    }
  }

  private async startRouter(model: EcnModel, agent: Agent): Promise<void> {
    const r = await this.launch({
      flavor: this.flavor, id: agent.name, mode: agent.routerMode, host: agent.host,
      config: bootstrapEntities(model, agent.name),
      logger: this.log.child({ router: agent.name }),
      transport: this.agentTransport(model, agent),
    }, `the router of agent '${agent.name}'`);
    if (!r) return;
    this.routers.set(agent.name, r);
    this.running.set(agent.name, agentFingerprint(agent));
    this.emit('router-started', agent.name, false);
  }

  private async stopRouter(name: string): Promise<void> {
    const r = this.routers.get(name);
    this.routers.delete(name);
    this.running.delete(name);
    for (const [key, ms] of [...this.msRunning]) if (ms.agent === name) await this.stopMicroservice(key);
    await r?.stop().catch((err: unknown) => this.problem(`stopping the router of agent '${name}': ${errorMessage(err)}`));
    this.emit('router-stopped', name, false);
  }

  private async startMicroservice(model: EcnModel, key: string, ms: Microservice): Promise<void> {
    const agent = model.agents.get(ms.agent)!;
    const { inbound, outbound } = microserviceWiring(model, ms);
    const sim = new SimMicroservice({
      microservice: ms, inbound, outbound, router: { host: agent.host, port: agent.messagingPort }, host: agent.host,
      transport: this.network.viewFrom(agent.host), logger: this.log,
    });
    try {
      await sim.start();
    } catch (err) {
      await sim.stop().catch(() => undefined);
      this.problem(`microservice ${key} cannot start: ${errorMessage(err)}`);
      return;
    }
    this.microservices.set(key, sim);
    this.msRunning.set(key, { sim, fingerprint: this.msFingerprint(model, ms), agent: ms.agent });
    this.emit('microservice-started', key);
  }

  private async stopMicroservice(key: string): Promise<void> {
    const ms = this.msRunning.get(key);
    this.msRunning.delete(key);
    this.microservices.delete(key);
    await ms?.sim.stop().catch(() => undefined);
    this.emit('microservice-stopped', key);
  }
}


/** The boot config with the router entity's id replaced (what envsubst of `<id>-${HOSTNAME}` gives a replica). */
function withRouterId(config: BootEntity[], id: string): BootEntity[] {
  return config.map((e) => (e.type === 'router' ? { ...e, attributes: { ...e.attributes, id } } : e));
}

/** The name of a router config's normal listener (where a manager or a client connects). */
function normalListenerName(config: BootEntity[]): string {
  return String(config.find((e) => e.type === 'listener' && (e.attributes.role ?? 'normal') === 'normal')?.attributes.name ?? 'amqp');
}
