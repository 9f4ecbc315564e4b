/**
 * Filtered views of the live link graph. A view is a set of node keys and a set of edge keys (every edge's ends in
 * the node set); its serialization is the filtered snapshot, and `apply(batch)` turns one change batch of the live
 * graph into the ops that take a client's copy of the view from the previous seq to this one. The property that
 * matters: snapshot(seq) + apply(seq+1..n) = snapshot(n), for every filter (test/stream/filter.test.ts).
 *
 * What a filter keeps (all given conditions must hold; then `kinds` drops nodes and the edges that touch them):
 *   application A  the microservices of A (details.application), the routes between them, the public ports exposing
 *                  them, the agents hosting them, those agents' routers and the routers' uplink targets
 *   agent N        the agent, its router, the router's uplinks / inter-router links and their other ends, the
 *                  microservices it hosts (details.agent), their routes (with the other end) and public ports
 *   kinds          nodes of these kinds; an edge when both ends are kept
 * Application and agent views are recomputed per batch from an index of microservices (cost: the view's size);
 * the kinds-only and empty views follow the ops (cost: the batch's size).
 */
import type { LiveGraph } from '../graph/link-graph.js';
import { agentKey, routerKey } from '../graph/keys.js';
import type { EdgeAttributes, GraphDelta, GraphOp, NodeAttributes, NodeKind } from '../graph/types.js';
import type { GraphFilter } from './protocol.js';

/** The canonical text of a filter: equal filters (kinds in any order) give the same key. */
export function filterKey(f: GraphFilter): string {
  const kinds = f.kinds ? [...new Set(f.kinds)].sort() : undefined;
  return JSON.stringify({ application: f.application, agent: f.agent, kinds });
}

/** The filter with kinds deduplicated and sorted, absent keys left out. */
export function normalizeFilter(f: GraphFilter): GraphFilter {
  const out: GraphFilter = {};
  if (f.application !== undefined) out.application = f.application;
  if (f.agent !== undefined) out.agent = f.agent;
  if (f.kinds !== undefined) out.kinds = [...new Set(f.kinds)].sort();
  return out;
}

export function isEmptyFilter(f: GraphFilter): boolean {
  return f.application === undefined && f.agent === undefined && f.kinds === undefined;
}

/** Which microservices belong to which application and agent; kept up to date from the change batches. */
export class MicroserviceIndex {
  private readonly info = new Map<string, { application: string | undefined; agent: string | undefined }>();
  readonly byApplication = new Map<string, Set<string>>();
  readonly byAgent = new Map<string, Set<string>>();

  constructor(graph: LiveGraph) {
    graph.forEachNode((key, a) => { if (a.kind === 'microservice') this.set(key, a); });
  }

  /** Re-reads the nodes a batch touched (call after the batch is applied to the live graph). */
  update(graph: LiveGraph, batch: readonly GraphOp[]): void {
    for (const op of batch) {
      if (op.op !== 'mergeNode' && op.op !== 'mergeNodeAttributes' && op.op !== 'dropNode') continue;
      this.remove(op.key);
      if (graph.hasNode(op.key)) {
        const a = graph.getNodeAttributes(op.key);
        if (a.kind === 'microservice') this.set(op.key, a);
      }
    }
  }

  private set(key: string, a: NodeAttributes): void {
    const application = typeof a.details.application === 'string' ? a.details.application : undefined;
    const agent = typeof a.details.agent === 'string' ? a.details.agent : undefined;
    this.info.set(key, { application, agent });
    if (application !== undefined) addTo(this.byApplication, application, key);
    if (agent !== undefined) addTo(this.byAgent, agent, key);
  }

  private remove(key: string): void {
    const i = this.info.get(key);
    if (!i) return;
    this.info.delete(key);
    if (i.application !== undefined) removeFrom(this.byApplication, i.application, key);
    if (i.agent !== undefined) removeFrom(this.byAgent, i.agent, key);
  }
}

function addTo(m: Map<string, Set<string>>, k: string, v: string): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom(m: Map<string, Set<string>>, k: string, v: string): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

interface Membership { nodes: Set<string>; edges: Set<string> }

