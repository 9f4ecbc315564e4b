/**
 * `ecn sim --kube --apply deploy/examples/kube`: the fake API server, the simulated ECN and the manager in this
 * process; the test talks to the printed API URL with plain fetch, as kubectl would: every CR becomes Ready, a new
 * Agent gets a router the manager converges, a deleted one's router stops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runEcn, startEcn } from '../support/cli.js';

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
  const ecn = startEcn(['sim', '--kube', '--apply', EXAMPLE, '--http', '127.0.0.1:0', '--observe-interval', '500']);
  try {
    await until(() => ecn.ended() || /^manager running/m.test(ecn.out()), 'the manager runs');
    assert.ok(!ecn.ended(), `ecn sim --kube ended early:\n${ecn.out()}\n${ecn.err()}`);
    const api = /^fake Kubernetes API server: (http:\/\/127\.0\.0\.1:\d+) /m.exec(ecn.out())?.[1];
    const kubeconfig = /^kubeconfig: (\S+)$/m.exec(ecn.out())?.[1];
    const manager = /^health: (http:\/\/127\.0\.0\.1:\d+)\/healthz/m.exec(ecn.out())?.[1];
    assert.ok(api && kubeconfig && manager, ecn.out());
    assert.match(ecn.out(), new RegExp(`^  kubectl --kubeconfig ${kubeconfig} apply -f \\S*deploy/examples/kube$`, 'm'));
    assert.match(ecn.out(), /^agent 'edge-1': router started$/m);
    assert.match(ecn.out(), /^microservice demo\/dashboard started$/m);
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
    await until(() => /^agent 'edge-4': router started$/m.test(ecn.out()), 'the router of edge-4 starts');
    await until(async () => ready((await (await fetch(`${api}/apis/iofog.org/v3/namespaces/${NS}/agents/edge-4`)).json())), 'edge-4 is Ready');
    const status = (await (await fetch(`${manager}/api/status`)).json()) as { routers: Array<{ router: string; state: string }> };
    assert.equal(status.routers.find((r) => r.router === 'edge-4')?.state, 'in-sync', JSON.stringify(status.routers));
    assert.equal((await fetch(`${manager}/readyz`)).status, 200);

    // deleted: the manager decommissions the running router and removes its finalizer, the Agent goes, then its router stops
    const deleted = await fetch(`${api}/apis/iofog.org/v3/namespaces/${NS}/agents/edge-4`, { method: 'DELETE' });
    assert.ok(deleted.ok, await deleted.text());
    await until(async () => (await fetch(`${api}/apis/iofog.org/v3/namespaces/${NS}/agents/edge-4`)).status === 404, 'the finalizer is removed and edge-4 is gone');
    await until(() => /^agent 'edge-4': router stopped$/m.test(ecn.out()), 'the router of edge-4 stops');
    const events = ((await (await fetch(`${api}/api/v1/namespaces/${NS}/events`)).json()) as any).items as any[];
    // (a SyncFailed while edge-4's router was still connecting is expected: the CR comes before the router is up)
    assert.deepEqual(events.filter((e) => e.reason === 'RouterUnreachable').map((e) => e.message), [], 'decommissioned while its router ran');
    assert.equal(ecn.err(), '', 'no problems reported');
  } finally {
    await ecn.stop();
  }
  const code = await ecn.done;
  assert.equal(code, 0, ecn.err());
  assert.match(ecn.out(), /stopped\.$/m);
});

test('ecn sim --apply without --kube, and --kube with --manifests, are usage errors', async () => {
  for (const args of [['sim', '--apply', EXAMPLE], ['sim', '--kube', '--manifests', EXAMPLE]]) {
    const { code, err } = await runEcn(args);
    assert.equal(code, 2, err);
    assert.match(err, /ECN_CLI_USAGE/);
  }
});
