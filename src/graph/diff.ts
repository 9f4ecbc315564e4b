/**
 * Target spec vs live graph → the ops that take one to the other, in an order a client can replay: edge drops,
 * node drops, node adds/merges, edge adds/merges. Cost is one pass over each side; an unchanged element costs a
 * lookup and a shallow comparison of its attributes, and produces nothing.
 */
import type { MultiDirectedGraph } from 'graphology';
import type { EdgeAttributes, GraphOp, GraphSpec, NodeAttributes } from './types.js';

type Flat = Record<string, unknown>;

/**
 * Counters named `…Since` are start times derived from uptimes (compute.ts): two passes over the same connection
 * differ by the rounding of the uptime, which is not a change. The live graph keeps its first value, so the
 * tolerance does not accumulate; a restart moves the value by the whole previous uptime.
 */
export const SINCE_TOLERANCE_S = 2;

function sameValue(k: string, a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return typeof a === 'number' && typeof b === 'number' && k.endsWith('Since') && Math.abs(a - b) <= SINCE_TOLERANCE_S;
}

function sameFlat(a: Flat, b: Flat): boolean {
  let n = 0;
  for (const k in a) {
    n++;
    if (!sameValue(k, a[k], b[k])) return false;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** The top-level attributes that differ (nested counters/details compared one level deep and sent whole). */
export function changedAttributes<A extends NodeAttributes | EdgeAttributes>(prev: A, next: A): Partial<A> | undefined {
  let out: Flat | undefined;
  const p = prev as unknown as Flat;
  const n = next as unknown as Flat;
  for (const k in n) {
    const a = p[k];
    const b = n[k];
    const same = a === b || (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && sameFlat(a as Flat, b as Flat));
    if (!same) (out ??= {})[k] = b;
  }
  return out as Partial<A> | undefined;
}

export function diffGraph(graph: MultiDirectedGraph<NodeAttributes, EdgeAttributes>, spec: GraphSpec): GraphOp[] {
  const dropEdges: GraphOp[] = [];
  const dropNodes: GraphOp[] = [];
  const nodeOps: GraphOp[] = [];
  const edgeOps: GraphOp[] = [];
  const replaced = new Set<string>();

  // Spec side first. Counting the live elements the spec kept tells whether anything must be dropped: when every
  // live element is accounted for, the passes over the live graph are skipped (the common, nothing-removed case).
  let keptNodes = 0;
  for (const [key, attributes] of spec.nodes) {
    if (!graph.hasNode(key)) nodeOps.push({ op: 'mergeNode', key, attributes });
    else {
      keptNodes++;
      const changed = changedAttributes(graph.getNodeAttributes(key), attributes);
      if (changed) nodeOps.push({ op: 'mergeNodeAttributes', key, attributes: changed });
    }
  }
  let keptEdges = 0;
  for (const [key, e] of spec.edges) {
    if (!graph.hasEdge(key)) {
      edgeOps.push({ op: 'mergeEdgeWithKey', key, source: e.source, target: e.target, attributes: e.attributes });
    } else if (graph.source(key) !== e.source || graph.target(key) !== e.target) {
      // graphology cannot move an edge: drop it and add it again with its new ends
      dropEdges.push({ op: 'dropEdge', key });
      replaced.add(key);
      edgeOps.push({ op: 'mergeEdgeWithKey', key, source: e.source, target: e.target, attributes: e.attributes });
    } else {
      keptEdges++;
      const changed = changedAttributes(graph.getEdgeAttributes(key), e.attributes);
      if (changed) edgeOps.push({ op: 'mergeEdgeAttributes', key, attributes: changed });
    }
  }
  if (keptEdges + replaced.size < graph.size) {
    graph.forEachEdge((key) => {
      if (!spec.edges.has(key)) dropEdges.push({ op: 'dropEdge', key });
    });
  }
  if (keptNodes < graph.order) {
    graph.forEachNode((key) => {
      if (!spec.nodes.has(key)) dropNodes.push({ op: 'dropNode', key });
    });
  }
  return [...dropEdges, ...dropNodes, ...nodeOps, ...edgeOps];
}

/** Replays ops on a graph (the live one here, a client's copy in a viewer). */
export function applyOps(graph: MultiDirectedGraph<NodeAttributes, EdgeAttributes>, ops: readonly GraphOp[]): void {
  for (const op of ops) {
    switch (op.op) {
      case 'dropEdge':
        if (graph.hasEdge(op.key)) graph.dropEdge(op.key);
        break;
      case 'dropNode':
        if (graph.hasNode(op.key)) graph.dropNode(op.key);
        break;
      case 'mergeNode':
        graph.mergeNode(op.key, op.attributes);
        break;
      case 'mergeNodeAttributes':
        graph.mergeNodeAttributes(op.key, op.attributes);
        break;
      case 'mergeEdgeWithKey':
        graph.mergeEdgeWithKey(op.key, op.source, op.target, op.attributes);
        break;
      case 'mergeEdgeAttributes':
        graph.mergeEdgeAttributes(op.key, op.attributes);
        break;
    }
  }
}
