/**
 * The manager's commands end to end: `ecn bootstrap`, `ecn plan`, `ecn status` and `ecn run` (with a reload and a
 * bad manifest) against the example ECN simulated on free ports.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runEcn } from '../support/cli.js';
import { loadManifests } from '../../src/model/load.js';
import { startSimEcn, type SimEcn } from '../../sim/ecn.js';
import { freePorts } from '../support/free-ports.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/examples/ecn', import.meta.url));
const FIXED_PORTS = [5672, 55672, 45672, 5701, 45701, 55701, 5711, 5712, 5713, 8101, 8102, 8103];

let dir: string;
let ecn: SimEcn;
let url: string;

const ecnCli = (args: string[], stopSignal: Promise<void> = Promise.resolve()) => runEcn(args, stopSignal);

/** Re-runs `ecn plan` until it reports nothing to do (there is no event to wait on from outside the manager). */
async function untilNothingToDo(what: string, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  let last = '';
  while (Date.now() < end) {
    const r = await ecnCli(['plan', '--router', url, '--manifests', dir]);
    last = r.out + r.err;
    if (r.code === 0 && /Nothing to do/.test(r.out)) return r.out;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: still not converged after ${ms} ms:\n${last}`);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecn-cli-'));
  const free = await freePorts(FIXED_PORTS.length + 1);
  const map = new Map(FIXED_PORTS.map((p, i) => [p, free[i]!]));
  const publicPort = free[FIXED_PORTS.length]!;
  for (const f of await readdir(EXAMPLE)) {
    let text = await readFile(join(EXAMPLE, f), 'utf8');
    text = text.replace(/: (\d{4,5})\b/g, (whole, n: string) => (map.has(Number(n)) ? `: ${map.get(Number(n))}` : whole));
    text = text.replace(/start: 6000/, `start: ${publicPort}`).replace(/end: 7000/, `end: ${publicPort}`);
    await writeFile(join(dir, f), text);
  }
  const { model, issues } = await loadManifests([dir]);
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  ecn = await startSimEcn(model, { flavor: 'skupper' });
  url = ecn.url;
});

after(async () => {
  await ecn?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('ecn bootstrap prints a router config in both formats and names unknown routers', async () => {
  const conf = await ecnCli(['bootstrap', 'edge-1', '--manifests', dir]);
  assert.equal(conf.code, 0, conf.err);
  assert.match(conf.out, /router \{\n\s+mode: edge\n\s+id: edge-1\n\}/);
  assert.match(conf.out, /connector \{[^}]*role: edge[^}]*\}/);
  const json = await ecnCli(['bootstrap', 'fog-1', '--manifests', dir, '--format', 'skupper']);
  assert.equal(json.code, 0, json.err);
  const entities = JSON.parse(json.out) as Array<[string, Record<string, unknown>]>;
  assert.deepEqual(entities[0], ['router', { mode: 'interior', id: 'fog-1' }]);
  const bad = await ecnCli(['bootstrap', 'nope', '--manifests', dir]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /no router 'nope'.*\n.*choose one of: default-router/);
});

test('ecn plan lists the operations without applying them', async () => {
  const first = await ecnCli(['plan', '--router', url, '--manifests', dir]);
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /CREATE router\.config\.address ecn\.route\.demo\.sensor-to-processor/);
  assert.match(first.out, /CREATE tcpListener ecn\.port\.demo\.dashboard\.\d+\.listener/);
  const again = await ecnCli(['plan', '--router', url, '--manifests', dir]);
  assert.equal(again.out, first.out, 'plan applied nothing');
});

test('ecn run converges the routers, reloads on change, reports a bad manifest and applies the rest', async () => {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => { stop = resolve; });
  const running = ecnCli(['run', '--router', url, '--manifests', dir, '--observe-interval', '500', '--http', '127.0.0.1:0'], stopped);
  try {
    await untilNothingToDo('initial convergence');
    const status = await ecnCli(['status', '--router', url, '--manifests', dir]);
    assert.equal(status.code, 0, status.err);
    for (const r of ['default-router', 'edge-1', 'edge-2', 'edge-3', 'fog-1']) assert.match(status.out, new RegExp(`${r}\\s+in-sync`));
    assert.match(status.out, /edge-1\s+fog-1\s+up/);

    // a new route, and a bad one next to it
    await writeFile(join(dir, '50-more-routes.yaml'), [
      'apiVersion: iofog.org/v3', 'kind: Route', 'metadata:', '  name: sensor-to-dashboard', 'spec:', '  application: demo', '  from: sensor', '  to: dashboard',
      '---',
      'apiVersion: iofog.org/v3', 'kind: Route', 'metadata:', '  name: to-nowhere', 'spec:', '  application: demo', '  from: sensor', '  to: ghost',
      '',
    ].join('\n'));
    await untilNothingToDo('after adding a route');
    const names = (await ecnCli(['mgmt', '--router', url, '--edge', 'edge-1', 'query', '--type', 'router.config.address', '--attributes', 'name'])).out;
    assert.match(names, /ecn\.route\.demo\.sensor-to-dashboard/);
    assert.doesNotMatch(names, /to-nowhere/);
  } finally {
    stop();
  }
  const r = await running;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /manifests reloaded/);
  assert.match(r.err, /ECN_MODEL_UNKNOWN_MICROSERVICE.*to-nowhere|to-nowhere.*ECN_MODEL_UNKNOWN_MICROSERVICE/s);
});
