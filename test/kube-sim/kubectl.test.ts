import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { KubeApiServer, iofogCrd } from '../../sim/kube/index.js';

const run = promisify(execFile);
const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const missing = !existsSync(KUBECTL) && process.env.CI !== 'true';

test('kubectl apply / get / delete against the fake API server (no --validate=false needed)', { skip: missing ? `kubectl not found at ${KUBECTL}: skipped (set KUBECTL=path, or CI=true to make this fail)` : false }, async (t) => {
  const server = new KubeApiServer({ port: 0 });
  await server.start();
  t.after(() => server.stop());
  mkdirSync('test-output', { recursive: true });
  const dir = mkdtempSync(join('test-output', 'kubectl-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, server.kubeconfigYaml());
  const kubectl = async (...args: string[]) => {
    try {
      const r = await run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { timeout: 30_000 });
      return { code: 0, out: r.stdout, err: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, out: e.stdout ?? '', err: e.stderr ?? '' };
    }
  };
  const ok = async (...args: string[]) => {
    const r = await kubectl(...args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}`);
    return r.out;
  };

  // the CRD first (kubectl rediscovers after a CRD appears)
  const crdFile = join(dir, 'crd.yaml');
  const crd = iofogCrd('Agent');
  crd.spec.versions[0].additionalPrinterColumns = [
    { name: 'HOST', type: 'string', jsonPath: '.spec.host' },
    { name: 'READY', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
  writeFileSync(crdFile, stringify(crd));
  assert.match(await ok('apply', '-f', crdFile), /customresourcedefinition.apiextensions.k8s.io\/agents.iofog.org created/);

  const manifest = (image: string, host: string) => [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo', labels: { app: 'demo' } }, data: { a: '1' } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] } },
      },
    },
    { apiVersion: 'iofog.org/v3', kind: 'Agent', metadata: { name: 'edge-1' }, spec: { host } },
  ].map((d) => stringify(d)).join('---\n');
  const file = join(dir, 'app.yaml');
  writeFileSync(file, manifest('nginx:1', '10.0.0.1'));
  const created = await ok('apply', '-f', file);
  assert.match(created, /configmap\/demo created/);
  assert.match(created, /deployment.apps\/web created/);
  assert.match(created, /agent.iofog.org\/edge-1 created/);

  writeFileSync(file, manifest('nginx:2', '10.0.0.2'));
  const changed = await ok('apply', '-f', file);
  assert.match(changed, /configmap\/demo unchanged/);
  assert.match(changed, /deployment.apps\/web configured/);
  assert.match(changed, /agent.iofog.org\/edge-1 configured/);

  const dep = JSON.parse(await ok('get', 'deployment', 'web', '-o', 'json'));
  assert.equal(dep.spec.template.spec.containers[0].image, 'nginx:2');
  assert.deepEqual(dep.spec.template.spec.containers[0].ports, [{ containerPort: 80 }], 'the strategic merge patch kept the ports');
  assert.equal(dep.metadata.generation, 2);
  const ag = JSON.parse(await ok('get', 'agents', 'edge-1', '-o', 'json'));
  assert.equal(ag.spec.host, '10.0.0.2');

  await ok('patch', 'agent', 'edge-1', '--subresource=status', '--type=merge', '-p', '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}');
  const table = await ok('get', 'agents');
  assert.match(table, /NAME\s+HOST\s+READY\s+AGE/);
  assert.match(table, /edge-1\s+10\.0\.0\.2\s+True\s+\d+s/);

  // server-side apply through kubectl, then a conflicting change from `kubectl scale`
  await ok('scale', 'deployment', 'web', '--replicas=5');
  const conflict = await kubectl('apply', '--server-side', '-f', file);
  assert.notEqual(conflict.code, 0);
  assert.match(conflict.err, /conflict/i);
  await ok('apply', '--server-side', '--force-conflicts', '-f', file);
  assert.equal(JSON.parse(await ok('get', 'deploy', 'web', '-o', 'json')).spec.replicas, 2);

  // imperative `kubectl create` sends protobuf: read for namespaces, configmaps, secrets and service accounts
  await ok('create', 'namespace', 'team');
  await ok('create', 'configmap', 'cfg', '-n', 'team', '--from-literal=a=b');
  await ok('create', 'secret', 'generic', 'pw', '-n', 'team', '--from-literal=password=hunter2');
  await ok('create', 'serviceaccount', 'robot', '-n', 'team');
  const cfg = JSON.parse(await ok('get', 'configmap', 'cfg', '-n', 'team', '-o', 'json'));
  assert.deepEqual(cfg.data, { a: 'b' });
  assert.equal(cfg.metadata.generateName, undefined);
  const pw = JSON.parse(await ok('get', 'secret', 'pw', '-n', 'team', '-o', 'json'));
  assert.equal(Buffer.from(pw.data.password, 'base64').toString(), 'hunter2');
  assert.equal(pw.type, 'Opaque');
  const unsupported = await kubectl('create', 'deployment', 'x', '--image=nginx', '-n', 'team');
  assert.notEqual(unsupported.code, 0);
  assert.match(unsupported.err, /reads protobuf only for/);

  const deleted = await ok('delete', '-f', file);
  assert.match(deleted, /deployment.apps "web" deleted/);
  const after = await kubectl('get', 'configmap', 'demo');
  assert.notEqual(after.code, 0);
  assert.match(after.err, /NotFound|not found/);
});
