/**
 * One connection attempt to a router: the rhea connection, a dynamic reply receiver and an anonymous sender (the
 * request's `to` picks the agent). It reports `ready` once all three are open, then replies, delivery outcomes
 * and "room to send", and finally `down` exactly once, whatever ended it: socket error, SASL failure, the router
 * closing the connection or detaching a link, a protocol error. A new attempt is a new AmqpTransport: fresh links,
 * and so a fresh reply address (the old one is dead with the old connection).
 *
 * Every rhea event that could otherwise escalate to the container (and crash the process when nobody listens)
 * has a handler here.
 */
import type { Connection, ConnectionOptions, Container, Delivery, EventContext, Message, Receiver, Sender } from 'rhea';
import type { Socket } from 'node:net';
import type { Logger } from '../log.js';
import './rhea-fixes.js'; // must be in effect before any reply is decoded

export type DeliveryFailure = 'released' | 'modified' | 'rejected';

export interface TransportReady {
  replyAddress: string;
  /** the router's open-frame properties (`product`, `version`, …), if any */
  remoteProperties: Record<string, unknown> | undefined;
  remoteContainerId: string | undefined;
}

export interface TransportEvents {
  ready(info: TransportReady): void;
  reply(msg: Message): void;
  /** the request delivery was not accepted */
  failed(correlationId: string, outcome: DeliveryFailure, error: { condition?: string; description?: string } | undefined): void;
  /** link credit or session buffer space may have appeared */
  writable(): void;
  down(error: Error): void;
}

export interface TransportOptions {
  /** credit the reply receiver keeps topped up: enough for every request in the window, plus late replies */
  replyCredit: number;
  logger: Logger;
  /** how long a closing connection may take to say goodbye before its socket is destroyed */
  closeGraceMs: number;
  setTimer(fn: () => void, ms: number): { cancel(): void };
}

export class AmqpTransport {
  private conn: Connection | undefined;
  private sender: Sender | undefined;
  private receiver: Receiver | undefined;
  private readonly deliveries = new WeakMap<Delivery, string>();
  private connOpen = false;
  private senderOpen = false;
  private receiverOpen = false;
  private readyReported = false;
  private ended = false;
  private lastError: Error | undefined;
  private writablePending = false;

  constructor(
    private readonly container: Container,
    private readonly rheaOptions: ConnectionOptions,
    private readonly events: TransportEvents,
    private readonly opts: TransportOptions,
  ) {}

  open(): void {
    let conn: Connection;
    try {
      conn = this.container.connect(this.rheaOptions);
    } catch (err) {
      // e.g. invalid TLS material: tls.connect throws synchronously.
      queueMicrotask(() => this.reportDown(toError(err)));
      return;
    }
    this.conn = conn;
    conn.on('connection_open', (ctx: EventContext) => {
      this.connOpen = true;
      this.opts.logger.debug({ container: ctx.connection.container_id, properties: ctx.connection.properties }, 'AMQP connection open');
      this.checkReady();
    });
    conn.on('connection_error', (ctx: EventContext) => { this.lastError = connectionError(ctx, 'connection error'); });
    conn.on('connection_close', (ctx: EventContext) => {
      // Whether or not the router gave an error, it closed the connection: rhea will not report 'disconnected'.
      this.reportDown(this.lastError ?? connectionError(ctx, 'the router closed the connection'));
    });
    conn.on('disconnected', (ctx: EventContext) => {
      this.reportDown(this.lastError ?? toError(ctx.error ?? new Error('disconnected')));
    });
    conn.on('protocol_error', (err: unknown) => { this.lastError = toError(err); });
    conn.on('error', (err: unknown) => { this.lastError = toError(err); });
    conn.on('session_error', (ctx: EventContext) => this.linkLost(ctx, 'session ended with an error'));
    conn.on('session_close', (ctx: EventContext) => this.linkLost(ctx, 'session ended'));

    const receiver = conn.open_receiver({ source: { dynamic: true }, credit_window: this.opts.replyCredit, autoaccept: true } as never);
    this.receiver = receiver;
    receiver.on('receiver_open', () => {
      this.receiverOpen = true;
      this.checkReady();
    });
    // Replies are accepted (and so settled) as they arrive: an unsettled incoming delivery would pin rhea's
    // session buffer and stall the connection after 2048 more (rhea#452).
    receiver.on('message', (ctx: EventContext) => { if (!this.ended && ctx.message) this.events.reply(ctx.message); });
    receiver.on('receiver_error', (ctx: EventContext) => this.linkLost(ctx, 'reply link detached with an error'));
    receiver.on('receiver_close', (ctx: EventContext) => this.linkLost(ctx, 'reply link detached'));

    // Null target: the anonymous relay; each message's `to` names the agent.
    const sender = conn.open_sender({ target: {}, treat_modified_as_released: false } as never);
    this.sender = sender;
    sender.on('sender_open', () => {
      this.senderOpen = true;
      this.checkReady();
    });
    sender.on('sendable', () => this.events.writable());
    sender.on('accepted', () => this.freed());
    sender.on('settled', () => this.freed());
    sender.on('released', (ctx: EventContext) => this.deliveryFailed(ctx, 'released'));
    sender.on('modified', (ctx: EventContext) => this.deliveryFailed(ctx, 'modified'));
    sender.on('rejected', (ctx: EventContext) => this.deliveryFailed(ctx, 'rejected'));
    sender.on('sender_error', (ctx: EventContext) => this.linkLost(ctx, 'request link detached with an error'));
    sender.on('sender_close', (ctx: EventContext) => this.linkLost(ctx, 'request link detached'));
  }

