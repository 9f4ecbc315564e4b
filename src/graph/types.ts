/**
 * The link graph's vocabulary: node and edge kinds, their states, and the deltas streamed to viewers.
 * Attribute objects always carry the same keys (absent values are null), so a change is a merge of top-level keys
 * and no key ever has to be removed.
 */
export type NodeKind = 'interior-router' | 'edge-router' | 'agent' | 'microservice' | 'public-port' | 'edge-resource';

export type EdgeKind =
  | 'uplink' // edge router → upstream interior
  | 'inter-router' // interior ↔ interior (from the desired upstreams of interior agents, observed in router.node)
  | 'route' // microservice → microservice
  | 'exposure' // public port → microservice
  | 'hosts' // agent → microservice
  | 'runs' // agent → its router
  | 'advertises'; // agent → edge resource

/**
 * up: desired and confirmed; down: desired and failed (or seen before and now gone); pending: desired, not confirmed
 * yet; unexpected: observed, not desired.
 */
export type ElementState = 'up' | 'down' | 'pending' | 'unexpected';

export type Counters = Record<string, number>;
export type Details = Record<string, string | number | boolean | null>;

/** What every node and edge carries; only the kind's vocabulary differs. */
interface ElementAttributes<K extends string> {
  kind: K;
  label: string;
  state: ElementState;
  desired: boolean;
  observed: boolean;
  counters: Counters;
  details: Details;
}

export type NodeAttributes = ElementAttributes<NodeKind>;
export type EdgeAttributes = ElementAttributes<EdgeKind>;

/** The computed graph before it is applied: the full target state. */
export interface GraphSpec {
  nodes: Map<string, NodeAttributes>;
  edges: Map<string, { source: string; target: string; attributes: EdgeAttributes }>;
}

/** One change, named after the graphology method that replays it on a client copy. */
export type GraphOp =
  | { op: 'mergeNode'; key: string; attributes: NodeAttributes }
  | { op: 'dropNode'; key: string }
  | { op: 'mergeNodeAttributes'; key: string; attributes: Partial<NodeAttributes> }
  | { op: 'mergeEdgeWithKey'; key: string; source: string; target: string; attributes: EdgeAttributes }
  | { op: 'dropEdge'; key: string }
  | { op: 'mergeEdgeAttributes'; key: string; attributes: Partial<EdgeAttributes> };

/** A change with the sequence number of the batch it belongs to (the same for every op of a batch). */
export type GraphDelta = GraphOp & { seq: number };