/** An explicit node/edge set under construction: an edge only goes in with both of its ends. */
class Builder implements Membership {
  readonly nodes = new Set<string>();
  readonly edges = new Set<string>();
  constructor(private readonly graph: LiveGraph) {}
  node(key: string): void { if (this.graph.hasNode(key)) this.nodes.add(key); }
  edge(key: string, source: string, target: string): void {
    this.nodes.add(source);
    this.nodes.add(target);
    this.edges.add(key);
  }
}

function applicationMembers(graph: LiveGraph, index: MicroserviceIndex, application: string): Membership {
  const b = new Builder(graph);
  const ms = index.byApplication.get(application) ?? new Set<string>();
  const agents = new Set<string>();
  for (const m of ms) {
    if (!graph.hasNode(m)) continue;
    b.node(m);
    graph.forEachInEdge(m, (e, a, s) => {
      if (a.kind === 'exposure' || a.kind === 'hosts') b.edge(e, s, m);
      if (a.kind === 'hosts') agents.add(s);
    });
    graph.forEachOutEdge(m, (e, a, _s, t) => { if (a.kind === 'route' && ms.has(t)) b.edge(e, m, t); });
  }
  for (const g of agents) {
    graph.forEachOutEdge(g, (e, a, _s, r) => {
      if (a.kind !== 'runs') return;
      b.edge(e, g, r);
      graph.forEachOutEdge(r, (u, ua, _s2, t) => { if (ua.kind === 'uplink') b.edge(u, r, t); });
    });
  }
  return b;
}

function agentMembers(graph: LiveGraph, index: MicroserviceIndex, agent: string): Membership {
  const b = new Builder(graph);
  const ak = agentKey(agent);
  const routers = new Set<string>();
  if (graph.hasNode(routerKey(agent))) routers.add(routerKey(agent));
  if (graph.hasNode(ak)) {
    b.node(ak);
    graph.forEachOutEdge(ak, (e, a, _s, t) => {
      if (a.kind === 'runs') { b.edge(e, ak, t); routers.add(t); }
    });
  }
  for (const r of routers) {
    b.node(r);
    graph.forEachOutEdge(r, (e, a, _s, t) => { if (a.kind === 'uplink' || a.kind === 'inter-router') b.edge(e, r, t); });
    graph.forEachInEdge(r, (e, a, s) => { if (a.kind === 'inter-router') b.edge(e, s, r); });
  }
  for (const m of index.byAgent.get(agent) ?? []) {
    if (!graph.hasNode(m)) continue;
    b.node(m);
    graph.forEachInEdge(m, (e, a, s) => {
      if (a.kind === 'exposure' || a.kind === 'route' || (a.kind === 'hosts' && s === ak)) b.edge(e, s, m);
    });
    graph.forEachOutEdge(m, (e, a, _s, t) => { if (a.kind === 'route') b.edge(e, m, t); });
  }
  return b;
}

function intersect(a: Membership, b: Membership): Membership {
  const nodes = new Set<string>();
  const edges = new Set<string>();
  for (const n of a.nodes) if (b.nodes.has(n)) nodes.add(n);
  for (const e of a.edges) if (b.edges.has(e)) edges.add(e);
  return { nodes, edges };
}

/** One filter's view of the live graph. */
export class FilterView {
  readonly filter: GraphFilter;
  private readonly kinds: ReadonlySet<NodeKind> | undefined;
  /** application/agent filters: membership recomputed per batch; otherwise decided per element */
  private readonly structural: boolean;
  private nodes = new Set<string>();
  private edges = new Set<string>();

  constructor(filter: GraphFilter, private readonly graph: LiveGraph, private readonly index: MicroserviceIndex) {
    this.filter = normalizeFilter(filter);
    this.kinds = this.filter.kinds ? new Set(this.filter.kinds) : undefined;
    this.structural = this.filter.application !== undefined || this.filter.agent !== undefined;
    if (this.structural) {
      const m = this.members();
      this.nodes = m.nodes;
      this.edges = m.edges;
    } else if (this.kinds) {
      graph.forEachNode((k, a) => { if (this.kinds!.has(a.kind)) this.nodes.add(k); });
      graph.forEachEdge((k, _a, s, t) => { if (this.nodes.has(s) && this.nodes.has(t)) this.edges.add(k); });
    }
  }

  /** true when the view is the whole graph (ops pass through unchanged) */
  get everything(): boolean {
    return !this.structural && !this.kinds;
  }

