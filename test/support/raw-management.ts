/**
 * A deliberately raw management client for the conformance tests: it sends a request exactly as a recorded case
 * describes it (typed correlation ids, a missing reply_to, a null body, any `to`) and reports what came back with
 * the AMQP types intact, in the shape the transcripts record. The product client (src/router) is never this loose.
 */
import { randomUUID } from 'node:crypto';
import rhea, { type Connection, type Receiver, type Sender, type Delivery, type EventContext } from 'rhea';
import { installTypedDecode, typedSectionsOf } from '../../src/amqp/typed-decode.js';

export interface RawRequest {
  to: string;
  applicationProperties: Record<string, unknown>;
  body: unknown;
  correlationId: { type: string; value: unknown };
  replyTo: boolean;
}

export interface RawObserved {
  delivery: { state: string; settled: boolean };
  response?: {
    applicationProperties: Record<string, unknown>;
    applicationPropertyTypes: Record<string, string>;
    correlationIdEchoed: boolean;
    correlationId: { type: string; value: unknown } | null;
    bodyType: string;
    body: unknown;
  };
}

function typedCorrelationId(cid: { type: string; value: unknown }): unknown {
  const t = rhea.types;
  const v = cid.value;
  switch (cid.type) {
    case 'string': return String(v);
    case 'int': return t.wrap_int(Number(v));
    case 'long': return t.wrap_long(Number(v));
    case 'ulong': return t.wrap_ulong(Number(v));
    case 'binary': return t.wrap_binary(Buffer.from(String((v as { $binary: string }).$binary), 'utf8'));
    case 'uuid': return t.wrap_uuid(Buffer.from(String(v).replace(/-/g, ''), 'hex'));
    default: throw new Error(`unsupported correlation id type ${cid.type}`);
  }
}

/** The correlation id as the transcripts write it: binary as {$binary: text}, uuid in its dashed form. */
function describeCorrelationId(type: string, value: unknown): unknown {
  if (type === 'binary' && Buffer.isBuffer(value)) return { $binary: value.toString('utf8') };
  if (type === 'uuid' && Buffer.isBuffer(value)) {
    const h = value.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return value;
}

function sameCorrelation(a: { type: string; value: unknown }, b: { type: string; value: unknown }): boolean {
  return a.type === b.type && JSON.stringify(a.value) === JSON.stringify(b.value);
}

/** Converts rhea's decoded body into the JSON the transcripts hold (binary → {$binary}). */
function toJsonValue(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return { $binary: v.toString('utf8') };
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
    return out;
  }
  return v;
}

export class RawManagementClient {
  private conn!: Connection;
  private sender!: Sender;
  private receiver!: Receiver;
  private replyAddress = '';
  private inbox: Array<{ message: rhea.Message; typed: ReturnType<typeof typedSectionsOf> }> = [];
  private waiters: Array<() => void> = [];
  private outcomes = new Map<Delivery, (state: string) => void>();

  static async connect(port: number, host = '127.0.0.1', containerId = 'mgmt-recorder'): Promise<RawManagementClient> {
    installTypedDecode();
    const c = new RawManagementClient();
    const container = rhea.create_container({ id: containerId });
    await new Promise<void>((resolve, reject) => {
      c.conn = container.connect({ host, port, reconnect: false });
      c.conn.on('connection_error', (ctx: EventContext) => reject(ctx.connection.error ?? new Error('connection error')));
      c.conn.on('disconnected', (ctx: EventContext) => reject(ctx.error ?? new Error('disconnected')));
      c.conn.on('error', () => undefined);
      // links named as the recorder's client named them: <container>-<uuid>
      c.sender = c.conn.open_sender({ name: `${containerId}-${randomUUID()}`, target: {} } as unknown as rhea.SenderOptions);
      for (const [event, state] of [['accepted', 'ACCEPTED'], ['released', 'RELEASED'], ['rejected', 'REJECTED'], ['modified', 'MODIFIED']] as const) {
        c.sender.on(event, (ctx: EventContext) => {
          const f = c.outcomes.get(ctx.delivery!);
          if (f) { c.outcomes.delete(ctx.delivery!); f(state); }
        });
      }
      c.receiver = c.conn.open_receiver({ name: `${containerId}-${randomUUID()}`, source: { dynamic: true } as unknown as rhea.Source, credit_window: 100 });
      c.receiver.on('receiver_open', (ctx: EventContext) => {
        c.replyAddress = ctx.receiver!.source.address;
        resolve();
      });
      c.receiver.on('message', (ctx: EventContext) => {
        c.inbox.push({ message: ctx.message!, typed: typedSectionsOf(ctx.message!) });
        const w = c.waiters.splice(0);
        w.forEach((f) => f());
      });
    });
    return c;
  }

