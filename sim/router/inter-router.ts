/**
 * Interior ↔ interior. On every inter-router connection each side attaches a control sender (target `qdrouter`,
 * linkType router-control) and an anonymous data sender (linkType inter-router). Over the control links the
 * interiors flood link-state ads (link-state.ts): each router announces its neighbours, the edges attached to it and
 * the mobile addresses it serves; a router re-announces on every change, stores any newer ad it hears and passes it
 * on to its other neighbours, and sends its whole database to a neighbour that just came up. That is enough to
 * route `_topo/0/R/…`, `_edge/E/…` and mobile addresses across interiors and to fill router.node, but it is not the
 * real routers' HELLO/RA/LSU protocol: a simulated interior and a real one do not form a topology together.
 */
import { isLinkStateAd, LinkStateDb, type LinkStateAd } from './link-state.js';
import type { Hop } from './forwarding.js';
import type { ConnRecord, RouterContext } from './state.js';
import type { RouterLinkOpener } from './uplink.js';

export const ROUTER_CONTROL_ADDRESS = 'qdrouter';

export class InterRouter {
  readonly db: LinkStateDb;
  /** neighbour id → its open inter-router connections */
  private readonly neighbours = new Map<string, Set<ConnRecord>>();
  private seq = 0;
  private announceQueued = false;

  constructor(
    private readonly ctx: RouterContext,
    private readonly links: RouterLinkOpener,
    /** what this router announces besides its neighbours */
    private readonly local: () => { edges: string[]; mobile: string[] },
    /** boot instance of this router (changes on restart) */
    private readonly instance: () => number,
  ) {
    // lastTopoChange stays 0 until the topology first changes (the recorded lone INT.A reports 0)
    this.db = new LinkStateDb(ctx.id);
  }

  /** An inter-router connection's open arrived: attach our links, announce the new neighbour, sync the database. */
  peerOpened(rec: ConnRecord): void {
    const peer = rec.container;
    if (!peer || peer === this.ctx.id) {
      this.ctx.logger.warn({ peer }, 'inter-router connection from an unnamed router or from ourselves; ignored');
      return;
    }
    rec.controlSender = this.links.openSender(rec, {
      role: 'control-out', linkType: 'router-control', owningAddr: null,
      options: { target: { address: ROUTER_CONTROL_ADDRESS } },
    });
    rec.dataSender = this.links.openSender(rec, {
      role: 'router-out', linkType: 'inter-router', owningAddr: null, options: { target: {} },
    });
    let set = this.neighbours.get(peer);
    if (!set) { set = new Set(); this.neighbours.set(peer, set); }
    set.add(rec);
    this.announce();
    for (const ad of this.db.all()) this.sendAd(rec, ad);
  }

  peerGone(rec: ConnRecord): void {
    const peer = rec.container;
    const set = peer ? this.neighbours.get(peer) : undefined;
    if (!peer || !set?.delete(rec)) return;
    if (set.size === 0) this.neighbours.delete(peer);
    this.announce();
  }

  /** A control message from a neighbour. Malformed ones are logged and dropped. */
  onControl(rec: ConnRecord, body: unknown): void {
    const b = body as { op?: unknown; ad?: unknown } | null;
    if (!b || b.op !== 'lsa' || !isLinkStateAd(b.ad)) {
      this.ctx.logger.debug({ from: rec.container }, 'ignored malformed router control message');
      return;
    }
    const ad = b.ad;
    if (!this.db.offer(ad)) return;
    this.db.recompute(this.ctx.clock.now());
    this.ctx.emit('topology-changed', this.db.reachable());
    for (const [, conns] of this.neighbours) {
      for (const c of conns) if (c !== rec) this.sendAd(c, ad);
    }
  }

  /**
   * Something we announce changed. Changes that come in bursts (hundreds of edges attaching) are announced once, on
   * the next turn of the event loop; a neighbour change is announced at once (announce()).
   */
  changed(): void {
    if (this.announceQueued) return;
    this.announceQueued = true;
    setImmediate(() => {
      if (!this.announceQueued) return;
      this.announce();
    });
  }

  /** A neighbour came or went, or changed() fired: re-announce ourselves now. */
  announce(): void {
    this.announceQueued = false;
    // only neighbours read our edges and mobile addresses (our own routing uses the live tables): alone, an interior
    // skips collecting them, which at ten thousand attached edges would cost O(addresses) on every burst of reports
    const { edges, mobile } = this.neighbours.size > 0 ? this.local() : { edges: [], mobile: [] };
    const neighbours: Record<string, number> = {};
    for (const [id, conns] of this.neighbours) {
      let cost = Infinity;
      for (const c of conns) cost = Math.min(cost, c.cost ?? 1);
      neighbours[id] = Number.isFinite(cost) ? cost : 1;
    }
    const ad: LinkStateAd = { id: this.ctx.id, instance: this.instance(), seq: ++this.seq, neighbours, edges, mobile };
    this.db.setSelf(ad);
    this.db.recompute(this.ctx.clock.now());
    this.ctx.emit('topology-changed', this.db.reachable());
    for (const conns of this.neighbours.values()) for (const c of conns) this.sendAd(c, ad);
  }

  neighbourHop(routerId: string): Hop | undefined {
    const conns = this.neighbours.get(routerId);
    if (!conns) return undefined;
    for (const c of conns) if (!c.closing && c.dataSender) return { conn: c, sender: c.dataSender };
    return undefined;
  }

  neighbourIds(): string[] {
    return [...this.neighbours.keys()];
  }

  /** the connection a neighbour is reached over (router.node routerLink) */
  neighbourConn(routerId: string): ConnRecord | undefined {
    const conns = this.neighbours.get(routerId);
    return conns ? [...conns][0] : undefined;
  }

  private sendAd(rec: ConnRecord, ad: LinkStateAd): void {
    const s = rec.controlSender;
    if (!s || rec.closing || s.is_closed()) return;
    try {
      s.send({ body: { op: 'lsa', ad } });
    } catch (err) {
      this.ctx.logger.warn({ err, to: rec.container }, 'cannot send link-state ad');
    }
  }
}
