/**
 * Messages arriving on the router's receiving links: control messages (link-state ads, an edge's address report)
 * are handled at once; everything else is routed (forwarding.ts) by the link target, the `x-opt-qd.to` annotation
 * of a peer router, or the message's `to`, and the delivery is settled with the final outcome of its journey.
 * Also where the router originates messages (management replies, TCP flow messages).
 */
import type { Delivery, EventContext, Message, Receiver } from 'rhea';
import { stripScheme } from './addressing.js';
import { countOutcome, type RoutedMessage } from './forwarding.js';
import type { Instance } from './instance.js';
import { RELEASED, messageCodec, settle, type Outcome, type OutcomeCallback } from './outcome.js';
import { currentRaw, readRouterAnnotations } from './raw-message.js';
import { CREDIT_WINDOW } from './link-attach.js';
import type { DirectDelivery, DirectReceiver } from './direct-hop.js';
import type { ConnRecord, LinkRecord, RouterContext } from './state.js';

export class MessageIntake implements DirectReceiver {
  constructor(private readonly ctx: RouterContext, private readonly inst: () => Instance | undefined) {}

  /** rhea 'message' on any receiving link of the router */
  onMessage(ctx: EventContext): void {
    const delivery = ctx.delivery!;
    const receiver = ctx.receiver!;
    const message = ctx.message!;
    const inst = this.inst();
    const rec = this.ctx.registry.conns.get(ctx.connection);
    const link = this.ctx.registry.links.get(receiver);
    if (!inst || !rec || !link) {
      this.ctx.logger.debug({ known: { inst: !!inst, conn: !!rec, link: !!link } }, 'message on an unknown link: released');
      settleAndCredit(delivery, RELEASED);
      return;
    }
    link.counters.delivered++;
    rec.lastDeliveryAt = this.ctx.clock.now();
    if (delivery.remote_settled) {
      link.counters.presettled++;
      this.ctx.registry.counters.presettledDeliveries++;
    }

    if (link.role === 'control-in') {
      settleAndCredit(delivery, { kind: 'accepted' });
      this.onControl(rec, message.body);
      return;
    }

    let address: string | undefined;
    let trace: string[] = [];
    let ingress: string | undefined;
    if (link.role === 'client-in') {
      // a targeted link routes by its target; an anonymous one by each message's `to`. Annotations from clients
      // are not trusted (stripAnnotations: in).
      address = link.target ?? (typeof message.to === 'string' ? message.to : undefined);
      this.ctx.registry.counters.deliveriesIngress++;
    } else if (link.role === 'router-in') {
      const ann = readRouterAnnotations(message as { message_annotations?: Record<string, unknown> });
      address = ann.to ?? link.target ?? (typeof message.to === 'string' ? message.to : undefined);
      trace = ann.trace ?? [];
      ingress = ann.ingress;
    } else {
      settleAndCredit(delivery, { kind: 'rejected', condition: 'amqp:not-allowed', description: 'not a receiving link' });
      return;
    }
    if (!address) {
      this.ctx.logger.debug({ link: link.name }, 'message without an address: released');
      this.finish(link, delivery, RELEASED);
      return;
    }
    let raw = currentRaw(ctx.connection);
    if (!raw) {
      // should not happen (captureRawTransfers is installed on every connection); re-encoding loses AMQP types
      this.ctx.logger.warn('raw message bytes unavailable; re-encoding');
      raw = messageCodec.encode(message);
    }
    const routed: RoutedMessage = { raw, message, address, trace, ingress, from: rec };
    inst.forwarder.forward(routed, (outcome) => this.finish(link, delivery, outcome));
  }

  /**
   * A delivery another router of this process handed over directly on one of our router-in links (direct-hop.ts):
   * routed exactly as onMessage routes a parsed one.
   */
  receiveDirect(rec: ConnRecord, link: LinkRecord, d: DirectDelivery, done: OutcomeCallback): void {
    const inst = this.inst();
    // the connection is gone (or the router restarted): the sender fails the delivery when it sees the loss
    if (!inst || rec.closing || this.ctx.registry.conns.get(rec.conn) !== rec) return;
    if (this.ctx.registry.links.get(link.link) !== link || link.role !== 'router-in') {
      done(RELEASED);
      return;
    }
    link.counters.delivered++;
    rec.lastDeliveryAt = this.ctx.clock.now();
    const address = d.to ?? link.target ?? (typeof d.message.to === 'string' ? d.message.to : undefined);
    if (!address) {
      this.count(link, RELEASED);
      done(RELEASED);
      return;
    }
    const routed: RoutedMessage = { raw: d.raw, message: d.message, address, trace: d.trace, ingress: d.ingress, from: rec };
    inst.forwarder.forward(routed, (outcome) => {
      this.count(link, outcome);
      done(outcome);
    });
  }

  private finish(link: LinkRecord, delivery: Delivery, outcome: Outcome): void {
    this.count(link, outcome);
    settleAndCredit(delivery, outcome);
  }

  private count(link: LinkRecord, outcome: Outcome): void {
    countOutcome(link, outcome);
    const c = this.ctx.registry.counters;
    if (outcome.kind === 'accepted') c.acceptedDeliveries++;
    else if (outcome.kind === 'released') c.releasedDeliveries++;
    else if (outcome.kind === 'rejected') c.rejectedDeliveries++;
    else c.modifiedDeliveries++;
  }

  private onControl(rec: ConnRecord, body: unknown): void {
    const inst = this.inst();
    if (!inst) return;
    if (rec.role === 'inter-router') {
      inst.interRouter?.onControl(rec, body);
      return;
    }
    const b = body as { op?: unknown; addresses?: unknown } | null;
    if (rec.role === 'edge' && inst.edges && b && b.op === 'edge-addresses' && Array.isArray(b.addresses)) {
      inst.edges.report(rec, b.addresses.filter((a): a is string => typeof a === 'string').map(stripScheme));
      return;
    }
    this.ctx.logger.debug({ conn: rec.identity }, 'ignored control message');
  }

  /** Routes a message this router originates (management replies, TCP flow messages). */
  originate(message: Message, done: OutcomeCallback): void {
    const inst = this.inst();
    const to = typeof message.to === 'string' ? message.to : undefined;
    if (!inst || !to) {
      done(RELEASED);
      return;
    }
    const raw = messageCodec.encode(message);
    inst.forwarder.forward({ raw, message, address: to, trace: [], ingress: undefined, from: undefined }, done);
  }
}

/**
 * Settles a received delivery and gives its credit back (see CREDIT_WINDOW in link-attach.ts). Credit goes back in
 * batches, as a router core's does: every flow frame costs both ends an encode and a decode, and one per delivery was
 * about a third of the frames a management request made. Credit + unsettled + owed stays CREDIT_WINDOW, so the bound
 * on unsettled deliveries holds; what is owed is returned once it is CREDIT_BATCH or the sender's credit runs below
 * half the window, so a busy sender never waits for it.
 */
function settleAndCredit(delivery: Delivery, outcome: Outcome): void {
  settle(delivery, outcome);
  const receiver = delivery.link as Receiver & { credit: number; [OWED]?: number };
  if (receiver.is_closed()) return;
  const owed = (receiver[OWED] ?? 0) + 1;
  if (owed >= CREDIT_BATCH || receiver.credit <= CREDIT_WINDOW / 2) {
    receiver[OWED] = 0;
    receiver.add_credit(owed);
  } else {
    receiver[OWED] = owed;
  }
}

const OWED = Symbol('ecn.sim.owedCredit');
/** settled deliveries whose credit is returned in one flow frame */
const CREDIT_BATCH = 32;
