/**
 * Messages as bytes. A router forwards a message unchanged: rhea's decode-then-encode would lose AMQP types (a ulong
 * correlation id comes back as a uint, a uuid as binary), so the simulated router keeps the encoded bytes of every
 * delivery it receives and only rewrites the message-annotations section, where the real routers keep their routing
 * annotations (`x-opt-qd.to`, `x-opt-qd.ingress`, `x-opt-qd.trace`).
 *
 * rhea hands over only the decoded message, so the bytes are captured per connection: an instance-level wrapper
 * around the connection's transfer handler collects the frames of a delivery and exposes the whole payload while
 * rhea dispatches the resulting 'message' event (which it does synchronously inside that handler).
 */
import rhea from 'rhea';
import type { Connection } from 'rhea';

interface TransferFrame {
  channel: number;
  performative: { handle: number; more?: boolean; aborted?: boolean };
  payload?: Buffer;
}

interface Typed { type?: { name?: string; typecode?: number }; value?: unknown; descriptor?: { value?: unknown } }

interface RheaTypes {
  Reader: new (b: Buffer) => { position: number; remaining(): number; read(): Typed };
  Writer: new () => { write(o: unknown): void; toBuffer(): Buffer };
  described(descriptor: unknown, value: unknown): unknown;
  wrap_ulong(v: number): unknown;
  wrap_symbol(v: string): unknown;
  wrap_string(v: string): unknown;
  wrap_list(v: unknown[]): unknown;
  Map32(items: unknown[]): unknown;
}
const T = rhea.types as unknown as RheaTypes;

const RAW = Symbol('ecn.sim.rawCapture');
const EMPTY: Buffer = Buffer.alloc(0);

/** partial: the chunks of multi-frame deliveries, made on the first one (most connections never see one) */
interface CaptureState { partial: Map<string, Buffer[]> | undefined; current: Buffer | undefined }

type OnTransfer = (this: Connection, f: TransferFrame) => void;

/** one capturing on_transfer per original (rhea's prototype method), shared by every captured connection */
const capturing = new WeakMap<OnTransfer, OnTransfer>();

function capturingOnTransfer(original: OnTransfer): OnTransfer {
  let f = capturing.get(original);
  if (f) return f;
  f = function onTransferCapturingBytes(this: Connection, frame: TransferFrame) {
    const state = (this as unknown as { [RAW]: CaptureState })[RAW];
    const payload = frame.payload ?? EMPTY;
    if (frame.performative.more) {
      const key = `${frame.channel}/${frame.performative.handle}`;
      state.partial ??= new Map();
      const chunks = state.partial.get(key);
      if (chunks) chunks.push(payload);
      else state.partial.set(key, [payload]);
      original.call(this, frame);
      return;
    }
    // the last (or only) frame of a delivery: earlier chunks only if this connection ever saw a multi-frame one
    const key = state.partial?.size ? `${frame.channel}/${frame.performative.handle}` : undefined;
    const chunks = key === undefined ? undefined : state.partial!.get(key);
    if (chunks) state.partial!.delete(key!);
    state.current = chunks ? Buffer.concat([...chunks, payload]) : payload;
    try {
      original.call(this, frame);
    } finally {
      state.current = undefined;
    }
  };
  capturing.set(original, f);
  return f;
}

/**
 * Makes `currentRaw(conn)` return the encoded message while rhea dispatches each 'message' event of this connection.
 * Only this connection is affected; rhea's prototypes are left alone.
 */
export function captureRawTransfers(conn: Connection): void {
  const holder = conn as unknown as { [RAW]?: CaptureState; on_transfer?: OnTransfer };
  if (holder[RAW]) return;
  holder[RAW] = { partial: undefined, current: undefined };
  // the same function object for every connection: thousands of simulated routers hold thousands of connections
  holder.on_transfer = capturingOnTransfer(Object.getPrototypeOf(conn).on_transfer as OnTransfer);
}

/** The encoded message being dispatched right now on this connection (inside a 'message' handler), if captured. */
export function currentRaw(conn: Connection): Buffer | undefined {
  return (conn as unknown as { [RAW]?: CaptureState })[RAW]?.current;
}