  /** Link credit and session buffer room for one more message. */
  canSend(): boolean {
    return this.readyReported && !this.ended && this.sender !== undefined && this.sender.sendable();
  }

  send(msg: Message, correlationId: string): void {
    const d = this.sender!.send(msg);
    this.deliveries.set(d, correlationId);
  }

  /** Ends the connection politely; resolves when the socket is gone (destroyed if the peer takes too long). */
  close(): Promise<void> {
    this.ended = true;
    return this.closeConnection();
  }

  /** Drops the socket at once (connect timeout, giving up). No `down` is reported after this. */
  destroy(): void {
    this.ended = true;
    const socket = this.conn?.socket as Socket | undefined;
    socket?.destroy();
  }

  private checkReady(): void {
    if (this.readyReported || this.ended || !this.connOpen || !this.senderOpen || !this.receiverOpen) return;
    const address = this.receiver?.source?.address;
    if (typeof address !== 'string' || address === '') {
      this.failConnection(new Error('the router attached the reply link without a dynamic address'));
      return;
    }
    this.readyReported = true;
    const props = this.conn?.properties;
    this.events.ready({
      replyAddress: address,
      remoteProperties: props && typeof props === 'object' ? (props as Record<string, unknown>) : undefined,
      remoteContainerId: this.conn?.container_id,
    });
  }

  private deliveryFailed(ctx: EventContext, outcome: DeliveryFailure): void {
    const d = ctx.delivery;
    const id = d ? this.deliveries.get(d) : undefined;
    if (id !== undefined && !this.ended) {
      const state = d?.remote_state as { error?: { condition?: string; description?: string } } | undefined;
      this.events.failed(id, outcome, state?.error);
    }
    this.freed();
  }

  /**
   * A delivery was settled, so rhea will reclaim its slot in the session buffer, but only after the event
   * handlers have run: look for room again a moment later, and only if the client was waiting for it.
   */
  private freed(): void {
    if (this.writablePending || this.ended) return;
    this.writablePending = true;
    queueMicrotask(() => {
      this.writablePending = false;
      if (!this.ended) this.events.writable();
    });
  }

  private linkLost(ctx: EventContext, what: string): void {
    if (this.ended) return;
    const linkErr = (ctx.sender ?? ctx.receiver ?? ctx.session)?.error as { condition?: string; description?: string } | undefined;
    const err = new Error(linkErr ? `${what}: ${linkErr.condition ?? ''} ${linkErr.description ?? ''}`.trim() : what);
    this.failConnection(err);
  }

  /** The connection is unusable: report it down now and close it (the router gets a proper close). */
  private failConnection(err: Error): void {
    this.reportDown(err);
    void this.closeConnection();
  }

  /** AMQP close, then wait for the socket to go; destroy it after the grace period. */
  private closeConnection(): Promise<void> {
    const conn = this.conn;
    const socket = conn?.socket as Socket | undefined;
    if (!conn || !socket || socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = this.opts.setTimer(() => { socket.destroy(); resolve(); }, this.opts.closeGraceMs);
      socket.once('close', () => { timer.cancel(); resolve(); });
      try {
        conn.close();
      } catch {
        socket.destroy();
      }
    });
  }

  private reportDown(err: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.events.down(err);
  }
}

function toError(e: unknown): Error {
  if (e instanceof Error) return e;
  if (e && typeof e === 'object') {
    const o = e as { description?: unknown; condition?: unknown; message?: unknown };
    const text = [o.condition, o.description ?? o.message].filter((x) => typeof x === 'string' && x).join(': ');
    if (text) return new Error(text);
  }
  return new Error(String(e));
}

function connectionError(ctx: EventContext, fallback: string): Error {
  // rhea puts SASL and transport failures in the context, the peer's close error on the connection.
  const e = (ctx.error ?? ctx.connection?.error) as { condition?: string; description?: string; message?: string } | undefined;
  if (!e) return new Error(fallback);
  const text = [e.condition, e.description].filter(Boolean).join(': ');
  return new Error(text || fallback);
}
