/**
 * The manager's one HTTP port:
 *
 *   /healthz   200 while the process runs and the manager is not stopped
 *   /readyz    200 once connected to the interior and every planned router synced once; else 503 and why
 *   /metrics   Prometheus text (src/metrics/metrics.ts)
 *   /graph     the link-graph WebSocket (upgrade delegated to src/stream/graph-stream.ts)
 *   /api/status, /api/node?key=…   JSON for `ecn status` and the viewer (token and origin checked)
 *   /          the viewer (static files from viewerDir)
 *
 * With a token, /graph and /api/* require it (Authorization: Bearer T or ?token=T); the probes, the metrics and the
 * viewer's files stay open (the viewer page carries no data; it asks /graph and /api with the token).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Manager } from '../manager/manager.js';
import { systemClock, type Clock } from '../clock.js';
import { EcnError, errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { createManagerMetrics } from '../metrics/metrics.js';
import { createGraphStream } from '../stream/graph-stream.js';
import { DEFAULT_HTTP_HOST, urlHost } from './address.js';
import { hostAllowed, isLoopbackHost, originAllowed, presentedToken, tokenMatches } from './auth.js';
import { sendError, sendJson, sendText } from './respond.js';
import { apiNode, apiStatus, health, ready, type JsonAnswer } from './routes.js';
import { defaultViewerDir, staticFiles } from './static.js';

export interface ManagerHttpOptions {
  manager: Manager;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  /** when set: required for /graph and /api/* (Authorization: Bearer T, or ?token=T) */
  token?: string;
  /** browser origins allowed besides the port's own (`*`: any) */
  allowedOrigins?: string[];
  /** default <package root>/dist/viewer */
  viewerDir?: string;
  logger?: Logger;
  clock?: Clock;
  /**
   * with leader election (`ecn run --kube`): a standby is ready (it is healthy, waiting for the lease) and
   * /readyz and /api/status carry `leader` (and the lease holder)
   */
  leadership?: () => { leader: boolean; holder?: string | undefined };
}

export interface ManagerHttp {
  /** http://host:port */
  url: string;
  /** ws://host:port/graph */
  graphUrl: string;
  /** http://host:port/ (with ?token=… when a token is set) */
  viewerUrl: string;
  metricsUrl: string;
  close(): Promise<void>;
}

