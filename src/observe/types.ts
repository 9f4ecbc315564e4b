/**
 * What the observer learnt about the router network in one pass. Pure data: the link graph (src/graph) merges it
 * with the desired state; a later pass compares against the previous one to surface restarts.
 */
import type { Flavor } from '../router/protocol.js';

/** An edge router attached to an interior (a `connection` row role=edge dir=in on that interior). */
export interface EdgeAttachment {
  edgeId: string;
  /** the interior holding the connection */
  interiorId: string;
  /** connection identity on the interior: changes when the edge reconnects */
  connectionId: string | undefined;
  uptimeSeconds: number | undefined;
  /** always true on an interior for edge connections; kept for completeness */
  active: boolean;
  operStatus: string | undefined;
  host: string | undefined;
  /** when the control plane's interior runs as replicas: the plan key of the replica holding the connection */
  replica?: string;
}

/** An interior router as the routing protocol sees it (a `router.node` row). */
export interface ObservedInterior {
  id: string;
  /** boot instance: a change means the router restarted */
  instance: number | undefined;
  /** neighbour interior ids (that router's link state) */
  linkState: string[];
  /** true for the row of the interior the manager is connected to (nextHop "(self)") */
  self: boolean;
  cost: number | undefined;
}

/** The summary `H<edge>` key: every interior knows every edge through mobile-sync. */
export interface EdgeAddress {
  edgeId: string;
  /** > 0: attached to the queried interior */
  subscriberCount: number;
  /** interiors the edge hangs off when not attached locally */
  remoteHostRouters: string[];
}

/** A mobile address (route or public port) as the interior reports it. */
export interface ObservedAddress {
  /** the address without the class/phase prefix, e.g. `ecn/route/app/r1` */
  address: string;
  key: string;
  /** local receivers (edge uplinks count as local receivers on an interior) */
  subscriberCount: number;
  /** interiors with receivers */
  remoteCount: number;
  remoteHostRouters: string[];
  deliveriesIngress: number;
  deliveriesEgress: number;
  deliveriesTransit: number;
}

/** A `connector` row of a router (uplinks on edges, inter-router connectors on interiors). */
export interface ObservedConnector {
  name: string;
  host: string | undefined;
  port: string | undefined;
  role: string | undefined;
  /** CONNECTING | SUCCESS | FAILED */
  connectionStatus: string | undefined;
  connectionMsg: string | undefined;
}

export interface ObserveErrorInfo {
  code: string;
  message: string;
}

/** One router probed through its management agent. */
export interface ObservedRouter {
  id: string;
  /** false: the request was released (no route), timed out or the connection went away */
  reachable: boolean;
  error: ObserveErrorInfo | undefined;
  mode: string | undefined;
  uptimeSeconds: number | undefined;
  connectors: ObservedConnector[];
}

export type RestartKind = 'instance-changed' | 'uptime-dropped' | 'edge-connection-reset';

/** A sign that a router restarted (or, for edge-connection-reset, at least reconnected) since the previous pass. */
export interface RestartSignal {
  routerId: string;
  kind: RestartKind;
  before: number | string | undefined;
  after: number | string | undefined;
}

export interface ObservedNetwork {
  /** clock time of the pass (ms) */
  at: number;
  flavor: Flavor;
  /** the interior the manager is connected to; undefined when even its own queries failed */
  interiorId: string | undefined;
  /** by id */
  interiors: Map<string, ObservedInterior>;
  /** edges attached to any interior (the connected one's and every other interior's `connection` rows), by edge id */
  edges: Map<string, EdgeAttachment>;
  /** `H<edge>` keys, by edge id: every edge of the network, wherever it is attached */
  edgeAddresses: Map<string, EdgeAddress>;
  /** ECN mobile addresses (routes, public ports), by address */
  addresses: Map<string, ObservedAddress>;
  /** routers probed through their agent, by id */
  routers: Map<string, ObservedRouter>;
  restarts: RestartSignal[];
  /** failures of the connected interior's own queries (the pass still returns what it got) */
  errors: Array<ObserveErrorInfo & { query: string }>;
}
