/**
 * The viewer's copy of the link graph: snapshots and deltas from the stream become one graphology graph carrying,
 * besides the server's attributes, what sigma draws (x, y, size, color, type). Deltas are queued and applied once
 * per animation frame, all of them at once; positions come from the stable layout and never change afterwards.
 */
import { MultiDirectedGraph } from 'graphology';
import type { GraphOp } from '../src/graph/types.js';
import type { DeltaMessage, SnapshotMessage } from '../src/stream/protocol.js';
import { StableLayout } from './layout.js';
import { edgeColor, edgeStyle, nodeColor, nodeStyle } from './theme.js';

export type ViewAttributes = Record<string, unknown> & {
  kind: string;
  label: string;
  state: string;
  x: number;
  y: number;
  size: number;
  color: string;
  type: string;
};
export type ViewEdgeAttributes = Record<string, unknown> & { kind: string; state: string; color: string; size: number; type: string };
export type ViewGraph = MultiDirectedGraph<ViewAttributes, ViewEdgeAttributes>;

export interface StoreListener {
  /** a snapshot replaced the whole graph (a new graph object) */
  replaced(graph: ViewGraph): void;
  /**
   * a batch of deltas was applied. Attribute changes of existing nodes and edges are made in place, without graph
   * events (which would make sigma reprocess the whole graph): `nodes` and `edges` list them for a partial redraw.
   * Added and dropped elements go through graph events as usual.
   */
  applied(seq: number, ops: number, nodes: string[], edges: string[]): void;
}

type Scheduler = (fn: () => void) => void;

export class GraphStore {
  graph: ViewGraph = new MultiDirectedGraph();
  seq = -1;
  readonly layout = new StableLayout();
  readonly kindCounts = new Map<string, number>();
  private queue: Array<SnapshotMessage | DeltaMessage> = [];
  private scheduled = false;

  constructor(
    private readonly listener: StoreListener,
    private readonly schedule: Scheduler,
  ) {}

  push(msg: SnapshotMessage | DeltaMessage): void {
    // a snapshot makes everything queued before it moot
    if (msg.type === 'snapshot') this.queue = [msg];
    else this.queue.push(msg);
    if (!this.scheduled) {
      this.scheduled = true;
      this.schedule(() => this.flush());
    }
  }

