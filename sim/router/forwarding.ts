/**
 * Forwarding: where a message goes from this router, and how its outcome comes back.
 *
 * - A local name (`$management`, `temp.<x>`, …) is served by a consumer of this router (the agent, a client's reply
 *   receiver, a TCP bridge flow).
 * - `_topo/0/R/…`: an interior sends it towards interior R along the link-state shortest path; an edge sends every
 *   `_topo` address up its active uplink (an edge is never a topology node, so `_topo/0/<edge>` dies at the interior).
 * - `_edge/E/…`: an edge serves its own and sends the rest up; an interior sends it down E's edge-downlink (key H<E>)
 *   or towards the interior E hangs off.
 * - mobile addresses: local subscribers first; an edge then goes up; an interior tries its edges, then the interiors
 *   that announce the address.
 * - no route: the delivery is RELEASED (transfer.c qdr_link_forward_CT), and the sender sees that.
 *
 * Between routers the message travels as received, with the routers' own annotations: `x-opt-qd.to` when the
 * routing address is not the message's `to` (a targeted link), `x-opt-qd.ingress`, and `x-opt-qd.trace` (routers
 * passed, so a transient routing loop cannot circulate a message). Towards clients the annotations are stripped.
 */
import type { Delivery, Message, Sender } from 'rhea';
import { parseAddress } from './addressing.js';
import type { LinkStateDb } from './link-state.js';
import { FAILED_IN_FLIGHT, RELEASED, outcomeOf, type Outcome, type OutcomeCallback } from './outcome.js';
import { withRouterAnnotations } from './raw-message.js';
import { directPeer, later, type DirectDelivery } from './direct-hop.js';
import type { ConnRecord, LinkRecord, RouterContext } from './state.js';

/** A message being routed by this router. */
export interface RoutedMessage {
  /** the encoded message as it arrived (or as this router encoded it) */
  raw: Buffer;
  message: Message;
  /** the address it is routed by (link target, `x-opt-qd.to`, or `to`) */
  address: string;
  /** routers it has passed, from its annotations */
  trace: string[];
  ingress: string | undefined;
  /** the connection it arrived on (undefined when this router originated it) */
  from: ConnRecord | undefined;
}

export interface LocalConsumer {
  readonly label: string;
  deliver(msg: RoutedMessage, done: OutcomeCallback): void;
}

/** A link to a peer router (or a client) to send on. */
export interface Hop {
  conn: ConnRecord;
  sender: Sender;
}

export type Destination =
  | { kind: 'local'; consumer: LocalConsumer; key: string }
  | { kind: 'router'; hop: Hop; key: string }
  | { kind: 'none'; key: string; why: string };

/** The lookups forwarding needs; router.ts answers them from its address table, uplinks, edges and link state. */
export interface RoutingTables {
  localConsumer(name: string): LocalConsumer | undefined;
  mobileConsumer(address: string): LocalConsumer | undefined;
  /** edge: the active uplink's data sender */
  uplink(): Hop | undefined;
  /** interior: the downlink of a locally attached edge */
  edgeDownlink(edgeId: string): Hop | undefined;
  /** interior: a locally attached edge that reported a subscriber for the address */
  edgeWithAddress(address: string, exclude: ConnRecord | undefined): Hop | undefined;
  /** interior: the data link to a neighbour router */
  neighbourHop(routerId: string): Hop | undefined;
  readonly linkState: LinkStateDb;
  /** the mobile-address key used in router.address (`M0x` / `Mx`) */
  mobileKey(address: string): string;
}

const MAX_TRACE = 32;

/** a framed delivery (rhea's), or the token of a direct one */
type PendingKey = Delivery | object;

export class Forwarder {
  /** our outgoing deliveries whose outcome someone waits for */
  private readonly pending = new Map<PendingKey, { done: OutcomeCallback; conn: ConnRecord; link: LinkRecord | undefined }>();

  constructor(private readonly ctx: RouterContext, private readonly tables: RoutingTables) {}

