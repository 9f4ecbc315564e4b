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

  private activate(rec: ConnRecord): void {
    this.activeConn = rec;
    rec.active = true;
    this.links.openReceiver(rec, {
      role: 'router-in',
      linkType: 'endpoint',
      owningAddr: null,
      options: { source: { address: this.ctx.id, capabilities: [DOWNLINK_CAPABILITY] }, target: {} },
    });
    rec.dataSender = this.links.openSender(rec, {
      role: 'router-out',
      linkType: 'endpoint',
      owningAddr: null,
      options: { target: {} },
    });
    rec.controlSender = this.links.openSender(rec, {
      role: 'control-out',
      linkType: 'endpoint',
      owningAddr: null,
      options: { target: { address: EDGE_CONTROL_ADDRESS } },
    });
  }
}
