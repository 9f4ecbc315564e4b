/**
 * Direct hops: a delivery between two simulated routers of the same process, on the in-process network, is handed
 * over as an object instead of being framed into AMQP bytes, written into the pipe and parsed again at the other end.
 *
 * Only the deliveries of router-to-router data links take this path (uplink, edge-downlink, inter-router data). The
 * connection, its links (attach, detach, credit) and the control links stay real AMQP, so connection and link rows,
 * counters, outcomes and failures look as they do over TCP:
 *   - the delivery reaches the peer on a later turn of the event loop, and its outcome comes back on another;
 *   - the peer routes it exactly as one it had parsed: the routing address (`x-opt-qd.to`, else the link target,
 *     else `to`), trace and ingress travel with it as the annotations would;
 *   - if the connection goes away first, the sender's forwarder fails the delivery as in flight (FAILED_IN_FLIGHT),
 *     as it does for a framed one;
 *   - deliveries on one link stay in order: a link uses the direct path only once none of its framed deliveries is
 *     still unsettled, and all direct deliveries of the process go through one first-in first-out queue.
 *
 * Why: one management request to an edge router crosses the interior twice. Framing and parsing those two transfers,
 * their dispositions and the credit they use was about half of the simulator's CPU per request, and the simulator
 * is what bounds how fast thousands of simulated routers converge (README, benchmarks).
 */
import type { Message } from 'rhea';
import { PipeSocket } from './in-process-transport.js';
import type { OutcomeCallback } from './outcome.js';
import type { ConnRecord, LinkRecord, Registry } from './state.js';
import type { SimSocket } from './transport.js';

/** What crosses a direct hop: the message and the router annotations it would have carried. */
export interface DirectDelivery {
  /** the encoded message, without this hop's router annotations (they are the fields below) */
  raw: Buffer;
  message: Message;
  /** `x-opt-qd.to`: the routing address when it is not the message's `to` */
  to: string | undefined;
  trace: string[];
  ingress: string | undefined;
}

/** The receiving side of a router (intake.ts). */
export interface DirectReceiver {
  receiveDirect(rec: ConnRecord, link: LinkRecord, d: DirectDelivery, done: OutcomeCallback): void;
}

interface Endpoint {
  rec: ConnRecord;
  receiver: DirectReceiver;
  registry: Registry;
}

/** by our end of an in-process socket pair: the router connection that reads it */
const endpoints = new WeakMap<SimSocket, Endpoint>();

/** Makes a router connection on the in-process network reachable by direct hops (no-op for TCP sockets). */
export function bindDirectEndpoint(socket: SimSocket | undefined, rec: ConnRecord, receiver: DirectReceiver, registry: Registry): void {
  if (socket instanceof PipeSocket) endpoints.set(socket, { rec, receiver, registry });
}

/** The peer's receiving link for one of our sending links, when the peer is a live router of this process. */
export function directPeer(link: LinkRecord): { ep: Endpoint; link: LinkRecord } | undefined {
  const socket = link.conn.socket;
  if (!(socket instanceof PipeSocket)) return undefined;
  const other = socket.peerEnd;
  const ep = other ? endpoints.get(other) : undefined;
  if (!ep || ep.rec.closing || ep.registry.conns.get(ep.rec.conn) !== ep.rec) return undefined;
  let peer = link.directPeer;
  if (!peer || ep.registry.links.get(peer.link) !== peer) {
    peer = undefined;
    for (const l of ep.rec.links) {
      if (l.dir === 'in' && l.name === link.name) { peer = l; break; }
    }
    // not attached at the other end yet: the framed path (rhea holds the delivery until the attach completes)
    link.directPeer = peer;
  }
  return peer ? { ep, link: peer } : undefined;
}

// One queue for the process: deliveries and outcomes in the order they were handed over, a batch per event-loop turn.
let queue: Array<() => void> = [];
let scheduled = false;

/** Runs f on a later turn of the event loop, after everything queued before it. */
export function later(f: () => void): void {
  queue.push(f);
  if (scheduled) return;
  scheduled = true;
  setImmediate(drain);
}

function drain(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  for (const f of batch) {
    try {
      f();
    } catch {
      // the receiving router guards its own handlers; one failure must not drop the rest of the batch
    }
  }
}
