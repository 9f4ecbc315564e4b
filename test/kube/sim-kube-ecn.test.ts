/**
 * `ecn sim --kube --apply deploy/examples/kube`: the fake API server, the simulated ECN and the manager in this
 * process; the test talks to the printed API URL with plain fetch, as kubectl would: every CR becomes Ready, a new
 * Agent gets a router the manager converges, a deleted one's router stops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/examples/kube', import.meta.url));
const NS = 'ecn-system';
const PLURALS = ['controlplanes', 'agents', 'applications', 'microservices', 'routes', 'edgeresources'];

/** The command gives no events to a client outside it: re-check every 25 ms until the deadline. */
async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ready = (o: any): boolean => (o.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

test('ecn sim --kube --apply deploy/examples/kube: CRs Ready; an Agent added gets a converged router, deleted: stopped', async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => { out += String(d); });
  stderr.on('data', (d) => { err += String(d); });
  let stop!: () => void;
  const stopSignal = new Promise<void>((r) => { stop = r; });
  const done = run(['sim', '--kube', '--apply', EXAMPLE, '--http', '127.0.0.1:0', '--observe-interval', '500'], { stdout, stderr, logger: silentLogger, stopSignal, stdin: undefined });
  let ended = false;
  void done.then(() => { ended = true; });
  try {
    await until(() => ended || /^manager running/m.test(out), 'the manager runs');
    assert.ok(!ended, `ecn sim --kube ended early:\n${out}\n${err}`);
    const api = /^fake Kubernetes API server: (http:\/\/127\.0\.0\.1:\d+) /m.exec(out)?.[1];
    const kubeconfig = /^kubeconfig: (\S+)$/m.exec(out)?.[1];
    const manager = /^health: (http:\/\/127\.0\.0\.1:\d+)\/healthz/m.exec(out)?.[1];
    assert.ok(api && kubeconfig && manager, out);
    assert.match(out, new RegExp(`^  kubectl --kubeconfig ${kubeconfig} apply -f \\S*deploy/examples/kube$`, 'm'));
    assert.match(out, /^agent 'edge-1': router started$/m);
    assert.match(out, /^microservice demo\/dashboard started$/m);
    const list = async (plural: string): Promise<any[]> => ((await (await fetch(`${api}/apis/iofog.org/v3/namespaces/${NS}/${plural}`)).json()) as any).items;
    const all = async (): Promise<any[]> => (await Promise.all(PLURALS.map(list))).flat();

    // every CR of the example is Ready
    const crs = await until(async () => { const items = await all(); return items.every(ready) ? items : undefined; }, 'every CR is Ready');
    assert.equal(crs.length, 9);
    assert.equal((await fetch(`${manager}/readyz`)).status, 200);

    // a new Agent: its router starts, the manager converges it, the CR becomes Ready
    const body = { apiVersion: 'iofog.org/v3', kind: 'Agent', metadata: { name: 'edge-4', namespace: NS }, spec: { host: 'edge-4.ecn.example.com', config: { upstreamRouters: ['fog-1'] } } };
    const created = await fetch(`${api}/apis/iofog.org/v3/namespaces/${NS}/agents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(created.status, 201, await created.text());
    await until(() => /^agent 'edge-4': router started$/m.test(out), 'the router of edge-4 starts');
    await until(async () => ready((await (await fetch(`${api}/apis/iofog.org/v3/namespaces/${NS}/agents/edge-4`)).json())), 'edge-4 is Ready');
    const status = (await (await fetch(`${manager}/api/status`)).json()) as { routers: Array<{ router: string; state: string }> };
    assert.equal(status.routers.find((r) => r.router === 'edge-4')?.state, 'in-sync', JSON.stringify(status.routers));
    assert.equal((await fetch(`${manager}/readyz`)).status, 200);

    // deleted: the manager decommissions the running router and removes its finalizer, the Agent goes, then its router stops
    const deleted = await fetch(`${api}/apis/iofog.org/v3/namespaces/${NS}/agents/edge-4`, { method: 'DELETE' });
    assert.ok(deleted.ok, await deleted.text());
    await until(async () => (await fetch(`${api}/apis/iofog.org/v3/namespaces/${NS}/agents/edge-4`)).status === 404, 'the finalizer is removed and edge-4 is gone');
    await until(() => /^agent 'edge-4': router stopped$/m.test(out), 'the router of edge-4 stops');
    const events = ((await (await fetch(`${api}/api/v1/namespaces/${NS}/events`)).json()) as any).items as any[];
    // (a SyncFailed while edge-4's router was still connecting is expected: the CR comes before the router is up)
    assert.deepEqual(events.filter((e) => e.reason === 'RouterUnreachable').map((e) => e.message), [], 'decommissioned while its router ran');
    assert.equal(err, '', 'no problems reported');
  } finally {
    stop();
  }
  const code = await done;
  assert.equal(code, 0, err);
  assert.match(out, /stopped\.$/m);
});

test('ecn sim --apply without --kube, and --kube with --manifests, are usage errors', async () => {
  for (const args of [['sim', '--apply', EXAMPLE], ['sim', '--kube', '--manifests', EXAMPLE]]) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => { err += String(d); });
    const code = await run(args, { stdout, stderr, logger: silentLogger, stopSignal: new Promise(() => undefined), stdin: undefined });
    assert.equal(code, 2, err);
    assert.match(err, /ECN_CLI_USAGE/);
  }
});
