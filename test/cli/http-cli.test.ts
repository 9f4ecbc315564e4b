/**
 * `ecn run` and `ecn sim` serve the manager's HTTP port and print its URLs; `--http` is checked; the port closes
 * when the command stops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import { runEcn } from '../support/cli.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/examples/ecn', import.meta.url));

/** Starts `ecn` in this process; resolves `printed` once stdout matches `until`. */
function startEcn(args: string[], until: RegExp): { printed: Promise<string>; stop: () => Promise<{ code: number; out: string; err: string }> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  let stopNow!: () => void;
  const stopSignal = new Promise<void>((resolve) => { stopNow = resolve; });
  let seen!: (s: string) => void;
  const printed = new Promise<string>((resolve) => { seen = resolve; });
  stdout.on('data', (d) => { out += String(d); if (until.test(out)) seen(out); });
  stderr.on('data', (d) => { err += String(d); });
  const done = run(args, { stdout, stderr, logger: silentLogger, stopSignal, stdin: undefined });
  const failed = done.then((code) => { throw new Error(`ecn ${args[0]} ended (${code}) before printing ${until}:\n${out}\n${err}`); });
  return {
    printed: Promise.race([printed, failed]),
    async stop() { stopNow(); const code = await done; return { code, out, err }; },
  };
}

function urlsOf(out: string): { viewer: string; graph: string; metrics: string } {
  const viewer = /^viewer: (http:\/\/127\.0\.0\.1:\d+\/\S*)$/m.exec(out)?.[1];
  const graph = /^graph stream: (ws:\/\/127\.0\.0\.1:\d+\/graph)$/m.exec(out)?.[1];
  const metrics = /^metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m.exec(out)?.[1];
  assert.ok(viewer && graph && metrics, `URLs not printed:\n${out}`);
  return { viewer, graph, metrics };
}

test('ecn run --http 127.0.0.1:0 --token prints the URLs (token in the viewer URL) and serves while the router is unreachable', async () => {
  const ecn = startEcn(['run', '--router', 'amqp://127.0.0.1:1', '--manifests', EXAMPLE, '--http', '127.0.0.1:0', '--token', 'T0K'], /^metrics: /m);
  let stopped = false;
  try {
    const { viewer, graph, metrics } = urlsOf(await ecn.printed);
    const base = new URL(viewer).origin;
    assert.equal(viewer, `${base}/?token=T0K`);
    assert.equal(graph, `${base.replace('http:', 'ws:')}/graph`);
    assert.equal(metrics, `${base}/metrics`);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(JSON.stringify(await ready.json()), /not connected to the interior router/);
    assert.equal((await fetch(`${base}/api/status`)).status, 401);
    assert.equal((await fetch(`${base}/api/status`, { headers: { authorization: 'Bearer T0K' } })).status, 200);
    // a stop while the router is still unreachable ends the command, and the port closes
    const r = await ecn.stop();
    stopped = true;
    assert.equal(r.code, 0, r.err);
    await assert.rejects(fetch(`${base}/healthz`));
  } finally {
    if (!stopped) await ecn.stop();
  }
});

test('ecn run takes the token from ECN_TOKEN when --token is not given', async () => {
  const saved = process.env.ECN_TOKEN;
  process.env.ECN_TOKEN = 'from-env';
  const ecn = startEcn(['run', '--router', 'amqp://127.0.0.1:1', '--manifests', EXAMPLE, '--http', '0'], /^metrics: /m);
  try {
    const { viewer } = urlsOf(await ecn.printed);
    assert.match(viewer, /\/\?token=from-env$/);
  } finally {
    if (saved === undefined) delete process.env.ECN_TOKEN;
    else process.env.ECN_TOKEN = saved;
    await ecn.stop();
  }
});

test('a bad --http value is a usage error naming the option and the expected form', async () => {
  for (const cmd of [['run', '--router', 'amqp://127.0.0.1:1', '--manifests', EXAMPLE], ['sim']]) {
    const r = await runEcn([...cmd, '--http', 'localhost']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /--http/);
    assert.match(r.err, /HOST:PORT/);
    const range = await runEcn([...cmd, '--http', '127.0.0.1:70000']);
    assert.equal(range.code, 2);
    assert.match(range.err, /--http.*out of range|out of range[\s\S]*--http/);
  }
});

test('ecn sim prints the viewer, graph stream and metrics URLs (a free port by default), and the manager becomes ready', async () => {
  const saved = process.env.ECN_TOKEN;
  delete process.env.ECN_TOKEN;
  // a generated ECN: its interior takes a free port and its routers run in process, so nothing else's ports matter
  const ecn = startEcn(['sim', '--agents', '3'], /^metrics: /m);
  try {
    const { viewer, metrics } = urlsOf(await ecn.printed);
    const base = new URL(viewer).origin;
    assert.equal(viewer, `${base}/`, 'no token: the viewer URL has none');
    assert.equal((await fetch(metrics)).status, 200);
    // readiness has no event outside the process: re-ask until the example ECN converged
    const end = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < end && (status = (await fetch(`${base}/readyz`)).status) !== 200) await new Promise((r) => setTimeout(r, 100));
    assert.equal(status, 200);

    // ecn status asks the running manager: every router in sync, every agent's uplink listed
    const st = await runEcn(['status', '--manager', base, '--json']);
    assert.equal(st.code, 0, st.err);
    const body = JSON.parse(st.out) as { routers: Array<{ router: string; state: string }>; uplinks: Array<{ agent: string; upstream: string }> };
    assert.equal(body.routers.length, 4, 'the interior and three agents');
    assert.ok(body.routers.every((r) => r.state === 'in-sync'), st.out);
    assert.deepEqual(body.uplinks.map((u) => u.agent).sort(), ['agent-0', 'agent-1', 'agent-2']);
    const table = await runEcn(['status', '--manager', `${base}/`]);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^agent-1\s+in-sync/m);
    assert.match(table.out, /^AGENT\s+UPLINK TO\s+STATE$/m);
  } finally {
    if (saved !== undefined) process.env.ECN_TOKEN = saved;
    const r = await ecn.stop();
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /stopped\./);
  }
});

test('ecn status: --manager is exclusive with --router/--manifests, one of the two forms is required, an unreachable manager is exit 3', async () => {
  const both = await runEcn(['status', '--manager', 'http://127.0.0.1:1', '--router', 'amqp://127.0.0.1:1']);
  assert.equal(both.code, 2);
  assert.match(both.err, /--manager cannot be combined/);
  const none = await runEcn(['status']);
  assert.equal(none.code, 2);
  assert.match(none.err, /needs --router and --manifests, or --manager/);
  const bad = await runEcn(['status', '--manager', 'amqp://127.0.0.1:1']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /http\(s\) URL/);
  const gone = await runEcn(['status', '--manager', 'http://127.0.0.1:1']);
  assert.equal(gone.code, 3, gone.err);
  assert.match(gone.err, /cannot reach the manager/);
});
