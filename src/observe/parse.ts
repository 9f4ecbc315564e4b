/**
 * Rows → observed facts. Pure: the observer feeds these the records of its QUERYs, tests feed them recorded rows.
 * Rows come from real routers of two flavors, so every field is read defensively: a missing or odd value becomes
 * `undefined` (or 0 for counters) rather than an exception that would lose the whole pass.
 */
import type { Flavor } from '../router/protocol.js';
import type {
  EdgeAddress,
  EdgeAttachment,
  ObservedAddress,
  ObservedConnector,
  ObservedInterior,
  ObservedNetwork,
  RestartSignal,
} from './types.js';

export type Row = Record<string, unknown>;

/** A finite number from a number, bigint or numeric string (AMQP longs may arrive as any of these). */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

/** Edges attached to the queried interior: `connection` rows with role=edge, dir=in; `container` is the edge id. */
export function parseEdgeConnections(rows: readonly Row[], interiorId: string): EdgeAttachment[] {
  const out: EdgeAttachment[] = [];
  for (const r of rows) {
    if (r.role !== 'edge' || r.dir !== 'in') continue;
    const edgeId = str(r.container);
    if (!edgeId) continue;
    out.push({
      edgeId,
      interiorId,
      connectionId: str(r.identity),
      uptimeSeconds: num(r.uptimeSeconds),
      // `active` is only meaningful on the edge side; an interior reports true for every edge connection
      active: bool(r.active) ?? true,
      operStatus: str(r.operStatus),
      host: str(r.host),
    });
  }
  return out;
}

/** Interiors from `router.node` rows (an edge returns no rows). */
export function parseRouterNodes(rows: readonly Row[]): ObservedInterior[] {
  const out: ObservedInterior[] = [];
  for (const r of rows) {
    const id = str(r.id);
    if (!id) continue;
    out.push({
      id,
      instance: num(r.instance),
      linkState: strList(r.linkState),
      self: r.nextHop === '(self)',
      cost: num(r.cost),
    });
  }
  return out;
}

export type AddressKey =
  | { kind: 'edge'; edgeId: string }
  | { kind: 'mobile'; address: string; phase: number | undefined }
  | { kind: 'other'; key: string };

/**
 * Classifies a router.address key. qdrouterd 1.x writes mobile keys as `M<phase><addr>` (`M0ecn/route/…`), skupper
 * as `M<addr>`; the flavor decides, because an address may itself start with a digit.
 */
export function parseAddressKey(key: string, flavor: Flavor): AddressKey {
  if (key.length > 1 && key[0] === 'H') return { kind: 'edge', edgeId: key.slice(1) };
  if (key.length > 1 && key[0] === 'M') {
    if (flavor === 'qdrouterd') {
      const phase = key.charCodeAt(1) - 48;
      if (phase >= 0 && phase <= 9 && key.length > 2) return { kind: 'mobile', address: key.slice(2), phase };
      return { kind: 'other', key };
    }
    return { kind: 'mobile', address: key.slice(1), phase: undefined };
  }
  return { kind: 'other', key };
}

export interface ParsedAddresses {
  edges: EdgeAddress[];
  mobile: ObservedAddress[];
}

/**
 * `router.address` rows of an interior: `H<edge>` keys and the mobile addresses whose address passes `keep`
 * (default: the manager's `ecn/` addresses; the rest of a big network's address table is not ours to track).
 * In qd 1.x an address may have several phases; their counts are summed.
 */
