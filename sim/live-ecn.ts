/**
 * A simulated ECN that follows a changing model (sim/ecn.ts starts a fixed one): `update(model)` starts the control
 * plane's interior router once a ControlPlane is there, starts the router of every new Agent from its bootstrap
 * config, stops the routers of Agents that are gone (and restarts one whose mode or host changed), and does the same
 * for the microservices. Routers and microservices live on an in-process network of named hosts
 * (sim/host-network.ts), so the hosts and ports of the model need not exist on this machine; only the interior's
 * normal listener, where the manager connects, is real TCP on `management` (127.0.0.1, a port chosen beforehand).
 * Updates run one at a time, in order; a router that cannot start is reported and skipped, never thrown.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../src/log.js';
import { silentLogger } from '../src/log.js';
import type { Agent, EcnModel, Microservice } from '../src/model/ecn.js';
import type { Flavor } from '../src/router/protocol.js';
import { bootstrapEntities } from '../src/plan/bootstrap.js';
import { errorMessage } from '../src/errors.js';
import { SimRouter } from './router/router.js';
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

export interface LiveSimEcnEvents {
  /** a router started (`interior` true for the control plane's) */
  'router-started': [id: string, interior: boolean];
  'router-stopped': [id: string];
  'microservice-started': [key: string];
  'microservice-stopped': [key: string];
  /** something could not start; the rest goes on */
  'problem': [message: string];
}

interface Running<T> { sim: T; fingerprint: string; agent: string }

const agentFingerprint = (a: Agent): string => `${a.routerMode}|${a.host.toLowerCase()}`;


export class LiveSimEcn extends EventEmitter<LiveSimEcnEvents> {
  readonly network = new HostNetwork();
  interior: SimRouter | undefined;
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
  update(model: EcnModel, opts: { keep?: ReadonlySet<string> } = {}): Promise<void> {
    const next = this.queue.then(() => this.apply(model, opts.keep ?? new Set()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.queue;
    await Promise.allSettled([...this.microservices.values()].map((m) => m.stop()));
    await Promise.allSettled([...this.routers.values()].map((r) => r.stop()));
    await this.interior?.stop();
    this.microservices.clear();
    this.routers.clear();
  }

  private problem(message: string): void {
    this.log.warn({ problem: message }, 'simulated ECN');
    this.emit('problem', message);
  }

  private async apply(model: EcnModel, keep: ReadonlySet<string>): Promise<void> {
    if (this.stopped) return;
    const cp = model.controlPlane;
    if (!this.interior) {
      if (!cp) return; // nothing runs before there is a control plane to connect to
      await this.startInterior(model);
      if (!this.interior) return;
    }
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

  private async startInterior(model: EcnModel): Promise<void> {
    const cp = model.controlPlane!;
    const config = bootstrapEntities(model, cp.routerId);
    const normal = String(config.find((e) => e.type === 'listener' && (e.attributes.role ?? 'normal') === 'normal')?.attributes.name ?? 'amqp');
    const mgmt = this.opts.management;
    // the manager's listener: real TCP on the chosen address, whatever host and port the ControlPlane names
    const management: SimTransport = { kind: 'tcp', listen: (_h, _p, on) => tcpTransport.listen(mgmt.host, mgmt.port, on), connect: tcpTransport.connect };
    const onHost = this.network.viewFrom(cp.router.address);
    const r = new SimRouter({
      flavor: this.flavor, id: cp.routerId, mode: 'interior', host: cp.router.address, config,
      logger: this.log.child({ router: cp.routerId }),
      transport: onHost,
      listenerTransport: (name) => (name === normal ? management : onHost),
    });
    try {
      await r.start();
    } catch (err) {
      await r.stop().catch(() => undefined);
      this.problem(`the interior router '${cp.routerId}' cannot start: ${errorMessage(err)}`);
      return;
    }
    this.interior = r;
    this.emit('router-started', cp.routerId, true);
  }

  private async startRouter(model: EcnModel, agent: Agent): Promise<void> {
    const r = new SimRouter({
      flavor: this.flavor, id: agent.name, mode: agent.routerMode, host: agent.host,
      config: bootstrapEntities(model, agent.name),
      logger: this.log.child({ router: agent.name }),
      transport: this.network.viewFrom(agent.host),
    });
    try {
      await r.start();
    } catch (err) {
      await r.stop().catch(() => undefined);
      this.problem(`the router of agent '${agent.name}' cannot start: ${errorMessage(err)}`);
      return;
    }
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
    this.emit('router-stopped', name);
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

