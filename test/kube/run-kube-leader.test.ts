/**
 * `ecn run --kube` with leader election (on by default): the first manager takes the Lease and reconciles; a second
 * one waits as a standby (ready, `leader: false`, writes nothing); the leader releases the Lease when it stops.
 * `--no-leader-elect` takes no Lease.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiServer } from '../../sim/kube/index.js';
import { startSimEcn, type SimEcn } from '../../sim/ecn.js';
import { buildFromCrs } from '../../src/kube/cr-source.js';
import { PLURALS } from '../../src/kube/kinds.js';
import type { KubeObject } from '../../src/kube/supervised-informer.js';
import type { Kind } from '../../src/model/schemas.js';
import { startEcn } from '../support/cli.js';
import { relocatedBodies } from './example-crs.js';

let server: KubeApiServer;
let ecn: SimEcn;
const NS = 'ecn';

const rt = (kind: Kind) => server.cluster.type('iofog.org', 'v3', PLURALS[kind]);
const crs = () => (Object.keys(PLURALS) as Kind[]).flatMap((k) => server.cluster.list(rt(k), NS).items as KubeObject[]);
const ready = (o: KubeObject) => ((o.status as any)?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
const lease = (): any => { try { return server.cluster.get(server.cluster.type('coordination.k8s.io', 'v1', 'leases'), NS, 'ecn-router-manager'); } catch { return undefined; } };

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function startEcnAs(args: string[], podName: string): { out: () => string; err: () => string; stop: () => Promise<number> } {
  const saved = process.env.POD_NAME;
  process.env.POD_NAME = podName; // read when the elector is made, after the first await of the command
  const ecn = startEcn(args);
  void until(() => ecn.ended() || /leader election: |^watching /m.test(ecn.out()), 'the elector is made').finally(() => {
    if (saved === undefined) delete process.env.POD_NAME; else process.env.POD_NAME = saved;
  }).catch(() => undefined);
  return { out: ecn.out, err: ecn.err, stop: ecn.stop };
}

before(async () => {
  server = new KubeApiServer({ preloadIofogCrds: true, namespaces: ['default', NS] });
  await server.start();
  const bodies = await relocatedBodies(NS);
  const { model } = buildFromCrs(bodies.map((obj) => ({ kind: obj.kind as Kind, obj })));
  ecn = await startSimEcn(model, { flavor: 'skupper' });
  for (const b of bodies) server.cluster.create(rt(b.kind as Kind), NS, b);
});

after(async () => {
  await ecn?.stop();
  await server?.stop();
});

const args = ['run', '--kube', '--kube-server', '', '--namespace', NS, '--router', '', '--no-router-resources', '--http', '127.0.0.1:0', '--observe-interval', '60000'];
const argsFor = (): string[] => args.map((a, i) => (args[i - 1] === '--kube-server' ? server.url : args[i - 1] === '--router' ? ecn.url : a));
const base = (out: string): string => /^health: (http:\/\/127\.0\.0\.1:\d+)\/healthz/m.exec(out)![1]!;

test('the first manager leads and reconciles; a second waits ready with leader: false; the leader releases the Lease on stop', async () => {
  const a = startEcnAs(argsFor(), 'manager-a');
  let b: ReturnType<typeof startEcnAs> | undefined;
  try {
    await until(() => /^leading: /m.test(a.out()), 'a leads');
    await until(() => crs().every(ready), 'every CR Ready');
    assert.equal(lease().spec.holderIdentity, 'manager-a');
    assert.match(a.out(), /leader election: Lease ecn\/ecn-router-manager as manager-a/);

    b = startEcnAs(argsFor(), 'manager-b');
    await until(() => /^health: /m.test(b!.out()), 'b serves HTTP');
    const bBase = base(b.out());
    await until(() => /waiting to hold it/.test(b!.out()), 'b is a standby');
    const readyz = await fetch(`${bBase}/readyz`);
    assert.equal(readyz.status, 200, 'a standby is ready');
    assert.deepEqual(await readyz.json(), { ready: true, leader: false, holder: 'manager-a', reasons: [] });
    const status = (await (await fetch(`${bBase}/api/status`)).json()) as { leader: boolean; holder: string; routers: unknown[] };
    assert.equal(status.leader, false);
    assert.equal(status.holder, 'manager-a');
    assert.deepEqual(status.routers, [], 'a standby plans and writes nothing');
    assert.doesNotMatch(b.out(), /^leading: /m);
    const aStatus = (await (await fetch(`${base(a.out())}/api/status`)).json()) as { leader: boolean };
    assert.equal(aStatus.leader, true);

    assert.equal(await a.stop(), 0, a.err());
    assert.equal(lease().spec.holderIdentity, '', 'released on stop');
  } finally {
    await a.stop();
    if (b) assert.equal(await b.stop(), 0, b.err());
  }
});

test('--no-leader-elect takes no Lease', async () => {
  const ns = 'default';
  const before = lease()?.metadata.resourceVersion;
  const c = startEcnAs(['run', '--kube', '--kube-server', server.url, '--namespace', ns, '--router', ecn.url, '--no-router-resources', '--no-leader-elect', '--http', '127.0.0.1:0', '--observe-interval', '60000'], 'manager-c');
  try {
    await until(() => /^watching iofog\.org\/v3 resources in namespace default/m.test(c.out()), 'c reconciles');
    assert.doesNotMatch(c.out(), /leader election/);
  } finally {
    assert.equal(await c.stop(), 0, c.err());
  }
  assert.equal(server.cluster.list(server.cluster.type('coordination.k8s.io', 'v1', 'leases'), ns).items.length, 0);
  assert.equal(lease()?.metadata.resourceVersion, before);
});

test('a leader that finds another holder at its next renewal stops writing and ends with ECN_KUBE', async () => {
  const d = startEcnAs(argsFor(), 'manager-d');
  let code: number | undefined;
  try {
    await until(() => /^leading: /m.test(d.out()), 'd leads');
    const cur = lease();
    const leases = server.cluster.type('coordination.k8s.io', 'v1', 'leases');
    server.cluster.update(leases, NS, 'ecn-router-manager', { ...cur, spec: { ...cur.spec, holderIdentity: 'intruder' } });
    // the next renewal (within the 5 s renew interval) reads the other holder
    await until(() => /lost the Lease/.test(d.err()), 'd gives up', 10_000);
    code = await d.stop();
  } finally {
    code ??= await d.stop();
  }
  assert.equal(code, 70, d.err());
  assert.match(d.err(), /ECN_KUBE: lost the Lease ecn\/ecn-router-manager \(the lease is held by intruder\): stopped writing/);
  assert.equal(lease().spec.holderIdentity, 'intruder', 'not released: it was not ours any more');
});
