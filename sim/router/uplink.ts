/**
 * Edge side of the edge–interior connection. An edge may have several uplinks (connectors with role edge) but uses
 * one, the active one (`connection.active`): on it the edge attaches its edge-downlink receiver (source = its id,
 * capability qd.router-edge-downlink), an anonymous sender for everything it cannot deliver itself, and a control
 * sender for its address reports. When the active uplink drops, another open one takes over; when none is left,
 * everything non-local is RELEASED until a connector gets through again.
 */
import type { Receiver, Sender } from 'rhea';
import { DOWNLINK_CAPABILITY } from './edges.js';
import type { Hop } from './forwarding.js';
import type { ConnRecord, LinkRole, LinkType, RouterContext } from './state.js';

/** the control address of edge → interior reports (the routers use it for edge heartbeats) */
export const EDGE_CONTROL_ADDRESS = '_$qd.edge_heartbeat';
/** router-internal addresses an edge attaches to on its uplink (edge_addr_tracking.c, address_lookup_client.c) */
export const EDGE_ADDR_TRACKING = '_$qd.edge_addr_tracking';
export const ADDR_LOOKUP = '_$qd.addr_lookup';

export interface LinkSpec {
  role: LinkRole;
  linkType: LinkType;
  owningAddr: string | null;
  options: Record<string, unknown>;
}

export interface RouterLinkOpener {
  openSender(rec: ConnRecord, spec: LinkSpec): Sender;
  openReceiver(rec: ConnRecord, spec: LinkSpec): Receiver;
}

export class Uplinks {
  private readonly open = new Set<ConnRecord>();
  private activeConn: ConnRecord | undefined;
  /** the active uplink whose downlink the interior has bound (it answered the attach) */
  private announced: ConnRecord | undefined;

  constructor(
    private readonly ctx: RouterContext,
    private readonly links: RouterLinkOpener,
    /** mobile addresses with subscribers at this edge */
    private readonly addresses: () => string[],
  ) {}

  get active(): ConnRecord | undefined {
    return this.activeConn;
  }

  /** an uplink's open arrived */
  opened(rec: ConnRecord): void {
    this.open.add(rec);
    if (!this.activeConn) this.activate(rec);
  }

  /** an uplink connection is gone */
  gone(rec: ConnRecord): void {
    this.open.delete(rec);
    if (this.activeConn !== rec) return;
    rec.active = false;
    this.activeConn = undefined;
    if (this.announced === rec) {
      this.announced = undefined;
      this.ctx.emit('uplink-down', rec.container);
    }
    const next = [...this.open].find((r) => !r.closing);
    if (next) this.activate(next);
  }

  /**
   * The interior answered the attach of our downlink: it has bound H<our id> by now (it binds before answering),
   * so `_edge/<our id>/…` is routable from the network. This is when the edge announces 'uplink-up'.
   */
  downlinkOpened(rec: ConnRecord): void {
    if (rec !== this.activeConn || this.announced === rec) return;
    this.announced = rec;
    this.reportAddresses();
    this.ctx.emit('uplink-up', rec.container);
  }

  hop(): Hop | undefined {
    const rec = this.activeConn;
    if (!rec || rec.closing || !rec.dataSender) return undefined;
    return { conn: rec, sender: rec.dataSender };
  }

  /** tells the interior which mobile addresses this edge serves */
  reportAddresses(): void {
    const rec = this.activeConn;
    if (!rec?.controlSender || rec.closing || rec.controlSender.is_closed()) return;
    try {
      rec.controlSender.send({ body: { op: 'edge-addresses', addresses: this.addresses() } });
    } catch (err) {
      this.ctx.logger.warn({ err }, 'cannot send address report');
    }
  }

  all(): ConnRecord[] {
    return [...this.open];
  }

  clear(): void {
    this.open.clear();
    this.activeConn = undefined;
    this.announced = undefined;
  }

  /**
   * Makes an uplink the active one and attaches the links a real edge attaches there, in the same order, so the
   * interior's router.link and router.address rows look as recorded (fixtures/router-transcripts, QUERY router.link):
   * the anonymous sender everything non-local goes up on, the edge-downlink, the address-tracking receiver, the
   * `$management` proxy sender, two dynamic receivers, the address-lookup sender and the heartbeat sender. This
   * simulation carries traffic on the first two and its address reports on the heartbeat link; the rest stay idle.
   */
  private activate(rec: ConnRecord): void {
    this.activeConn = rec;
    rec.active = true;
    const endpoint = (role: LinkRole, options: Record<string, unknown>): LinkSpec => ({ role, linkType: 'endpoint', owningAddr: null, options });
    rec.dataSender = this.links.openSender(rec, endpoint('router-out', { target: {} }));
    rec.edgeDownlink = this.links.openReceiver(rec, endpoint('router-in', {
      source: { address: this.ctx.id, capabilities: [DOWNLINK_CAPABILITY] }, target: {},
    }));
    this.links.openReceiver(rec, endpoint('router-in', { source: { address: EDGE_ADDR_TRACKING }, target: {} }));
    this.links.openSender(rec, endpoint('router-out', { target: { address: '$management' } }));
    this.links.openReceiver(rec, endpoint('router-in', { source: { dynamic: true }, target: {} }));
    this.links.openSender(rec, endpoint('router-out', { target: { address: ADDR_LOOKUP } }));
    this.links.openReceiver(rec, endpoint('router-in', { source: { dynamic: true }, target: {} }));
    rec.controlSender = this.links.openSender(rec, endpoint('control-out', { target: { address: EDGE_CONTROL_ADDRESS } }));
  }
}
