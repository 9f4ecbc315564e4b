/**
 * A minimal management client for the simulated-router tests: one anonymous sender, one dynamic reply receiver,
 * string correlation ids, and the request delivery's outcome reported next to the reply. Works over TCP or any
 * SimTransport (the in-process one included).
 */
import rhea, { type Connection, type Delivery, type EventContext, type Message, type Receiver, type Sender } from 'rhea';
import { EventEmitter } from 'node:events';
import { rheaConnectOptions, tcpTransport, type SimTransport } from '../../sim/router/transport.js';

export type DeliveryState = 'ACCEPTED' | 'RELEASED' | 'REJECTED' | 'MODIFIED';

export interface Reply {
  state: DeliveryState;
  message?: Message;
}

export interface ClientOptions {
  port: number;
  host?: string;
  transport?: SimTransport;
  containerId?: string;
}

let counter = 0;

export class SimClient {
  private conn!: Connection;
  private sender!: Sender;
  private receiver!: Receiver;
  replyTo = '';
  private readonly waiting = new Map<string, (m: Message) => void>();
  private readonly outcomes = new Map<Delivery, (s: DeliveryState) => void>();
  /** replies that matched no waiting request (e.g. correlation id not echoed) */
  readonly strays: Message[] = [];
  private readonly events = new EventEmitter().setMaxListeners(0);
  /** requests still waiting for a reply (close() gives up on them) */
  private readonly abandons = new Set<() => void>();

  static async connect(opts: ClientOptions): Promise<SimClient> {
    const c = new SimClient();
    const host = opts.host ?? '127.0.0.1';
    const container = rhea.create_container({ id: opts.containerId ?? `test-client-${++counter}` });
    await new Promise<void>((resolve, reject) => {
      c.conn = container.connect({ ...rheaConnectOptions(opts.transport ?? tcpTransport, host, opts.port), reconnect: false } as never);
      c.conn.on('disconnected', (ctx: EventContext) => reject((ctx as { error?: Error }).error ?? new Error('disconnected')));
      c.conn.on('connection_error', () => undefined);
      c.conn.on('error', () => undefined);
      c.sender = c.conn.open_sender({ target: {} });
      for (const [ev, st] of [['accepted', 'ACCEPTED'], ['released', 'RELEASED'], ['rejected', 'REJECTED'], ['modified', 'MODIFIED']] as const) {
        c.sender.on(ev, (ctx: EventContext) => {
          const f = c.outcomes.get(ctx.delivery!);
          if (f) {
            c.outcomes.delete(ctx.delivery!);
            // rhea reports modified as released first; read the real outcome from the delivery
            const rs = (ctx.delivery as unknown as { remote_state?: { constructor?: { composite_type?: string } } }).remote_state;
            const kind = rs?.constructor?.composite_type;
            f(kind === 'modified' ? 'MODIFIED' : st);
          }
        });
      }
      c.receiver = c.conn.open_receiver({ source: { dynamic: true } as never, credit_window: 100 });
      c.receiver.on('receiver_open', (ctx: EventContext) => {
        c.replyTo = (ctx.receiver!.source as { address: string }).address;
        resolve();
      });
      c.receiver.on('message', (ctx: EventContext) => {
        const m = ctx.message!;
        const f = typeof m.correlation_id === 'string' ? c.waiting.get(m.correlation_id) : undefined;
        if (f) {
          c.waiting.delete(m.correlation_id as string);
          f(m);
        } else {
          c.strays.push(m);
          c.events.emit('stray', m);
        }
      });
    });
    c.conn.removeAllListeners('disconnected');
    c.conn.on('disconnected', () => {
      for (const f of c.outcomes.values()) f('MODIFIED');
      c.outcomes.clear();
    });
    return c;
  }

  /**
   * Sends one request and waits for its outcome and (when ACCEPTED) its reply, up to timeoutMs. `correlationId`
   * may be a rhea typed value; replies are matched by string correlation id, otherwise the next stray reply is taken.
   */
  async request(to: string, applicationProperties: Record<string, unknown>, body: unknown = {}, opts: { timeoutMs?: number; correlationId?: unknown; replyTo?: boolean } = {}): Promise<Reply> {
    const cid = opts.correlationId ?? `c-${++counter}`;
    const msg: Message = { to, application_properties: applicationProperties, body: body as Message['body'], correlation_id: cid as string };
    if (opts.replyTo !== false) msg.reply_to = this.replyTo;
    const timeoutMs = opts.timeoutMs ?? 3000;
    let abandon = (): void => undefined;
    const replyP = new Promise<Message | undefined>((resolve) => {
      const timer = setTimeout(() => { cleanup(); resolve(undefined); }, timeoutMs);
      abandon = () => { cleanup(); resolve(undefined); };
      this.abandons.add(abandon);
      const onStray = (m: Message): void => {
        if (typeof cid === 'string') return;
        const i = this.strays.indexOf(m);
        if (i >= 0) this.strays.splice(i, 1);
        cleanup();
        resolve(m);
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.abandons.delete(abandon);
        if (typeof cid === 'string') this.waiting.delete(cid);
        this.events.off('stray', onStray);
      };
      if (typeof cid === 'string') this.waiting.set(cid, (m) => { cleanup(); resolve(m); });
      this.events.on('stray', onStray);
    });
    const state = await new Promise<DeliveryState>((resolve) => {
      const d = this.sender.send(msg);
      this.outcomes.set(d, resolve);
    });
    if (state !== 'ACCEPTED') {
      abandon();
      return { state };
    }
    const message = await replyP;
    return message ? { state, message } : { state };
  }

  /** Sends a plain message (no reply expected) and resolves with its delivery outcome. */
  send(to: string, body: unknown, applicationProperties: Record<string, unknown> = {}): Promise<DeliveryState> {
    return new Promise((resolve) => {
      const d = this.sender.send({ to, body: body as Message['body'], application_properties: applicationProperties });
      this.outcomes.set(d, resolve);
    });
  }

  close(): Promise<void> {
    for (const f of [...this.abandons]) f();
    return new Promise((resolve) => {
      if (!this.conn.is_open()) { resolve(); return; }
      const t = setTimeout(resolve, 1000);
      this.conn.once('connection_close', () => { clearTimeout(t); resolve(); });
      this.conn.close();
    });
  }
}

/** QUERY helper: rows as records */
export function records(reply: Reply): Array<Record<string, unknown>> {
  const body = reply.message?.body as { attributeNames: string[]; results: unknown[][] } | undefined;
  if (!body) return [];
  return body.results.map((row) => Object.fromEntries(body.attributeNames.map((n, i) => [n, row[i]])));
}
