/**
 * `ecn sim --kube` with a ControlPlane asking for several interior router replicas: the simulation runs that many
 * meshed interiors, each with its own listener, and publishes their EndpointSlices; the manager (the same code as
 * `ecn run --kube`) discovers them, opens one connection per replica, and configures every replica with the
 * interior's plan. Scaled 2 → 3 → 1: every replica running has the interior's listeners and tcpListeners (read back
 * from it over its own listener), shows in /api/status; a replica gone leaves the status; edges attached to a
 * replica other than the one the manager's first connection reaches are configured and their uplinks observed up.
 *
 * The command runs in this process and offers no events to a client outside it: the test polls its HTTP API and the
 * fake API server (as kubectl would) until each expected state holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runEcn, startEcn } from '../support/cli.js';
import { readBackRouter } from '../support/router-readback.js';

const EXAMPLE = fileURLToPath(new URL('../../deploy/examples/kube', import.meta.url));
const NS = 'ecn-system';
const ROUTER_ID = 'default-router';

async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) { last = err; }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Slice { key: string; url: string }
interface Status {
  readiness: { ready: boolean; replicas: Array<{ key: string; routerId: string | null; plan: string; state: string }> };
  routers: Array<{ router: string; state: string }>;
  uplinks: Array<{ agent: string; upstream: string; state: string }>;
}


test('ecn sim --kube with 2, then 3, then 1 interior replicas: each replica configured over its own connection', async () => {
  const ecn = startEcn(['sim', '--kube', '--apply', EXAMPLE, '--http', '127.0.0.1:0', '--observe-interval', '300']);
  try {
    await until(() => ecn.ended() || /^manager running/m.test(ecn.out()), 'the manager runs');
    assert.ok(!ecn.ended(), `ecn sim --kube ended early:\n${ecn.out()}\n${ecn.err()}`);
    const api = /^fake Kubernetes API server: (http:\/\/127\.0\.0\.1:\d+) /m.exec(ecn.out())![1]!;
    const manager = /^health: (http:\/\/127\.0\.0\.1:\d+)\/healthz/m.exec(ecn.out())![1]!;
    const json = async <T>(url: string, init?: RequestInit): Promise<T> => {
      const r = await fetch(url, init);
      if (!r.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    };
    const status = () => json<Status>(`${manager}/api/status`);
    const slices = async (): Promise<Slice[]> => {
      const list = await json<{ items: any[] }>(`${api}/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Diofog-router`);
      return list.items.flatMap((s) => s.endpoints.map((e: any) => ({ key: e.targetRef.name, url: `amqp://${e.addresses[0]}:${s.ports[0].port}` }))).sort((a: Slice, b: Slice) => (a.key < b.key ? -1 : 1));
    };
    const scale = (n: number) => json(`${api}/apis/iofog.org/v3/namespaces/${NS}/controlplanes/iofog`, {
      method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ spec: { replicas: { router: n } } }),
    });
    /** the interior's planned listener and tcpListener names (its plan, as the manager's node API shows it) */
    const planned = async (): Promise<string[]> => {
      const node = await json<{ planned: { entities: Array<{ type: string; name: string }> } | null }>(`${manager}/api/node?key=${encodeURIComponent(`router:${ROUTER_ID}`)}`);
      return (node.planned?.entities ?? []).filter((e) => e.type === 'listener' || e.type === 'tcpListener').map((e) => `${e.type}/${e.name}`).sort();
    };
    /** every replica has the plan's entities, every replica is in the status and in sync, and nothing else is */
    const converged = async (n: number): Promise<{ slices: Slice[]; status: Status }> => until(async () => {
      const ss = await slices();
      if (ss.length !== n) return undefined;
      const st = await status();
      const keys = st.readiness.replicas.map((r) => r.key).sort();
      if (n > 1 ? keys.join() !== ss.map((s) => s.key).join() : keys.length !== 0) return undefined;
      if (n > 1 && !ss.every((s) => st.routers.find((r) => r.router === `${ROUTER_ID}@${s.key}`)?.state === 'in-sync')) return undefined;
      if (st.routers.some((r) => r.router.startsWith(`${ROUTER_ID}@`) && !ss.some((s) => r.router === `${ROUTER_ID}@${s.key}`))) return undefined;
      if (!st.readiness.ready) return undefined;
      return { slices: ss, status: st };
    }, `${n} replica(s) converged`);

    // the example asks for one replica: scale to 2
    await until(async () => (await status()).readiness.ready, 'ready with one replica');
    const want = await planned();
    assert.ok(want.some((n) => n.startsWith('tcpListener/')) && want.some((n) => n.startsWith('listener/')), `the interior's plan has listeners and tcpListeners: ${want.join(', ')}`);
    await scale(2);
    let { slices: two, status: st } = await converged(2);
    for (const s of two) {
      const got = await until(async () => { const o = await readBackRouter(s.url); return want.every((w) => o.names.includes(w)) ? o : undefined; }, `replica ${s.key} configured`);
      assert.deepEqual(got.names, want, `replica ${s.key}`);
      assert.equal(st.readiness.replicas.find((r) => r.key === s.key)?.routerId, got.id, 'the router id read from the replica');
    }
    // the replicas' ids are their own
    assert.equal(new Set(st.readiness.replicas.map((r) => r.routerId)).size, 2);

    // 3 replicas: the new one is configured too; edges attached to replicas other than the first are configured and up
    await scale(3);
    ({ slices: two, status: st } = await converged(3));
    const three = two;
    // agents already attached stay where they are (as connections through a Service do): two new edge agents dial the
    // control plane's address now, and the simulated Service spreads them over the three replicas
    for (const name of ['edge-4', 'edge-5']) {
      await json(`${api}/apis/iofog.org/v3/namespaces/${NS}/agents`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'iofog.org/v3', kind: 'Agent', metadata: { name, namespace: NS }, spec: { host: `${name}.ecn.example.com` } }),
      });
    }
    await until(() => /^agent 'edge-5': router started$/m.test(ecn.out()), 'the routers of edge-4 and edge-5 start');
    const attached = new Map<string, string>();
    await until(async () => {
      attached.clear();
      for (const s of three) {
        const got = await readBackRouter(s.url);
        if (!want.every((w) => got.names.includes(w))) return undefined;
        assert.deepEqual(got.names, want, `replica ${s.key}`);
        for (const e of got.edges) attached.set(e, s.key);
      }
      return attached.has('edge-4') && attached.has('edge-5');
    }, 'every replica configured, edge-4 and edge-5 attached');
    const primaryKey = three[0]!.key; // the first replica holds the manager's first connection (the Service's stand-in)
    const elsewhere = [...attached].filter(([, key]) => key !== primaryKey).map(([edge]) => edge);
    assert.ok(elsewhere.length > 0, `some edges attach to other replicas than ${primaryKey}: ${JSON.stringify([...attached])}`);
    const up = await until(async () => {
      const s = await status();
      const ok = elsewhere.every((e) => s.routers.find((r) => r.router === e)?.state === 'in-sync' && s.uplinks.find((u) => u.agent === e && u.upstream === ROUTER_ID)?.state === 'up');
      return ok ? s : undefined;
    }, `edges ${elsewhere.join(', ')} configured, their uplinks up`);
    assert.deepEqual(up.uplinks.filter((u) => u.upstream !== ROUTER_ID && !u.upstream.startsWith('fog')), [], 'no uplink to a replica as if it were another router');
    // `ecn status --manager` lists each replica; the ControlPlane's status follows all of them (Ready)
    const printed = await runEcn(['status', '--manager', manager]);
    assert.equal(printed.code, 0, printed.err);
    for (const s of three) assert.match(printed.out, new RegExp(`^${ROUTER_ID}@${s.key} *in-sync`, 'm'));
    await until(async () => {
      const c = await json<any>(`${api}/apis/iofog.org/v3/namespaces/${NS}/controlplanes/iofog`);
      return (c.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True' && x.observedGeneration === c.metadata.generation);
    }, 'the ControlPlane Ready at its latest generation');

    // down to 1: the replicas gone leave the status, the one left is reached by the first connection again
    await scale(1);
    const { status: one } = await converged(1);
    assert.deepEqual(one.readiness.replicas, []);
    assert.equal(one.routers.find((r) => r.router === ROUTER_ID)?.state, 'in-sync');
    assert.match(ecn.out(), /^interior router '\S+' stopped$/m);
    assert.equal(ecn.err(), '', 'no problems reported');
  } finally {
    await ecn.stop();
  }
  assert.equal(await ecn.done, 0, ecn.err());
});
