import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listManifestFiles, loadManifests } from '../../src/model/load.js';
import { parseManifestText } from '../../src/model/parse.js';
import { buildModel } from '../../src/model/build.js';
import { errorsOf, only } from './helpers.js';

const CP = `apiVersion: iofog.org/v3
kind: ControlPlane
metadata:
  name: iofog
spec:
  ingresses:
    router:
      address: 127.0.0.1
`;
const AGENTS = `apiVersion: iofog.org/v3
kind: Agent
metadata:
  name: a1
spec:
  host: 127.0.0.1
  config:
    routerConfig:
      messagingPort: 5701
---
apiVersion: iofog.org/v3
kind: Agent
metadata:
  name: a2
spec:
  host: 127.0.0.1
  config:
    routerConfig:
      messagingPort: nope
---
`;

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ecn-model-'));
  await writeFile(join(dir, '00-cp.yaml'), CP);
  await writeFile(join(dir, '10-agents.yml'), AGENTS);
  await writeFile(join(dir, '20-app.json'), JSON.stringify({ apiVersion: 'iofog.org/v3', kind: 'Application', metadata: { name: 'app' }, spec: { microservices: [{ name: 'm', agent: { name: 'a1' } }] } }, null, 2));
  await writeFile(join(dir, 'README.md'), '# not a manifest');
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', '30-agent.yaml'), AGENTS.replace(/a1/g, 'a3').replace(/a2/g, 'a4').replace('5701', '5703'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a directory: *.yaml, *.yml, *.json in name order, not recursive by default', async () => {
  const { files } = await listManifestFiles(dir);
  assert.deepEqual(files.map((f) => f.slice(dir.length + 1)), ['00-cp.yaml', '10-agents.yml', '20-app.json']);
  const rec = await listManifestFiles(dir, { recursive: true });
  assert.deepEqual(rec.files.map((f) => f.slice(dir.length + 1)), ['00-cp.yaml', '10-agents.yml', '20-app.json', 'sub/30-agent.yaml']);
});

test('multi-document files: each document validated on its own, issues name file, document and line', async () => {
  const { model, issues } = await loadManifests(dir);
  const e = only(issues, 'ECN_MODEL_SCHEMA');
  assert.deepEqual([e.object, e.path], ['Agent a2', 'spec.config.routerConfig.messagingPort']);
  assert.deepEqual(e.ref, { source: join(dir, '10-agents.yml'), document: 1, line: 19 });
  assert.equal(errorsOf(issues).length, 1, JSON.stringify(issues));
  assert.deepEqual([...model.agents.keys()], ['a1']);
  assert.deepEqual([...model.microservices.keys()], ['app/m']);
  assert.deepEqual(model.microservices.get('app/m')!.ref, { source: join(dir, '20-app.json'), document: 0, line: 9 });
});

test('a list of paths (files and directories) and the recursive option', async () => {
  const { model } = await loadManifests([join(dir, '00-cp.yaml'), join(dir, 'sub')]);
  assert.deepEqual([...model.agents.keys()], ['a3']);
  const all = await loadManifests(dir, { recursive: true });
  assert.deepEqual([...all.model.agents.keys()], ['a1', 'a3']);
});

test('YAML syntax errors name the file and line; other documents of the file still load', () => {
  const text = `${CP}---\napiVersion: iofog.org/v3\nkind: Agent\nmetadata:\n  name: [broken\n---\napiVersion: iofog.org/v3\nkind: Agent\nmetadata:\n  name: ok\nspec:\n  host: h\n`;
  const parsed = parseManifestText(text, 'ecn.yaml');
  assert.equal(parsed.issues.length > 0, true);
  const e = parsed.issues[0]!;
  assert.equal(e.code, 'ECN_MODEL_YAML_SYNTAX');
  assert.equal(e.ref.source, 'ecn.yaml');
  assert.equal(e.ref.document, 1);
  assert.ok(e.ref.line !== undefined && e.ref.line >= 12 && e.ref.line <= 14, `line ${e.ref.line}`);
  assert.match(e.fix, /ecn\.yaml:\d+/);
  assert.equal(parsed.documents.length, 2);
  const { model } = buildModel(parsed.documents);
  assert.deepEqual([...model.agents.keys()], ['ok']);
});

test('duplicate keys are syntax errors too', () => {
  const parsed = parseManifestText('kind: Agent\nkind: Route\n', 'dup.yaml');
  assert.equal(parsed.issues[0]!.code, 'ECN_MODEL_YAML_SYNTAX');
  assert.equal(parsed.issues[0]!.ref.line, 2);
});

test('a missing path is an issue, not a throw', async () => {
  const { issues, model } = await loadManifests([join(dir, 'nope.yaml'), join(dir, '00-cp.yaml')]);
  assert.equal(issues[0]!.code, 'ECN_MODEL_READ');
  assert.equal(model.controlPlane?.name, 'iofog');
});

test('lines of cross-object issues point at the field', () => {
  const text = `${CP}---
apiVersion: iofog.org/v3
kind: Agent
metadata:
  name: e1
spec:
  host: 127.0.0.1
  config:
    routerConfig:
      messagingPort: 5800
    upstreamRouters:
      - ghost
`;
  const { issues } = buildModel(parseManifestText(text, 'x.yaml').documents);
  const e = only(issues, 'ECN_MODEL_UNKNOWN_UPSTREAM');
  assert.deepEqual(e.ref, { source: 'x.yaml', document: 1, line: 20 });
});
