/**
 * The example custom resources (deploy/examples/kube) against the generated CRDs' openAPIV3Schema (ajv), and
 * through the model. The CRD schema must accept and refuse what the model accepts and refuses: iofogctl and
 * kubectl take the same YAML (deploy/examples/ecn is checked the same way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { crdFor, type JsonSchema } from '../../src/kube/crds.js';
import { loadManifests } from '../../src/model/load.js';
import { KINDS, isKind, type Kind } from '../../src/model/schemas.js';
import { validateDocument } from '../../src/model/validate.js';
import { DEPLOY, readDir, type KubeObject } from './helpers.js';

const KUBE_EXAMPLES = join(DEPLOY, 'examples', 'kube');
const ECN_EXAMPLES = join(DEPLOY, 'examples', 'ecn');

const ajv = new Ajv({
  allErrors: true,
  strict: true,
  strictTypes: false,
  // the OpenAPI formats a CRD schema uses; the API server checks date-time, int64 is a hint
  formats: { 'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, int64: true },
});
ajv.addVocabulary(['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys']);

const validators = new Map<Kind, ValidateFunction>();
function crdValidator(kind: Kind): ValidateFunction {
  let fn = validators.get(kind);
  if (!fn) {
    fn = ajv.compile(crdFor(kind).spec.versions[0]!.schema.openAPIV3Schema as JsonSchema);
    validators.set(kind, fn);
  }
  return fn;
}

function crdErrors(obj: KubeObject): string[] {
  assert.ok(isKind(obj.kind), `${obj.kind} is not one of the six kinds`);
  const fn = crdValidator(obj.kind);
  return fn(obj) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

test('every example CR is valid against its generated CRD schema', async () => {
  const files = await readDir(KUBE_EXAMPLES);
  const kinds = new Set<string>();
  for (const { file, objects } of files) {
    for (const obj of objects) {
      kinds.add(obj.kind);
      assert.equal(obj.apiVersion, 'iofog.org/v3', `${file}: ${obj.kind} ${obj.metadata.name}`);
      assert.deepEqual(crdErrors(obj), [], `${file}: ${obj.kind} ${obj.metadata.name}`);
    }
  }
  assert.deepEqual([...kinds].sort(), [...KINDS].sort(), 'the examples show every kind');
});

test('the example CRs load through the model without errors or warnings and mirror deploy/examples/ecn', async () => {
  const kube = await loadManifests(KUBE_EXAMPLES);
  assert.deepEqual(kube.issues, []);
  const ecn = await loadManifests(ECN_EXAMPLES);
  const shape = (m: typeof kube.model) => ({
    controlPlane: m.controlPlane?.name,
    routerId: m.controlPlane?.routerId,
    agents: [...m.agents.values()].map((a) => [a.name, a.routerMode, a.upstreamRouters]),
    microservices: [...m.microservices.values()].map((s) => [s.application, s.name, s.agent]),
    routes: [...m.routes.keys()],
    edgeResources: [...m.edgeResources.keys()],
    publicPorts: m.publicPorts.map((p) => [p.microservice, p.publicPort, p.protocol]),
  });
  assert.deepEqual(shape(kube.model), shape(ecn.model));
});

test('the manifest examples (deploy/examples/ecn) are valid CRs too', async () => {
  for (const { file, objects } of await readDir(ECN_EXAMPLES)) {
    for (const obj of objects) assert.deepEqual(crdErrors(obj), [], `${file}: ${obj.kind} ${obj.metadata.name}`);
  }
});

/** Edits of valid documents: the CRD schema and the model must agree on each (accept both, or refuse both). */
const EDITS: Array<[string, string, (o: Record<string, any>) => void]> = [
  ['Agent', 'port out of range', (o) => (o.spec.config.routerConfig.messagingPort = 70000)],
  ['Agent', 'unknown router mode', (o) => (o.spec.config.routerConfig.routerMode = 'core')],
  ['Agent', 'missing host', (o) => delete o.spec.host],
  ['Agent', 'empty host', (o) => (o.spec.host = '')],
  ['Agent', 'upstreamRouters not a list', (o) => (o.spec.config.upstreamRouters = 'fog-1')],
  ['Agent', 'extra ioFog fields (open object)', (o) => (o.spec.config.dockerUrl = 'unix:///var/run/docker.sock')],
  ['ControlPlane', 'missing router ingress', (o) => delete o.spec.ingresses.router],
  ['ControlPlane', 'string port', (o) => (o.spec.ingresses.router.edgePort = '45672')],
  ['ControlPlane', 'extra spec field (open)', (o) => (o.spec.user = { email: 'a@b.c' })],
  ['Application', 'route without to', (o) => delete o.spec.routes[0].to],
  ['Application', 'microservice without agent', (o) => delete o.spec.microservices[0].agent],
  ['Application', 'free-form images', (o) => (o.spec.microservices[0].images.registry = 2)],
  ['Microservice', 'udp port', (o) => (o.spec.container.ports[0].protocol = 'udp')],
  ['Microservice', 'bad port protocol', (o) => (o.spec.container.ports[0].protocol = 'sctp')],
  ['Microservice', 'public as a number', (o) => (o.spec.container.ports[0].public = 6100)],
  ['Microservice', 'internal port zero', (o) => (o.spec.container.ports[0].internal = 0)],
  ['Route', 'missing from', (o) => delete o.spec.from],
  ['EdgeResource', 'missing version', (o) => delete o.spec.version],
  ['EdgeResource', 'orchestrationTags of numbers', (o) => (o.spec.orchestrationTags = [1])],
  ['EdgeResource', 'free-form custom', (o) => (o.spec.custom = { any: ['thing'] })],
];