export function parseAddresses(rows: readonly Row[], flavor: Flavor, keep: (address: string) => boolean = isEcnAddress): ParsedAddresses {
  const edges: EdgeAddress[] = [];
  const mobile = new Map<string, ObservedAddress>();
  for (const r of rows) {
    const key = str(r.key) ?? str(r.name);
    if (!key) continue;
    const k = parseAddressKey(key, flavor);
    if (k.kind === 'edge') {
      edges.push({ edgeId: k.edgeId, subscriberCount: num(r.subscriberCount) ?? 0, remoteHostRouters: strList(r.remoteHostRouters) });
    } else if (k.kind === 'mobile' && keep(k.address)) {
      const row: ObservedAddress = {
        address: k.address,
        key,
        subscriberCount: num(r.subscriberCount) ?? 0,
        remoteCount: num(r.remoteCount) ?? 0,
        remoteHostRouters: strList(r.remoteHostRouters),
        deliveriesIngress: num(r.deliveriesIngress) ?? 0,
        deliveriesEgress: num(r.deliveriesEgress) ?? 0,
        deliveriesTransit: num(r.deliveriesTransit) ?? 0,
      };
      const prev = mobile.get(k.address);
      mobile.set(k.address, prev ? mergePhases(prev, row) : row);
    }
  }
  return { edges, mobile: [...mobile.values()] };
}

export function isEcnAddress(address: string): boolean {
  return address.startsWith('ecn/');
}

function mergePhases(a: ObservedAddress, b: ObservedAddress): ObservedAddress {
  return {
    address: a.address,
    key: a.key,
    subscriberCount: a.subscriberCount + b.subscriberCount,
    remoteCount: Math.max(a.remoteCount, b.remoteCount),
    remoteHostRouters: [...new Set([...a.remoteHostRouters, ...b.remoteHostRouters])],
    deliveriesIngress: a.deliveriesIngress + b.deliveriesIngress,
    deliveriesEgress: a.deliveriesEgress + b.deliveriesEgress,
    deliveriesTransit: a.deliveriesTransit + b.deliveriesTransit,
  };
}

export function parseConnectors(rows: readonly Row[]): ObservedConnector[] {
  const out: ObservedConnector[] = [];
  for (const r of rows) {
    const name = str(r.name);
    if (!name) continue;
    out.push({
      name,
      host: str(r.host),
      port: str(r.port),
      role: str(r.role),
      connectionStatus: str(r.connectionStatus),
      connectionMsg: str(r.connectionMsg),
    });
  }
  return out;
}

/** The `router` singleton: id, mode and (qd 1.x / skupper 2.x only; 3.x moved it to routerMetrics) uptime. */
export function parseRouterRow(rows: readonly Row[]): { id: string | undefined; mode: string | undefined; uptimeSeconds: number | undefined } {
  const r = rows[0] ?? {};
  return { id: str(r.id), mode: str(r.mode), uptimeSeconds: num(r.uptimeSeconds) };
}

/**
 * Restart signals between two passes: an interior's router.node instance changed, a router's uptime dropped, or an
 * edge's connection to the interior is younger than the time elapsed says it should be (a reset: the edge
 * restarted or at least reconnected).
 */
export function detectRestarts(prev: ObservedNetwork | undefined, next: ObservedNetwork): RestartSignal[] {
  if (!prev) return [];
  const out: RestartSignal[] = [];
  for (const [id, n] of next.interiors) {
    const p = prev.interiors.get(id);
    if (p && p.instance !== undefined && n.instance !== undefined && p.instance !== n.instance) {
      out.push({ routerId: id, kind: 'instance-changed', before: p.instance, after: n.instance });
    }
  }
  for (const [id, r] of next.routers) {
    const p = prev.routers.get(id);
    if (p?.uptimeSeconds !== undefined && r.uptimeSeconds !== undefined && r.uptimeSeconds < p.uptimeSeconds) {
      out.push({ routerId: id, kind: 'uptime-dropped', before: p.uptimeSeconds, after: r.uptimeSeconds });
    }
  }
  for (const [id, e] of next.edges) {
    const p = prev.edges.get(id);
    if (!p) continue;
    const idChanged = p.connectionId !== undefined && e.connectionId !== undefined && p.connectionId !== e.connectionId;
    const uptimeDropped = p.uptimeSeconds !== undefined && e.uptimeSeconds !== undefined && e.uptimeSeconds < p.uptimeSeconds;
    if (idChanged || uptimeDropped) {
      out.push({
        routerId: id,
        kind: 'edge-connection-reset',
        before: idChanged ? p.connectionId : p.uptimeSeconds,
        after: idChanged ? e.connectionId : e.uptimeSeconds,
      });
    }
  }
  return out;
}
