/**
 * Links a peer attaches to the router, classified as the router core does: a client's dynamic receiver gets a reply
 * address (`_topo/0/<id>/temp.…` on an interior, `_edge/<id>/temp.…` on an edge); a receiver with capability
 * qd.router-edge-downlink on an edge connection becomes the edge-downlink bound to H<edge>; a receiver on an
 * address subscribes to it; a sender is routed by its target or by each message's `to`; on router connections the
 * control and data links of uplinks and inter-router connections. Every link gets a router.link row (LinkRecord).
 * Also the opener of the router's own links (uplink and inter-router links).
 */
import type { EventContext, Receiver, Sender } from 'rhea';
import { edgeKey, mobileKey, parseAddress, tempAddress, tempSuffix } from './addressing.js';
import { DOWNLINK_CAPABILITY } from './edges.js';
import type { Hop, LocalConsumer } from './forwarding.js';
import type { Instance } from './instance.js';
import { ROUTER_CONTROL_ADDRESS } from './inter-router.js';
import { RELEASED } from './outcome.js';
import { withRouterAnnotations } from './raw-message.js';
import { zeroLinkCounters, type ConnRecord, type LinkRecord, type RouterContext } from './state.js';
import { EDGE_CONTROL_ADDRESS, type LinkSpec, type RouterLinkOpener } from './uplink.js';

/**
 * Link capacity of the real routers (linkCapacity default): how many unsettled deliveries a router accepts on one
 * receiving link. Credit is given back one by one as deliveries are settled (intake.ts), not as they arrive (rhea's
 * credit_window does that), so the unsettled deliveries a router holds while it waits for an outcome downstream
 * stay bounded, and within rhea's 2048-delivery session buffer for the links an edge attaches.
 */
export const CREDIT_WINDOW = 250;
/** `_$qd.…`: addresses of the routers' own services */
const ROUTER_INTERNAL_PREFIX = '_$qd.';

/** Opens the router's own links on a connection, each with its router.link row. */
export function linkOpener(ctx: RouterContext): RouterLinkOpener {
  function open(rec: ConnRecord, spec: LinkSpec, sender: boolean): Sender | Receiver {
    const name = `qdlink.${tempSuffix()}`;
    const link = sender
      ? rec.conn.open_sender({ name, ...spec.options })
      : rec.conn.open_receiver({ name, autoaccept: false, credit_window: 0, ...spec.options });
    if (!sender) (link as Receiver).add_credit(CREDIT_WINDOW);
    ctx.registry.addLink({
      identity: ctx.registry.nextId(), name, link, conn: rec, role: spec.role, linkType: spec.linkType,
      dir: sender ? 'out' : 'in', owningAddr: spec.owningAddr, counters: zeroLinkCounters(),
    });
    return link;
  }
  // methods, not arrow properties: one router holds these for its lifetime (router.ts, constructor)
  return {
    openSender(rec, spec) { return open(rec, spec, true) as Sender; },
    openReceiver(rec, spec) { return open(rec, spec, false) as Receiver; },
  };
}

/** Runs what attaching a link set up in reverse (a subscription, an edge binding), once. */
export function runCleanup(ctx: RouterContext, l: LinkRecord): void {
  const f = l.cleanup;
  l.cleanup = undefined;
  if (!f) return;
  try {
    f();
  } catch (err) {
    ctx.logger.warn({ err, link: l.name }, 'link cleanup failed');
  }
}

export class LinkAttach {
  constructor(private readonly ctx: RouterContext, private readonly inst: () => Instance | undefined) {}

  /** The peer attached a receiver, so we send on this link: a client's reply/subscription, or an edge's downlink. */
  onSenderOpen(ctx: EventContext): void {
    const sender = ctx.sender!;
    const inst = this.inst();
    const rec = this.ctx.registry.conns.get(ctx.connection);
    if (this.ctx.registry.links.has(sender)) return; // the peer answered one of our own attaches
    if (!rec || !inst) {
      sender.close({ condition: 'amqp:resource-deleted', description: 'router restarted' });
      return;
    }
    const source = sender.source as { address?: string; dynamic?: boolean; capabilities?: unknown } | undefined;
    const target = sender.target as { address?: string } | undefined;
    const base = {
      identity: this.ctx.registry.nextId(), name: sender.name, link: sender, conn: rec, dir: 'out' as const,
      counters: zeroLinkCounters(),
    };
    if (target) sender.set_target({ address: target.address } as never);
    const capabilities = Array.isArray(source?.capabilities) ? source.capabilities.map(String) : [];

    if (source?.dynamic) {
      const suffix = tempSuffix();
      const name = `temp.${suffix}`;
      sender.set_source({ address: tempAddress(this.ctx.mode, this.ctx.id, suffix), dynamic: true });
      const unsubscribe = inst.addresses.addLocal(name, { consumer: this.linkConsumer(rec, sender), inProcess: false });
      this.ctx.registry.addLink({ ...base, role: 'client-out', linkType: 'endpoint', owningAddr: `L${name}`, cleanup: unsubscribe });
      return;
    }
    if (capabilities.includes(DOWNLINK_CAPABILITY) && rec.role === 'edge' && this.ctx.mode === 'interior' && inst.edges) {
      const edges = inst.edges;
      sender.set_source({ address: source?.address, capabilities: [DOWNLINK_CAPABILITY] } as never);
      rec.downlink = sender;
      const hop: Hop = { conn: rec, sender };
      this.ctx.registry.addLink({
        ...base, role: 'downlink-out', linkType: 'edge-downlink', owningAddr: edgeKey(rec.container ?? ''),
        cleanup() { edges.detach(rec); },
      });
      // bound before the attach is answered: when the edge sees its downlink open, H<edge> is routable here
      edges.attach(rec, hop);
      return;
    }
    if (source?.address) {
      sender.set_source({ address: source.address });
      const consumer = this.linkConsumer(rec, sender);
      const p = parseAddress(source.address);
      let owningAddr: string | null = null;
      let cleanup: (() => void) | undefined;
      if (p.kind === 'mobile' && p.address.startsWith(ROUTER_INTERNAL_PREFIX)) {
        // router-internal services (an edge's address-tracking receiver): the address exists, nothing is delivered
        owningAddr = mobileKey(this.ctx.flavor, p.address);
      } else if (p.kind === 'mobile') {
        owningAddr = mobileKey(this.ctx.flavor, p.address);
        cleanup = inst.addresses.addMobile(p.address, { consumer, inProcess: false });
      } else if (p.kind === 'local' || (p.kind === 'topo' && p.router === this.ctx.id) || (p.kind === 'edge' && p.edge === this.ctx.id)) {
        // a receiver on one of this router's own names (`_local/x`, `_topo/0/<us>/x`, `_edge/<us>/x`)
        owningAddr = `L${p.name}`;
        cleanup = inst.addresses.addLocal(p.name, { consumer, inProcess: false });
      }
      this.ctx.registry.addLink({ ...base, role: 'client-out', linkType: 'endpoint', owningAddr, cleanup });
      return;
    }
    this.ctx.registry.addLink({ ...base, role: 'client-out', linkType: 'endpoint', owningAddr: null });
  }