const HEADER = 0x70;
const DELIVERY_ANNOTATIONS = 0x71;
const MESSAGE_ANNOTATIONS = 0x72;

export const ANN_TO = 'x-opt-qd.to';
export const ANN_INGRESS = 'x-opt-qd.ingress';
export const ANN_TRACE = 'x-opt-qd.trace';
const ROUTER_ANNOTATION_PREFIX = 'x-opt-qd.';

export interface RouterAnnotations {
  to?: string | undefined;
  ingress?: string | undefined;
  trace?: string[] | undefined;
}

/** Reads the router annotations of a decoded message (rhea has unwrapped the annotation map to plain values). */
export function readRouterAnnotations(message: { message_annotations?: Record<string, unknown> }): RouterAnnotations {
  const ma = message.message_annotations;
  if (!ma || typeof ma !== 'object') return {};
  const out: RouterAnnotations = {};
  if (typeof ma[ANN_TO] === 'string') out.to = ma[ANN_TO] as string;
  if (typeof ma[ANN_INGRESS] === 'string') out.ingress = ma[ANN_INGRESS] as string;
  const trace = ma[ANN_TRACE];
  if (Array.isArray(trace)) out.trace = trace.filter((x): x is string => typeof x === 'string');
  return out;
}

interface SectionSpan { code: number; start: number; end: number; value: Typed }

function sections(raw: Buffer): SectionSpan[] {
  const reader = new T.Reader(raw);
  const out: SectionSpan[] = [];
  while (reader.remaining() > 0) {
    const start = reader.position;
    const value = reader.read();
    out.push({ code: Number(value.descriptor?.value), start, end: reader.position, value });
  }
  return out;
}

function isRouterKey(k: Typed): boolean {
  return typeof k.value === 'string' && k.value.startsWith(ROUTER_ANNOTATION_PREFIX);
}

/**
 * Returns the message with its router annotations replaced: every `x-opt-qd.*` entry is removed and the given ones
 * (if any) are added; other annotations keep their encoding. With no annotations given this strips them, as a router
 * does towards a normal (client) connection. Throws on bytes that are not an AMQP message.
 */
export function withRouterAnnotations(raw: Buffer, ann: RouterAnnotations | undefined): Buffer {
  const spans = sections(raw);
  const ma = spans.find((s) => s.code === MESSAGE_ANNOTATIONS);
  const kept: unknown[] = [];
  let hadRouterKeys = false;
  if (ma && Array.isArray(ma.value.value)) {
    const items = ma.value.value as Typed[];
    for (let i = 0; i + 1 < items.length; i += 2) {
      if (isRouterKey(items[i]!)) { hadRouterKeys = true; continue; }
      kept.push(items[i], items[i + 1]);
    }
  }
  const added: unknown[] = [];
  if (ann?.to !== undefined) added.push(T.wrap_symbol(ANN_TO), T.wrap_string(ann.to));
  if (ann?.ingress !== undefined) added.push(T.wrap_symbol(ANN_INGRESS), T.wrap_string(ann.ingress));
  if (ann?.trace !== undefined) added.push(T.wrap_symbol(ANN_TRACE), T.wrap_list(ann.trace));
  if (!hadRouterKeys && added.length === 0) return raw;

  const items = [...kept, ...added];
  let encoded: Buffer = EMPTY;
  if (items.length > 0) {
    const w = new T.Writer();
    w.write(T.described(T.wrap_ulong(MESSAGE_ANNOTATIONS), T.Map32(items)));
    encoded = w.toBuffer();
  }
  // the annotations section goes after header and delivery-annotations, before everything else
  const before = spans.filter((s) => s.code === HEADER || s.code === DELIVERY_ANNOTATIONS);
  const after = spans.filter((s) => s.code !== HEADER && s.code !== DELIVERY_ANNOTATIONS && s.code !== MESSAGE_ANNOTATIONS);
  return Buffer.concat([
    ...before.map((s) => raw.subarray(s.start, s.end)),
    encoded,
    ...after.map((s) => raw.subarray(s.start, s.end)),
  ]);
}
