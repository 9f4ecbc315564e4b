/**
 * How the viewer draws the link graph: one colour and shape per node kind, one colour per element state, sizes and
 * importance per kind. Pure data, shared by the renderer, the legend and the test hook.
 */
import type { EdgeKind, ElementState, NodeKind } from '../src/graph/types.js';

export type Shape = 'circle' | 'square' | 'diamond' | 'triangle';

export interface NodeStyle {
  label: string;
  color: string;
  shape: Shape;
  size: number;
  /** drawn when zoomed out on a large graph */
  important: boolean;
  /** placement order: a node is placed after the kinds it hangs from */
  rank: number;
}

export const NODE_STYLES: Record<NodeKind, NodeStyle> = {
  'interior-router': { label: 'interior router', color: '#1d3557', shape: 'diamond', size: 16, important: true, rank: 0 },
  'edge-router': { label: 'edge router', color: '#3a86ff', shape: 'square', size: 7, important: true, rank: 1 },
  agent: { label: 'agent', color: '#6c757d', shape: 'circle', size: 5, important: false, rank: 2 },
  microservice: { label: 'microservice', color: '#e76f51', shape: 'circle', size: 4, important: false, rank: 3 },
  'public-port': { label: 'public port', color: '#2a9d8f', shape: 'triangle', size: 5, important: false, rank: 4 },
  'edge-resource': { label: 'edge resource', color: '#b5838d', shape: 'triangle', size: 5, important: false, rank: 4 },
};

export const STATE_COLORS: Record<ElementState, string> = {
  up: '#2b9348',
  down: '#d62828',
  pending: '#f4a261',
  unexpected: '#8e44ad',
};

export const STATE_LABELS: Record<ElementState, string> = {
  up: 'up (desired and confirmed)',
  down: 'down (desired, failed or gone)',
  pending: 'pending (not confirmed yet)',
  unexpected: 'unexpected (observed, not desired)',
};

export interface EdgeStyle {
  size: number;
  type: 'line' | 'arrow';
  important: boolean;
}

export const EDGE_STYLES: Record<EdgeKind, EdgeStyle> = {
  uplink: { size: 1.6, type: 'line', important: true },
  'inter-router': { size: 3, type: 'line', important: true },
  route: { size: 1.6, type: 'arrow', important: false },
  exposure: { size: 1, type: 'line', important: false },
  hosts: { size: 0.8, type: 'line', important: false },
  runs: { size: 0.8, type: 'line', important: false },
  advertises: { size: 0.8, type: 'line', important: false },
};

const FALLBACK_NODE: NodeStyle = { label: 'unknown', color: '#999999', shape: 'circle', size: 4, important: false, rank: 5 };
const FALLBACK_EDGE: EdgeStyle = { size: 1, type: 'line', important: false };

export const nodeStyle = (kind: string): NodeStyle => NODE_STYLES[kind as NodeKind] ?? FALLBACK_NODE;
export const edgeStyle = (kind: string): EdgeStyle => EDGE_STYLES[kind as EdgeKind] ?? FALLBACK_EDGE;

/** A node is drawn in its kind's colour; down and unexpected nodes take the state's colour so they stand out. */
export function nodeColor(kind: string, state: string): string {
  if (state === 'down' || state === 'unexpected') return STATE_COLORS[state];
  return nodeStyle(kind).color;
}

export const edgeColor = (state: string): string => STATE_COLORS[state as ElementState] ?? '#999999';
