/**
 * Desired (model + plan) ⊕ observed → the full target graph. Pure: the same inputs and `seen` set give the same
 * spec. `seen` holds the keys of desired elements that have been up before: it is what tells "down" (it was up
 * and now is gone) from "pending" (it never came up yet) when the observation simply lacks an element.
 */
import type { EcnModel } from '../model/ecn.js';
import { publicPortAddress, routeAddress } from '../plan/addresses.js';
import type { NetworkPlan } from '../plan/types.js';
import type { ObservedAddress, ObservedNetwork } from '../observe/types.js';
import {
  advertisesKey,
  agentKey,
  exposureKey,
  hostsKey,
  interRouterKey,
  msKey,
  portKey,
  resourceKey,
  routeKey,
  routerKey,
  runsKey,
  uplinkKey,
} from './keys.js';
import type { Counters, Details, EdgeAttributes, EdgeKind, ElementState, GraphSpec, NodeAttributes, NodeKind } from './types.js';

export interface GraphInput {
  model: EcnModel;
  plan?: NetworkPlan | undefined;
  /** undefined: nothing observed yet, every desired element is pending */
  observed?: ObservedNetwork | undefined;
}

/** What the observation says about one element. */
export type Evidence = 'present' | 'absent' | 'failed' | 'unknown';

export function stateOf(desired: boolean, ev: Evidence, wasUp: boolean): ElementState {
  if (!desired) return 'unexpected';
  if (ev === 'present') return 'up';
  if (ev === 'failed') return 'down';
  if (ev === 'absent') return wasUp ? 'down' : 'pending';
  return 'pending';
}

const EMPTY: ReadonlySet<string> = new Set();