  get order(): number { return this.everything ? this.graph.order : this.nodes.size; }

  private members(): Membership {
    const f = this.filter;
    let m: Membership | undefined;
    if (f.application !== undefined) m = applicationMembers(this.graph, this.index, f.application);
    if (f.agent !== undefined) {
      const byAgent = agentMembers(this.graph, this.index, f.agent);
      m = m ? intersect(m, byAgent) : byAgent;
    }
    if (!m) throw new Error('members() of a non-structural filter');
    if (this.kinds) {
      for (const n of m.nodes) if (!this.kinds.has(this.graph.getNodeAttributes(n).kind)) m.nodes.delete(n);
      for (const e of m.edges) if (!m.nodes.has(this.graph.source(e)) || !m.nodes.has(this.graph.target(e))) m.edges.delete(e);
    }
    return m;
  }

  private nodeVisible(key: string): boolean {
    if (!this.graph.hasNode(key)) return false;
    return !this.kinds || this.kinds.has(this.graph.getNodeAttributes(key).kind);
  }

  /**
   * The ops of one batch (already applied to the live graph) as seen through this view, in replayable order: edge
   * drops, node drops, node merges, edge merges. Elements entering the view come whole (mergeNode /
   * mergeEdgeWithKey with their current attributes), elements leaving it are dropped.
   */
  apply(batch: readonly (GraphOp | GraphDelta)[]): GraphOp[] {
    if (this.everything) return batch.map(stripSeq);
    const g = this.graph;
    const nodeOps = new Map<string, GraphOp[]>();
    const edgeOps = new Map<string, GraphOp[]>();
    for (const op of batch) {
      const m = op.op === 'mergeNode' || op.op === 'dropNode' || op.op === 'mergeNodeAttributes' ? nodeOps : edgeOps;
      const list = m.get(op.key);
      if (list) list.push(op);
      else m.set(op.key, [op]);
    }
    let next: Membership;
    const nodeCandidates = new Set<string>(nodeOps.keys());
    const edgeCandidates = new Set<string>(edgeOps.keys());
    if (this.structural) {
      next = this.members();
      for (const n of this.nodes) nodeCandidates.add(n);
      for (const n of next.nodes) nodeCandidates.add(n);
      for (const e of this.edges) edgeCandidates.add(e);
      for (const e of next.edges) edgeCandidates.add(e);
    } else {
      // kinds only: a node's visibility follows its own kind, an edge's its ends'
      const nodes = this.nodes;
      const changed: string[] = [];
      for (const k of nodeCandidates) if (nodes.has(k) !== this.nodeVisible(k)) changed.push(k);
      for (const k of changed) if (g.hasNode(k)) g.forEachEdge(k, (e) => { edgeCandidates.add(e); });
      const nextNodes = new Set<string>();
      for (const k of nodeCandidates) if (this.nodeVisible(k)) nextNodes.add(k);
      const nextEdges = new Set<string>();
      for (const e of edgeCandidates) {
        if (!g.hasEdge(e)) continue;
        const s = g.source(e);
        const t = g.target(e);
        const vis = (n: string) => (nodeCandidates.has(n) ? nextNodes.has(n) : nodes.has(n));
        if (vis(s) && vis(t)) nextEdges.add(e);
      }
      next = { nodes: nextNodes, edges: nextEdges };
    }

    const dropEdges: GraphOp[] = [];
    const dropNodes: GraphOp[] = [];
    const mergeNodes: GraphOp[] = [];
    const mergeEdges: GraphOp[] = [];
    for (const k of edgeCandidates) {
      const was = this.edges.has(k);
      const now = next.edges.has(k);
      const ops = edgeOps.get(k);
      const dropped = ops?.some((o) => o.op === 'dropEdge') ?? false;
      if (was && (!now || dropped)) dropEdges.push({ op: 'dropEdge', key: k });
      if (now && (!was || dropped)) {
        mergeEdges.push({ op: 'mergeEdgeWithKey', key: k, source: g.source(k), target: g.target(k), attributes: { ...g.getEdgeAttributes(k) } as EdgeAttributes });
      } else if (now && ops) {
        for (const o of ops) mergeEdges.push(stripSeq(o));
      }
    }
    for (const k of nodeCandidates) {
      const was = this.nodes.has(k);
      const now = next.nodes.has(k);
      const ops = nodeOps.get(k);
      const dropped = ops?.some((o) => o.op === 'dropNode') ?? false;
      if (was && (!now || dropped)) dropNodes.push({ op: 'dropNode', key: k });
      if (now && (!was || dropped)) mergeNodes.push({ op: 'mergeNode', key: k, attributes: { ...g.getNodeAttributes(k) } as NodeAttributes });
      else if (now && ops) for (const o of ops) mergeNodes.push(stripSeq(o));
    }
    if (this.structural) {
      this.nodes = next.nodes;
      this.edges = next.edges;
    } else {
      for (const k of nodeCandidates) {
        if (next.nodes.has(k)) this.nodes.add(k);
        else this.nodes.delete(k);
      }
      for (const k of edgeCandidates) {
        if (next.edges.has(k)) this.edges.add(k);
        else this.edges.delete(k);
      }
    }
    return [...dropEdges, ...dropNodes, ...mergeNodes, ...mergeEdges];
  }

