/**
 * The link graph over WebSocket (protocol: ./protocol.ts, docs/graph-protocol.md). The caller owns the HTTP server
 * and hands over upgrades of the /graph path; this checks origin and token, parses the filter from the URL, sends
 * each client a snapshot and then the deltas of its filter.
 *
 * Work is shared: clients with equal filters share one FilterView; each delta is serialized once per view and each
 * snapshot once per (seq, filter), and the same Buffer is handed to every client's socket. Clients that connected
 * with `?encoding=gzip` get snapshots as binary frames: the gzip of the same JSON, compressed once per (seq, filter)
 * in the thread pool (./gzip-snapshot.ts); while it is being compressed, that client's deltas wait and follow it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import type { LinkGraph } from '../graph/link-graph.js';
import type { GraphDelta, GraphOp } from '../graph/types.js';
import { FilterView, filterKey, JsonCache, MicroserviceIndex } from './filter.js';
import { deflateShared, gzipWithTail, type SharedGzip } from './gzip-snapshot.js';
import { encodingFromQuery, filterFromQuery, parseClientMessage, StreamError } from './messages.js';
import { CLOSE_CODES, GRAPH_PROTOCOL_VERSION, GRAPH_SUBPROTOCOL, type ErrorMessage, type GraphFilter, type SnapshotEncoding, type SnapshotMessage, type StreamErrorCode } from './protocol.js';

export interface GraphStreamOptions {
  graph: LinkGraph;
  /** when set, required: `Authorization: Bearer T`, `?token=T`, or Sec-WebSocket-Protocol `bearer.T`; else HTTP 401 */
  token?: string;
  /** requests without Origin are allowed; with one it must be the request's own origin (Host) or listed; else 403 */
  allowedOrigins?: string[];
  /** largest client message (ws maxPayload), default 64 KiB; larger → close 1009 */
  maxMessageBytes?: number;
  /** ping period; a client that has not answered the previous ping is terminated; default 30 s */
  heartbeatMs?: number;
  /** past this many bytes queued for a client, its deltas are dropped and a snapshot follows once it drains; 8 MiB */
  maxBufferedBytes?: number;
  /** change batches are coalesced this long into one delta message; default 50 ms (0: at once) */
  batchMs?: number;
  /** zlib level of gzip snapshots, 1–9; default 1 (this JSON compresses ~20× even at 1; higher levels cost more) */
  gzipLevel?: number;
  /**
   * called each time a snapshot is built: its JSON once per (seq, filter), its gzip once more if a client wants it
   * (for metrics; the JSON call comes while a snapshot is being sent: it must not change the graph)
   */
  onSnapshotBuilt?: (stats: SnapshotBuildStats) => void;
  clock?: Clock;
  logger?: Logger;
}

export interface SnapshotBuildStats {
  encoding: SnapshotEncoding;
  seq: number;
  filter: GraphFilter;
  /** size of the message (json: the text without its reason; gzip: the compressed bytes) */
  bytes: number;
  /** wall time: assembling the JSON from the element cache, or from the start of compression to the bytes ready */
  ms: number;
}

export interface GraphStream {
  /** the caller matched the path /graph; the filter comes from ?application=&agent=&kinds=a,b */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  clientCount(): number;
  /** error ECN_STREAM_SHUTDOWN then close 1001 to every client */
  close(): Promise<void>;
}

type Reason = SnapshotMessage['reason'];

interface Client {
  ws: WebSocket;
  encoding: SnapshotEncoding;
  view: SharedView;
  /** a gzip snapshot is being compressed for this client: its deltas are held here and follow the snapshot */
  awaiting: Awaiting | undefined;
  /** seq of the last snapshot or delta this client was sent (folded empty ranges are not counted) */
  lastSeq: number;
  alive: boolean;
  /** deltas are being skipped: a snapshot follows when its buffer drains */
  stale: boolean;
  /** sends not yet handed to the OS */
  outstanding: number;
  /** bytes of snapshots not yet handed to the OS (a big snapshot in flight does not make a client slow) */
  snapshotBytes: number;
  closed: boolean;
}

