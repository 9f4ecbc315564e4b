/**
 * The manager's HTTP port without routers: the probes, the token and origin checks, the API's error shape, the
 * static files (content types, caching, traversal), upgrades to other paths, and a port that is taken.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtemp, mkdir, writeFile, symlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manager } from '../../src/manager/manager.js';
import { startManagerHttp, type ManagerHttp } from '../../src/http/server.js';
import { parseHttpAddress } from '../../src/http/address.js';
import { isEcnError } from '../../src/errors.js';
import { request, json } from './support.js';

const TOKEN = 's3cret-token';
let tmp: string;
let viewer: string;
let manager: Manager;
let http: ManagerHttp;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ecn-http-'));
  viewer = join(tmp, 'viewer');
  await mkdir(join(viewer, 'assets'), { recursive: true });
  await writeFile(join(viewer, 'index.html'), '<!doctype html><title>viewer</title>');
  await writeFile(join(viewer, 'assets', 'main-0a1b2c3d.js'), 'console.log(1)');
  await writeFile(join(viewer, 'viewer.css'), 'body{}');
  await writeFile(join(viewer, '.env'), 'SECRET=1');
  await writeFile(join(tmp, 'secret.txt'), 'top secret');
  await symlink(join(tmp, 'secret.txt'), join(viewer, 'leak.txt'));
  // a router nobody listens on: the manager is never started, so it stays unconnected
  manager = new Manager({ router: 'amqp://127.0.0.1:1', observeIntervalMs: 0 });
  http = await startManagerHttp({ manager, token: TOKEN, viewerDir: viewer, allowedOrigins: ['http://viewer.example'] });
});

after(async () => {
  await http?.close();
  await manager?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

test('the URLs name the bound port; the viewer URL carries the token', () => {
  assert.match(http.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(http.graphUrl, http.url.replace('http:', 'ws:') + '/graph');
  assert.equal(http.viewerUrl, `${http.url}/?token=${TOKEN}`);
  assert.equal(http.metricsUrl, `${http.url}/metrics`);
});

test('/healthz answers 200 without a token; /readyz 503 with the reason while not connected', async () => {
  const h = await request(http.url, '/healthz');
  assert.equal(h.status, 200);
  assert.deepEqual(json(h), { status: 'ok' });
  const r = await request(http.url, '/readyz');
  assert.equal(r.status, 503);
  const body = json(r);
  assert.equal(body.ready, false);
  assert.equal(body.interior.connected, false);
  assert.match(body.reasons.join('\n'), /not connected to the interior router/);
});

test('/metrics is open and in the Prometheus text format, with the ecn_ prefix and process metrics', async () => {
  const r = await request(http.url, '/metrics');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  for (const name of ['ecn_router_operations_total', 'ecn_sync_pass_duration_seconds', 'ecn_sync_failures_total', 'ecn_routers', 'ecn_graph_nodes', 'ecn_graph_edges', 'ecn_graph_stream_clients', 'ecn_model_issues', 'ecn_process_cpu_user_seconds_total', 'ecn_nodejs_eventloop_lag_seconds']) {
    assert.match(r.body, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  assert.match(r.body, /^ecn_interior_connected 0$/m);
  assert.match(r.body, /^ecn_graph_stream_clients 0$/m);
  assert.match(r.body, /^ecn_model_issues\{severity="error"\} 0$/m);
});

test('/api needs the token: none or a wrong one is 401 with a coded error; Bearer or ?token= pass', async () => {
  const none = await request(http.url, '/api/status');
  assert.equal(none.status, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer');
  const err = json(none).error;
  assert.equal(err.code, 'ECN_HTTP_UNAUTHORIZED');
  assert.match(err.hint, /Authorization: Bearer/);
  assert.equal((await request(http.url, '/api/status', { headers: { authorization: 'Bearer nope' } })).status, 401);
  assert.equal((await request(http.url, '/api/status?token=nope')).status, 401);
  const bearer = await request(http.url, '/api/status', { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(bearer.status, 200);
  const body = json(bearer);
  assert.deepEqual(body.routers, []);
  assert.deepEqual(body.issues, []);
  assert.equal(body.interior.state, 'idle');
  assert.equal((await request(http.url, `/api/status?token=${TOKEN}`)).status, 200);
  // the token never opens more than /api and /graph, and the open routes never ask for it
  assert.equal((await request(http.url, '/')).status, 200);
});

test('/api checks the Origin and the Host: foreign origins and rebound names 403, the port itself and listed origins pass with CORS headers', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const evil = await request(http.url, '/api/status', { headers: { ...auth, origin: 'http://evil.example' } });
  assert.equal(evil.status, 403);
  assert.equal(json(evil).error.code, 'ECN_HTTP_FORBIDDEN_ORIGIN');
  const self = new URL(http.url).origin;
  const same = await request(http.url, '/api/status', { headers: { ...auth, origin: self } });
  assert.equal(same.status, 200);
  const listed = await request(http.url, '/api/status', { headers: { ...auth, origin: 'http://viewer.example' } });
  assert.equal(listed.status, 200);
  assert.equal(listed.headers['access-control-allow-origin'], 'http://viewer.example');
  const preflight = await request(http.url, '/api/node', { method: 'OPTIONS', headers: { origin: 'http://viewer.example', 'access-control-request-headers': 'authorization' } });
  assert.equal(preflight.status, 204);
  assert.match(String(preflight.headers['access-control-allow-headers']), /Authorization/);
  // DNS rebinding: another site's name resolving to 127.0.0.1, with a matching Origin
  const rebound = await request(http.url, '/api/status', { headers: { ...auth, host: 'evil.example:80', origin: 'http://evil.example:80' } });
  assert.equal(rebound.status, 403);
  assert.match(json(rebound).error.message, /evil\.example/);
  assert.equal((await request(http.url, '/api/status', { headers: { ...auth, host: `localhost:${new URL(http.url).port}` } })).status, 200);
  // a forbidden origin is refused before the token is even looked at
  assert.equal((await request(http.url, '/api/status', { headers: { origin: 'http://evil.example' } })).status, 403);
});

test('/api errors have one shape: {error: {code, message, hint}}', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const cases: Array<[string, number, string]> = [
    ['/api/node?key=router:nowhere', 404, 'ECN_HTTP_NOT_FOUND'],
    ['/api/node', 400, 'ECN_HTTP_BAD_REQUEST'],
    ['/api/nothing-here', 404, 'ECN_HTTP_NOT_FOUND'],
  ];
  for (const [path, status, code] of cases) {
    const r = await request(http.url, path, { headers: auth });
    assert.equal(r.status, status, path);
    const e = json(r).error;
    assert.equal(e.code, code, path);
    assert.equal(typeof e.message, 'string');
    assert.ok(e.hint.length > 0, path);
  }
  const post = await request(http.url, '/api/status', { method: 'POST', headers: auth });
  assert.equal(post.status, 405);
  assert.equal(json(post).error.code, 'ECN_HTTP_METHOD_NOT_ALLOWED');
  assert.match(String(post.headers.allow), /GET/);
});

test('static files: / is index.html, content types, caching by fingerprint, ETag revalidation', async () => {
  const index = await request(http.url, '/');
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['cache-control'], 'no-cache');
  assert.equal(index.body, '<!doctype html><title>viewer</title>');
  const js = await request(http.url, '/assets/main-0a1b2c3d.js');
  assert.equal(js.status, 200);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.match(String(js.headers['cache-control']), /immutable/);
  assert.equal(js.headers['x-content-type-options'], 'nosniff');
  const css = await request(http.url, '/viewer.css?v=1');
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  assert.equal(css.headers['cache-control'], 'no-cache');
  const again = await request(http.url, '/', { headers: { 'if-none-match': String(index.headers.etag) } });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
  const head = await request(http.url, '/viewer.css', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], '6');
  assert.equal((await request(http.url, '/missing.js')).status, 404);
  assert.equal((await request(http.url, '/', { method: 'POST' })).status, 405);
});

test('static files: no way out of the viewer directory', async () => {
  for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%2e%2e%2f%2e%2e%2fetc/passwd', '/leak.txt', '/.env', '/index.html%00.js', '/%zz']) {
    const r = await request(http.url, path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    assert.doesNotMatch(r.body, /top secret|SECRET=1/, path);
  }
});

test('without a built viewer, / answers 503 saying to run npm run build', async () => {
  const other = await startManagerHttp({ manager, viewerDir: join(tmp, 'not-built') });
  try {
    const r = await request(other.url, '/');
    assert.equal(r.status, 503);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.match(r.body, /npm run build/);
    assert.equal(other.viewerUrl, `${other.url}/`, 'no token, no ?token=');
  } finally {
    await other.close();
  }
});

test('a WebSocket upgrade to any path but /graph gets 404 and the socket is closed', async () => {
  const port = Number(new URL(http.url).port);
  const { answer, closed } = await new Promise<{ answer: string; closed: boolean }>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write('GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    });
    let data = '';
    s.on('data', (d) => { data += String(d); });
    s.on('close', () => resolve({ answer: data, closed: true }));
    s.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 404 /);
  assert.ok(closed);
  const plain = await request(http.url, '/graph');
  assert.equal(plain.status, 426);
});

test('a port already in use is an ECN_CONFIG error naming the address and what to do', async () => {
  const port = Number(new URL(http.url).port);
  await assert.rejects(startManagerHttp({ manager, port }), (err: unknown) => {
    assert.ok(isEcnError(err, 'ECN_CONFIG'));
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}.*EADDRINUSE`));
    assert.match(err.hint ?? '', /--http/);
    return true;
  });
});

test('listen addresses: HOST:PORT, [v6]:PORT, PORT alone; port 0 allowed; bad forms name the expected form', () => {
  assert.deepEqual(parseHttpAddress('0.0.0.0:8080'), { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(parseHttpAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseHttpAddress('9090'), { host: '127.0.0.1', port: 9090 });
  assert.deepEqual(parseHttpAddress('localhost:0'), { host: 'localhost', port: 0 });
  for (const bad of ['', 'host', 'host:', ':80', 'a:b', 'h:70000', '::1:80', 'http://x:80']) {
    assert.throws(() => parseHttpAddress(bad), (e: unknown) => isEcnError(e, 'ECN_CLI_USAGE') && /HOST:PORT|port/.test(`${e.message} ${e.hint}`), bad);
  }
});

test('/healthz turns 503 once the manager is stopped', async () => {
  const m = new Manager({ router: 'amqp://127.0.0.1:1', observeIntervalMs: 0 });
  const h = await startManagerHttp({ manager: m, viewerDir: viewer });
  try {
    assert.equal((await request(h.url, '/healthz')).status, 200);
    await m.stop();
    const r = await request(h.url, '/healthz');
    assert.equal(r.status, 503);
    assert.deepEqual(json(r), { status: 'stopped' });
  } finally {
    await h.close();
  }
});
