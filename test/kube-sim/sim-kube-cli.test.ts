import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import { iofogCrd } from '../../sim/kube/index.js';

test('ecn sim-kube serves in the foreground, prints its URL and kubeconfig as one JSON line, and cleans up on stop', async () => {
  const stdout = new PassThrough();
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => { stop = resolve; });
  const stdin = new PassThrough();
  const exit = run(['sim-kube', '--port', '0', '--iofog-crds'], { stdout, stderr: new PassThrough(), logger: silentLogger, stopSignal, stdin });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  stdout.on('data', (d) => {
    buf += String(d);
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  const lineAt = async (i: number) => { while (lines.length <= i) await new Promise<void>((r) => waiters.push(r)); return lines[i]!; };
  const line = await lineAt(0);
  const info = JSON.parse(line) as { url: string; port: number; kubeconfig: string };
  assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(existsSync(info.kubeconfig));
  assert.match(readFileSync(info.kubeconfig, 'utf8'), new RegExp(`server: ${info.url}`));
  const version = await (await fetch(`${info.url}/version`)).json() as { major: string };
  assert.equal(version.major, '1');
  const crds = await (await fetch(`${info.url}/apis/iofog.org/v3`)).json() as { resources: { name: string }[] };
  assert.ok(crds.resources.some((r) => r.name === 'edgeresources'));
  // fault commands on standard input
  stdin.write('fail configmaps 1 503\n');
  assert.match(await lineAt(1), /next 1 request\(s\) on configmaps answer 503/);
  assert.equal((await fetch(`${info.url}/api/v1/namespaces/default/configmaps`)).status, 503);
  assert.equal((await fetch(`${info.url}/api/v1/namespaces/default/configmaps`)).status, 200);
  stdin.write('gone widgets\n');
  assert.match(await lineAt(2), /does not serve 'widgets'/);
  stop();
  assert.equal(await exit, 0);
  assert.equal(existsSync(info.kubeconfig), false);
});

test('ecn sim-kube --crds loads CustomResourceDefinitions from YAML files; a missing file is a config error', async () => {
  mkdirSync('test-output', { recursive: true });
  const dir = mkdtempSync(join('test-output', 'sim-kube-'));
  const file = join(dir, 'crds.yaml');
  writeFileSync(file, [stringify(iofogCrd('Route')), stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ignored' } })].join('---\n'));
  const stdout = new PassThrough();
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => { stop = resolve; });
  const exit = run(['sim-kube', '--crds', file], { stdout, stderr: new PassThrough(), logger: silentLogger, stopSignal, stdin: undefined });
  const line = await new Promise<string>((resolve) => {
    let buf = '';
    stdout.on('data', (d) => { buf += String(d); if (buf.includes('\n')) resolve(buf.split('\n')[0]!); });
  });
  const { url } = JSON.parse(line) as { url: string };
  const doc = await (await fetch(`${url}/apis/iofog.org/v3`)).json() as { resources: { name: string }[] };
  assert.deepEqual(doc.resources.map((r) => r.name), ['routes', 'routes/status']);
  stop();
  assert.equal(await exit, 0);

  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d) => { err += String(d); });
  const code = await run(['sim-kube', '--crds', join(dir, 'nope.yaml')], { stdout: new PassThrough(), stderr, logger: silentLogger, stopSignal: Promise.resolve(), stdin: undefined });
  assert.notEqual(code, 0);
  assert.match(err, /ECN_CONFIG/);
});

test('ecn sim-kube rejects a bad port with a usage error', async () => {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d) => { err += String(d); });
  const code = await run(['sim-kube', '--port', 'abc'], { stdout: new PassThrough(), stderr, logger: silentLogger, stopSignal: Promise.resolve(), stdin: undefined });
  assert.equal(code, 2);
  assert.match(err, /not a port number/);
});
