/**
 * A Node.js client of the graph stream: keeps a graphology copy of the (filtered) link graph, replays deltas with
 * the graphology methods they are named after, asks for a snapshot on a gap, and optionally reconnects with
 * backoff. Every server message is checked (./messages.ts); a bad one is an 'error' event and a resync, not a crash.
 * Snapshots come gzipped (`?encoding=gzip`, binary frames) unless `encoding: 'json'`; they are gunzipped in the
 * thread pool, and frames are handled in the order they arrived.
 *
 *   const c = new GraphClient();
 *   await c.connect('ws://127.0.0.1:8080/graph', { token, filter: { application: 'demo' } });
 *   c.on('delta', (d) => render(c.graph));
 */
import { EventEmitter } from 'node:events';
import { gunzip } from 'node:zlib';
import { MultiDirectedGraph } from 'graphology';
import WebSocket from 'ws';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { applyOps } from '../graph/diff.js';
import type { EdgeAttributes, NodeAttributes } from '../graph/types.js';
import { parseServerMessage, StreamError } from './messages.js';
import { GRAPH_SUBPROTOCOL, type ClientMessage, type DeltaMessage, type ErrorMessage, type GraphFilter, type SnapshotEncoding, type SnapshotMessage } from './protocol.js';

export type ClientGraph = MultiDirectedGraph<NodeAttributes, EdgeAttributes>;

export interface GraphClientOptions {
  /** sent as `Authorization: Bearer …` */
  token?: string;
  filter?: GraphFilter;
  /**
   * how snapshots travel: 'gzip' (default: binary frames, ~20× smaller; falls back to 'json' against a server that
   * does not know the parameter) or 'json' (text frames)
   */
  encoding?: SnapshotEncoding;
  /** largest snapshot accepted once gunzipped, default 512 MiB (about the longest string V8 can hold) */
  maxSnapshotBytes?: number;
  /** reconnect after the connection drops (not after a refusal): true or backoff bounds; default off */
  reconnect?: boolean | { initialMs?: number; maxMs?: number };
  /** how long to wait for the server to answer the upgrade, default 10 s */
  handshakeTimeoutMs?: number;
  clock?: Clock;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** a reconnect is scheduled */
  reconnecting: boolean;
}

export interface GraphClientEvents {
  snapshot: [SnapshotMessage];
  delta: [DeltaMessage];
  /** the server's coded error message, or a StreamError for anything wrong on the wire */
  error: [StreamError];
  /** a delta did not follow the last seq: a resync was requested */
  gap: [{ expected: number; from: number }];
  close: [CloseInfo];
}

/** ws://HOST:PORT/graph with the filter (and encoding=gzip when asked; json is the default) as query parameters. */
export function graphUrl(base: string, filter: GraphFilter = {}, encoding: SnapshotEncoding = 'json'): string {
  const u = new URL(base);
  for (const k of ['application', 'agent', 'kinds', 'encoding']) u.searchParams.delete(k);
  if (encoding !== 'json') u.searchParams.set('encoding', encoding);
  if (filter.application !== undefined) u.searchParams.set('application', filter.application);
  if (filter.agent !== undefined) u.searchParams.set('agent', filter.agent);
  if (filter.kinds !== undefined) u.searchParams.set('kinds', filter.kinds.join(','));
  return u.toString();
}

export class GraphClient extends EventEmitter<GraphClientEvents> {
  private copy: ClientGraph = newGraph();
  private seqNo = -1;
  private ws: WebSocket | undefined;
  private url = '';
  private opts: GraphClientOptions = {};
  private filterNow: GraphFilter = {};
  private encodingNow: SnapshotEncoding = 'gzip';
  private userClosed = false;
  private awaitingSnapshot = false;
  private attempt = 0;
  private retry: TimerHandle | undefined;

  /** the client's copy of the graph (replace-on-snapshot: take it again after a 'snapshot' event) */
  get graph(): ClientGraph {
    return this.copy;
  }

  /** seq of the last snapshot or delta applied (-1: none yet) */
  get seq(): number {
    return this.seqNo;
  }

  get filter(): GraphFilter {
    return this.filterNow;
  }

  /** how snapshots come: as asked, or 'json' after falling back for a server that does not offer gzip */
  get encoding(): SnapshotEncoding {
    return this.encodingNow;
  }