interface Awaiting {
  /** the snapshot's seq */
  seq: number;
  /** the ops of the deltas flushed meanwhile (JSON list items, without the brackets) */
  ops: string[];
  /** seq of the last of those deltas */
  upTo: number;
}

interface Snapshot {
  seq: number;
  /** the message up to the end of the graph: everything but `,"reason":"…"}`, shared by every reason */
  body: Buffer;
  json: Map<Reason, Buffer>;
  /** the body deflated, once a gzip client wanted it */
  gzip: Promise<SharedGzip> | undefined;
  gz: Map<Reason, Buffer>;
}

interface SharedView {
  key: string;
  view: FilterView;
  filterJson: string;
  clients: Set<Client>;
  /** filtered ops of the batches since the last delta message (coalesced) */
  pending: GraphOp[];
  snapshot: Snapshot | undefined;
}

const DEFAULTS = { maxMessageBytes: 64 * 1024, heartbeatMs: 30_000, maxBufferedBytes: 8 * 1024 * 1024, batchMs: 50, gzipLevel: 1 };
const REASONS: readonly Reason[] = ['connect', 'resync', 'filter', 'slow-client'];
/** the end of every snapshot message: its reason last, so that everything before it is shared */
const TAILS = new Map(REASONS.map((r) => [r, Buffer.from(`,"reason":"${r}"}`)]));

