/**
 * The live link graph: one graphology instance kept equal to computeGraph(latest inputs) by applying only the
 * difference, with each non-empty difference emitted as a numbered batch. A viewer takes snapshot() once, then
 * replays batches in seq order; a gap in seq means it must take a new snapshot.
 */
import { EventEmitter } from 'node:events';
import { MultiDirectedGraph } from 'graphology';
import { computeGraph, type GraphInput } from './compute.js';
import { applyOps, diffGraph } from './diff.js';
import type { EdgeAttributes, GraphDelta, NodeAttributes } from './types.js';

export type LiveGraph = MultiDirectedGraph<NodeAttributes, EdgeAttributes>;
export type SerializedLinkGraph = ReturnType<LiveGraph['export']>;

export interface LinkGraphSnapshot {
  /** the seq of the last batch the graph contains (0: none yet) */
  seq: number;
  graph: SerializedLinkGraph;
}

export type ChangeListener = (batch: GraphDelta[], seq: number) => void;

export function newLiveGraph(): LiveGraph {
  return new MultiDirectedGraph<NodeAttributes, EdgeAttributes>({ allowSelfLoops: false });
}

export class LinkGraph {
  private readonly live: LiveGraph = newLiveGraph();
  private readonly events = new EventEmitter();
  private seqNo = 0;
  /** keys of desired elements that have been up: absent now means down, not pending */
  private readonly seen = new Set<string>();

  /** The live graph, for reading. Mutating it directly breaks the delta stream. */
  get graph(): LiveGraph {
    return this.live;
  }

  get seq(): number {
    return this.seqNo;
  }

  on(event: 'change', listener: ChangeListener): this {
    this.events.on(event, listener);
    return this;
  }

  off(event: 'change', listener: ChangeListener): this {
    this.events.off(event, listener);
    return this;
  }

  /** Recomputes the graph from the inputs, applies the difference and returns it (empty: nothing changed, no event). */
  update(input: GraphInput): GraphDelta[] {
    const spec = computeGraph(input, this.seen);
    const ops = diffGraph(this.live, spec);
    // `seen` follows the ops only: an unchanged element kept its state, so this costs O(changes), not O(graph).
    // Only desired elements can be up (observed-only ones are unexpected), so state 'up' is enough to record.
    for (const op of ops) {
      if (op.op === 'dropNode' || op.op === 'dropEdge') this.seen.delete(op.key);
      else if (op.attributes.state === 'up') this.seen.add(op.key);
    }
    if (ops.length === 0) return [];
    applyOps(this.live, ops);
    const seq = ++this.seqNo;
    const batch: GraphDelta[] = ops.map((op) => ({ ...op, seq }));
    this.events.emit('change', batch, seq);
    return batch;
  }

  snapshot(): LinkGraphSnapshot {
    return { seq: this.seqNo, graph: this.live.export() };
  }
}
