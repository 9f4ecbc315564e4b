/**
 * Deterministic, stable placement of the link graph. A node is placed once, from the node it hangs from (its
 * "anchor"), and never moved by later changes:
 *   interior routers   the first at the centre, the others on a ring around it
 *   edge routers       on rings around their upstream interior (the target of their uplink), in arrival order
 *   agents             just outside their router; microservices fanned out beyond their agent; public ports beyond
 *                      their microservice; edge resources beyond the first agent that advertises them
 *   anything else      near its placed neighbours, or on an outer ring
 * The same graph always gives the same positions (nodes are placed in kind order, then by key). A node that
 * leaves and comes back returns to its old position. O(1) per node, except the neighbour scan of the fallback.
 */
import type { AbstractGraph } from 'graphology-types';
import { nodeStyle } from './theme.js';

export interface Point {
  x: number;
  y: number;
}

/** ring geometry of edge routers around an interior */
const FIRST_RING = 60;
/** wider than an edge router's cluster (agent, microservices, ports: 12 + 10 + 8 outwards) */
const RING_GAP = 40;
const SLOT_ARC = 24;
/** the least distance between interiors; more when they have many edge routers around them */
const MIN_INTERIOR_SPACING = 220;

const GOLDEN = Math.PI * (3 - Math.sqrt(5));

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