  /** Decides where a message goes (no side effects). */
  resolve(msg: RoutedMessage): Destination {
    const { id, mode } = this.ctx;
    const p = parseAddress(msg.address);
    const local = (name: string): Destination => {
      const consumer = name ? this.tables.localConsumer(name) : undefined;
      return consumer ? { kind: 'local', consumer, key: `L${name}` } : { kind: 'none', key: `L${name}`, why: `no local consumer for '${name}'` };
    };
    const up = (key: string): Destination => {
      const hop = this.tables.uplink();
      return hop ? this.viaHop(msg, hop, key) : { kind: 'none', key, why: 'no active uplink' };
    };
    const towardsRouter = (routerId: string, key: string): Destination => {
      const route = this.tables.linkState.route(routerId);
      const hop = route ? this.tables.neighbourHop(route.nextHop) : undefined;
      return hop ? this.viaHop(msg, hop, key) : { kind: 'none', key, why: `no route to router '${routerId}'` };
    };
    switch (p.kind) {
      case 'local':
        return local(p.name);
      case 'topo':
        if (mode === 'edge') return up(`R${p.router}`);
        if (p.router === id) return local(p.name);
        return towardsRouter(p.router, `R${p.router}`);
      case 'edge': {
        const key = `H${p.edge}`;
        if (mode === 'edge') return p.edge === id ? local(p.name) : up(key);
        const down = this.tables.edgeDownlink(p.edge);
        if (down) return this.viaHop(msg, down, key);
        const interior = this.tables.linkState.interiorOfEdge(p.edge);
        return interior ? towardsRouter(interior, key) : { kind: 'none', key, why: `unknown edge router '${p.edge}'` };
      }
      case 'mobile': {
        const key = this.tables.mobileKey(p.address);
        const consumer = this.tables.mobileConsumer(p.address);
        if (consumer) return { kind: 'local', consumer, key };
        if (mode === 'edge') return up(key);
        const edge = this.tables.edgeWithAddress(p.address, msg.from);
        if (edge) return this.viaHop(msg, edge, key);
        for (const r of this.tables.linkState.interiorsWithAddress(p.address)) {
          const d = towardsRouter(r, key);
          if (d.kind !== 'none') return d;
        }
        return { kind: 'none', key, why: `no subscriber for '${p.address}'` };
      }
    }
  }

  /** Routes a message and reports its final outcome (RELEASED when there is no route). */
  forward(msg: RoutedMessage, done: OutcomeCallback): void {
    let dest: Destination;
    try {
      dest = this.resolve(msg);
    } catch (err) {
      this.ctx.logger.warn({ err, address: msg.address }, 'cannot route message');
      done(RELEASED);
      return;
    }
    const fromRouter = msg.from !== undefined && msg.from.role !== 'normal';
    switch (dest.kind) {
      case 'none':
        this.ctx.logger.debug({ address: msg.address, why: dest.why }, 'released: no route');
        done(RELEASED);
        return;
      case 'local':
        this.ctx.registry.countAddress(dest.key, fromRouter ? 'egress' : 'ingress');
        this.ctx.registry.counters.deliveriesEgress++;
        try {
          dest.consumer.deliver(msg, done);
        } catch (err) {
          this.ctx.logger.error({ err, consumer: dest.consumer.label }, 'local consumer failed');
          done(RELEASED);
        }
        return;
      case 'router': {
        this.ctx.registry.countAddress(dest.key, fromRouter ? 'transit' : 'ingress');
        if (fromRouter) this.ctx.registry.counters.deliveriesTransit++;
        const ann = {
          to: msg.address !== msg.message.to ? msg.address : undefined,
          ingress: msg.ingress ?? this.ctx.id,
          trace: [...msg.trace, this.ctx.id],
        };
        if (this.sendDirect(dest.hop, { raw: msg.raw, message: msg.message, ...ann }, done)) return;
        let payload: Buffer;
        try {
          payload = withRouterAnnotations(msg.raw, ann);
        } catch (err) {
          this.ctx.logger.warn({ err }, 'message is not valid AMQP; rejected');
          done({ kind: 'rejected', condition: 'amqp:decode-error', description: 'malformed message' });
          return;
        }
        this.send(dest.hop, payload, done);
        return;
      }
    }
  }

