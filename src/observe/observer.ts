/**
 * The observer's I/O edge: a handful of QUERYs on the interior the manager is connected to, then a bounded fan-out
 * of per-router probes through `client.target`. Everything it learns goes through the pure parsers of parse.ts.
 * A router that cannot be reached is a fact about the network, so it is recorded, never thrown.
 */
import { systemClock, type Clock } from '../clock.js';
import { replicaTargetAddress, type NetworkPlan, type RouterReach } from '../plan/types.js';
import type { Flavor } from '../router/protocol.js';
import type { TargetSpec } from '../router/target.js';
import { mapLimit } from './pool.js';
import {
  detectRestarts,
  isEcnAddress,
  parseAddresses,
  parseConnectors,
  parseEdgeConnections,
  parseRouterNodes,
  parseRouterRow,
  type Row,
} from './parse.js';
import type { EdgeAttachment, ObserveErrorInfo, ObservedInterior, ObservedNetwork, ObservedRouter } from './types.js';

/** The slice of the management client the observer uses (ManagementClient satisfies it; tests may stub it). */
export interface QueryOps {
  query(type: string, attributeNames?: string[], opts?: { timeoutMs?: number }): Promise<Row[]>;
}
export interface ObserverClient extends QueryOps {
  target(spec: TargetSpec): QueryOps;
  readonly flavor?: Flavor | undefined;
}

/** A router to probe: its id and how the manager reaches its agent. */
export interface ObserveTarget {
  routerId: string;
  reach: RouterReach;
}

export interface ObserveOptions {
  /** probes in flight at once (default 16) */
  concurrency?: number;
  /** per-request timeout of the probes (default: the client's) */
  timeoutMs?: number;
  /** the previous pass, for restart detection */
  previous?: ObservedNetwork;
  /** when the client has not detected it (default qdrouterd) */
  flavor?: Flavor;
  clock?: Clock;
  /** false: only the interior's own tables, no per-router probes (default true) */
  probeRouters?: boolean;
  /** which mobile addresses to keep (default: `ecn/…`) */
  keepAddress?: (address: string) => boolean;
  /** the control plane's interior runs as several replicas, each with its own router id (see foldReplicas) */
  replicas?: ReplicaFold;
}

/** How replicas of the control plane's interior appear in an observation. */
export interface ReplicaFold {
  /** the control plane's router id (the model's: edges and interior-mode agents connect to it) */
  interiorId: string;
  /** each replica's real router id (read from it) → its key in the plan (`<interiorId>@<replica>`) */
  byRouterId: ReadonlyMap<string, string>;
}

/**
 * Folds the replicas of the control plane's interior into the observation the graph expects: an edge attached to
 * any replica is attached to the control plane's interior (`replica` says which); the connected interior is the
 * control plane's when it is a replica; a replica's `router.node` row goes under its plan key (so restarts and
 * probes line up) with its links to the other replicas only, and other routers' links to a replica count as links
 * to the control plane's interior.
 */
export function foldReplicas(o: ObservedNetwork, fold: ReplicaFold): ObservedNetwork {
  if (fold.byRouterId.size === 0) return o;
  const key = (id: string): string | undefined => fold.byRouterId.get(id);
  const toInterior = (ids: readonly string[]): string[] => [...new Set(ids.map((id) => (key(id) === undefined ? id : fold.interiorId)))];
  const interiors = new Map<string, ObservedInterior>();
  for (const n of o.interiors.values()) {
    const k = key(n.id);
    // a replica's links: to its peers (the mesh); its links to other routers are the control plane's (below)
    if (k !== undefined) interiors.set(k, { ...n, id: k, linkState: n.linkState.map(key).filter((m): m is string => m !== undefined) });
    else interiors.set(n.id, { ...n, linkState: toInterior(n.linkState) });
  }
  const edges = new Map<string, EdgeAttachment>();
  for (const [id, e] of o.edges) {
    const k = key(e.interiorId);
    edges.set(id, k === undefined ? e : { ...e, interiorId: fold.interiorId, replica: k });
  }
  const edgeAddresses = new Map([...o.edgeAddresses].map(([id, h]) => [id, { ...h, remoteHostRouters: toInterior(h.remoteHostRouters) }] as const));
  const addresses = new Map([...o.addresses].map(([a, x]) => [a, { ...x, remoteHostRouters: toInterior(x.remoteHostRouters) }] as const));
  const interiorId = o.interiorId !== undefined && key(o.interiorId) !== undefined ? fold.interiorId : o.interiorId;
  return { ...o, interiorId, interiors, edges, edgeAddresses, addresses };
}

const CONNECTION_ATTRS = ['identity', 'container', 'role', 'dir', 'active', 'uptimeSeconds', 'operStatus', 'host'];
const NODE_ATTRS = ['id', 'instance', 'linkState', 'nextHop', 'cost'];
const ADDRESS_ATTRS = ['key', 'subscriberCount', 'remoteCount', 'remoteHostRouters', 'deliveriesIngress', 'deliveriesEgress', 'deliveriesTransit'];
const CONNECTOR_ATTRS = ['name', 'host', 'port', 'role', 'connectionStatus', 'connectionMsg'];

/** Errors that mean "cannot reach that router right now" rather than "that router answered badly". */
const UNREACHABLE_CODES = new Set(['ECN_MGMT_UNREACHABLE', 'ECN_MGMT_TIMEOUT', 'ECN_MGMT_DISCONNECTED', 'ECN_MGMT_CLOSED', 'ECN_CONNECT']);