  /** The view as graphology's serialization (JSON text). */
  serialize(cache: JsonCache = new JsonCache(this.graph)): string {
    return this.serializeBuffer(cache).toString('utf8');
  }

  /**
   * The same as UTF-8 bytes, assembled from the elements' cached JSON (a copy of bytes, no stringifying). `head`, when
   * given, is put in front in the same copy (the server's message envelope), so the graph is not copied twice.
   */
  serializeBuffer(cache: JsonCache = new JsonCache(this.graph), head?: Buffer): Buffer {
    const g = this.graph;
    const parts: Buffer[] = head ? [head] : [];
    parts.push(Buffer.from(`{"options":${JSON.stringify({ type: g.type, multi: g.multi, allowSelfLoops: g.allowSelfLoops })},"attributes":{},"nodes":[`));
    let first = true;
    const add = (b: Buffer) => {
      if (!first) parts.push(COMMA);
      parts.push(b);
      first = false;
    };
    if (this.everything) g.forEachNode((k) => add(cache.node(k)));
    else for (const k of this.nodes) add(cache.node(k));
    parts.push(MIDDLE);
    first = true;
    if (this.everything) g.forEachEdge((k) => add(cache.edge(k)));
    else for (const k of this.edges) add(cache.edge(k));
    parts.push(END);
    return Buffer.concat(parts);
  }
}

const COMMA = Buffer.from(',');
const MIDDLE = Buffer.from('],"edges":[');
const END = Buffer.from(']}');

/**
 * The JSON of each node and edge of the live graph as graphology serializes it, kept until a batch touches the
 * element: a snapshot after a change re-serializes only what changed, and every view shares the same strings.
 */
export class JsonCache {
  private readonly nodes = new Map<string, Buffer>();
  private readonly edges = new Map<string, Buffer>();

  constructor(private readonly graph: LiveGraph) {}

  /** Forgets the elements a batch touched (call before serializing at the batch's seq). */
  invalidate(batch: readonly GraphOp[]): void {
    for (const op of batch) {
      if (op.op === 'mergeNode' || op.op === 'dropNode' || op.op === 'mergeNodeAttributes') this.nodes.delete(op.key);
      else this.edges.delete(op.key);
    }
  }

  clear(): void {
    this.nodes.clear();
    this.edges.clear();
  }

  node(k: string): Buffer {
    let s = this.nodes.get(k);
    if (s === undefined) {
      s = Buffer.from(`{"key":${JSON.stringify(k)},"attributes":${JSON.stringify(this.graph.getNodeAttributes(k))}}`);
      this.nodes.set(k, s);
    }
    return s;
  }

  edge(k: string): Buffer {
    let s = this.edges.get(k);
    if (s === undefined) {
      const g = this.graph;
      s = Buffer.from(`{"key":${JSON.stringify(k)},"source":${JSON.stringify(g.source(k))},"target":${JSON.stringify(g.target(k))},"attributes":${JSON.stringify(g.getEdgeAttributes(k))}}`);
      this.edges.set(k, s);
    }
    return s;
  }
}

function stripSeq(op: GraphOp | GraphDelta): GraphOp {
  if (!('seq' in op)) return op;
  const { seq: _seq, ...rest } = op;
  return rest as GraphOp;
}
