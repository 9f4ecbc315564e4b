/**
 * A configurable stand-in for a router's management endpoint, for client tests and the client benchmark: a rhea
 * server that assigns dynamic reply addresses the way a router does (`amqp:/_topo/0/<id>/temp.<n>`), accepts
 * requests on an anonymous-relay link and answers them through the reply link named by `reply_to`.
 *
 * By default it answers like a healthy agent (201/204/200 with plausible bodies). A handler can instead make it
 * answer with any status/body/statusCode type, release, modify or reject the delivery, stay silent, hold the
 * request for a later answer, close the connection or drop the socket.
 */
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import rhea, { type Connection, type Container, type Delivery, type EventContext, type Message, type Sender } from 'rhea';
import { longType, shortType, TYPE_PREFIX, type Flavor } from '../../src/router/protocol.js';

export interface RecordedRequest {
  to: string | undefined;
  replyTo: string | undefined;
  correlationId: unknown;
  applicationProperties: Record<string, unknown>;
  body: unknown;
  /** which accepted connection it came in on (1, 2, … in order of connection) */
  connection: number;
}

export type StatusCodeType = 'int' | 'long' | 'uint' | 'ulong' | 'string';

export type ResponderAction =
  | {
      kind: 'reply';
      /** null: no statusCode property at all */
      statusCode?: number | string | null;
      statusDescription?: string;
      body?: unknown;
      /** the AMQP type of statusCode (default int, as the C agent sends) */
      statusCodeType?: StatusCodeType;
    }
  | { kind: 'release' }
  | { kind: 'modify' }
  | { kind: 'reject'; condition?: string; description?: string }
  /** accept the delivery, never answer */
  | { kind: 'silent' }
  /** answer when the test calls answerHeld(); `settle: false` also leaves the request delivery unsettled until then */
  | { kind: 'hold'; settle?: boolean }
  /** AMQP-close the connection the request came on */
  | { kind: 'close'; condition?: string; description?: string }
  /** destroy the socket the request came on */
  | { kind: 'drop' };

/** Return undefined to get the default answer. */
export type Handler = (req: RecordedRequest) => ResponderAction | undefined;

/** A QUERY table the default handler serves for one entity type. */
export interface Table {
  attributeNames: string[];
  rows: unknown[][];
  /** the C agent honours offset/count, the Python agent ignores them */
  honoursPaging: boolean;
}

export interface ResponderOptions {
  /** default 0: any free port */
  port?: number;
  flavor?: Flavor;
  /** the open frame's `product`; default the flavor's; null for none (the client must then probe) */
  product?: string | null;
  routerId?: string;
  /** credit on the request link (a router's linkCapacity defaults to 250) */
  creditWindow?: number;
  /** keep every request in `requests` (default true; the benchmark turns it off) */
  record?: boolean;
  handler?: Handler;
  /** QUERY tables by entity type (short or long name) */
  tables?: Record<string, Table>;
  /** offer SASL PLAIN only, with this one user */
  plain?: { username: string; password: string };
  /** listen with TLS */
  tls?: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer; requestCert?: boolean; enableExternal?: boolean };
}

interface Held {
  req: RecordedRequest;
  conn: Connection;
  /** still unsettled: settled when answered */
  delivery: Delivery | undefined;
}

export class Responder {
  readonly requests: RecordedRequest[] = [];
  /** every dynamic address handed out, in order */
  readonly replyAddresses: string[] = [];
  /** requests received and not yet answered/settled in a final way (held ones count) */
  held: Held[] = [];
  maxHeld = 0;
  received = 0;
  connectionsAccepted = 0;
  /** user names that passed SASL PLAIN */
  readonly authenticated: string[] = [];
  handler: Handler | undefined;
  tables: Record<string, Table>;

  private readonly container: Container;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Map<Connection, number>();
  private readonly replySenders = new Map<string, Sender>();
  private tempSeq = 0;
  /** replies waiting for link credit or session buffer room (a burst must not overflow rhea's 2048 buffer) */
  private readonly outbox = new Map<Sender, Message[]>();
  private flushScheduled = false;
  private readonly flavor: Flavor;
  private readonly routerId: string;
  private readonly record: boolean;
  private listeners: Array<() => void> = [];

