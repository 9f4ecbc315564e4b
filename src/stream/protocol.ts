/**
 * The link-graph stream protocol (WebSocket at `/graph` on the manager's HTTP port), shared by the server, the
 * `ecn graph` CLI and the browser viewer. JSON text frames, one message per frame; a client that connects with
 * `?encoding=gzip` gets each snapshot as one binary frame instead, holding the gzip of the same JSON text (deltas
 * and errors stay text). docs/graph-protocol.md is the prose version of this file.
 *
 * Server → client:
 *   snapshot  the whole (filtered) graph, graphology's serialization, as of `seq`; always the first message, and sent
 *             again whenever the client asks (resync, filter) or fell behind
 *   delta     the ops of batches `from`..`seq` (inclusive, consecutive: `from` is the previous message's `seq` + 1);
 *             batches a filter leaves empty are folded into the next range, so a client only checks `from`
 *   error     a coded reason, sent just before the server closes the connection
 * Client → server:
 *   resync    send me a fresh snapshot (after a gap, or whenever)
 *   filter    replace my filter (answered with a snapshot under the new filter)
 */
import type { GraphOp, NodeKind, EdgeKind } from '../graph/types.js';
import type { SerializedLinkGraph } from '../graph/link-graph.js';

export const GRAPH_PROTOCOL_VERSION = 1;

/** The WebSocket subprotocol a client may offer (browsers that send `bearer.TOKEN` should offer this one too). */
export const GRAPH_SUBPROTOCOL = 'ecn.graph.v1';

/**
 * How snapshots travel, chosen at connect with the query parameter `encoding`: `json` (the default) as text frames,
 * `gzip` as one binary frame each holding the gzip of the exact JSON text a `json` client gets.
 */
export type SnapshotEncoding = 'json' | 'gzip';
export const SNAPSHOT_ENCODINGS: readonly SnapshotEncoding[] = ['json', 'gzip'];

/** Which part of the graph a client wants; all given conditions must hold (empty: everything). */
export interface GraphFilter {
  /** one application: its microservices, routes, public ports, the agents that host them, their routers and uplinks */
  application?: string;
  /** one agent: the agent, its router and uplinks, its microservices and their routes and ports */
  agent?: string;
  /** node kinds to keep; an edge is kept when both of its ends are */
  kinds?: NodeKind[];
}

export interface SnapshotMessage {
  type: 'snapshot';
  version: typeof GRAPH_PROTOCOL_VERSION;
  seq: number;
  filter: GraphFilter;
  graph: SerializedLinkGraph;
  /** why this snapshot was sent */
  reason: 'connect' | 'resync' | 'filter' | 'slow-client';
}

export interface DeltaMessage {
  type: 'delta';
  /** first batch covered (the previous message's seq + 1) */
  from: number;
  /** last batch covered */
  seq: number;
  ops: GraphOp[];
}

export type StreamErrorCode =
  | 'ECN_STREAM_BAD_MESSAGE' // not JSON, or not one of the client messages below
  | 'ECN_STREAM_BAD_FILTER' // a filter with unknown keys or values
  | 'ECN_STREAM_BAD_ENCODING' // ?encoding= is not json or gzip (HTTP 400 at upgrade)
  | 'ECN_STREAM_UNAUTHORIZED' // missing or wrong bearer token (sent as HTTP 401 when refused at upgrade)
  | 'ECN_STREAM_FORBIDDEN_ORIGIN' // Origin not allowed (HTTP 403 at upgrade)
  | 'ECN_STREAM_TOO_LARGE' // a client message over the maximum size
  | 'ECN_STREAM_SHUTDOWN'; // the manager is stopping

export interface ErrorMessage {
  type: 'error';
  code: StreamErrorCode;
  message: string;
  hint?: string;
}

export type ServerMessage = SnapshotMessage | DeltaMessage | ErrorMessage;

export interface ResyncMessage { type: 'resync' }
export interface FilterMessage { type: 'filter'; filter: GraphFilter }
export type ClientMessage = ResyncMessage | FilterMessage;

export const NODE_KINDS: readonly NodeKind[] = ['interior-router', 'edge-router', 'agent', 'microservice', 'public-port', 'edge-resource'];
export const EDGE_KINDS: readonly EdgeKind[] = ['uplink', 'inter-router', 'route', 'exposure', 'hosts', 'runs', 'advertises'];

/** WebSocket close codes the server uses (4000–4999 are the application's). */
export const CLOSE_CODES = {
  badMessage: 4400,
  unauthorized: 4401,
  forbiddenOrigin: 4403,
  tooLarge: 1009,
  internalError: 1011,
  shutdown: 1001,
} as const;