  /** Applies everything queued (normally called once per animation frame). */
  flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    const ops: GraphOp[] = [];
    let seq = this.seq;
    let patched: { nodes: string[]; edges: string[] } = { nodes: [], edges: [] };
    for (const msg of queue) {
      if (msg.type === 'snapshot') {
        this.loadSnapshot(msg);
        ops.length = 0;
        seq = msg.seq;
      } else {
        for (const op of msg.ops) ops.push(op);
        seq = msg.seq;
      }
    }
    if (ops.length > 0) patched = this.applyOps(ops);
    this.seq = seq;
    if (ops.length > 0 || queue.length > 0) this.listener.applied(seq, ops.length, patched.nodes, patched.edges);
  }

  private count(kind: string, by: number): void {
    this.kindCounts.set(kind, (this.kindCounts.get(kind) ?? 0) + by);
  }

  private loadSnapshot(msg: SnapshotMessage): void {
    const g: ViewGraph = new MultiDirectedGraph({ allowSelfLoops: false });
    this.kindCounts.clear();
    for (const n of msg.graph.nodes) {
      const a = (n.attributes ?? {}) as Record<string, unknown>;
      g.addNode(n.key, { ...a, ...visualNode(a), x: 0, y: 0 } as unknown as ViewAttributes);
      this.count(String(a.kind), 1);
    }
    for (const e of msg.graph.edges) {
      const a = (e.attributes ?? {}) as Record<string, unknown>;
      if (e.key === undefined || !g.hasNode(e.source) || !g.hasNode(e.target)) continue;
      g.addEdgeWithKey(e.key, e.source, e.target, { ...a, ...visualEdge(a) } as ViewEdgeAttributes);
    }
    const placed = this.layout.placeAll(g);
    g.updateEachNodeAttributes((key, attrs) => {
      const p = placed.get(key)!;
      attrs.x = p.x;
      attrs.y = p.y;
      return attrs;
    }, { attributes: ['x', 'y'] });
    this.graph = g;
    this.listener.replaced(g);
  }

  private applyOps(ops: GraphOp[]): { nodes: string[]; edges: string[] } {
    const g = this.graph;
    const added = new Set<string>();
    /** elements whose attributes changed in place (not added in this batch: those are processed by sigma anyway) */
    const nodes = new Set<string>();
    const edges = new Set<string>();
    const addedEdges = new Set<string>();
    const unplaced = new Set<string>();
    // a change of shape or line type moves the element to another sigma program: that one goes through events
    const patchNode = (key: string, attrs: Record<string, unknown>): void => {
      const cur = g.getNodeAttributes(key);
      if (added.has(key) || ('type' in attrs && attrs.type !== cur.type)) g.mergeNodeAttributes(key, attrs as Partial<ViewAttributes>);
      else {
        Object.assign(cur, attrs);
        nodes.add(key);
      }
    };
    const patchEdge = (key: string, attrs: Record<string, unknown>): void => {
      const cur = g.getEdgeAttributes(key);
      if (addedEdges.has(key) || ('type' in attrs && attrs.type !== cur.type)) g.mergeEdgeAttributes(key, attrs as Partial<ViewEdgeAttributes>);
      else {
        Object.assign(cur, attrs);
        edges.add(key);
      }
    };
    for (const op of ops) {
      switch (op.op) {
        case 'mergeNode': {
          const a = op.attributes as unknown as Record<string, unknown>;
          if (g.hasNode(op.key)) {
            const prev = g.getNodeAttribute(op.key, 'kind');
            if (prev !== a.kind) {
              this.count(String(prev), -1);
              this.count(String(a.kind), 1);
            }
            patchNode(op.key, { ...a, ...visualNode(a) });
          } else {
            // a provisional position (its old one if it had one); placed properly once the batch's edges are in
            const p = this.layout.positionOf(op.key) ?? { x: 0, y: 0 };
            g.addNode(op.key, { ...a, ...visualNode(a), x: p.x, y: p.y } as unknown as ViewAttributes);
            this.count(String(a.kind), 1);
            added.add(op.key);
            if (!this.layout.positionOf(op.key)) unplaced.add(op.key);
          }
          break;
        }
        case 'dropNode':
          if (g.hasNode(op.key)) {
            this.count(String(g.getNodeAttribute(op.key, 'kind')), -1);
            g.dropNode(op.key);
            unplaced.delete(op.key);
            nodes.delete(op.key);
          }
          break;
        case 'mergeNodeAttributes': {
          if (!g.hasNode(op.key)) break;
          const cur = g.getNodeAttributes(op.key);
          const a = op.attributes as Record<string, unknown>;
          const next = { ...a } as Record<string, unknown>;
          if ('kind' in a || 'state' in a || 'label' in a) {
            const kind = String(a.kind ?? cur.kind);
            if (kind !== cur.kind) {
              this.count(cur.kind, -1);
              this.count(kind, 1);
            }
            Object.assign(next, visualNode({ ...cur, ...a }));
          }
          patchNode(op.key, next);
          break;
        }
        case 'mergeEdgeWithKey': {
          if (!g.hasNode(op.source) || !g.hasNode(op.target)) break;
          const a = op.attributes as unknown as Record<string, unknown>;
          if (g.hasEdge(op.key)) patchEdge(op.key, { ...a, ...visualEdge(a) });
          else {
            g.addEdgeWithKey(op.key, op.source, op.target, { ...a, ...visualEdge(a) } as ViewEdgeAttributes);
            addedEdges.add(op.key);
          }
          break;
        }
        case 'dropEdge':
          if (g.hasEdge(op.key)) g.dropEdge(op.key);
          edges.delete(op.key);
          break;
        case 'mergeEdgeAttributes': {
          if (!g.hasEdge(op.key)) break;
          const a = op.attributes as Record<string, unknown>;
          const next = { ...a } as Record<string, unknown>;
          if ('kind' in a || 'state' in a) Object.assign(next, visualEdge({ ...g.getEdgeAttributes(op.key), ...a }));
          patchEdge(op.key, next);
          break;
        }
        default:
          break;
      }
    }
    if (unplaced.size > 0) {
      // new nodes are not in sigma's programs yet (it processes them on its next frame): events are fine here
      for (const [key, p] of this.layout.placeMany(g, unplaced)) {
        if (g.hasNode(key)) g.mergeNodeAttributes(key, { x: p.x, y: p.y });
      }
    }
    // an edge whose end was dropped is gone with it
    for (const e of edges) if (!g.hasEdge(e)) edges.delete(e);
    return { nodes: [...nodes], edges: [...edges] };
  }
}

function visualNode(a: Record<string, unknown>): { size: number; color: string; type: string; label: string; forceLabel: boolean; zIndex: number } {
  const kind = String(a.kind);
  const st = nodeStyle(kind);
  return { size: st.size, color: nodeColor(kind, String(a.state)), type: st.shape, label: String(a.label ?? ''), forceLabel: kind === 'interior-router', zIndex: 5 - st.rank };
}

function visualEdge(a: Record<string, unknown>): { size: number; color: string; type: string } {
  const st = edgeStyle(String(a.kind));
  // a link that is down is drawn thicker: it is what one looks for
  return { size: a.state === 'down' ? st.size * 1.8 : st.size, color: edgeColor(String(a.state)), type: st.type };
}