  get address(): string { return this.replyAddress; }

  /**
   * Sends one request; resolves once its delivery is settled and either its reply arrived or a follow-up probe to the
   * same target proved that none is coming (the routers answer one target's requests in order).
   */
  async send(req: RawRequest, timeoutMs = 5000): Promise<RawObserved> {
    const sentCid = typedCorrelationId(req.correlationId);
    const delivery = await this.sendOne(req, sentCid);
    const result: RawObserved = { delivery };
    if (delivery.state !== 'ACCEPTED') return result;
    const wanted = req.correlationId;
    const match = (m: rhea.Message, typed: ReturnType<typeof typedSectionsOf>): boolean => {
      const type = typed?.correlationIdType;
      if (type) return sameCorrelation({ type, value: describeCorrelationId(type, m.correlation_id) }, wanted);
      return false;
    };
    if (req.replyTo) {
      // a reply whose correlation id was not echoed cannot be matched by id: take the next uncorrelated reply
      const probeCid = `probe-${Math.random().toString(36).slice(2)}`;
      const found = await this.waitFor((m, typed) => match(m, typed) || !typed?.correlationIdType, timeoutMs, async () => {
        // nothing yet: probe the same target; its reply proves ours is not coming
        await this.sendOne({ to: req.to, applicationProperties: { operation: 'GET-MGMT-NODES', type: 'org.amqp.management', name: 'self' }, body: {}, correlationId: { type: 'string', value: probeCid }, replyTo: true }, probeCid);
      }, probeCid);
      if (found) {
        const { message, typed } = found;
        const type = typed?.correlationIdType;
        result.response = {
          applicationProperties: toJsonValue(message.application_properties ?? {}) as Record<string, unknown>,
          applicationPropertyTypes: typed?.applicationPropertyTypes ?? {},
          correlationIdEchoed: type ? sameCorrelation({ type, value: describeCorrelationId(type, message.correlation_id) }, wanted) : false,
          correlationId: type ? { type, value: describeCorrelationId(type, message.correlation_id) } : null,
          bodyType: typed?.bodyType === 'absent' ? 'null' : (typed?.bodyType ?? 'unknown'),
          body: toJsonValue(message.body ?? null),
        };
      }
    }
    return result;
  }

  private sendOne(req: RawRequest, cid: unknown): Promise<{ state: string; settled: boolean }> {
    return new Promise((resolve) => {
      const msg: rhea.Message = {
        to: req.to,
        correlation_id: cid as string,
        application_properties: req.applicationProperties,
        body: req.body as rhea.Message['body'],
      };
      if (req.replyTo) msg.reply_to = this.replyAddress;
      const d: Delivery = this.sender.send(msg);
      this.outcomes.set(d, (state) => resolve({ state, settled: true }));
    });
  }

  private async waitFor(
    pred: (m: rhea.Message, typed: ReturnType<typeof typedSectionsOf>) => boolean,
    timeoutMs: number,
    probe: () => Promise<void>,
    probeCid: string,
  ): Promise<{ message: rhea.Message; typed: ReturnType<typeof typedSectionsOf> } | undefined> {
    const deadline = Date.now() + timeoutMs;
    let probed = false;
    for (;;) {
      const i = this.inbox.findIndex((x) => x.message.correlation_id !== probeCid && pred(x.message, x.typed));
      if (i >= 0) {
        const [hit] = this.inbox.splice(i, 1);
        this.inbox = this.inbox.filter((x) => x.message.correlation_id !== probeCid);
        return hit;
      }
      if (this.inbox.some((x) => x.message.correlation_id === probeCid)) {
        this.inbox = this.inbox.filter((x) => x.message.correlation_id !== probeCid);
        return undefined;
      }
      if (!probed) { probed = true; await probe(); }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.conn || !this.conn.is_open()) return resolve();
      this.conn.once('connection_close', () => resolve());
      this.conn.once('disconnected', () => resolve());
      this.conn.close();
    });
  }
}
