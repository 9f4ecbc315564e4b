/**
 * One boot of a simulated router: the address table, forwarding, listeners and connectors, TCP bridges, the edge /
 * uplink / inter-router state, the runtime rows and the agent. A restart throws the whole instance away and builds
 * a new one from the boot configuration, which is how a real restart loses everything created at run time.
 */
import type rhea from 'rhea';
import { AddressTable } from './address-table.js';
import { mobileKey } from './addressing.js';
import type { AgentLike } from './agent-port.js';
import type { ConnectorState, ReconnectPolicy } from './connectors.js';
import { Connectors } from './connectors.js';
import type { Attributes } from './contract.js';
import { EdgeAttachments } from './edges.js';
import { Forwarder, type LocalConsumer, type RoutingTables } from './forwarding.js';
import { InterRouter } from './inter-router.js';
import { LinkStateDb } from './link-state.js';
import { Listeners, type ListenerState } from './listeners.js';
import type { OutcomeCallback } from './outcome.js';
import { RuntimeRows } from './runtime-view.js';
import type { ConnRecord, RouterContext } from './state.js';
import { TcpBridges } from './tcp-bridge.js';
import type { SimSocket } from './transport.js';
import { Uplinks, type RouterLinkOpener } from './uplink.js';

export interface Instance {
  /** router.node `instance`: boot time in seconds, unique per router within the process */
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
  /** true while the agent is being built: its boot entities are applied by the router, not by the hooks */
  booting: boolean;
}

/** What the instance needs from the router around it. */
export interface InstanceDeps {
  ctx: RouterContext;
  number: number;
  policy: ReconnectPolicy;
  links: RouterLinkOpener;
  /** the `$management` endpoint (it outlives instances: a reply fault survives a restart) */
  management: LocalConsumer;
  accept(socket: SimSocket, listener: ListenerState): ConnRecord;
  dial(connector: ConnectorState): ConnRecord;
  /** closes a connection whose listener or connector went away */
  drop(rec: ConnRecord): void;
  originate(message: rhea.Message, done: OutcomeCallback): void;
}

/** the link state of a router without one (edges): no routes */
const NO_ROUTES = new LinkStateDb('');

export function buildInstance(deps: InstanceDeps): Instance {
  const { ctx } = deps;
  const addresses = new AddressTable();
  const edges = ctx.mode === 'interior' ? new EdgeAttachments(ctx) : undefined;
  const uplinks = ctx.mode === 'edge' ? new Uplinks(ctx, deps.links, () => addresses.mobileAddresses().map(([a]) => a)) : undefined;
  const inst = {} as Instance;
  const interRouter = ctx.mode === 'interior'
    ? new InterRouter(ctx, deps.links, () => localAnnouncement(addresses, edges), () => inst.number)
    : undefined;
  const tables: RoutingTables = {
    // methods, not arrow properties: one router holds these for its lifetime (router.ts, constructor)
    localConsumer(name) { return addresses.local(name); },
    mobileConsumer(address) { return addresses.mobile(address); },
    uplink() { return uplinks?.hop(); },
    edgeDownlink(edgeId) { return edges?.hop(edgeId); },
    edgeWithAddress(address, exclude) { return edges?.withAddress(address, exclude); },
    neighbourHop(routerId) { return interRouter?.neighbourHop(routerId); },
    linkState: interRouter ? interRouter.db : NO_ROUTES,
    mobileKey(a) { return mobileKey(ctx.flavor, a); },
  };
  const connectors = new Connectors(ctx, deps.policy, (st) => deps.dial(st), (rec) => deps.drop(rec));
  const bridges = new TcpBridges({
    ctx,
    addressOf(name) { return ctx.mode === 'edge' ? `amqp:/_edge/${ctx.id}/${name}` : `amqp:/_topo/0/${ctx.id}/${name}`; },
    addLocal(name, consumer) { return addresses.addLocal(name, { consumer, inProcess: true }); },
    addMobile(address, consumer) { return addresses.addMobile(address, { consumer, inProcess: true }); },
    originate(m, done) { deps.originate(m, done); },
  });
  Object.assign(inst, {
    number: deps.number,
    startedAt: ctx.clock.now(),
    addresses,
    forwarder: new Forwarder(ctx, tables),
    listeners: new Listeners(ctx, (socket, l) => deps.accept(socket, l)),
    connectors,
    bridges,
    edges,
    uplinks,
    interRouter,
    agent: undefined,
    booting: true,
  });
  inst.runtime = new RuntimeRows({
    ctx,
    startedAt() { return inst.startedAt; },
    instance() { return inst.number; },
    addresses, edges, interRouter, connectors, bridges,
    distributionOf(a) { return distributionOf(inst, a); },
    mobileKey(a) { return mobileKey(ctx.flavor, a); },
  });

  addresses.addLocal('$management', { consumer: deps.management, inProcess: true });
  // an edge tells its interior which mobile addresses it serves; an interior tells the other interiors
  addresses.onMobileChange = () => {
    uplinks?.reportAddresses();
    interRouter?.changed();
  };
  if (edges && interRouter) edges.onChange = () => interRouter.changed();
  return inst;
}

/** What an interior announces besides its neighbours: its edges and every mobile address served here or below. */
function localAnnouncement(addresses: AddressTable, edges: EdgeAttachments | undefined): { edges: string[]; mobile: string[] } {
  const mobile = new Set(addresses.mobileAddresses().map(([a]) => a));
  for (const a of edges?.addresses().keys() ?? []) mobile.add(a);
  return { edges: edges?.ids() ?? [], mobile: [...mobile] };
}

/** Distribution of a mobile address: the longest matching router.config.address prefix, else balanced. */
function distributionOf(inst: Instance, address: string): string {
  let best = '';
  let dist = 'balanced';
  let entries: Attributes[] = [];
  try {
    entries = inst.agent?.list('router.config.address') ?? [];
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

/** The current instance's config entities of a type, [] for a type this router version does not have. */
export function listConfig(inst: Instance, type: string): Attributes[] {
  try {
    return inst.agent?.list(type) ?? [];
  } catch {
    return [];
  }
}
