/**
 * Interior side of edge uplinks. An edge attaches an edge-downlink (a receiver whose source is its router id, with
 * capability `qd.router-edge-downlink`) on its active uplink; the interior binds it to the edge-summary address
 * H<edgeId> (connections.c qdr_attach_link_downlink_CT), so `_edge/<edgeId>/…` goes down that link. The edge also
 * reports the mobile addresses it has subscribers for (our stand-in for the address proxy of edge_router/addr_proxy.c),
 * so an interior can route a mobile address down to the edge that serves it.
 */
import type { Hop } from './forwarding.js';
import type { ConnRecord, RouterContext } from './state.js';

export const DOWNLINK_CAPABILITY = 'qd.router-edge-downlink';

interface Attached { conn: ConnRecord; hop: Hop }

export class EdgeAttachments {
  private readonly downlinks = new Map<string, Attached>();
  private readonly reports = new Map<ConnRecord, Set<string>>();
  /** address → the connections whose latest report holds it, in report order (routing looks up by address) */
  private readonly reporters = new Map<string, Set<ConnRecord>>();

  /** called when the set of attached edges or their addresses changes (the interior re-announces itself) */
  onChange: () => void = () => undefined;

  constructor(private readonly ctx: RouterContext) {}

  attach(conn: ConnRecord, hop: Hop): void {
    const edgeId = conn.container;
    if (!edgeId) return;
    const prev = this.downlinks.get(edgeId);
    if (prev && prev.conn !== conn) {
      // two edges with one id: the real routers lose replies then (skupper deab82ce); the newest binding wins here
      this.ctx.logger.warn({ edge: edgeId }, 'edge router id attached twice; the newer uplink takes over');
    }
    this.downlinks.set(edgeId, { conn, hop });
    this.ctx.emit('edge-attached', edgeId);
    this.onChange();
  }

  /** the edge's connection or its downlink went away */
  detach(conn: ConnRecord): void {
    const edgeId = conn.container;
    const hadReport = this.setReport(conn, undefined);
    if (edgeId && this.downlinks.get(edgeId)?.conn === conn) {
      this.downlinks.delete(edgeId);
      this.ctx.emit('edge-detached', edgeId);
      this.onChange();
    } else if (hadReport) {
      this.onChange();
    }
  }

  report(conn: ConnRecord, addresses: string[]): void {
    this.setReport(conn, new Set(addresses));
    this.onChange();
  }

  /** Replaces (or, without addresses, removes) a connection's report; says whether it had one. */
  private setReport(conn: ConnRecord, addresses: Set<string> | undefined): boolean {
    const old = this.reports.get(conn);
    for (const a of old ?? []) {
      const set = this.reporters.get(a);
      set?.delete(conn);
      if (set?.size === 0) this.reporters.delete(a);
    }
    if (!addresses) return this.reports.delete(conn);
    this.reports.set(conn, addresses);
    for (const a of addresses) {
      let set = this.reporters.get(a);
      if (!set) { set = new Set(); this.reporters.set(a, set); }
      set.add(conn);
    }
    return old !== undefined;
  }

  hop(edgeId: string): Hop | undefined {
    const a = this.downlinks.get(edgeId);
    return a && !a.conn.closing ? a.hop : undefined;
  }

  withAddress(address: string, exclude: ConnRecord | undefined): Hop | undefined {
    for (const conn of this.reporters.get(address) ?? []) {
      if (conn === exclude || conn.closing) continue;
      const a = conn.container ? this.downlinks.get(conn.container) : undefined;
      if (a && a.conn === conn) return a.hop;
    }
    return undefined;
  }

  /** ids of the locally attached edges, in attach order */
  ids(): string[] {
    return [...this.downlinks.keys()];
  }

  /** the edge connection bound to H<edgeId> */
  connOf(edgeId: string): ConnRecord | undefined {
    return this.downlinks.get(edgeId)?.conn;
  }

  /** mobile addresses served by the attached edges, with how many edges serve each */
  addresses(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [conn, addrs] of this.reports) {
      if (!conn.container || this.downlinks.get(conn.container)?.conn !== conn) continue;
      for (const a of addrs) out.set(a, (out.get(a) ?? 0) + 1);
    }
    return out;
  }

  clear(): void {
    this.downlinks.clear();
    this.reports.clear();
    this.reporters.clear();
  }
}