  private constructor(private readonly opts: ResponderOptions) {
    this.flavor = opts.flavor ?? 'qdrouterd';
    this.routerId = opts.routerId ?? 'R1';
    this.record = opts.record ?? true;
    this.handler = opts.handler;
    this.tables = opts.tables ?? {};
    this.container = rhea.create_container({ id: `responder-${this.routerId}` });
  }

  static async start(opts: ResponderOptions = {}): Promise<Responder> {
    const r = new Responder(opts);
    await r.listen();
    return r;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  get url(): string {
    return `${this.opts.tls ? 'amqps' : 'amqp'}://127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Calls `fn` after every event that may change what tests wait for. */
  onChange(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => { this.listeners = this.listeners.filter((l) => l !== fn); };
  }

  /** Resolves when `pred` holds, checking after every responder event; rejects after `timeoutMs`. */
  waitFor(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
      const off = this.onChange(() => {
        if (pred()) { clearTimeout(timer); off(); resolve(); }
      });
    });
  }

  /** Answers held requests (all, or those `filter` picks) with the default answer or `action`. */
  answerHeld(action?: ResponderAction, filter: (r: RecordedRequest) => boolean = () => true): number {
    const keep: Held[] = [];
    const go: Held[] = [];
    for (const h of this.held) (filter(h.req) ? go : keep).push(h);
    this.held = keep;
    for (const h of go) this.perform(h.conn, h.delivery, h.req, action ?? this.defaultAnswer(h.req));
    this.changed();
    return go.length;
  }

  /** Destroys every client socket (the client sees the connection drop). */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** Detaches every reply link (the client's dynamic receivers), with an error condition if given. */
  detachReplyLinks(condition?: string, description?: string): void {
    for (const s of this.replySenders.values()) s.close(condition ? { condition, description } : undefined);
  }

  /** AMQP-closes every connection, with an error condition if given. */
  closeConnections(condition?: string, description?: string): void {
    for (const c of this.connections.keys()) c.close(condition ? { condition, description } : undefined);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server ? this.server.close(() => resolve()) : resolve());
  }

  private changed(): void {
    for (const l of [...this.listeners]) l();
  }

  private listen(): Promise<void> {
    const c = this.container;
    const product = this.opts.product === undefined ? (this.flavor === 'skupper' ? 'skupper-router' : 'qpid-dispatch-router') : this.opts.product;
    const base: Record<string, unknown> = {
      port: this.opts.port ?? 0,
      host: '127.0.0.1',
      properties: product === null ? undefined : { product, version: this.flavor === 'skupper' ? '3.5.1' : '1.19.0' },
      receiver_options: { credit_window: this.opts.creditWindow ?? 250, autoaccept: false },
    };
    if (this.opts.plain) {
      const { username, password } = this.opts.plain;
      c.sasl_server_mechanisms.enable_plain((u: string, p: string) => {
        const ok = u === username && p === password;
        if (ok) this.authenticated.push(u);
        return ok;
      });
    }
    if (this.opts.tls) {
      Object.assign(base, {
        transport: 'tls',
        key: this.opts.tls.key,
        cert: this.opts.tls.cert,
        ca: this.opts.tls.ca,
        requestCert: this.opts.tls.requestCert ?? false,
        rejectUnauthorized: this.opts.tls.requestCert ?? false,
        enable_sasl_external: this.opts.tls.enableExternal ?? false,
      });
    }

    c.on('connection_open', (ctx: EventContext) => {
      this.connections.set(ctx.connection, ++this.connectionsAccepted);
      this.changed();
    });
    const forget = (ctx: EventContext) => {
      if (this.connections.delete(ctx.connection)) this.changed();
    };
    c.on('connection_close', forget);
    c.on('disconnected', forget);
    c.on('connection_error', () => undefined);
    c.on('protocol_error', () => undefined);
    c.on('error', () => undefined);
    c.on('session_error', () => undefined);
    c.on('sender_error', () => undefined);
    c.on('receiver_error', () => undefined);
    c.on('sender_close', (ctx: EventContext) => {
      const addr = ctx.sender?.source?.address;
      if (typeof addr === 'string') this.replySenders.delete(addr);
    });

    c.on('sender_open', (ctx: EventContext) => {
      const s = ctx.sender!;
      if (s.source?.dynamic) {
        const address = `amqp:/_topo/0/${this.routerId}/temp.${++this.tempSeq}`;
        s.set_source({ address });
        this.replySenders.set(address, s);
        this.replyAddresses.push(address);
      }
      this.changed();
    });
    c.on('receiver_open', (ctx: EventContext) => {
      const r = ctx.receiver!;
      // Echo the (null) target: this link is the anonymous relay.
      r.set_target(r.target ?? {});
    });
    c.on('message', (ctx: EventContext) => this.onRequest(ctx));

    const server = c.listen(base as never) as Server;
    this.server = server;
    server.on(this.opts.tls ? 'secureConnection' : 'connection', (sock: Socket) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    return new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
  }

  private onRequest(ctx: EventContext): void {
    const m = ctx.message!;
    const delivery = ctx.delivery!;
    const req: RecordedRequest = {
      to: m.to as string | undefined,
      replyTo: m.reply_to as string | undefined,
      correlationId: m.correlation_id,
      applicationProperties: (m.application_properties ?? {}) as Record<string, unknown>,
      body: m.body,
      connection: this.connections.get(ctx.connection) ?? 0,
    };
    this.received++;
    if (this.record) this.requests.push(req);
    const action = this.handler?.(req) ?? this.defaultAnswer(req);
    this.perform(ctx.connection, delivery, req, action);
    this.changed();
  }

  private perform(conn: Connection, delivery: Delivery | undefined, req: RecordedRequest, action: ResponderAction): void {
    switch (action.kind) {
      case 'release': delivery?.release(); return;
      case 'modify': delivery?.modified({ delivery_failed: true }); return;
      case 'reject': delivery?.reject({ condition: action.condition ?? 'amqp:precondition-failed', description: action.description ?? 'rejected by responder' }); return;
      case 'silent': delivery?.accept(); return;
      case 'hold':
        if (action.settle === false) {
          this.held.push({ req, conn, delivery });
        } else {
          delivery?.accept();
          this.held.push({ req, conn, delivery: undefined });
        }
        if (this.held.length > this.maxHeld) this.maxHeld = this.held.length;
        return;
      case 'close': conn.close({ condition: action.condition ?? 'amqp:connection:forced', description: action.description ?? 'closed by responder' }); return;
      case 'drop': (conn.socket as Socket | undefined)?.destroy(); return;
      case 'reply': {
        delivery?.accept();
        const sender = req.replyTo === undefined ? undefined : this.replySenders.get(req.replyTo);
        if (!sender) return; // like the router: no reply_to, no reply
        const ap: Record<string, unknown> = {};
        if (action.statusCode !== null) ap.statusCode = typedStatus(action.statusCode ?? 200, action.statusCodeType ?? 'int');
        ap.statusDescription = action.statusDescription ?? 'OK';
        const reply: Message = { to: req.replyTo, correlation_id: req.correlationId as string, application_properties: ap, body: 'body' in action ? action.body : {} };
        this.sendReply(sender, reply);
        return;
      }
    }
  }

  private sendReply(sender: Sender, m: Message): void {
    const q = this.outbox.get(sender);
    if (!q && sender.sendable()) {
      sender.send(m);
      return;
    }
    if (q) q.push(m);
    else this.outbox.set(sender, [m]);
    this.scheduleFlush();
  }

  // rhea frees buffer slots only after its event handlers ran, and announces credit but not room: look again on
  // the next turn of the event loop until everything is out.
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const [sender, q] of this.outbox) {
        if (!sender.is_open()) { this.outbox.delete(sender); continue; }
        while (q.length > 0 && sender.sendable()) sender.send(q.shift()!);
        if (q.length === 0) this.outbox.delete(sender);
      }
      if (this.outbox.size > 0) this.scheduleFlush();
    });
  }

  /** What a healthy agent would answer. */
  defaultAnswer(req: RecordedRequest): ResponderAction {
    const ap = req.applicationProperties;
    const op = String(ap.operation ?? '');
    const prefix = TYPE_PREFIX[this.flavor];
    const type = typeof ap.type === 'string' ? ap.type : undefined;
    const body = (req.body ?? {}) as Record<string, unknown>;
    switch (op) {
      case 'CREATE':
        return { kind: 'reply', statusCode: 201, statusDescription: 'Created', body: { ...body, name: ap.name, identity: `${shortType(type ?? '?')}/1`, type } };
      case 'READ':
        return { kind: 'reply', statusCode: 200, body: { name: ap.name ?? 'x', identity: ap.identity ?? `${shortType(type ?? '?')}/1`, type } };
      case 'UPDATE':
        return { kind: 'reply', statusCode: 200, body: { ...body, name: ap.name, identity: ap.identity, type } };
      case 'DELETE':
        return { kind: 'reply', statusCode: 204, statusDescription: 'No Content', body: {} };
      case 'QUERY': {
        const et = typeof ap.entityType === 'string' ? ap.entityType : '';
        const table = this.tables[et] ?? this.tables[shortType(et)] ?? this.tables[longType(this.flavor, et)];
        const asked = Array.isArray(body.attributeNames) ? (body.attributeNames as string[]) : [];
        if (!table) return { kind: 'reply', statusCode: 200, body: { attributeNames: asked.length ? asked : ['name'], results: [] } };
        const names = asked.length ? asked : table.attributeNames;
        const idx = names.map((n) => table.attributeNames.indexOf(n));
        let rows = table.rows;
        if (table.honoursPaging) {
          const offset = typeof ap.offset === 'number' ? ap.offset : 0;
          const count = typeof ap.count === 'number' && ap.count >= 0 ? ap.count : rows.length;
          rows = rows.slice(offset, offset + count);
        }
        return { kind: 'reply', statusCode: 200, body: { attributeNames: names, results: rows.map((r) => idx.map((i) => (i < 0 ? null : r[i]))) } };
      }
      case 'GET-TYPES':
        return {
          kind: 'reply', statusCode: 200, body: {
            [`${prefix}entity`]: [],
            [`${prefix}listener`]: [`${prefix}configurationEntity`, `${prefix}entity`],
            [`${prefix}connector`]: [`${prefix}configurationEntity`, `${prefix}entity`],
            [`${prefix}router`]: [`${prefix}configurationEntity`, `${prefix}entity`],
          },
        };
      case 'GET-ATTRIBUTES':
        return { kind: 'reply', statusCode: 200, body: { [`${prefix}listener`]: ['name', 'identity', 'host', 'port', 'role'] } };
      case 'GET-OPERATIONS':
        return { kind: 'reply', statusCode: 200, body: { [`${prefix}listener`]: ['CREATE', 'DELETE', 'READ'] } };
      case 'GET-MGMT-NODES':
        return { kind: 'reply', statusCode: 200, body: [`amqp:/_topo/0/${this.routerId}/$management`] };
      case 'GET-SCHEMA':
        return { kind: 'reply', statusCode: 200, body: { prefix: prefix.replace(/\.$/, ''), entityTypes: {} } };
      default:
        return { kind: 'reply', statusCode: 400, statusDescription: `Bad operation ${op}`, body: {} };
    }
  }
}

function typedStatus(code: number | string, type: StatusCodeType): unknown {
  if (type === 'string' || typeof code === 'string') return String(code);
  switch (type) {
    case 'int': return rhea.types.wrap_int(code);
    case 'long': return rhea.types.wrap_long(code);
    case 'uint': return rhea.types.wrap_uint(code);
    case 'ulong': return rhea.types.wrap_ulong(code);
  }
}
