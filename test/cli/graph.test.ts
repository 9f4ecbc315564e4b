/**
 * `ecn graph` against a real graph stream on a free port (the planner's example ECN as a LinkGraph): the tree, JSON,
 * filters, --watch with one line per change, the token, bad arguments and an unreachable server.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import { runEcn } from '../support/cli.js';
import { startStreamServer, type TestServer } from '../stream/helpers.js';
import { exampleGraph } from './graph-fixture.js';

let open: TestServer;
let locked: TestServer;
let ex: ReturnType<typeof exampleGraph>;

before(async () => {
  ex = exampleGraph();
  open = await startStreamServer({ graph: ex.graph, batchMs: 0, heartbeatMs: 0 });
  locked = await startStreamServer({ graph: exampleGraph().graph, token: 'sesame', heartbeatMs: 0 });
});

after(async () => {
  await open.stop();
  await locked.stop();
});

/** Runs `ecn` with a stop signal the test fires, and lets it wait for output as it comes. */
function runLive(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  const check = () => {
    for (const w of [...waiters]) if (w.re.test(out)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  stdout.on('data', (d) => { out += String(d); check(); });
  stderr.on('data', (d) => { err += String(d); });
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => { stop = resolve; });
  const code = run(args, { stdout, stderr, logger: silentLogger, stopSignal, stdin: undefined });
  return {
    code, stop,
    get out() { return out; },
    get err() { return err; },
    until: (re: RegExp) => new Promise<void>((resolve) => { waiters.push({ re, resolve }); check(); }),
  };
}

describe('ecn graph', () => {
  it('prints the tree, the routes and the public ports', async () => {
    const r = await runEcn(['graph', '--url', open.url]);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'default-router  up  [interior]');
    assert.ok(lines.includes('├─ edge-2  up  uplink up'), r.out);
    assert.ok(lines.includes('│  └─ demo/dashboard  up'), r.out);
    assert.ok(lines.includes('└─ edge-1  up  uplink up') && lines.includes('   └─ demo/sensor  up'), r.out);
    assert.match(r.out, /routes:\n {2}demo\/processor → demo\/dashboard {2}processor-to-dashboard {2}up\n/);
    assert.match(r.out, /public ports:\n {2}:6000 → demo\/dashboard {2}up\n/);
  });

  it('prints graphology JSON with the seq, filtered', async () => {
    const all = await runEcn(['graph', '--url', open.url, '--json']);
    assert.equal(all.code, 0, all.err);
    const doc = JSON.parse(all.out) as { seq: number; graph: { nodes: unknown[]; edges: unknown[] } };
    assert.equal(doc.seq, ex.graph.seq);
    assert.equal(doc.graph.nodes.length, ex.graph.graph.order);
    assert.equal(doc.graph.edges.length, ex.graph.graph.size);
    const ms = await runEcn(['graph', '--url', open.url, '--json', '--application', 'demo', '--kinds', 'microservice']);
    const only = JSON.parse(ms.out) as { filter: unknown; graph: { nodes: Array<{ key: string }>; edges: Array<{ key: string }> } };
    assert.deepEqual(only.filter, { application: 'demo', kinds: ['microservice'] });
    assert.deepEqual(only.graph.nodes.map((n) => n.key).sort(), ['ms:demo/dashboard', 'ms:demo/processor', 'ms:demo/sensor']);
    assert.equal(only.graph.edges.length, 2);
    const agent = await runEcn(['graph', '--url', open.url, '--agent', 'edge-3']);
    assert.equal(agent.code, 0, agent.err);
    assert.match(agent.out, /^default-router {2}up {2}\[interior\]\n└─ edge-3 {2}up {2}uplink up\n$/);
  });

  it('--watch prints the tree, then one line per change until stopped', async () => {
    const w = runLive(['graph', '--url', open.url, '--watch']);
    await w.until(/public ports:/);
    ex.observed.edges.delete('edge-3');
    ex.update();
    await w.until(/uplink edge-3 → default-router: up → down/);
    ex.observed.edges.set('edge-3', { edgeId: 'edge-3', interiorId: 'default-router', connectionId: 'x', uptimeSeconds: 1, active: true, operStatus: 'up', host: undefined });
    ex.update();
    await w.until(/uplink edge-3 → default-router: down → up/);
    w.stop();
    assert.equal(await w.code, 0, w.err);
  });

  it('--watch --json prints one JSON document per line: the graph, then each delta', async () => {
    const w = runLive(['graph', '--url', open.url, '--watch', '--json', '--agent', 'edge-2']);
    await w.until(/\n/);
    const first = JSON.parse(w.out.split('\n')[0]!) as { seq: number; graph: { nodes: unknown[] } };
    assert.equal(first.seq, ex.graph.seq);
    const p = ex.observed.routers.get('edge-2')!;
    ex.observed.routers.set('edge-2', { ...p, reachable: false });
    ex.update();
    await w.until(/\n.*\n/);
    const delta = JSON.parse(w.out.split('\n')[1]!) as { type: string; from: number; seq: number; ops: Array<{ key: string }> };
    assert.equal(delta.type, 'delta');
    assert.equal(delta.from, first.seq + 1);
    assert.ok(delta.ops.some((o) => o.key === 'router:edge-2'));
    ex.observed.routers.set('edge-2', p);
    ex.update();
    w.stop();
    assert.equal(await w.code, 0, w.err);
  });

  it('needs the token of a locked manager, from --token or ECN_TOKEN', async () => {
    const no = await runEcn(['graph', '--url', locked.url]);
    assert.equal(no.code, 1);
    assert.match(no.err, /ECN_STREAM_UNAUTHORIZED.*401.*\n {2}hint: .*Bearer/);
    const yes = await runEcn(['graph', '--url', locked.url, '--token', 'sesame']);
    assert.equal(yes.code, 0, yes.err);
    process.env.ECN_TOKEN = 'sesame';
    try {
      const env = await runEcn(['graph', '--url', locked.url, '--kinds', 'agent']);
      assert.equal(env.code, 0, env.err);
    } finally {
      delete process.env.ECN_TOKEN;
    }
  });

  it('refuses bad arguments with exit code 2 and names them', async () => {
    const kinds = await runEcn(['graph', '--url', open.url, '--kinds', 'agent,router']);
    assert.equal(kinds.code, 2);
    assert.match(kinds.err, /--kinds.*'router' is not a node kind: choose from interior-router/);
    const url = await runEcn(['graph', '--url', 'http://127.0.0.1:1/graph']);
    assert.equal(url.code, 2);
    assert.match(url.err, /not a ws:\/\/ or wss:\/\/ URL/);
    const app = await runEcn(['graph', '--url', open.url, '--application', '']);
    assert.equal(app.code, 2);
  });

  it('reports an unreachable manager with exit code 3', async () => {
    const s = await startStreamServer({ graph: exampleGraph().graph, heartbeatMs: 0 });
    const url = s.url;
    await s.stop();
    const r = await runEcn(['graph', '--url', url]);
    assert.equal(r.code, 3);
    assert.match(r.err, /error ECN_STREAM_UNREACHABLE: cannot connect to 'ws:\/\/127\.0\.0\.1:\d+\/graph': ECONNREFUSED\n {2}hint: is the manager running/);
  });
});