export async function startManagerHttp(opts: ManagerHttpOptions): Promise<ManagerHttp> {
  const { manager } = opts;
  const host = opts.host ?? DEFAULT_HTTP_HOST;
  const token = opts.token === '' ? undefined : opts.token;
  const log = (opts.logger ?? silentLogger).child({ component: 'http' });
  const stream = createGraphStream({
    graph: manager.graph,
    ...(token === undefined ? {} : { token }),
    ...(opts.allowedOrigins ? { allowedOrigins: opts.allowedOrigins } : {}),
    clock: opts.clock ?? systemClock,
    logger: opts.logger ?? silentLogger,
  });
  const metrics = createManagerMetrics({ manager, streamClients: () => stream.clientCount() });
  const files = staticFiles(opts.viewerDir ?? defaultViewerDir());

  const loopbackOnly = isLoopbackHost(host);

  const answer = (res: ServerResponse, a: JsonAnswer, headers?: Record<string, string>): void => sendJson(res, a.status, a.body, headers);
  /** adds `leader` and `holder` to a JSON object body when leader election is on */
  const withLeadership = (a: JsonAnswer): JsonAnswer => {
    const role = opts.leadership?.();
    return role ? { ...a, body: { ...(a.body as object), leader: role.leader, holder: role.holder ?? null } } : a;
  };

  /** /api/*: method, origin and token, then the route. */
  const api = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const origin = req.headers.origin;
    if (loopbackOnly && !hostAllowed(req, opts.allowedOrigins)) {
      sendError(res, 403, 'ECN_HTTP_FORBIDDEN_ORIGIN', `host name ${req.headers.host} is not this machine's loopback`, 'reach the manager as 127.0.0.1, localhost or [::1] (or start it with that origin allowed)');
      return;
    }
    if (!originAllowed(req, opts.allowedOrigins)) {
      sendError(res, 403, 'ECN_HTTP_FORBIDDEN_ORIGIN', `origin ${origin} may not use this API`, 'open the viewer from this port, or start the manager with that origin allowed');
      return;
    }
    const cors: Record<string, string> = origin === undefined ? {} : { 'access-control-allow-origin': origin, vary: 'Origin' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': 'GET, HEAD', 'access-control-allow-headers': 'Authorization', 'access-control-max-age': '600' });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'ECN_HTTP_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${url.pathname}`, 'use GET', { ...cors, allow: 'GET, HEAD, OPTIONS' });
      return;
    }
    if (token !== undefined && !tokenMatches(token, presentedToken(req, url))) {
      sendError(res, 401, 'ECN_HTTP_UNAUTHORIZED', 'a valid token is required', 'send Authorization: Bearer <token> or add ?token=<token> (the token the manager was started with: --token or ECN_TOKEN)', { ...cors, 'www-authenticate': 'Bearer' });
      return;
    }
    switch (url.pathname) {
      case '/api/status': answer(res, withLeadership(apiStatus(manager)), cors); return;
      case '/api/node': answer(res, apiNode(manager, url.searchParams.get('key')), cors); return;
      default:
        sendError(res, 404, 'ECN_HTTP_NOT_FOUND', `no API endpoint ${url.pathname}`, 'the API has /api/status and /api/node?key=<node key>', cors);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendText(res, 400, 'bad request: unparsable URL');
      return;
    }
    const path = url.pathname;
    if (path === '/api' || path.startsWith('/api/')) {
      api(req, res, url);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, `${req.method} is not allowed here: use GET`, { allow: 'GET, HEAD' });
      return;
    }
    switch (path) {
      case '/healthz': answer(res, health(manager)); return;
      case '/readyz': {
        const role = opts.leadership?.();
        answer(res, role && !role.leader ? { status: 200, body: { ready: true, leader: false, holder: role.holder ?? null, reasons: [] } } : withLeadership(ready(manager)));
        return;
      }
      case '/metrics': {
        const text = await metrics.render();
        res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
        return;
      }
      case '/graph':
        sendText(res, 426, 'the graph stream is a WebSocket: connect with a WebSocket client (Upgrade: websocket)', { upgrade: 'websocket', connection: 'Upgrade' });
        return;
      default:
        await files.serve(req, res, path);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err: errorMessage(err), url: req.url }, 'request failed');
      if (!res.headersSent) sendError(res, 500, 'ECN_HTTP_INTERNAL', 'the request failed inside the manager', 'see the manager log');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      path = '';
    }
    if (path === '/graph') {
      stream.handleUpgrade(req, socket, head);
      return;
    }
    socket.on('error', () => undefined);
    const body = 'no WebSocket here: the graph stream is /graph\n';
    socket.end(`HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, () => socket.destroy());
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    metrics.close();
    await stream.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new EcnError('ECN_CONFIG', `cannot listen for HTTP on ${urlHost(host, opts.port ?? 0)}: ${code ?? errorMessage(err)}`, {
      hint: code === 'EADDRINUSE' ? 'the port is taken: choose another with --http HOST:PORT (port 0 picks a free one)' : 'check the address given with --http (HOST:PORT of this machine)',
      cause: err,
    });
  }
  const port = (server.address() as AddressInfo).port;
  const base = `http://${urlHost(host, port)}`;
  log.info({ url: base }, 'HTTP listening');

  let closing: Promise<void> | undefined;
  return {
    url: base,
    graphUrl: `ws://${urlHost(host, port)}/graph`,
    viewerUrl: `${base}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`,
    metricsUrl: `${base}/metrics`,
    close() {
      closing ??= (async () => {
        metrics.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await stream.close();
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

/** The lines `ecn run` and `ecn sim` print about the port. */
export function describeHttp(http: ManagerHttp): string[] {
  return [
    `viewer: ${http.viewerUrl}`,
    `graph stream: ${http.graphUrl}`,
    `metrics: ${http.metricsUrl}`,
    `health: ${http.url}/healthz  ready: ${http.url}/readyz`,
  ];
}