export function createGraphStream(opts: GraphStreamOptions): GraphStream {
  const graph = opts.graph;
  const clock = opts.clock ?? systemClock;
  const log = opts.logger ?? silentLogger;
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes;
  const batchMs = opts.batchMs ?? DEFAULTS.batchMs;
  const heartbeatMs = opts.heartbeatMs ?? DEFAULTS.heartbeatMs;
  const tokenDigest = opts.token !== undefined ? digest(opts.token) : undefined;
  const allowedOrigins = new Set(opts.allowedOrigins ?? []);
  const gzipLevel = opts.gzipLevel ?? DEFAULTS.gzipLevel;
  if (!Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9) throw new RangeError(`gzipLevel ${gzipLevel} is not a zlib level 1–9`);
  const built = opts.onSnapshotBuilt;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxMessageBytes ?? DEFAULTS.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
    // a browser that offered subprotocols needs one chosen: ours, else the first it offered (e.g. its bearer.T)
    handleProtocols: (protocols) => (protocols.has(GRAPH_SUBPROTOCOL) ? GRAPH_SUBPROTOCOL : protocols.values().next().value ?? false),
  });
  const clients = new Set<Client>();
  const views = new Map<string, SharedView>();
  const index = new MicroserviceIndex(graph.graph);
  const json = new JsonCache(graph.graph);
  let batchTimer: TimerHandle | undefined;
  let heartbeat: TimerHandle | undefined;
  let closing = false;

  // Serialize every element ahead of the first snapshot, a slice per event-loop turn: the first viewer of a large
  // graph then waits for a copy of bytes, not for 70,000 JSON.stringify calls. Kept up to date per batch after.
  let warming: NodeJS.Immediate | undefined;
  {
    const nodes = graph.graph.nodes();
    const edges = graph.graph.edges();
    let i = 0;
    const slice = (): void => {
      const end = Math.min(i + 2000, nodes.length + edges.length);
      for (; i < end; i++) {
        if (i < nodes.length) { if (graph.graph.hasNode(nodes[i]!)) json.node(nodes[i]!); }
        else if (graph.graph.hasEdge(edges[i - nodes.length]!)) json.edge(edges[i - nodes.length]!);
      }
      warming = i < nodes.length + edges.length && !closing ? setImmediate(slice) : undefined;
    };
    warming = setImmediate(slice);
  }

  // ------------------------------------------------------------------ views and sending

  const viewFor = (filter: GraphFilter): SharedView => {
    const key = filterKey(filter);
    let v = views.get(key);
    if (!v) {
      const view = new FilterView(filter, graph.graph, index);
      v = { key, view, filterJson: JSON.stringify(view.filter), clients: new Set(), pending: [], snapshot: undefined };
      views.set(key, v);
    }
    return v;
  };

  const leaveView = (c: Client): void => {
    c.view.clients.delete(c);
    if (c.view.clients.size === 0) views.delete(c.view.key);
  };

  const send = (c: Client, data: Buffer, snapshot = false, binary = false): void => {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    c.outstanding++;
    if (snapshot) c.snapshotBytes += data.length;
    // JSON goes in text frames (a Buffer would go out as a binary frame, a Blob in browsers); gzip in binary ones
    c.ws.send(data, { binary }, () => {
      c.outstanding--;
      if (snapshot) c.snapshotBytes -= data.length;
      if (c.stale && c.outstanding === 0 && !c.closed) sendSnapshot(c, 'slow-client');
    });
  };

  const flush = (v: SharedView): void => {
    if (v.pending.length === 0) return;
    const opsJson = JSON.stringify(v.pending);
    v.pending = [];
    const seq = graph.seq;
    // clients that joined between two empty ranges start at different seqs: one buffer per starting point
    const byFrom = new Map<number, Buffer>();
    for (const c of v.clients) {
      if (c.awaiting) {
        c.awaiting.ops.push(opsJson.slice(1, -1));
        c.awaiting.upTo = seq;
        continue;
      }
      if (c.stale || c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.ws.bufferedAmount - c.snapshotBytes > maxBuffered) {
        c.stale = true;
        log.warn({ filter: v.view.filter, buffered: c.ws.bufferedAmount }, 'graph stream client too slow: deltas dropped, a snapshot follows when it catches up');
        if (c.outstanding === 0) sendSnapshot(c, 'slow-client');
        continue;
      }
      let buf = byFrom.get(c.lastSeq);
      if (!buf) {
        buf = Buffer.from(`{"type":"delta","from":${c.lastSeq + 1},"seq":${seq},"ops":${opsJson}}`);
        byFrom.set(c.lastSeq, buf);
      }
      send(c, buf);
      c.lastSeq = seq;
    }
  };

  const flushAll = (): void => {
    batchTimer?.cancel();
    batchTimer = undefined;
    for (const v of views.values()) flush(v);
  };

  /** The view's snapshot at the current seq: its JSON assembled once (a copy of the elements' cached JSON). */
  const snapshotOf = (v: SharedView): Snapshot => {
    const seq = graph.seq;
    if (v.snapshot && v.snapshot.seq === seq) return v.snapshot;
    const t = performance.now();
    const head = Buffer.from(`{"type":"snapshot","version":${GRAPH_PROTOCOL_VERSION},"seq":${seq},"filter":${v.filterJson},"graph":`);
    const body = v.view.serializeBuffer(json, head);
    const s: Snapshot = { seq, body, json: new Map(), gzip: undefined, gz: new Map() };
    v.snapshot = s;
    built?.({ encoding: 'json', seq, filter: v.view.filter, bytes: body.length, ms: performance.now() - t });
    return s;
  };

  const jsonMessage = (s: Snapshot, reason: Reason): Buffer => {
    let buf = s.json.get(reason);
    if (!buf) s.json.set(reason, (buf = Buffer.concat([s.body, TAILS.get(reason)!])));
    return buf;
  };

  /** The gzip of jsonMessage(s, reason): the body is deflated once in the thread pool, each reason adds its tail. */
  const gzipMessage = async (v: SharedView, s: Snapshot, reason: Reason): Promise<Buffer> => {
    if (!s.gzip) {
      const t = performance.now();
      s.gzip = deflateShared(s.body, gzipLevel);
      s.gzip.then((z) => built?.({ encoding: 'gzip', seq: s.seq, filter: v.view.filter, bytes: z.deflated.length, ms: performance.now() - t }), () => undefined);
    }
    const shared = await s.gzip;
    let buf = s.gz.get(reason);
    if (!buf) s.gz.set(reason, (buf = gzipWithTail(shared, TAILS.get(reason)!)));
    return buf;
  };

  /**
   * Sends c a snapshot of its view; ops queued for the view go out first, so the view's clients stay in step. A gzip
   * client's snapshot is sent once compressed; deltas flushed meanwhile are held and sent right after it as one.
   */
  function sendSnapshot(c: Client, reason: Reason): void {
    if (c.closed) return;
    flush(c.view);
    c.stale = false;
    const s = snapshotOf(c.view);
    if (c.encoding === 'json') {
      c.awaiting = undefined;
      send(c, jsonMessage(s, reason), true);
      c.lastSeq = s.seq;
      return;
    }
    const wait: Awaiting = { seq: s.seq, ops: [], upTo: s.seq };
    c.awaiting = wait; // a later snapshot request replaces it: this one is then dropped
    const view = c.view;
    gzipMessage(view, s, reason).then((buf) => {
      if (c.awaiting !== wait) return;
      c.awaiting = undefined;
      send(c, buf, true, true);
      c.lastSeq = wait.seq;
      if (wait.ops.length > 0) {
        send(c, Buffer.from(`{"type":"delta","from":${wait.seq + 1},"seq":${wait.upTo},"ops":[${wait.ops.join(',')}]}`));
        c.lastSeq = wait.upTo;
      }
    }, (err: Error) => {
      if (c.awaiting !== wait) return;
      c.awaiting = undefined;
      log.error({ err: err.message, filter: view.view.filter }, 'graph stream: compressing a snapshot failed: closing the client');
      if (c.ws.readyState === WebSocket.OPEN) c.ws.close(CLOSE_CODES.internalError, 'snapshot compression failed');
    });
  }

  const sendError = (ws: WebSocket, e: ErrorMessage): void => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(e));
  };

  // ------------------------------------------------------------------ the graph's changes

  const onChange = (batch: GraphDelta[]): void => {
    index.update(graph.graph, batch);
    json.invalidate(batch);
    for (const v of views.values()) {
      v.snapshot = undefined;
      const ops = v.view.apply(batch);
      for (const op of ops) v.pending.push(op);
    }
    if (batchMs <= 0) flushAll();
    else batchTimer ??= clock.setTimeout(flushAll, batchMs);
  };
  graph.on('change', onChange);

  // ------------------------------------------------------------------ heartbeat

  const beat = (): void => {
    for (const c of clients) {
      if (!c.alive) {
        log.info('graph stream client did not answer the last ping: terminated');
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
    heartbeat = clock.setTimeout(beat, heartbeatMs);
  };
  if (heartbeatMs > 0) heartbeat = clock.setTimeout(beat, heartbeatMs);

  // ------------------------------------------------------------------ connections

  const onConnection = (ws: WebSocket, filter: GraphFilter, encoding: SnapshotEncoding): void => {
    const c: Client = { ws, encoding, view: viewFor(filter), awaiting: undefined, lastSeq: 0, alive: true, stale: false, outstanding: 0, snapshotBytes: 0, closed: false };
    clients.add(c);
    sendSnapshot(c, 'connect');
    c.view.clients.add(c);
    ws.on('pong', () => { c.alive = true; });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (c.closed || closing) return;
      try {
        if (isBinary) throw new StreamError('ECN_STREAM_BAD_MESSAGE', 'binary frames are not client messages', 'send JSON in text frames');
        const msg = parseClientMessage(rawText(data));
        if (msg.type === 'resync') {
          sendSnapshot(c, 'resync');
        } else {
          leaveView(c);
          c.view = viewFor(msg.filter);
          sendSnapshot(c, 'filter');
          c.view.clients.add(c);
        }
      } catch (err) {
        const e = err instanceof StreamError ? err : new StreamError('ECN_STREAM_BAD_MESSAGE', String(err));
        log.info({ code: e.code, err: e.message }, 'graph stream client sent a bad message: closing it');
        sendError(ws, { type: 'error', code: e.code as StreamErrorCode, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
        ws.close(CLOSE_CODES.badMessage, e.code);
        c.closed = true;
      }
    });
    ws.on('error', (err) => log.info({ err: err.message }, 'graph stream client error'));
    ws.on('close', () => {
      c.closed = true;
      clients.delete(c);
      leaveView(c);
    });
  };

  const refuse = (socket: Duplex, status: number, e: ErrorMessage, extra: Record<string, string> = {}): void => {
    const body = JSON.stringify(e);
    const reason = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 503: 'Service Unavailable' }[status] ?? 'Error';
    const headers = { Connection: 'close', 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...extra };
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
    }
    socket.destroy();
  };

  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (allowedOrigins.has(origin)) return true;
    try {
      const u = new URL(origin);
      return (u.protocol === 'http:' || u.protocol === 'https:') && req.headers.host !== undefined && u.host === req.headers.host.toLowerCase();
    } catch {
      return false;
    }
  };

  const tokenOk = (req: IncomingMessage, url: URL): boolean => {
    if (!tokenDigest) return true;
    const given: string[] = [];
    const auth = req.headers.authorization;
    const m = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
    if (m) given.push(m[1]!);
    const q = url.searchParams.get('token');
    if (q !== null) given.push(q);
    for (const p of String(req.headers['sec-websocket-protocol'] ?? '').split(',')) {
      const t = p.trim();
      if (t.startsWith('bearer.')) given.push(t.slice('bearer.'.length));
    }
    return given.some((t) => timingSafeEqual(digest(t), tokenDigest));
  };

  return {
    handleUpgrade(req, socket, head) {
      if (closing) {
        refuse(socket, 503, { type: 'error', code: 'ECN_STREAM_SHUTDOWN', message: 'the manager is stopping', hint: 'reconnect later' });
        return;
      }
      if (!originAllowed(req)) {
        refuse(socket, 403, { type: 'error', code: 'ECN_STREAM_FORBIDDEN_ORIGIN', message: `origin '${req.headers.origin}' may not open the graph stream`, hint: 'open the viewer from the manager itself, or add the origin to the allowed origins' });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (!tokenOk(req, url)) {
        refuse(socket, 401, { type: 'error', code: 'ECN_STREAM_UNAUTHORIZED', message: 'missing or wrong bearer token', hint: 'send Authorization: Bearer TOKEN, ?token=TOKEN or the subprotocol bearer.TOKEN' }, { 'WWW-Authenticate': 'Bearer' });
        return;
      }
      let filter: GraphFilter;
      let encoding: SnapshotEncoding;
      try {
        encoding = encodingFromQuery(url.searchParams);
        filter = filterFromQuery(url.searchParams);
      } catch (err) {
        const e = err as StreamError;
        refuse(socket, 400, { type: 'error', code: e.code as StreamErrorCode, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        if (closing) {
          ws.close(CLOSE_CODES.shutdown, 'ECN_STREAM_SHUTDOWN');
          return;
        }
        onConnection(ws, filter, encoding);
      });
    },
    clientCount: () => clients.size,
    async close() {
      if (closing) return;
      closing = true;
      graph.off('change', onChange);
      batchTimer?.cancel();
      heartbeat?.cancel();
      if (warming) clearImmediate(warming);
      const closed = [...clients].map((c) => new Promise<void>((resolve) => {
        if (c.ws.readyState === WebSocket.CLOSED) return resolve();
        c.ws.once('close', () => resolve());
        sendError(c.ws, { type: 'error', code: 'ECN_STREAM_SHUTDOWN', message: 'the manager is stopping', hint: 'reconnect later' });
        c.ws.close(CLOSE_CODES.shutdown, 'ECN_STREAM_SHUTDOWN');
        // a peer that does not answer the closing handshake is cut off
        const t = setTimeout(() => c.ws.terminate(), 2000);
        t.unref();
        c.ws.once('close', () => clearTimeout(t));
      }));
      await Promise.all(closed);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
