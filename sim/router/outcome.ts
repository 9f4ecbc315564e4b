/**
 * Delivery outcomes, and how a router passes the final outcome of a forwarded delivery back to its sender: the
 * upstream delivery stays unsettled until the downstream one is decided, then gets the same outcome.
 */
import rhea from 'rhea';
import type { Delivery } from 'rhea';

export type Outcome =
  | { kind: 'accepted' }
  | { kind: 'released' }
  | { kind: 'rejected'; condition?: string; description?: string }
  | { kind: 'modified'; deliveryFailed?: boolean; undeliverableHere?: boolean };

export type OutcomeCallback = (outcome: Outcome) => void;

export const ACCEPTED: Outcome = { kind: 'accepted' };
export const RELEASED: Outcome = { kind: 'released' };
/** what a router reports for a delivery it had sent on when the connection it went out on is lost */
export const FAILED_IN_FLIGHT: Outcome = { kind: 'modified', deliveryFailed: true };

interface RemoteState { constructor?: { composite_type?: string }; error?: { condition?: string; description?: string }; delivery_failed?: boolean; undeliverable_here?: boolean }

/** The outcome a peer gave one of our outgoing deliveries (rhea's remote_state), accepted when it settled without one. */
export function outcomeOf(delivery: Delivery): Outcome {
  const st = delivery.remote_state as RemoteState | undefined;
  switch (st?.constructor?.composite_type) {
    case 'released': return RELEASED;
    case 'rejected': {
      const e = st.error;
      return { kind: 'rejected', ...(e?.condition ? { condition: String(e.condition) } : {}), ...(e?.description ? { description: String(e.description) } : {}) };
    }
    case 'modified': return { kind: 'modified', deliveryFailed: !!st.delivery_failed, undeliverableHere: !!st.undeliverable_here };
    default: return ACCEPTED;
  }
}

interface IncomingQueue { updated?: unknown[]; process?: (session: unknown) => void }

/**
 * Writes out the dispositions rhea has queued on the delivery's session. rhea 3.0.x batches consecutive settled
 * deliveries into one disposition range carrying the first one's state, and when a range holds only one delivery
 * it does not compare the next one's state (session.js write_dispositions): a RELEASED followed by an ACCEPTED in
 * the same turn reaches the peer as two RELEASED. A router settles deliveries with different outcomes all the time,
 * so each settlement is written out on its own.
 */
function flushDispositions(delivery: Delivery): void {
  const session = (delivery.link as unknown as { session?: { incoming?: IncomingQueue } }).session;
  const incoming = session?.incoming;
  if (incoming && Array.isArray(incoming.updated) && incoming.updated.length > 0 && typeof incoming.process === 'function') {
    incoming.process(session);
  }
}

/** Settles a delivery we received with the given outcome, once; a presettled one is left alone. */
export function settle(delivery: Delivery, outcome: Outcome): void {
  const d = delivery as Delivery & { __ecnSettled?: boolean };
  if (d.__ecnSettled || d.remote_settled) return;
  d.__ecnSettled = true;
  if (!delivery.link.is_open()) return;
  flushDispositions(delivery);
  applyOutcome(delivery, outcome);
  flushDispositions(delivery);
}

function applyOutcome(delivery: Delivery, outcome: Outcome): void {
  switch (outcome.kind) {
    case 'accepted': delivery.accept(); break;
    case 'released': delivery.release(); break;
    case 'rejected':
      delivery.reject({ condition: outcome.condition ?? 'amqp:internal-error', description: outcome.description ?? '' });
      break;
    case 'modified':
      delivery.modified({ delivery_failed: outcome.deliveryFailed ?? true, undeliverable_here: outcome.undeliverableHere ?? false });
      break;
  }
}

/** rhea's message module (encode), typed loosely: its typings do not declare the raw-send path. */
export const messageCodec = rhea.message as unknown as { encode(m: object): Buffer };