export function errorInfo(err: unknown): ObserveErrorInfo {
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : 'ECN_OBSERVE_ERROR';
  return { code, message: err instanceof Error ? err.message : String(err) };
}

export function isUnreachable(info: ObserveErrorInfo): boolean {
  return UNREACHABLE_CODES.has(info.code);
}

/** The routers of a plan, or a list given as is. */
export function observeTargets(input: NetworkPlan | readonly ObserveTarget[]): ObserveTarget[] {
  if (Array.isArray(input)) return [...(input as readonly ObserveTarget[])];
  return [...(input as NetworkPlan).routers.values()].map((r) => ({ routerId: r.routerId, reach: r.reach }));
}

function targetSpec(reach: RouterReach): TargetSpec {
  if (reach.kind === 'local') return 'local';
  if (reach.kind === 'interior') return { router: reach.id };
  if (reach.kind === 'replica') return { address: replicaTargetAddress(reach.key) };
  return { edge: reach.id };
}

async function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: ObserveErrorInfo }> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return { ok: false, error: errorInfo(err) };
  }
}

/** Probes one router: its connectors (uplink status) and its router singleton, in parallel. */
export async function probeRouter(client: ObserverClient, t: ObserveTarget, flavor: Flavor, timeoutMs?: number): Promise<ObservedRouter> {
  const ops = t.reach.kind === 'local' ? client : client.target(targetSpec(t.reach));
  const call = timeoutMs === undefined ? {} : { timeoutMs };
  // skupper 3.x moved uptime to routerMetrics; asking `router` for it there would only cost an error
  const routerAttrs = flavor === 'qdrouterd' ? ['id', 'mode', 'uptimeSeconds'] : ['id', 'mode'];
  const [conns, router] = await Promise.all([
    settle(ops.query('connector', CONNECTOR_ATTRS, call)),
    settle(ops.query('router', routerAttrs, call)),
  ]);
  const failure = !conns.ok ? conns.error : !router.ok ? router.error : undefined;
  const unreachable = (!conns.ok && isUnreachable(conns.error)) || (!router.ok && isUnreachable(router.error));
  const r = router.ok ? parseRouterRow(router.value) : undefined;
  return {
    id: t.routerId,
    reachable: !unreachable,
    error: failure,
    mode: r?.mode,
    uptimeSeconds: r?.uptimeSeconds,
    connectors: conns.ok ? parseConnectors(conns.value) : [],
  };
}

/**
 * One observation pass. `routers` (a plan, or explicit targets) says which agents to probe; the interior's own
 * tables are always read. Resolves even when routers (or the interior itself) cannot be reached.
 */
export async function observeNetwork(
  client: ObserverClient,
  routers: NetworkPlan | readonly ObserveTarget[],
  opts: ObserveOptions = {},
): Promise<ObservedNetwork> {
  const clock = opts.clock ?? systemClock;
  const flavor = client.flavor ?? opts.flavor ?? 'qdrouterd';
  const keep = opts.keepAddress ?? isEcnAddress;
  const errors: ObservedNetwork['errors'] = [];
  const local = async (type: string, attrs: string[]): Promise<Row[]> => {
    const r = await settle(client.query(type, attrs));
    if (r.ok) return r.value;
    errors.push({ query: type, ...r.error });
    return [];
  };
  const targets = observeTargets(routers);
  const selfP = local('router', ['id']);
  const nodesP = local('router.node', NODE_ATTRS);
  // Edges attached to the other interiors: their own `connection` tables, read once router.node has named them.
  const remoteP = Promise.all([selfP, nodesP]).then(async ([self, nodes]) => {
    const selfId = parseRouterRow(self).id;
    const others = parseRouterNodes(nodes).filter((n) => !n.self && n.id !== selfId);
    const call = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
    return mapLimit(others, opts.concurrency ?? 16, async (n) => {
      const r = await settle(client.target({ router: n.id }).query('connection', CONNECTION_ATTRS, call));
      if (!r.ok) errors.push({ query: `connection@${n.id}`, ...r.error });
      return r.ok ? parseEdgeConnections(r.value, n.id) : [];
    });
  });
  const [self, nodes, conns, addrs, remote, probes] = await Promise.all([
    selfP,
    nodesP,
    local('connection', CONNECTION_ATTRS),
    local('router.address', ADDRESS_ATTRS),
    remoteP,
    opts.probeRouters === false
      ? Promise.resolve([] as ObservedRouter[])
      : mapLimit(targets, opts.concurrency ?? 16, (t) => probeRouter(client, t, flavor, opts.timeoutMs)),
  ]);

  const interiorList = parseRouterNodes(nodes);
  const interiorId = parseRouterRow(self).id ?? interiorList.find((n) => n.self)?.id;
  const parsed = parseAddresses(addrs, flavor, keep);
  const attached = [...(interiorId === undefined ? [] : parseEdgeConnections(conns, interiorId)), ...remote.flat()];
  const observed: ObservedNetwork = {
    at: clock.now(),
    flavor,
    interiorId,
    interiors: new Map(interiorList.map((n) => [n.id, n])),
    edges: new Map(attached.map((e) => [e.edgeId, e])),
    edgeAddresses: new Map(parsed.edges.map((e) => [e.edgeId, e])),
    addresses: new Map(parsed.mobile.map((a) => [a.address, a])),
    routers: new Map(probes.map((p) => [p.id, p])),
    restarts: [],
    errors,
  };
  const folded = opts.replicas ? foldReplicas(observed, opts.replicas) : observed;
  folded.restarts = detectRestarts(opts.previous, folded);
  return folded;
}