/** the radius of the ring that holds the n-th slot */
function ringRadiusFor(n: number): number {
  return ringSlot(Math.max(0, n - 1)).radius;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** a stride through a ring of c slots that visits every slot and spreads the first few around the whole ring */
function stride(c: number): number {
  let k = Math.max(1, Math.round(c * 0.382));
  while (gcd(k, c) !== 1) k++;
  return k;
}

/** the n-th slot around an anchor: rings outwards, each filled in a spread order, starting at angle `start` */
function ringSlot(n: number, start = 0): { radius: number; angle: number } {
  let ring = 0;
  let first = 0;
  for (;;) {
    const radius = FIRST_RING + ring * RING_GAP;
    const capacity = Math.max(6, Math.floor((2 * Math.PI * radius) / SLOT_ARC));
    if (n < first + capacity) {
      const p = ((n - first) * stride(capacity)) % capacity;
      const offset = ring % 2 === 1 ? Math.PI / capacity : 0;
      return { radius, angle: start + (2 * Math.PI * p) / capacity + offset };
    }
    first += capacity;
    ring++;
  }
}

/** the n-th of a fan of children around a direction: 0, +35°, -35°, +70°, … then a wider fan further out */
function fanSlot(n: number, base: number, dist: number): { dist: number; angle: number } {
  const perFan = 7;
  const fan = Math.floor(n / perFan);
  const j = n % perFan;
  const step = (35 * Math.PI) / 180;
  const side = j === 0 ? 0 : j % 2 === 1 ? Math.ceil(j / 2) : -Math.ceil(j / 2);
  return { dist: dist * (1 + fan * 0.8), angle: base + side * step + fan * (step / 2) };
}

type AnyGraph = AbstractGraph;

export class StableLayout {
  /** every position ever given, so a node that returns takes its old place */
  private readonly positions = new Map<string, Point>();
  /** direction each node points away from its anchor */
  private readonly headings = new Map<string, number>();
  /** children placed so far per anchor and kind */
  private readonly slots = new Map<string, number>();
  private interiors = 0;
  private orphans = 0;
  /** fixed by the first placement (from the edge routers then known), so later interiors do not move earlier ones */
  private interiorSpacing: number | undefined;

  /** Where `key` was placed, if it ever was. */
  positionOf(key: string): Point | undefined {
    return this.positions.get(key);
  }

  /** Places every node of the graph that has no position yet (kind order, then key order), and returns all. */
  placeAll(graph: AnyGraph): Map<string, Point> {
    const todo: string[] = [];
    graph.forEachNode((key) => todo.push(key));
    return this.placeMany(graph, todo);
  }

  /** Places the given nodes (already in the graph, with their edges) in kind order, then key order. */
  placeMany(graph: AnyGraph, keys: Iterable<string>): Map<string, Point> {
    const list = [...keys].map((key) => ({ key, rank: nodeStyle(String(graph.getNodeAttribute(key, 'kind'))).rank }));
    if (this.interiorSpacing === undefined) {
      let interiors = 0;
      let edges = 0;
      graph.forEachNode((_k, a) => {
        if (a.kind === 'interior-router') interiors++;
        else if (a.kind === 'edge-router') edges++;
      });
      // room for the busiest interior's rings, assuming the edge routers are spread evenly
      const perInterior = Math.ceil(edges / Math.max(1, interiors));
      this.interiorSpacing = Math.max(MIN_INTERIOR_SPACING, 2 * ringRadiusFor(perInterior) + 3 * RING_GAP);
    }
    list.sort((a, b) => a.rank - b.rank || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const out = new Map<string, Point>();
    for (const { key } of list) out.set(key, this.place(graph, key));
    return out;
  }

  /** The position of one node: its old one, or a new one from its anchor. */
  place(graph: AnyGraph, key: string): Point {
    const known = this.positions.get(key);
    if (known) return known;
    const p = this.compute(graph, key);
    this.positions.set(key, p);
    return p;
  }

  private nextSlot(anchor: string, kind: string): number {
    const k = `${anchor}\u0000${kind}`;
    const n = this.slots.get(k) ?? 0;
    this.slots.set(k, n + 1);
    return n;
  }

  /** the placed node at the other end of the first edge of `edgeKind` leaving (out) or entering (in) `key` */
  private anchorVia(graph: AnyGraph, key: string, edgeKind: string, dir: 'out' | 'in'): string | undefined {
    let found: string | undefined;
    const visit = (_e: string, attrs: Record<string, unknown>, source: string, target: string): boolean => {
      if (attrs.kind !== edgeKind) return false;
      const other = dir === 'out' ? target : source;
      if (!this.positions.has(other)) return false;
      // prefer a desired edge (an unexpected uplink must not pull an edge router away from its upstream)
      if (found === undefined || attrs.desired === true) found = other;
      return attrs.desired === true;
    };
    if (dir === 'out') graph.findOutEdge(key, visit);
    else graph.findInEdge(key, visit);
    return found;
  }

  private compute(graph: AnyGraph, key: string): Point {
    const kind = String(graph.getNodeAttribute(key, 'kind'));
    switch (kind) {
      case 'interior-router': {
        const i = this.interiors++;
        if (i === 0) {
          this.headings.set(key, 0);
          return { x: 0, y: 0 };
        }
        const angle = (2 * Math.PI * (i - 1)) / 6 + Math.floor((i - 1) / 6) * 0.5 + 0.6;
        const radius = (this.interiorSpacing ?? MIN_INTERIOR_SPACING) * (1 + Math.floor((i - 1) / 6));
        this.headings.set(key, angle);
        return { x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
      }
      case 'edge-router': {
        const up = this.anchorVia(graph, key, 'uplink', 'out');
        if (up) {
          const a = this.positions.get(up)!;
          // each anchor's rings start at their own angle, so that they do not line up with the anchor's other links
          const { radius, angle } = ringSlot(this.nextSlot(up, kind), hash(up) * 2 * Math.PI);
          this.headings.set(key, angle);
          return { x: a.x + radius * Math.cos(angle), y: a.y + radius * Math.sin(angle) };
        }
        break;
      }
      case 'agent':
        return this.child(graph, key, this.anchorVia(graph, key, 'runs', 'out'), kind, 12) ?? this.fallback(graph, key);
      case 'microservice':
        return this.child(graph, key, this.anchorVia(graph, key, 'hosts', 'in'), kind, 10) ?? this.fallback(graph, key);
      case 'public-port':
        return this.child(graph, key, this.anchorVia(graph, key, 'exposure', 'out'), kind, 8) ?? this.fallback(graph, key);
      case 'edge-resource':
        return this.child(graph, key, this.anchorVia(graph, key, 'advertises', 'in'), kind, 10) ?? this.fallback(graph, key);
      default:
        break;
    }
    return this.fallback(graph, key);
  }

  private child(_graph: AnyGraph, key: string, anchor: string | undefined, kind: string, dist: number): Point | undefined {
    if (anchor === undefined) return undefined;
    const a = this.positions.get(anchor)!;
    const base = this.headings.get(anchor) ?? hash(anchor) * 2 * Math.PI;
    const s = fanSlot(this.nextSlot(anchor, kind), base, dist);
    this.headings.set(key, s.angle);
    return { x: a.x + s.dist * Math.cos(s.angle), y: a.y + s.dist * Math.sin(s.angle) };
  }

  /** near the placed neighbours (their centre, nudged by the key's hash), or on an outer spiral */
  private fallback(graph: AnyGraph, key: string): Point {
    let sx = 0;
    let sy = 0;
    let n = 0;
    graph.forEachNeighbor(key, (other) => {
      const p = this.positions.get(other);
      if (p && n < 64) {
        sx += p.x;
        sy += p.y;
        n++;
      }
    });
    const angle = hash(key) * 2 * Math.PI;
    this.headings.set(key, angle);
    if (n > 0) {
      const r = 12 + hash(`${key}#r`) * 8;
      return { x: sx / n + r * Math.cos(angle), y: sy / n + r * Math.sin(angle) };
    }
    const i = this.orphans++;
    const r = 120 + 14 * Math.sqrt(i + 1) * 4;
    const a = i * GOLDEN;
    this.headings.set(key, a);
    const off = (this.interiorSpacing ?? MIN_INTERIOR_SPACING) / 2;
    return { x: -off + r * Math.cos(a), y: -off + r * Math.sin(a) };
  }
}
