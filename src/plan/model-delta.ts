/**
 * Which routers a model change concerns, so the planner re-plans only those (src/plan/planner.ts `only`) and the
 * syncers touch only those. Objects are compared by identity first (a caller that edits a model keeps the unchanged
 * objects), then by value (a reload builds every object anew). Anything that may concern every router (the control
 * plane) answers 'all'.
 */
import { microserviceKey, type EcnModel, type PublicPort } from '../model/ecn.js';

function same(a: unknown, b: unknown): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}

/** Keys present in either map whose values differ. */
function changedKeys<V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): string[] {
  if (a === b) return []; // an edit that kept this collection: O(1), not O(collection)
  const out: string[] = [];
  for (const [k, v] of a) if (!same(v, b.get(k))) out.push(k);
  for (const k of b.keys()) if (!a.has(k)) out.push(k);
  return out;
}

const portKey = (p: PublicPort): string => `${p.application}/${p.microservice}/${p.external}`;

export function affectedRouters(prev: EcnModel, next: EcnModel): Set<string> | 'all' {
  if (!same(prev.controlPlane, next.controlPlane)) return 'all';
  const affected = new Set<string>();
  const agentsOf = (m: EcnModel, app: string, ms: string): string | undefined => m.microservices.get(microserviceKey(app, ms))?.agent;

  // agents: the agent's own router, and every agent whose uplink points at it (its host and ports are theirs too)
  const agents = changedKeys(prev.agents, next.agents);
  if (agents.length > 0) {
    const changed = new Set(agents);
    for (const a of agents) affected.add(a);
    for (const m of [prev, next]) {
      for (const a of m.agents.values()) if (a.upstreamRouters.some((u) => changed.has(u))) affected.add(a.name);
    }
  }

  // microservices: their agents (old and new), and the endpoints of the routes that name them
  const services = changedKeys(prev.microservices, next.microservices);
  if (services.length > 0) {
    const changed = new Set(services);
    for (const m of [prev, next]) {
      for (const k of services) { const ms = m.microservices.get(k); if (ms) affected.add(ms.agent); }
      for (const r of m.routes.values()) {
        if (!changed.has(microserviceKey(r.application, r.from)) && !changed.has(microserviceKey(r.application, r.to))) continue;
        for (const ms of [r.from, r.to]) { const a = agentsOf(m, r.application, ms); if (a) affected.add(a); }
      }
    }
  }

  // routes: the agents of both endpoints, before and after
  for (const k of changedKeys(prev.routes, next.routes)) {
    for (const m of [prev, next]) {
      const r = m.routes.get(k);
      if (!r) continue;
      for (const ms of [r.from, r.to]) { const a = agentsOf(m, r.application, ms); if (a) affected.add(a); }
    }
  }

  // public ports: the interior's tcpListener and the agent's tcpConnector
  if (prev.publicPorts === next.publicPorts) return affected;
  const before = new Map(prev.publicPorts.map((p) => [portKey(p), p]));
  const after = new Map(next.publicPorts.map((p) => [portKey(p), p]));
  for (const k of changedKeys(before, after)) {
    for (const p of [before.get(k), after.get(k)]) {
      if (!p) continue;
      affected.add(p.agent);
      if (next.controlPlane) affected.add(next.controlPlane.routerId);
    }
  }
  return affected;
}
