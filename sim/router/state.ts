/**
 * The live state of one simulated router that several modules share: its identity, its connections and links (the
 * rows of the `connection` and `router.link` runtime entities), and the counters behind `router` / `routerMetrics`.
 * Only plain records and the registry live here, so every other module can depend on this one without cycles.
 */
import type { Connection, Container, Receiver, Sender } from 'rhea';
import type { Clock } from '../../src/clock.js';
import type { Logger } from '../../src/log.js';
import type { Flavor } from '../../src/router/protocol.js';
import type { SimSocket, SimTransport } from './transport.js';

export type RouterMode = 'interior' | 'edge';
export type ConnRole = 'normal' | 'inter-router' | 'edge' | 'route-container' | 'inter-edge' | 'inter-network';

/** How a link of ours is used. Names are from this router's side: `-in` links receive, `-out` links send. */
export type LinkRole =
  | 'client-in' // a client's sender: messages to route (by the link target, or each message's `to`)
  | 'client-out' // a client's receiver: a dynamic reply address or a mobile subscription
  | 'router-in' // data from a peer router (uplink data on an interior, downlink on an edge, inter-router data)
  | 'router-out' // data to a peer router (our uplink data sender, our inter-router data sender)
  | 'downlink-out' // interior: the edge-downlink an edge attached; messages for _edge/<E> go down it
  | 'control-in' // control messages from a peer router (link-state ads, an edge's address report)
  | 'control-out'; // control messages to a peer router

/** router.link `linkType` values */
export type LinkType = 'endpoint' | 'router-control' | 'inter-router' | 'edge-downlink';

export interface LinkCounters {
  delivered: number;
  presettled: number;
  accepted: number;
  rejected: number;
  released: number;
  modified: number;
}

export interface LinkRecord {
  identity: string;
  name: string;
  link: Sender | Receiver;
  conn: ConnRecord;
  role: LinkRole;
  linkType: LinkType;
  /** router.link linkDir: `in` when this router receives on it */
  dir: 'in' | 'out';
  /** router.address key the link is bound to, or null (anonymous links) */
  owningAddr: string | null;
  /** the terminus address a client sender targets (routes its messages), if any */
  target?: string | undefined;
  counters: LinkCounters;
  /** undoes what attaching the link set up (a subscription, an edge binding) */
  cleanup?: (() => void) | undefined;
  /** sending links: framed deliveries not yet settled by the peer (direct-hop.ts keeps per-link order with it) */
  framedInFlight?: number;
  /** sending links: the peer's receiving link, when the peer is a router of this process (direct-hop.ts) */
  directPeer?: LinkRecord | undefined;
}

export interface ConnRecord {
  /** numeric string, unique within the router instance (shared counter with links, as the router core does) */
  identity: string;
  conn: Connection;
  socket: SimSocket | undefined;
  role: ConnRole;
  dir: 'in' | 'out';
  /** `127.0.0.1:<port>`: the peer's address for accepted connections, the connector's host:port for dialled ones */
  host: string;
  /** our end of the stream, `host:port` (skupper's connection localSocket) */
  localSocket?: string | undefined;
  /** remote container id from the peer's open (a router's id for router peers) */
  container: string | undefined;
  /** the peer's open properties */
  properties: Record<string, unknown>;
  /** set when the peer's open arrived */
  opened: boolean;
  /** clock time of creation, for uptimeSeconds */
  createdAt: number;
  lastDeliveryAt: number | undefined;
  /** config entity that owns it */
  listener?: string | undefined;
  connector?: string | undefined;
  /** link cost of a router connection (from its listener or connector) */
  cost?: number | undefined;
  /** edge mode: this uplink is the active one */
  active: boolean;
  closing: boolean;
  /** the last transport error seen on the stream (for a connector's connectionMsg) */
  error?: string | undefined;
  links: Set<LinkRecord>;
  /** router connections: the links this router attached to the peer */
  dataSender?: Sender | undefined;
  controlSender?: Sender | undefined;
  /** interior: the edge-downlink sender bound to H<edge> */
  downlink?: Sender | undefined;
  /** edge: our edge-downlink receiver on this uplink */
  edgeDownlink?: Receiver | undefined;
}

/** Everything a module needs to know about the router it works for. */
export interface RouterContext {
  readonly id: string;
  readonly mode: RouterMode;
  readonly flavor: Flavor;
  readonly version: string;
  readonly host: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly transport: SimTransport;
  /** the transport a listener entity binds on, by listener name (the router's transport unless overridden) */
  listenerTransport(listenerName: string): SimTransport;
  readonly container: Container;
  readonly registry: Registry;
  /** emits a router event ('uplink-up', 'edge-attached', …) */
  emit(event: string, ...args: unknown[]): void;
}

/** Router-wide counters (qd 1.x `router` attributes, skupper 3.x `routerMetrics`). */
export interface RouterCounters {
  presettledDeliveries: number;
  droppedPresettledDeliveries: number;
  acceptedDeliveries: number;
  rejectedDeliveries: number;
  releasedDeliveries: number;
  modifiedDeliveries: number;
  deliveriesIngress: number;
  deliveriesEgress: number;
  deliveriesTransit: number;
}

export function zeroCounters(): RouterCounters {
  return {
    presettledDeliveries: 0, droppedPresettledDeliveries: 0, acceptedDeliveries: 0, rejectedDeliveries: 0,
    releasedDeliveries: 0, modifiedDeliveries: 0, deliveriesIngress: 0, deliveriesEgress: 0, deliveriesTransit: 0,
  };
}

/** Connections and links by rhea object, with the identity counter of one router instance. */
export class Registry {
  readonly conns = new Map<Connection, ConnRecord>();
  readonly links = new Map<Sender | Receiver, LinkRecord>();
  /** per router.address key: deliveries counted at this router */
  readonly addressStats = new Map<string, { ingress: number; egress: number; transit: number }>();
  counters: RouterCounters = zeroCounters();
  private nextIdentity = 1;

  nextId(): string {
    return String(this.nextIdentity++);
  }

  addConn(rec: ConnRecord): void {
    this.conns.set(rec.conn, rec);
  }

  removeConn(conn: Connection): ConnRecord | undefined {
    const rec = this.conns.get(conn);
    if (!rec) return undefined;
    this.conns.delete(conn);
    for (const l of rec.links) this.links.delete(l.link);
    rec.links.clear();
    return rec;
  }

  addLink(rec: LinkRecord): void {
    this.links.set(rec.link, rec);
    rec.conn.links.add(rec);
  }

  removeLink(link: Sender | Receiver): LinkRecord | undefined {
    const rec = this.links.get(link);
    if (!rec) return undefined;
    this.links.delete(link);
    rec.conn.links.delete(rec);
    return rec;
  }

  byIdentity(identity: string): ConnRecord | undefined {
    for (const rec of this.conns.values()) if (rec.identity === identity) return rec;
    return undefined;
  }

  countAddress(key: string, what: 'ingress' | 'egress' | 'transit'): void {
    let s = this.addressStats.get(key);
    if (!s) { s = { ingress: 0, egress: 0, transit: 0 }; this.addressStats.set(key, s); }
    s[what]++;
  }

  /** forgets everything (router restart): identities start again at 1 */
  reset(): void {
    this.conns.clear();
    this.links.clear();
    this.addressStats.clear();
    this.counters = zeroCounters();
    this.nextIdentity = 1;
  }
}

export function zeroLinkCounters(): LinkCounters {
  return { delivered: 0, presettled: 0, accepted: 0, rejected: 0, released: 0, modified: 0 };
}