  /** The peer attached a sender, so we receive on this link. */
  onReceiverOpen(ctx: EventContext): void {
    const receiver = ctx.receiver!;
    const inst = this.inst();
    const rec = this.ctx.registry.conns.get(ctx.connection);
    const own = this.ctx.registry.links.get(receiver);
    if (own) {
      // the peer answered one of our attaches; for an edge, the interior answering the downlink means H<us> is bound
      if (own.conn.edgeDownlink === receiver) inst?.uplinks?.downlinkOpened(own.conn);
      return;
    }
    if (!rec || !inst) {
      receiver.close({ condition: 'amqp:resource-deleted', description: 'router restarted' });
      return;
    }
    const target = receiver.target as { address?: string } | undefined;
    const address = typeof target?.address === 'string' && target.address.length > 0 ? target.address : undefined;
    if (target) receiver.set_target({ address } as never);
    receiver.add_credit(CREDIT_WINDOW);
    const base = {
      identity: this.ctx.registry.nextId(), name: receiver.name, link: receiver, conn: rec, dir: 'in' as const,
      counters: zeroLinkCounters(),
    };
    const routerConn = rec.role === 'edge' || rec.role === 'inter-router';
    if (routerConn && (address === ROUTER_CONTROL_ADDRESS || address === EDGE_CONTROL_ADDRESS)) {
      this.ctx.registry.addLink({
        ...base, role: 'control-in', linkType: rec.role === 'inter-router' ? 'router-control' : 'endpoint',
        owningAddr: rec.role === 'edge' ? mobileKey(this.ctx.flavor, EDGE_CONTROL_ADDRESS) : null,
      });
      return;
    }
    if (routerConn) {
      // anonymous: routed by each message's annotations; targeted (an edge's proxy links): by the target
      this.ctx.registry.addLink({
        ...base, role: 'router-in', linkType: rec.role === 'inter-router' ? 'inter-router' : 'endpoint',
        owningAddr: address ? this.keyOf(address) : null, target: address,
      });
      return;
    }
    const owningAddr = address ? this.keyOf(address) : null;
    this.ctx.registry.addLink({ ...base, role: 'client-in', linkType: 'endpoint', owningAddr, target: address });
  }

  onLinkClose(link: Sender | Receiver): void {
    const l = this.ctx.registry.links.get(link);
    if (!l) return;
    runCleanup(this.ctx, l);
    this.ctx.registry.removeLink(link);
    if (l.conn.dataSender === link) l.conn.dataSender = undefined;
    if (l.conn.controlSender === link) l.conn.controlSender = undefined;
    if (l.conn.downlink === link) l.conn.downlink = undefined;
    if (l.conn.edgeDownlink === link) l.conn.edgeDownlink = undefined;
  }

  /** the router.address key a client-side terminus address maps to (owningAddr) */
  private keyOf(address: string): string {
    const p = parseAddress(address);
    switch (p.kind) {
      case 'local': return p.name === '$management' ? mobileKey(this.ctx.flavor, '$management') : `L${p.name}`;
      case 'topo': return p.router === this.ctx.id ? `L${p.name}` : `R${p.router}`;
      case 'edge': return p.edge === this.ctx.id ? `L${p.name}` : edgeKey(p.edge);
      case 'mobile': return mobileKey(this.ctx.flavor, p.address);
    }
  }

  /** A client link that receives: deliveries go out stripped of router annotations; its outcome comes back. */
  private linkConsumer(rec: ConnRecord, sender: Sender): LocalConsumer {
    const inst = this.inst;
    // a method, not an arrow property: held per link for its lifetime (router.ts, constructor)
    return {
      label: `link/${sender.name}`,
      deliver(msg, done) {
        const current = inst();
        if (!current) { done(RELEASED); return; }
        let payload: Buffer;
        try {
          payload = withRouterAnnotations(msg.raw, undefined);
        } catch {
          done({ kind: 'rejected', condition: 'amqp:decode-error', description: 'malformed message' });
          return;
        }
        current.forwarder.send({ conn: rec, sender }, payload, done);
      },
    };
  }
}
