/** `ecn sim-kube --crds DIR`: a directory of CRD YAML files (e.g. deploy/base/crds) as well as a file. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { run } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import { iofogCrd } from '../../sim/kube/index.js';

const BASE_CRDS = fileURLToPath(new URL('../../deploy/base/crds', import.meta.url));

/** Runs `ecn sim-kube ARGS`, hands its URL to `use`, then stops it; resolves with the exit code. */
async function withSimKube(args: string[], use: (url: string) => Promise<void>): Promise<number> {
  const stdout = new PassThrough();
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => { stop = resolve; });
  const exit = run(['sim-kube', ...args], { stdout, stderr: new PassThrough(), logger: silentLogger, stopSignal, stdin: undefined });
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    stdout.on('data', (d) => { buf += String(d); if (buf.includes('\n')) resolve(buf.split('\n')[0]!); });
    void exit.then((code) => reject(new Error(`sim-kube ended with ${code} before it served`)));
  });
  try {
    await use((JSON.parse(line) as { url: string }).url);
  } finally {
    stop();
  }
  return exit;
}

const served = async (url: string): Promise<string[]> =>
  ((await (await fetch(`${url}/apis/iofog.org/v3`)).json()) as { resources: { name: string }[] }).resources.map((r) => r.name).filter((n) => !n.includes('/')).sort();

test('ecn sim-kube --crds deploy/base/crds creates the six generated CRDs', async () => {
  const code = await withSimKube(['--crds', BASE_CRDS], async (url) => {
    assert.deepEqual(await served(url), ['agents', 'applications', 'controlplanes', 'edgeresources', 'microservices', 'routes']);
    const list = (await (await fetch(`${url}/apis/iofog.org/v3/namespaces/default/agents`)).json()) as { kind: string };
    assert.equal(list.kind, 'AgentList');
  });
  assert.equal(code, 0);
});

test('ecn sim-kube --crds: a directory reads its .yaml and .yml files only, and mixes with a file', async () => {
  mkdirSync('test-output', { recursive: true });
  const root = mkdtempSync(join('test-output', 'sim-kube-crds-'));
  const dir = join(root, 'crds');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.yaml'), stringify(iofogCrd('Route')));
  writeFileSync(join(dir, 'b.yml'), stringify(iofogCrd('Agent')));
  writeFileSync(join(dir, 'README.md'), '# not YAML: ignored\n');
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'nested', 'c.yaml'), stringify(iofogCrd('Microservice')));
  const file = join(root, 'cp.yaml');
  writeFileSync(file, stringify(iofogCrd('ControlPlane')));
  const code = await withSimKube(['--crds', dir, '--crds', file], async (url) => {
    assert.deepEqual(await served(url), ['agents', 'controlplanes', 'routes'], 'not the nested directory');
  });
  assert.equal(code, 0);
});

test('ecn sim-kube --crds: a directory without YAML files, or a missing path, is a config error naming it', async () => {
  mkdirSync('test-output', { recursive: true });
  const empty = mkdtempSync(join('test-output', 'sim-kube-empty-'));
  for (const [path, message] of [[empty, /has no \.yaml or \.yml file/], [join(empty, 'nope'), /cannot read the CRD path/]] as const) {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d) => { err += String(d); });
    const code = await run(['sim-kube', '--crds', path], { stdout: new PassThrough(), stderr, logger: silentLogger, stopSignal: Promise.resolve(), stdin: undefined });
    assert.notEqual(code, 0);
    assert.match(err, /ECN_CONFIG/);
    assert.match(err, message);
    assert.ok(err.includes(path), err);
  }
});