test('the CRD schema and the model accept and refuse the same edits', async () => {
  const all = (await readDir(KUBE_EXAMPLES)).flatMap((f) => f.objects);
  for (const [kind, what, edit] of EDITS) {
    const base = all.find((o) => o.kind === kind)!;
    const obj = structuredClone(base) as Record<string, any>;
    edit(obj);
    const model = validateDocument(kind as Kind, obj).errors.map((e) => e.path);
    const crd = crdErrors(obj as KubeObject);
    assert.equal(crd.length === 0, model.length === 0, `${kind}, ${what}: CRD ${JSON.stringify(crd)} vs model ${JSON.stringify(model)}`);
  }
});

test('status written by the manager is valid (conditions, observedGeneration, kind fields); bad status is refused', () => {
  const now = '2026-11-26T15:00:00Z';
  const ready = { type: 'Ready', status: 'True', reason: 'Converged', message: 'all routers in sync', lastTransitionTime: now, observedGeneration: 3 };
  const agent = { apiVersion: 'iofog.org/v3', kind: 'Agent', metadata: { name: 'a' }, spec: { host: 'h' }, status: { observedGeneration: 3, conditions: [ready], mode: 'edge', uplinks: [{ to: 'default-router', state: 'up' }] } } as KubeObject;
  assert.deepEqual(crdErrors(agent), []);
  const ms = {
    apiVersion: 'iofog.org/v3',
    kind: 'Microservice',
    metadata: { name: 'm' },
    spec: { application: 'demo', agent: { name: 'a' } },
    status: { conditions: [ready], publicPorts: [{ external: 8103, publicPort: 6000, protocol: 'tcp' }] },
  } as KubeObject;
  assert.deepEqual(crdErrors(ms), []);
  const bad = structuredClone(agent) as Record<string, any>;
  bad.status.conditions[0].status = 'Yes';
  bad.status.mode = 'sideways';
  bad.status.conditions[0].lastTransitionTime = 'yesterday';
  assert.equal(crdErrors(bad as KubeObject).length, 3);
});
