/**
 * The viewer's client of the link-graph stream (src/stream/protocol.ts): connects, hands snapshots and in-order
 * deltas to its listener, asks for a resync on a gap, and reconnects with backoff. No DOM or Node dependency: the
 * socket comes from a factory (the browser's WebSocket, or `ws` in tests), and the timers are the global ones.
 */
import type { ClientMessage, DeltaMessage, GraphFilter, ServerMessage, SnapshotMessage } from '../src/stream/protocol.js';

/** an event handler, checked bivariantly (as DOM handlers are) so the browser's WebSocket fits */
type Handler<E> = { bivarianceHack(ev: E): void }['bivarianceHack'];

/** The part of the WebSocket API this client uses (the browser's WebSocket and `ws` both have it). */
export interface SocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type StreamStatus =
  | { state: 'connecting' }
  | { state: 'connected' }
  | { state: 'reconnecting'; inMs: number; reason: string }
  | { state: 'closed' };

export interface StreamListener {
  snapshot(msg: SnapshotMessage): void;
  delta(msg: DeltaMessage): void;
  status?(status: StreamStatus): void;
  /** an error message from the server (it closes the connection right after) */
  error?(code: string, message: string, hint: string | undefined): void;
}

export interface StreamClientOptions {
  url: string;
  socket: (url: string) => SocketLike;
  listener: StreamListener;
  filter?: GraphFilter;
  /**
   * Decompresses a gzip snapshot frame (docs/graph-protocol.md, compressed snapshots). Given, the client asks for
   * them (`encoding=gzip` is added to the URL); the browser's is DecompressionStream('gzip').
   */
  gunzip?: (data: ArrayBuffer | ArrayBufferView) => Promise<string>;
  /** first reconnect delay (default 500 ms), doubled up to maxBackoffMs (default 10 s) */
  backoffMs?: number;
  maxBackoffMs?: number;
}

const OPEN = 1;
const decoder = new TextDecoder();

/** The protocol sends JSON text frames; binary ones (ArrayBuffer, or a Node Buffer under `ws`) are decoded as UTF-8. */
function frameText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return decoder.decode(data);
  if (ArrayBuffer.isView(data)) return decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return undefined;
}

export class StreamClient {
  /** frames still being decompressed: later frames wait behind them, so the order holds */
  private decoding = 0;
  private inbox: Promise<void> = Promise.resolve();
  private ws: SocketLike | undefined;
  private lastSeq: number | undefined;
  private waitingForSnapshot = true;
  private backoff: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private filter: GraphFilter | undefined;

  constructor(private readonly opts: StreamClientOptions) {
    this.backoff = opts.backoffMs ?? 500;
    this.filter = opts.filter;
  }

  /** the seq of the last snapshot or delta handed to the listener */
  get seq(): number | undefined {
    return this.lastSeq;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.ws?.close(1000, 'viewer closed');
    this.ws = undefined;
    this.opts.listener.status?.({ state: 'closed' });
  }

  /** Asks for a fresh snapshot (deltas are ignored until it arrives). */
  resync(): void {
    this.waitingForSnapshot = true;
    this.send({ type: 'resync' });
  }

  setFilter(filter: GraphFilter): void {
    this.filter = filter;
    this.waitingForSnapshot = true;
    this.send({ type: 'filter', filter });
  }

  private send(msg: ClientMessage): void {
    if (this.ws && this.ws.readyState === OPEN) this.ws.send(JSON.stringify(msg));
  }

  private connect(): void {
    this.opts.listener.status?.({ state: 'connecting' });
    let ws: SocketLike;
    try {
      const url = this.opts.gunzip ? `${this.opts.url}${this.opts.url.includes('?') ? '&' : '?'}encoding=gzip` : this.opts.url;
      ws = this.opts.socket(url);
      // binary frames as ArrayBuffer (the browser's default is Blob, which would need an async read)
      (ws as { binaryType?: string }).binaryType = 'arraybuffer';
    } catch (err) {
      this.scheduleReconnect(String(err));
      return;
    }
    this.ws = ws;
    this.waitingForSnapshot = true;
    let closeReason = 'connection closed';
    ws.onopen = () => {
      this.backoff = this.opts.backoffMs ?? 500;
      this.opts.listener.status?.({ state: 'connected' });
      if (this.filter && Object.keys(this.filter).length > 0) this.send({ type: 'filter', filter: this.filter });
    };
    const handle = (text: string | undefined): void => {
      if (text === undefined || this.ws !== ws) return;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(text) as ServerMessage;
      } catch {
        return;
      }
      this.receive(msg, (reason) => (closeReason = reason));
    };
    ws.onmessage = (ev) => {
      const data = ev.data;
      const gunzip = this.opts.gunzip && typeof data !== 'string' ? this.opts.gunzip : undefined;
      if (!gunzip && this.decoding === 0) {
        handle(frameText(data));
        return;
      }
      this.decoding++;
      const decoded = gunzip
        ? gunzip(data as ArrayBuffer).catch(() => {
          // a snapshot that cannot be read: ask for another
          this.resync();
          return undefined;
        })
        : Promise.resolve(frameText(data));
      this.inbox = this.inbox.then(() => decoded).then((text) => {
        this.decoding--;
        handle(text);
      });
    };
    ws.onerror = () => undefined;
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      if (this.stopped) return;
      this.scheduleReconnect(ev.reason || closeReason || `closed (${ev.code})`);
    };
  }

  private receive(msg: ServerMessage, setReason: (r: string) => void): void {
    switch (msg.type) {
      case 'snapshot':
        this.waitingForSnapshot = false;
        this.lastSeq = msg.seq;
        this.opts.listener.snapshot(msg);
        return;
      case 'delta':
        if (this.waitingForSnapshot) return;
        if (this.lastSeq === undefined || msg.from !== this.lastSeq + 1) {
          // a gap: what we hold can no longer be patched
          this.resync();
          return;
        }
        this.lastSeq = msg.seq;
        this.opts.listener.delta(msg);
        return;
      case 'error':
        setReason(`${msg.code}: ${msg.message}`);
        this.opts.listener.error?.(msg.code, msg.message, msg.hint);
        return;
      default:
        return;
    }
  }

  private scheduleReconnect(reason: string): void {
    const inMs = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs ?? 10_000);
    this.opts.listener.status?.({ state: 'reconnecting', inMs, reason });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.connect();
    }, inMs);
  }
}
