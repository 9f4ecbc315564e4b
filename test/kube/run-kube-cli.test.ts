/** `ecn run --kube` against the fake API server: the CRs configure simulated routers; the ControlPlane's router resources. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiServer } from '../../sim/kube/index.js';
import { startSimEcn, type SimEcn } from '../../sim/ecn.js';
import { buildFromCrs } from '../../src/kube/cr-source.js';
import { PLURALS } from '../../src/kube/kinds.js';
import type { KubeObject } from '../../src/kube/supervised-informer.js';
import type { Kind } from '../../src/model/schemas.js';
import { runEcn, startEcn } from '../support/cli.js';
import { relocatedBodies } from './example-crs.js';

let server: KubeApiServer;
let ecn: SimEcn;

const rt = (kind: Kind) => server.cluster.type('iofog.org', 'v3', PLURALS[kind]);
const crsIn = (ns: string) => (Object.keys(PLURALS) as Kind[]).flatMap((k) => server.cluster.list(rt(k), ns).items as KubeObject[]);
const ready = (o: KubeObject) => ((o.status as any)?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

/** The command runs in this process and has no events to offer a test: re-check the cluster every 25 ms. */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

before(async () => {
  server = new KubeApiServer({ preloadIofogCrds: true, namespaces: ['default', 'ecn', 'ecn2'] });
  await server.start();
  const bodies = await relocatedBodies('ecn');
  const { model } = buildFromCrs(bodies.map((obj) => ({ kind: obj.kind as Kind, obj })));
  ecn = await startSimEcn(model, { flavor: 'skupper' });
  for (const b of bodies) server.cluster.create(rt(b.kind as Kind), 'ecn', b);
});

after(async () => {
  await ecn?.stop();
  await server?.stop();
});

test('ecn run --kube --router …: every CR of the namespace Ready, routers configured', async () => {
  let stop!: () => void;
  const stopped = new Promise<void>((r) => { stop = r; });
  const running = runEcn(['run', '--kube', '--kube-server', server.url, '--namespace', 'ecn', '--router', ecn.url, '--no-router-resources', '--http', '127.0.0.1:0', '--observe-interval', '60000'], stopped);
  try {
    await until(() => crsIn('ecn').every(ready), 'every CR Ready');
  } finally {
    stop();
  }
  const r = await running;
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /watching iofog\.org\/v3 resources in namespace ecn/);
  assert.match(r.out, /manager running against amqp:\/\/127\.0\.0\.1:\d+: 4 agents, 5 routers/);
  assert.equal(server.cluster.list(server.cluster.type('apps', 'v1', 'deployments'), 'ecn').items.length, 0, '--no-router-resources');
});

test('ecn run --kube without --router deploys the interior router for the ControlPlane and connects to its Service', async () => {
  const cp = (await relocatedBodies('ecn2')).find((b) => b.kind === 'ControlPlane')!;
  server.cluster.create(rt('ControlPlane'), 'ecn2', cp);
  let stop!: () => void;
  const stopped = new Promise<void>((r) => { stop = r; });
  const running = runEcn(['run', '--kube', '--kube-server', server.url, '--namespace', 'ecn2', '--router-service-type', 'ClusterIP', '--router-image', 'example/router:1', '--http', '127.0.0.1:0'], stopped);
  const get = (group: string, plural: string, name: string): any => { try { return server.cluster.get(server.cluster.type(group, 'v1', plural), 'ecn2', name); } catch { return undefined; } };
  try {
    await until(() => (server.cluster.get(rt('ControlPlane'), 'ecn2', 'iofog') as any).status?.endpoints?.inCluster !== undefined, 'the ControlPlane status shows the router endpoints');
  } finally {
    stop();
  }
  const r = await running;
  assert.equal(r.code, 0, r.err);
  const dep = get('apps', 'deployments', 'iofog-router');
  assert.equal(dep.spec.template.spec.containers[0].image, 'example/router:1');
  assert.equal(dep.metadata.ownerReferences[0].kind, 'ControlPlane');
  assert.ok(dep.metadata.managedFields.some((f: any) => f.manager === 'ecn-router-manager' && f.operation === 'Apply'));
  assert.equal(get('', 'services', 'iofog-router').spec.type, 'ClusterIP');
  assert.equal(get('networking.k8s.io', 'ingresses', 'iofog-router').spec.rules[0].host, '127.0.0.1');
  assert.match(get('', 'configmaps', 'iofog-router-config').data['skrouterd.json'], /"interior"/);
  const status = (server.cluster.get(rt('ControlPlane'), 'ecn2', 'iofog') as any).status;
  const port = (cp.spec as any).ingresses.router.messagePort;
  assert.equal(status.endpoints.inCluster.amqp, `amqp://iofog-router.ecn2.svc:${port}`);
  assert.equal(status.endpoints.external.amqp, `amqp://127.0.0.1:${port}`);
  assert.equal(status.routerAddress, '127.0.0.1');
  assert.equal(status.routerId, 'default-router');
  assert.equal(status.conditions.find((c: any) => c.type === 'Ready').reason, 'RouterNotSynced', 'no router answers at the Service address here');
});

test('ecn run without a model source, or with two, is a usage error', async () => {
  const none = await runEcn(['run', '--router', 'amqp://127.0.0.1:1', '--http', '127.0.0.1:0']);
  assert.equal(none.code, 2);
  assert.match(none.err, /ECN_CLI_USAGE.*--manifests DIR… or --kube/s);
  const both = await runEcn(['run', '--kube', '--manifests', 'x', '--http', '127.0.0.1:0']);
  assert.equal(both.code, 2);
});

test('in a cluster without a token, /graph and /api stay closed and the command says how to open them', async () => {
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, token: process.env.ECN_TOKEN };
  process.env.KUBERNETES_SERVICE_HOST = '10.0.0.1'; // as in a pod (nothing connects to it: --kube-server is given)
  delete process.env.ECN_TOKEN;
  const ecnRun = startEcn(['run', '--kube', '--kube-server', server.url, '--namespace', 'ecn', '--router', ecn.url, '--no-router-resources', '--no-leader-elect', '--http', '127.0.0.1:0', '--observe-interval', '60000']);
  try {
    await until(() => /^metrics: /m.test(ecnRun.out()) || ecnRun.ended(), 'the HTTP port is up');
    const base = /^metrics: (http:\/\/127\.0\.0\.1:\d+)\/metrics$/m.exec(ecnRun.out())?.[1];
    assert.ok(base, ecnRun.out() + ecnRun.err());
    assert.match(ecnRun.err(), /no token configured in a cluster: \/graph and \/api stay closed/);
    assert.equal((await fetch(`${base}/api/status`)).status, 401);
    assert.equal((await fetch(`${base}/healthz`)).status, 200, 'the probes stay open');
  } finally {
    if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST; else process.env.KUBERNETES_SERVICE_HOST = saved.host;
    if (saved.token !== undefined) process.env.ECN_TOKEN = saved.token;
    assert.equal(await ecnRun.stop(), 0, ecnRun.err());
  }
});
