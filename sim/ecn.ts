/**
 * A whole simulated ECN in one process: the control plane's interior router and every Agent's router, each started
 * from exactly the bootstrap configuration the manager prints for it (`ecn bootstrap`), and the microservices, which
 * attach to their route addresses and serve their ports. The manager then configures the routers over AMQP
 * management like any others.
 */
import type { Clock } from '../src/clock.js';
import type { Logger } from '../src/log.js';
import { silentLogger } from '../src/log.js';
import type { EcnModel, Microservice } from '../src/model/ecn.js';
import type { Flavor } from '../src/router/protocol.js';
import { bootstrapEntities } from '../src/plan/bootstrap.js';
import { routeAddress } from '../src/plan/addresses.js';
import { SimRouter } from './router/router.js';
import type { SimTransport } from './router/transport.js';
import { SimMicroservice } from './agent/microservice.js';

export interface SimEcnOptions {
  flavor?: Flavor;
  transport?: SimTransport;
  logger?: Logger;
  /** start the microservices too (default true) */
  microservices?: boolean;
  /**
   * the transport of the interior's normal listener (where the manager connects) when it differs from `transport`:
   * e.g. real TCP for a manager in another process while thousands of agents share an in-process network
   */
  managementTransport?: SimTransport;
  /** the routers' clock (connector retry, uptimes); default the system clock */
  clock?: Clock;
  /** how long to wait for every uplink and inter-router link to come up (default 15 s plus 5 ms per agent) */
  readyTimeoutMs?: number;
}

export interface SimEcn {
  interior: SimRouter;
  /** agent routers by agent name */
  routers: Map<string, SimRouter>;
  microservices: Map<string, SimMicroservice>;
  /** amqp://host:port of the interior's normal listener: where the manager connects */
  url: string;
  stop(): Promise<void>;
}

/** Agents ordered so that every agent starts after its upstream interior-mode agents (cycles were refused by the model). */
/** A microservice's route addresses: those it receives on (routes to it) and sends on, by route name (routes from it). */
export function microserviceWiring(model: EcnModel, ms: Microservice): { inbound: string[]; outbound: Map<string, string> } {
  const inbound: string[] = [];
  const outbound = new Map<string, string>();
  for (const route of model.routes.values()) {
    if (route.application !== ms.application) continue;
    if (route.to === ms.name) inbound.push(routeAddress(route.application, route.name));
    if (route.from === ms.name) outbound.set(route.name, routeAddress(route.application, route.name));
  }
  return { inbound, outbound };
}

export function startOrder(model: EcnModel): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const agent = model.agents.get(name);
    if (!agent) return;
    for (const up of agent.upstreamRouters) if (model.agents.has(up)) visit(up);
    order.push(name);
  };
  for (const name of [...model.agents.keys()].sort()) visit(name);
  return order;
}

export async function startSimEcn(model: EcnModel, opts: SimEcnOptions = {}): Promise<SimEcn> {
  const cp = model.controlPlane;
  if (!cp) throw new Error('the model has no ControlPlane: nothing to run the interior router for');
  const logger = opts.logger ?? silentLogger;
  const flavor = opts.flavor ?? 'qdrouterd';
  const common = { flavor, logger, ...(opts.transport ? { transport: opts.transport } : {}), ...(opts.clock ? { clock: opts.clock } : {}) };
  const normalListener = bootstrapNormalListenerName(model, cp.routerId);
  const managementTransport = opts.managementTransport;
  const interior = new SimRouter({
    ...common, id: cp.routerId, mode: 'interior', host: cp.router.address,
    logger: logger.child({ router: cp.routerId }),
    config: bootstrapEntities(model, cp.routerId),
    ...(managementTransport && opts.transport
      ? { listenerTransport: (name: string) => (name === normalListener ? managementTransport : opts.transport!) }
      : {}),
  });
  const routers = new Map<string, SimRouter>();
  const microservices = new Map<string, SimMicroservice>();
  const stop = async (): Promise<void> => {
    await Promise.allSettled([...microservices.values()].map((m) => m.stop()));
    await Promise.allSettled([...routers.values()].map((r) => r.stop()));
    await interior.stop();
  };
  try {
    await interior.start();
    for (const name of startOrder(model)) {
      const agent = model.agents.get(name)!;
      const r = new SimRouter({
        ...common, id: name, mode: agent.routerMode, host: agent.host,
        logger: logger.child({ router: name }),
        config: bootstrapEntities(model, name),
      });
      await r.start();
      routers.set(name, r);
    }
    await networkUp(interior, routers, opts.readyTimeoutMs ?? 15_000 + 5 * model.agents.size);
    if (opts.microservices !== false) {
      for (const ms of model.microservices.values()) {
        const agent = model.agents.get(ms.agent);
        if (!agent) continue;
        const { inbound, outbound } = microserviceWiring(model, ms);
        const sim = new SimMicroservice({
          microservice: ms, inbound, outbound, router: { host: agent.host, port: agent.messagingPort }, host: agent.host,
          ...common,
        });
        await sim.start();
        microservices.set(`${ms.application}/${ms.name}`, sim);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const port = interior.listenerPort(normalListener) ?? cp.router.messagePort;
  const host = cp.router.address.includes(':') ? `[${cp.router.address}]` : cp.router.address;
  return { interior, routers, microservices, url: `amqp://${host}:${port}`, stop };
}

/**
 * Waits until every edge router has an active uplink and every interior-mode agent is in the control plane
 * interior's topology, so the manager's first pass finds every router reachable. Event-driven, with a deadline.
 */
function networkUp(interior: SimRouter, routers: Map<string, SimRouter>, timeoutMs: number): Promise<void> {
  const ready = (): boolean => {
    const nodes = new Set((interior.runtime?.rows('router.node') ?? []).map((r) => String(r.id)));
    for (const r of routers.values()) {
      if (r.mode === 'edge' ? r.activeUplink() === undefined : !nodes.has(r.id)) return false;
    }
    return true;
  };
  if (ready()) return Promise.resolve();
  const emitters = [interior, ...routers.values()];
  const events = ['uplink-up', 'topology-changed', 'edge-attached'];
  return new Promise((resolve, reject) => {
    const check = (): void => { if (ready()) { done(); resolve(); } };
    const timer = setTimeout(() => {
      done();
      const missing = [...routers.values()].filter((r) => (r.mode === 'edge' ? r.activeUplink() === undefined : true)).map((r) => r.id);
      reject(new Error(`the simulated network did not come up within ${timeoutMs} ms (check: ${missing.join(', ')})`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      for (const e of emitters) for (const ev of events) e.off(ev, check);
    };
    for (const e of emitters) for (const ev of events) e.on(ev, check);
  });
}

/** The name of the normal listener in a router's bootstrap config (the one clients and the manager use). */
function bootstrapNormalListenerName(model: EcnModel, routerId: string): string {
  const l = bootstrapEntities(model, routerId).find((e) => e.type === 'listener' && (e.attributes.role ?? 'normal') === 'normal');
  return String(l?.attributes.name ?? 'amqp');
}