  /** Connects and resolves with the first snapshot; rejects with a StreamError when that does not happen. */
  connect(url: string, opts: GraphClientOptions = {}): Promise<SnapshotMessage> {
    this.url = url;
    this.opts = opts;
    this.filterNow = opts.filter ?? {};
    this.encodingNow = opts.encoding ?? 'gzip';
    this.userClosed = false;
    return this.open().catch((err: StreamError) => {
      // a manager from before compressed snapshots refuses the unknown parameter: ask it for JSON
      if (this.encodingNow === 'json' || err.status !== 400 || err.code !== 'ECN_STREAM_BAD_FILTER' || !err.message.includes("'encoding'")) throw err;
      this.encodingNow = 'json';
      return this.open();
    });
  }

  /** Asks for a fresh snapshot. */
  resync(): void {
    this.awaitingSnapshot = true;
    this.sendMessage({ type: 'resync' });
  }

  /** Replaces the filter; the server answers with a snapshot under it (also used on reconnects). */
  setFilter(filter: GraphFilter): void {
    this.filterNow = filter;
    this.awaitingSnapshot = true;
    this.sendMessage({ type: 'filter', filter });
  }

  /** Sends any client message as is (tests use it to send wrong ones). */
  sendMessage(msg: ClientMessage | Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Closes for good (no reconnect); resolves when the socket is closed. */
  close(): Promise<void> {
    this.userClosed = true;
    this.retry?.cancel();
    this.retry = undefined;
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      ws.once('close', () => resolve());
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000);
    });
  }

  private open(): Promise<SnapshotMessage> {
    const headers: Record<string, string> = {};
    if (this.opts.token !== undefined) headers.Authorization = `Bearer ${this.opts.token}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(graphUrl(this.url, this.filterNow, this.encodingNow), [GRAPH_SUBPROTOCOL], { headers, handshakeTimeout: this.opts.handshakeTimeoutMs ?? 10_000, perMessageDeflate: false });
    } catch (err) {
      return Promise.reject(new StreamError('ECN_STREAM_UNREACHABLE', `cannot connect to '${this.url}': ${(err as Error).message}`, 'give a ws://HOST:PORT/graph URL'));
    }
    this.ws = ws;
    this.awaitingSnapshot = true;
    return new Promise<SnapshotMessage>((resolve, reject) => {
      let settled = false;
      let gotSnapshot = false;
      let refused: StreamError | undefined;
      const fail = (e: StreamError) => {
        if (settled) return;
        settled = true;
        reject(e);
      };
      ws.on('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { if (body.length < 8192) body += d; });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let code: StreamError['code'] = 'ECN_STREAM_REFUSED';
          let message = `the server refused the connection with HTTP ${status}`;
          let hint: string | undefined = 'check the URL: the graph stream is at ws://HOST:PORT/graph';
          try {
            const e = JSON.parse(body) as Partial<ErrorMessage>;
            if (typeof e.code === 'string' && typeof e.message === 'string') {
              code = e.code;
              message = `HTTP ${status}: ${e.message}`;
              hint = e.hint;
            }
          } catch { /* not ours: keep the status */ }
          if (status === 401 && code === 'ECN_STREAM_REFUSED') code = 'ECN_STREAM_UNAUTHORIZED';
          refused = new StreamError(code, message, hint, status);
          fail(refused);
          req.destroy();
        });
      });
      ws.on('error', (err: Error & { code?: string }) => {
        if (refused) return;
        if (!settled) {
          fail(new StreamError('ECN_STREAM_UNREACHABLE', `cannot connect to '${this.url}': ${err.code ?? err.message}`, 'is the manager running, and is this its HTTP address?'));
          return;
        }
        this.emitError(new StreamError('ECN_STREAM_CLOSED', `connection error: ${err.message}`));
      });
      // frames are handled in arrival order: while a gzip snapshot is being gunzipped, later frames wait for it
      let queue: Promise<void> = Promise.resolve();
      let queued = 0;
      const inOrder = <T>(work: Promise<T>, then: (x: T) => void): void => {
        queued++;
        queue = queue.then(() => work).then(then).catch((err: unknown) => {
          process.nextTick(() => { throw err; }); // a listener threw: as loud as it would have been without the queue
        }).finally(() => { queued--; });
      };
      const gzip = this.encodingNow === 'gzip';
      const maxBytes = this.opts.maxSnapshotBytes ?? 512 * 2 ** 20;
      ws.on('message', (data, isBinary) => {
        const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        if (isBinary && !gzip) {
          this.emitError(new StreamError('ECN_STREAM_BAD_MESSAGE', 'the server sent a binary frame'));
          return;
        }
        if (!isBinary && queued === 0) {
          handle(raw.toString('utf8'));
          return;
        }
        const text = isBinary
          ? new Promise<string | StreamError>((res) => gunzip(raw, { maxOutputLength: maxBytes }, (err, out) => {
            res(err ? new StreamError('ECN_STREAM_BAD_MESSAGE', `the server sent a binary frame that does not gunzip: ${err.message}`) : out.toString('utf8'));
          }))
          : Promise.resolve(raw.toString('utf8'));
        inOrder(text, (t) => {
          if (typeof t === 'string') return handle(t);
          this.emitError(t);
          this.resync();
        });
      });
      const handle = (text: string): void => {
        let msg;
        try {
          msg = parseServerMessage(text);
        } catch (err) {
          this.emitError(err as StreamError);
          this.resync();
          return;
        }
        if (msg.type === 'snapshot') {
          gotSnapshot = true;
          this.onSnapshot(msg);
          if (!settled) {
            settled = true;
            resolve(msg);
          }
        } else if (msg.type === 'delta') {
          this.onDelta(msg);
        } else {
          const e = new StreamError(msg.code, msg.message, msg.hint);
          if (!settled) fail(e);
          else this.emitError(e);
        }
      };
      ws.on('close', (code, reasonBuf) => {
        if (queued > 0) inOrder(Promise.resolve(), () => onClose(code, reasonBuf));
        else onClose(code, reasonBuf);
      });
      const onClose = (code: number, reasonBuf: Buffer): void => {
        const reason = reasonBuf.toString('utf8');
        if (!settled) fail(new StreamError('ECN_STREAM_CLOSED', `the server closed the connection before the first snapshot (${code}${reason ? ` ${reason}` : ''})`));
        // only a connection that got going is retried from here; a failed attempt is retried by scheduleReconnect
        const reconnecting = !this.userClosed && !refused && gotSnapshot && this.opts.reconnect !== undefined && this.opts.reconnect !== false;
        if (reconnecting) this.scheduleReconnect();
        this.emit('close', { code, reason, reconnecting });
      };
    });
  }

  private scheduleReconnect(): void {
    const r = typeof this.opts.reconnect === 'object' ? this.opts.reconnect : {};
    const initial = r.initialMs ?? 250;
    const max = r.maxMs ?? 10_000;
    const delay = Math.min(max, initial * 2 ** this.attempt);
    this.attempt++;
    this.retry = (this.opts.clock ?? systemClock).setTimeout(() => {
      this.retry = undefined;
      if (this.userClosed) return;
      this.open().then(() => { this.attempt = 0; }, (err: StreamError) => {
        this.emitError(err);
        if (!this.userClosed && err.status === undefined) this.scheduleReconnect();
      });
    }, delay);
  }

  private onSnapshot(msg: SnapshotMessage): void {
    const g = newGraph();
    try {
      g.import(msg.graph);
    } catch (err) {
      this.emitError(new StreamError('ECN_STREAM_BAD_MESSAGE', `the snapshot does not import: ${(err as Error).message}`));
      return;
    }
    this.copy = g;
    this.seqNo = msg.seq;
    this.filterNow = msg.filter;
    this.awaitingSnapshot = false;
    this.emit('snapshot', msg);
  }

  private onDelta(msg: DeltaMessage): void {
    if (this.awaitingSnapshot) return;
    if (msg.from !== this.seqNo + 1) {
      this.emit('gap', { expected: this.seqNo + 1, from: msg.from });
      this.resync();
      return;
    }
    try {
      applyOps(this.copy, msg.ops);
    } catch (err) {
      this.emitError(new StreamError('ECN_STREAM_BAD_MESSAGE', `delta ${msg.from}..${msg.seq} does not apply to the copy: ${(err as Error).message}`));
      this.resync();
      return;
    }
    this.seqNo = msg.seq;
    this.emit('delta', msg);
  }

  /** 'error' without a listener would throw: a bad message must never crash the process. */
  private emitError(e: StreamError): void {
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }
}

function newGraph(): ClientGraph {
  return new MultiDirectedGraph<NodeAttributes, EdgeAttributes>({ allowSelfLoops: false });
}