  /**
   * Hands a delivery to the peer router directly when it runs in this process (direct-hop.ts); false when it must be
   * framed instead (a TCP peer, a link not attached at the other end yet, framed deliveries still unsettled on it).
   */
  private sendDirect(hop: Hop, d: DirectDelivery, done: OutcomeCallback): boolean {
    const link = this.ctx.registry.links.get(hop.sender);
    if (!link || (link.framedInFlight ?? 0) > 0 || hop.conn.closing || hop.sender.is_closed()) return false;
    const peer = directPeer(link);
    if (!peer) return false;
    link.counters.delivered++;
    hop.conn.lastDeliveryAt = this.ctx.clock.now();
    const token: PendingKey = {};
    this.pending.set(token, { done, conn: hop.conn, link });
    later(() => peer.ep.receiver.receiveDirect(peer.ep.rec, peer.link, d, (outcome) => later(() => this.settleDirect(token, outcome))));
    return true;
  }

  private settleDirect(token: PendingKey, outcome: Outcome): void {
    const p = this.pending.get(token);
    if (!p) return; // failed with its connection, or the router restarted
    this.pending.delete(token);
    if (p.link) countOutcome(p.link, outcome);
    p.done(outcome);
  }

  /** Sends encoded bytes on a link and reports the peer's outcome (or RELEASED if it cannot be sent now). */
  send(hop: Hop, payload: Buffer, done: OutcomeCallback): void {
    const sender = hop.sender as Sender & { session: { outgoing: { available(): number } } };
    // a link whose attach is still in flight is usable: rhea holds the delivery until the peer grants credit
    if (hop.conn.closing || sender.is_closed() || sender.session.outgoing.available() <= 0) {
      this.ctx.logger.debug({ closing: hop.conn.closing, linkClosed: sender.is_closed(), available: sender.session.outgoing.available() }, 'released: link not usable');
      done(RELEASED);
      return;
    }
    let delivery: Delivery;
    try {
      // a format argument makes rhea send the bytes as they are (message format 0) instead of encoding an object
      delivery = sender.send(payload as unknown as Message, undefined, 0);
    } catch (err) {
      this.ctx.logger.warn({ err }, 'send failed; released');
      done(RELEASED);
      return;
    }
    const link = this.ctx.registry.links.get(sender);
    if (link) {
      link.counters.delivered++;
      link.framedInFlight = (link.framedInFlight ?? 0) + 1;
    }
    hop.conn.lastDeliveryAt = this.ctx.clock.now();
    this.pending.set(delivery, { done, conn: hop.conn, link });
  }

  /** rhea told us about a disposition of one of our outgoing deliveries. */
  onDeliveryUpdate(delivery: Delivery): void {
    const p = this.pending.get(delivery);
    if (!p) return;
    if (!delivery.remote_settled && delivery.remote_state === undefined) return;
    this.pending.delete(delivery);
    const outcome = outcomeOf(delivery);
    if (p.link) {
      p.link.framedInFlight = (p.link.framedInFlight ?? 1) - 1;
      countOutcome(p.link, outcome);
    }
    p.done(outcome);
  }

  /** A connection went away: its deliveries in flight fail (MODIFIED delivery-failed, as the router core reports). */
  failConnection(conn: ConnRecord): void {
    for (const [d, p] of [...this.pending]) {
      if (p.conn !== conn) continue;
      this.pending.delete(d);
      if (p.link) p.link.framedInFlight = 0;
      p.done(FAILED_IN_FLIGHT);
    }
  }

  /** Drops all waiting deliveries without telling anyone (router stop/restart: their senders are gone too). */
  clear(): void {
    this.pending.clear();
  }

  private viaHop(msg: RoutedMessage, hop: Hop, key: string): Destination {
    if (hop.conn === msg.from) return { kind: 'none', key, why: 'route leads back where the message came from' };
    const peer = hop.conn.container;
    if (peer && msg.trace.includes(peer)) return { kind: 'none', key, why: `routing loop through '${peer}'` };
    if (msg.trace.length >= MAX_TRACE) return { kind: 'none', key, why: 'too many hops' };
    return { kind: 'router', hop, key };
  }
}

export function countOutcome(link: LinkRecord, outcome: Outcome): void {
  switch (outcome.kind) {
    case 'accepted': link.counters.accepted++; break;
    case 'released': link.counters.released++; break;
    case 'rejected': link.counters.rejected++; break;
    case 'modified': link.counters.modified++; break;
  }
}
