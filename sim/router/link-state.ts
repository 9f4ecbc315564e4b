/**
 * The interior routers' view of each other: a link-state database filled by flooding (see inter-router.ts), and the
 * shortest paths computed from it. This stands in for the real routers' hello/RA/LSU protocol (router_pynode); it is
 * our own, smaller protocol, but it gives the same observable results: `router.node` rows with neighbour lists
 * (linkState), next hops and costs, and the set of edges and mobile addresses each interior serves.
 */

/** What one interior router announces about itself. */
export interface LinkStateAd {
  id: string;
  /** boot instance: a restarted router announces a larger one, which supersedes everything it said before */
  instance: number;
  /** increases with every change within one instance */
  seq: number;
  /** neighbour router id → link cost */
  neighbours: Record<string, number>;
  /** ids of the edge routers whose active uplink ends at this router */
  edges: string[];
  /** mobile addresses with subscribers at this router or its edges */
  mobile: string[];
}

export function isLinkStateAd(v: unknown): v is LinkStateAd {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return typeof o.id === 'string' && typeof o.instance === 'number' && typeof o.seq === 'number'
    && !!o.neighbours && typeof o.neighbours === 'object' && !Array.isArray(o.neighbours)
    && Array.isArray(o.edges) && Array.isArray(o.mobile);
}

export interface Route {
  /** the neighbour to send to */
  nextHop: string;
  cost: number;
}

export class LinkStateDb {
  private readonly ads = new Map<string, LinkStateAd>();
  private routes = new Map<string, Route>();
  /** stable per-node index, as the routers' mask bits: self is 0 */
  private readonly indexes = new Map<string, number>();
  private nextIndex = 1;
  /** clock time (ms) of the last change of the reachable topology */
  lastTopoChange = 0;

  constructor(private readonly self: string) {}

  /** Stores an ad if it is newer than what we hold. Returns true when it changed the database. */
  offer(ad: LinkStateAd): boolean {
    if (ad.id === this.self) return false;
    const held = this.ads.get(ad.id);
    if (held && (ad.instance < held.instance || (ad.instance === held.instance && ad.seq <= held.seq))) return false;
    this.ads.set(ad.id, ad);
    return true;
  }

  /** Our own ad is stored like the others, so that route computation sees one uniform graph. */
  setSelf(ad: LinkStateAd): void {
    this.ads.set(this.self, ad);
  }

  get(id: string): LinkStateAd | undefined {
    return this.ads.get(id);
  }

  all(): LinkStateAd[] {
    return [...this.ads.values()];
  }

  /**
   * Recomputes shortest paths (Dijkstra over links that both ends announce) and forgets routers that are no longer
   * reachable, so a router that left the network disappears from router.node. Returns true if the set of reachable
   * routers or any next hop changed.
   */
  recompute(now: number): boolean {
    const selfAd = this.ads.get(this.self);
    const dist = new Map<string, number>([[this.self, 0]]);
    const first = new Map<string, string>();
    const done = new Set<string>();
    for (;;) {
      let u: string | undefined;
      let best = Infinity;
      for (const [id, d] of dist) if (!done.has(id) && d < best) { best = d; u = id; }
      if (u === undefined) break;
      done.add(u);
      const ad = u === this.self ? selfAd : this.ads.get(u);
      if (!ad) continue;
      for (const [v, cost] of Object.entries(ad.neighbours)) {
        const back = this.ads.get(v);
        if (!back || back.neighbours[u] === undefined) continue; // one-sided: not (yet) a link
        const nd = best + (Number.isFinite(cost) && cost > 0 ? cost : 1);
        if (nd < (dist.get(v) ?? Infinity)) {
          dist.set(v, nd);
          first.set(v, u === this.self ? v : first.get(u)!);
        }
      }
    }
    const routes = new Map<string, Route>();
    for (const [id, d] of dist) if (id !== this.self) routes.set(id, { nextHop: first.get(id)!, cost: d });
    for (const id of [...this.ads.keys()]) if (id !== this.self && !routes.has(id)) this.ads.delete(id);
    for (const id of routes.keys()) if (!this.indexes.has(id)) this.indexes.set(id, this.nextIndex++);
    const changed = !sameRoutes(this.routes, routes);
    this.routes = routes;
    if (changed) this.lastTopoChange = now;
    return changed;
  }

  route(id: string): Route | undefined {
    return this.routes.get(id);
  }

  reachable(): string[] {
    return [...this.routes.keys()];
  }

  index(id: string): number {
    return id === this.self ? 0 : this.indexes.get(id) ?? -1;
  }

  /** The interior serving edge E (the closest one if several claim it), or undefined. */
  interiorOfEdge(edgeId: string): string | undefined {
    let best: string | undefined;
    let bestCost = Infinity;
    for (const [id, r] of this.routes) {
      if (this.ads.get(id)?.edges.includes(edgeId) && r.cost < bestCost) { best = id; bestCost = r.cost; }
    }
    return best;
  }

  /** The reachable interiors announcing a mobile address, closest first. */
  interiorsWithAddress(address: string): string[] {
    return [...this.routes.entries()]
      .filter(([id]) => this.ads.get(id)?.mobile.includes(address))
      .sort((a, b) => a[1].cost - b[1].cost)
      .map(([id]) => id);
  }

  /** Every interior (reachable, not self) announcing edge E, for router.address remoteHostRouters. */
  interiorsWithEdge(edgeId: string): string[] {
    return [...this.routes.keys()].filter((id) => this.ads.get(id)?.edges.includes(edgeId));
  }
}

function sameRoutes(a: Map<string, Route>, b: Map<string, Route>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, r] of a) {
    const o = b.get(k);
    if (!o || o.nextHop !== r.nextHop || o.cost !== r.cost) return false;
  }
  return true;
}