export function computeGraph(input: GraphInput, seen: ReadonlySet<string> = EMPTY): GraphSpec {
  const { model, plan, observed: o } = input;
  /**
   * Uptimes become start times (epoch seconds): an uptime changes on every pass and would make every router a delta,
   * a start time only changes when the router restarts or reconnects. Its ±1 s jitter is absorbed by the diff.
   */
  const since = (uptimeSeconds: number): number => Math.round((o?.at ?? 0) / 1000 - uptimeSeconds);
  const nodes: GraphSpec['nodes'] = new Map();
  const edges: GraphSpec['edges'] = new Map();

  const node = (key: string, kind: NodeKind, label: string, desired: boolean, ev: Evidence, counters: Counters = {}, details: Details = {}, state?: ElementState): NodeAttributes => {
    const a: NodeAttributes = { kind, label, state: state ?? stateOf(desired, ev, seen.has(key)), desired, observed: ev === 'present', counters, details };
    nodes.set(key, a);
    return a;
  };
  const edge = (key: string, kind: EdgeKind, source: string, target: string, label: string, desired: boolean, ev: Evidence, counters: Counters = {}, details: Details = {}, state?: ElementState): void => {
    // an edge never dangles: both ends exist in the spec or the edge is left out
    if (!nodes.has(source) || !nodes.has(target) || source === target) return;
    const attributes: EdgeAttributes = { kind, label, state: state ?? stateOf(desired, ev, seen.has(key)), desired, observed: ev === 'present', counters, details };
    edges.set(key, { source, target, attributes });
  };

  // ------------------------------------------------------------------ routers
  const desiredRouters = new Map<string, 'interior' | 'edge'>();
  if (model.controlPlane) desiredRouters.set(model.controlPlane.routerId, 'interior');
  for (const a of model.agents.values()) desiredRouters.set(a.name, a.routerMode);
  if (plan) for (const r of plan.routers.values()) if (!desiredRouters.has(r.routerId)) desiredRouters.set(r.routerId, r.mode);

  const routerEvidence = (id: string): Evidence => {
    if (!o) return 'unknown';
    const probe = o.routers.get(id);
    if (probe && !probe.reachable) return 'failed';
    if (probe || id === o.interiorId || o.interiors.has(id) || o.edges.has(id) || o.edgeAddresses.has(id)) return 'present';
    return 'absent';
  };
  // router attributes by raw id: model ids are long-lived strings whose hash is cached, unlike freshly built keys
  const routerNodes = new Map<string, NodeAttributes>();
  const routerKeys = new Map<string, string>();
  /** the key string built once per router: reusing one string object spares re-hashing it at every lookup */
  const rkey = (id: string): string => routerKeys.get(id) ?? routerKey(id);
  const addRouter = (id: string, desiredMode: 'interior' | 'edge' | undefined): NodeAttributes => {
    const probe = o?.routers.get(id);
    const att = o?.edges.get(id);
    const rp = plan?.routers.get(id);
    const counters: Counters = {};
    if (probe?.uptimeSeconds !== undefined) counters.upSince = since(probe.uptimeSeconds);
    if (att?.uptimeSeconds !== undefined) counters.connectedSince = since(att.uptimeSeconds);
    if (probe) counters.connectors = probe.connectors.length;
    if (rp) counters.entities = rp.entities.length;
    if (rp) counters.conditions = rp.conditions.length;
    const interior = desiredMode === 'interior' || (desiredMode === undefined && o?.interiors.has(id) === true);
    const details: Details = {
      mode: probe?.mode ?? desiredMode ?? (interior ? 'interior' : 'edge'),
      instance: o?.interiors.get(id)?.instance ?? null,
      attachedTo: att?.interiorId ?? null,
      lastErrorCode: probe?.error?.code ?? null,
      lastError: probe?.error?.message ?? rp?.conditions[0]?.message ?? null,
    };
    const key = routerKey(id);
    routerKeys.set(id, key);
    const a = node(key, interior ? 'interior-router' : 'edge-router', id, desiredMode !== undefined, routerEvidence(id), counters, details);
    routerNodes.set(id, a);
    return a;
  };
  for (const [id, mode] of desiredRouters) addRouter(id, mode);
  if (o) {
    const extra = (id: string): void => { if (!desiredRouters.has(id) && !routerNodes.has(id)) addRouter(id, undefined); };
    if (o.interiorId !== undefined) extra(o.interiorId);
    for (const id of o.interiors.keys()) extra(id);
    for (const id of o.edges.keys()) extra(id);
    for (const id of o.edgeAddresses.keys()) extra(id);
    for (const id of o.routers.keys()) extra(id);
  }
  const routerState = (id: string): ElementState => routerNodes.get(id)?.state ?? 'pending';

  // ------------------------------------------------------------------ agents, what they run and advertise
  for (const a of model.agents.values()) {
    const rs = routerState(a.name);
    const observed = routerNodes.get(a.name)?.observed === true;
    // an agent is only visible through its router: it takes its router's state
    const ak = agentKey(a.name);
    node(ak, 'agent', a.name, true, observed ? 'present' : 'unknown', {}, { host: a.host, routerMode: a.routerMode }, rs);
    edge(runsKey(a.name), 'runs', ak, rkey(a.name), '', true, observed ? 'present' : 'unknown', {}, {}, rs);
  }
  for (const ms of model.microservices.values()) {
    const rs = model.agents.has(ms.agent) ? routerState(ms.agent) : 'pending';
    const key = msKey(ms.application, ms.name);
    node(key, 'microservice', `${ms.application}/${ms.name}`, true, 'unknown', { ports: ms.ports.length }, { application: ms.application, agent: ms.agent }, rs);
    edge(hostsKey(ms.application, ms.name), 'hosts', agentKey(ms.agent), key, '', true, 'unknown', {}, {}, rs);
  }
  for (const r of model.edgeResources.values()) {
    const key = resourceKey(r.name, r.version);
    const states = r.agents.map((a) => (model.agents.has(a) ? routerState(a) : 'pending'));
    const st: ElementState = states.includes('up') ? 'up' : states.includes('pending') || states.length === 0 ? 'pending' : 'down';
    node(key, 'edge-resource', `${r.name}@${r.version}`, true, 'unknown', { agents: r.agents.length }, { interfaceProtocol: r.interfaceProtocol ?? null }, st);
    for (const a of r.agents) edge(advertisesKey(a, r.name, r.version), 'advertises', agentKey(a), key, '', true, 'unknown', {}, {}, model.agents.has(a) ? routerState(a) : 'pending');
  }

  // ------------------------------------------------------------------ routes and public ports (address liveness)
  const addressEvidence = (address: string): { ev: Evidence; a: ObservedAddress | undefined } => {
    if (!o) return { ev: 'unknown', a: undefined };
    const a = o.addresses.get(address);
    // a receiver anywhere in the network (local subscriber or a remote interior) means the address is served
    return { ev: a && a.subscriberCount + a.remoteCount > 0 ? 'present' : 'absent', a };
  };
  const addressCounters = (a: ObservedAddress | undefined): Counters =>
    a ? { receivers: a.subscriberCount + a.remoteCount, deliveriesIngress: a.deliveriesIngress, deliveriesEgress: a.deliveriesEgress, deliveriesTransit: a.deliveriesTransit } : {};
  for (const r of model.routes.values()) {
    const address = routeAddress(r.application, r.name);
    const { ev, a } = addressEvidence(address);
    edge(routeKey(r.application, r.name), 'route', msKey(r.application, r.from), msKey(r.application, r.to), r.name, true, ev, addressCounters(a), { address });
  }
  for (const p of model.publicPorts) {
    const address = publicPortAddress(p.application, p.microservice, p.external);
    const { ev, a } = addressEvidence(address);
    const key = portKey(p.application, p.microservice, p.external);
    const n = node(key, 'public-port', `:${p.publicPort}`, true, ev, addressCounters(a), { publicPort: p.publicPort, external: p.external, protocol: p.protocol, address });
    edge(exposureKey(p.application, p.microservice, p.external), 'exposure', key, msKey(p.application, p.microservice), `${p.publicPort}→${p.external}`, true, ev, {}, {}, n.state);
  }

  // ------------------------------------------------------------------ uplinks and inter-router links
  const endpoint = (id: string): { host: string; port: string } | undefined => {
    const cp = model.controlPlane;
    if (cp && cp.routerId === id) return { host: cp.router.address, port: String(cp.router.edgePort) };
    const a = model.agents.get(id);
    return a?.edgeRouterPort !== undefined ? { host: a.host, port: String(a.edgeRouterPort) } : undefined;
  };
  const attachedTo = (edgeId: string, interior: string): boolean => {
    if (!o) return false;
    if (o.edges.get(edgeId)?.interiorId === interior) return true;
    const h = o.edgeAddresses.get(edgeId);
    return h !== undefined && ((h.subscriberCount > 0 && o.interiorId === interior) || h.remoteHostRouters.includes(interior));
  };
  const uplinkEvidence = (edgeId: string, up: string): Evidence => {
    if (!o) return 'unknown';
    if (attachedTo(edgeId, up)) return 'present';
    const probe = o.routers.get(edgeId);
    if (probe && !probe.reachable) return 'failed';
    const ep = endpoint(up);
    const c = ep && probe?.connectors.find((x) => x.host === ep.host && x.port === ep.port);
    if (c?.connectionStatus === 'FAILED') return 'failed';
    // a connected standby uplink (an edge has one active uplink, the others only dial) still counts as up
    if (c?.connectionStatus === 'SUCCESS') return 'present';
    return 'absent';
  };
  const desiredLinks = new Set<string>();
  for (const a of model.agents.values()) {
    for (const up of a.upstreamRouters) {
      if (a.routerMode === 'edge') {
        const key = uplinkKey(a.name, up);
        desiredLinks.add(key);
        const att = o?.edges.get(a.name);
        const counters: Counters = att?.interiorId === up && att.uptimeSeconds !== undefined ? { connectedSince: since(att.uptimeSeconds) } : {};
        const probe = o?.routers.get(a.name);
        edge(key, 'uplink', rkey(a.name), rkey(up), '', true, uplinkEvidence(a.name, up), counters, { lastError: probe?.error?.message ?? null });
      } else {
        const key = interRouterKey(a.name, up);
        desiredLinks.add(key);
        let ev: Evidence = 'unknown';
        if (o) {
          const linked = o.interiors.get(a.name)?.linkState.includes(up) || o.interiors.get(up)?.linkState.includes(a.name);
          ev = linked ? 'present' : o.routers.get(a.name)?.reachable === false ? 'failed' : 'absent';
        }
        edge(key, 'inter-router', rkey(a.name), rkey(up), '', true, ev);
      }
    }
  }
  if (o) {
    const unexpectedUplink = (edgeId: string, interior: string): void => {
      const key = uplinkKey(edgeId, interior);
      if (desiredLinks.has(key) || edges.has(key)) return;
      if (!routerNodes.has(interior)) addRouter(interior, undefined);
      edge(key, 'uplink', rkey(edgeId), rkey(interior), '', false, 'present');
    };
    for (const att of o.edges.values()) unexpectedUplink(att.edgeId, att.interiorId);
    for (const h of o.edgeAddresses.values()) {
      if (h.subscriberCount > 0 && o.interiorId !== undefined) unexpectedUplink(h.edgeId, o.interiorId);
      for (const r of h.remoteHostRouters) unexpectedUplink(h.edgeId, r);
    }
    for (const n of o.interiors.values()) {
      for (const m of n.linkState) {
        const key = interRouterKey(n.id, m);
        if (desiredLinks.has(key) || edges.has(key)) continue;
        if (!routerNodes.has(m)) addRouter(m, undefined);
        const [s, t] = n.id <= m ? [n.id, m] : [m, n.id];
        edge(key, 'inter-router', rkey(s), rkey(t), '', false, 'present');
      }
    }
  }
  return { nodes, edges };
}
