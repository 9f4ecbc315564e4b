/**
 * The HTTP port of a manager converging the example ECN (simulated routers over real AMQP): /readyz goes from 503
 * to 200, the metrics follow the sync passes, /api/node and /api/status describe the routers, and /graph streams
 * the link graph.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { loadManifests } from '../../src/model/load.js';
import type { EcnModel } from '../../src/model/ecn.js';
import { Manager } from '../../src/manager/manager.js';
import { startManagerHttp, type ManagerHttp } from '../../src/http/server.js';
import { readiness, type Readiness } from '../../src/manager/readiness.js';
import { startSimEcn, type SimEcn } from '../../sim/ecn.js';
import { relocatePorts } from '../support/relocate.js';
import { whenTrue } from '../support/deadline.js';
import { request, json } from './support.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/examples/ecn', import.meta.url));
const TOKEN = 'tok-123';
const auth = { authorization: `Bearer ${TOKEN}` };

let model: EcnModel;
let ecn: SimEcn;
let manager: Manager;
let http: ManagerHttp;

before(async () => {
  const loaded = await loadManifests([EXAMPLE]);
  model = await relocatePorts(loaded.model);
  ecn = await startSimEcn(model, { flavor: 'skupper' });
  manager = new Manager({ router: ecn.url, flavor: 'skupper', observeIntervalMs: 0, syncIntervalMs: 60_000 });
  manager.setModel(model, loaded.issues);
  http = await startManagerHttp({ manager, token: TOKEN });
});

after(async () => {
  await http?.close();
  await manager?.stop();
  await ecn?.stop();
});

test('/readyz: 503 naming the routers not synced yet, then 200 once every router converged', async () => {
  const before = await request(http.url, '/readyz');
  assert.equal(before.status, 503);
  const b = json(before);
  assert.equal(b.ready, false);
  assert.equal(b.notReadyCount, 5);
  assert.deepEqual(b.notReady.map((r: { router: string }) => r.router), ['default-router', 'edge-1', 'edge-2', 'edge-3', 'fog-1']);
  assert.match(b.notReady[0].reason, /first sync/);
  assert.match(b.reasons.join('\n'), /not connected/);

  // at the first finished pass some routers are synced and others are not: still not ready, and it says which
  // (read synchronously in the event: the other routers' passes finish in later turns of the event loop)
  const firstPass = new Promise<Readiness>((resolve) => manager.scheduler.once('synced', () => resolve(readiness(manager))));
  await manager.start();
  await whenTrue(manager.scheduler, ['synced', 'sync-failed'], () => manager.syncStatus().every((s) => s.state === 'in-sync'), 'every router in sync', 20_000);
  const mid = await firstPass;
  assert.equal(mid.ready, false);
  assert.equal(mid.routers.ready, 1);
  assert.equal(mid.notReadyCount, 4);
  assert.equal(mid.notReady.length, 4);
  const after = await request(http.url, '/readyz');
  assert.equal(after.status, 200, after.body);
  const a = json(after);
  assert.equal(a.ready, true);
  assert.deepEqual(a.routers, { total: 5, ready: 5 });
  assert.deepEqual(a.notReady, []);
});

test('/metrics: the write and pass counters moved, routers by state, graph gauges after an observation', async () => {
  await manager.observeNow();
  const text = (await request(http.url, '/metrics')).body;
  const value = (re: RegExp): number => {
    const m = re.exec(text);
    assert.ok(m, `${re} not in the metrics:\n${text.slice(0, 3000)}`);
    return Number(m[1]);
  };
  assert.ok(value(/^ecn_router_operations_total\{type="router\.config\.address",op="CREATE",result="ok",reason="initial"\} (\d+)$/m) > 0);
  assert.ok(value(/^ecn_sync_pass_duration_seconds_count\{result="ok",mode="full"\} (\d+)$/m) >= 5);
  assert.ok(value(/^ecn_sync_queries_total (\d+)$/m) > 0);
  assert.ok(value(/^ecn_management_requests_total\{operation="QUERY",result="ok"\} (\d+)$/m) > 0);
  assert.equal(value(/^ecn_routers\{state="in-sync"\} (\d+)$/m), 5);
  assert.equal(value(/^ecn_routers\{state="backoff"\} (\d+)$/m), 0);
  assert.equal(value(/^ecn_interior_connected (\d+)$/m), 1);
  assert.equal(value(/^ecn_graph_nodes\{kind="edge-router",state="up"\} (\d+)$/m), 3);
  assert.ok(value(/^ecn_graph_edges\{kind="uplink",state="up"\} (\d+)$/m) >= 3);
});

test('/api/node: a router with its sync status, planned entities and recent writes; an agent with its router', async () => {
  const r = await request(http.url, `/api/node?key=${encodeURIComponent('router:edge-1')}`, { headers: auth });
  assert.equal(r.status, 200, r.body);
  const node = json(r);
  assert.equal(node.key, 'router:edge-1');
  assert.equal(node.attributes.kind, 'edge-router');
  assert.equal(node.router, 'edge-1');
  assert.equal(node.sync.state, 'in-sync');
  assert.equal(node.sync.lastError, null);
  assert.equal(typeof node.sync.lastSyncAt, 'number');
  assert.equal(node.sync.consecutiveFailures, 0);
  assert.equal(node.planned.mode, 'edge');
  assert.ok(node.planned.entities.some((e: { name: string }) => e.name.startsWith('ecn.route.demo.')), 'planned route addresses');
  assert.ok(node.audit.length > 0 && node.audit.length <= 20);
  assert.ok(node.audit.every((e: { router: string }) => e.router === 'edge-1'));

  const agent = json(await request(http.url, `/api/node?key=agent:edge-1&token=${TOKEN}`));
  assert.equal(agent.attributes.kind, 'agent');
  assert.equal(agent.router, 'edge-1');
  assert.equal(agent.sync.state, 'in-sync');

  const ms = json(await request(http.url, `/api/node?key=${encodeURIComponent('ms:demo/sensor')}`, { headers: auth }));
  assert.equal(ms.attributes.kind, 'microservice');
  assert.equal(ms.router, null);
});

test('/api/status: every router with its state, and the model issues', async () => {
  const body = json(await request(http.url, '/api/status', { headers: auth }));
  assert.deepEqual(body.routers.map((r: { router: string; state: string }) => `${r.router} ${r.state}`), ['default-router in-sync', 'edge-1 in-sync', 'edge-2 in-sync', 'edge-3 in-sync', 'fog-1 in-sync']);
  assert.equal(body.routers[0].lastPass.ok, true);
  assert.equal('converged' in body.routers[0].lastPass, false);
  assert.ok(Array.isArray(body.issues));
  assert.equal(body.interior.state, 'ready');
  assert.equal(body.readiness.ready, true);
});

test('/graph: the upgrade is handed to the graph stream; a client with the token gets a snapshot, one without is refused', async () => {
  const ws = new WebSocket(`${http.graphUrl}?token=${TOKEN}`);
  try {
    const first = await new Promise<{ type: string; graph: { nodes: Array<{ key: string }> } }>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(String(d))));
      ws.once('error', reject);
    });
    assert.equal(first.type, 'snapshot');
    assert.ok(first.graph.nodes.some((n) => n.key === 'router:edge-1'));
    const clients = (await request(http.url, '/metrics')).body;
    assert.match(clients, /^ecn_graph_stream_clients 1$/m);
  } finally {
    ws.close();
  }
  const refused = await new Promise<number>((resolve, reject) => {
    const bad = new WebSocket(http.graphUrl);
    bad.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); bad.terminate(); });
    bad.once('open', () => reject(new Error('opened without a token')));
    bad.once('error', () => undefined);
  });
  assert.equal(refused, 401);
});
