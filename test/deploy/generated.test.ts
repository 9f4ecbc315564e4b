import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generatedFiles, staleFiles } from '../../scripts/gen-deploy.js';
import { allCrds, crdFor, toStructural, type JsonSchema } from '../../src/kube/crds.js';
import { isEcnError } from '../../src/errors.js';
import { KINDS } from '../../src/model/schemas.js';
import { DEPLOY, readObjects } from './helpers.js';

test('the committed CRDs and RBAC equal a fresh generation (else: run `npm run gen:deploy`)', async () => {
  const stale = await staleFiles();
  assert.deepEqual(stale, [], `stale generated files: ${stale.join(', ')}; run \`npm run gen:deploy\``);
});

test('the base kustomization lists every generated file', async () => {
  const [k] = await readObjects(join(DEPLOY, 'base', 'kustomization.yaml'));
  const resources = (k as unknown as { resources: string[] }).resources;
  for (const rel of generatedFiles().keys()) {
    assert.ok(resources.includes(rel.replace('deploy/base/', '')), `${rel} is missing from deploy/base/kustomization.yaml resources`);
  }
});

test('one CRD per kind: iofog.org/v3, namespaced, served and stored, status subresource, names and columns', () => {
  const crds = allCrds();
  assert.deepEqual(crds.map((c) => c.spec.names.kind), [...KINDS]);
  const shortNames = crds.map((c) => c.spec.names.shortNames).flat();
  assert.deepEqual(shortNames, ['iocp', 'ioag', 'ioapp', 'ioms', 'iort', 'iores']);
  const columns = Object.fromEntries(crds.map((c) => [c.spec.names.kind, c.spec.versions[0]!.additionalPrinterColumns.map((p) => p.name)]));
  assert.deepEqual(columns, {
    ControlPlane: ['ROUTER', 'READY', 'AGE'],
    Agent: ['MODE', 'UPLINK', 'READY', 'AGE'],
    Application: ['MICROSERVICES', 'READY', 'AGE'],
    Microservice: ['AGENT', 'APPLICATION', 'READY', 'AGE'],
    Route: ['FROM', 'TO', 'READY', 'AGE'],
    EdgeResource: ['VERSION', 'AGE'],
  });
  for (const crd of crds) {
    const kind = crd.spec.names.kind;
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.iofog.org`);
    assert.equal(crd.spec.group, 'iofog.org');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names.categories, ['iofog']);
    assert.equal(crd.spec.versions.length, 1);
    const v = crd.spec.versions[0]!;
    assert.deepEqual([v.name, v.served, v.storage], ['v3', true, true]);
    assert.deepEqual(v.subresources, { status: {} });
    const ready = v.additionalPrinterColumns.find((c) => c.name === 'READY');
    if (kind !== 'EdgeResource') assert.equal(ready?.jsonPath, '.status.conditions[?(@.type=="Ready")].status');
    assert.equal(v.additionalPrinterColumns.at(-1)!.jsonPath, '.metadata.creationTimestamp');
    // every printer column points at a field the schema declares
    for (const col of v.additionalPrinterColumns) {
      const path = col.jsonPath.replace(/\[.*$/, '').split('.').slice(1);
      if (path[0] === 'metadata') continue;
      assert.ok(schemaAt(v.schema.openAPIV3Schema, path), `${kind} column ${col.name}: ${col.jsonPath} is not in the schema`);
    }
    const status = (v.schema.openAPIV3Schema.properties as Record<string, JsonSchema>).status!;
    const cond = ((status.properties as Record<string, JsonSchema>).conditions!.items as JsonSchema).properties as Record<string, unknown>;
    assert.deepEqual(Object.keys(cond).sort(), ['lastTransitionTime', 'message', 'observedGeneration', 'reason', 'status', 'type']);
    assert.ok((status.properties as Record<string, unknown>).observedGeneration);
  }
});

function schemaAt(schema: JsonSchema, path: string[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const seg of path) {
    const props = node?.properties as Record<string, JsonSchema> | undefined;
    node = props?.[seg];
  }
  return node;
}

/** The structural-schema rules of apiextensions.k8s.io/v1 that a generated schema could break. */
function structuralProblems(node: JsonSchema, path: string, out: string[], root = false): string[] {
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (node.type === undefined && !preserve && node['x-kubernetes-int-or-string'] !== true) out.push(`${path}: no type`);
  for (const k of ['$ref', 'allOf', 'anyOf', 'oneOf', 'not', 'const', 'patternProperties', 'definitions', 'dependencies', 'default', '$schema', '$id']) {
    if (k in node) out.push(`${path}: ${k}`);
  }
  if ('properties' in node && 'additionalProperties' in node) out.push(`${path}: properties with additionalProperties`);
  if (typeof node.additionalProperties === 'boolean') out.push(`${path}: boolean additionalProperties`);
  if (node.type === 'object' && !('properties' in node) && !('additionalProperties' in node) && !preserve) out.push(`${path}: empty object without preserve-unknown-fields`);
  for (const [name, sub] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
    if (root && name === 'metadata') {
      if (JSON.stringify(sub) !== JSON.stringify({ type: 'object' })) out.push('metadata: only {type: object} at the root');
      continue;
    }
    structuralProblems(sub, `${path}.${name}`, out);
  }
  if (node.items) structuralProblems(node.items as JsonSchema, `${path}[]`, out);
  if (typeof node.additionalProperties === 'object') structuralProblems(node.additionalProperties as JsonSchema, `${path}.*`, out);
  const keys = node['x-kubernetes-list-map-keys'] as string[] | undefined;
  if (keys) for (const key of keys) assert.ok(((node.items as JsonSchema).required as string[]).includes(key), `${path}: map key ${key} must be required`);
  return out;
}

test('every CRD schema is structural', () => {
  for (const kind of KINDS) {
    const schema = crdFor(kind).spec.versions[0]!.schema.openAPIV3Schema;
    assert.deepEqual(structuralProblems(schema, kind, [], true), [], kind);
  }
});

test('toStructural conversions: const, literal unions, defaults, additionalProperties, exclusive bounds', () => {
  const converted = toStructural({
    type: 'object',
    additionalProperties: false,
    required: ['a'],
    properties: {
      a: { const: 'x' },
      b: { anyOf: [{ const: 'tcp' }, { const: 'udp' }], description: 'protocol' },
      c: { type: 'integer', default: 5, exclusiveMinimum: 0 },
      d: { type: 'object', additionalProperties: true },
      e: { type: 'object', additionalProperties: { type: 'string' } },
      f: { type: 'string', title: 'F', $id: 'f' },
    },
  });
  assert.deepEqual(converted, {
    type: 'object',
    required: ['a'],
    properties: {
      a: { type: 'string', enum: ['x'] },
      b: { type: 'string', enum: ['tcp', 'udp'], description: 'protocol' },
      c: { type: 'integer', minimum: 0, exclusiveMinimum: true },
      d: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      e: { type: 'object', additionalProperties: { type: 'string' } },
      f: { type: 'string' },
    },
  });
});

test('toStructural refuses what a structural schema cannot say, naming the field', () => {
  const cases: Array<[JsonSchema, RegExp]> = [
    [{ type: 'object', properties: { x: { $ref: '#/defs/x' } } }, /`\$ref` at `spec\.x`/],
    [{ type: 'object', properties: { x: { anyOf: [{ type: 'string' }, { type: 'integer' }] } } }, /union .* at `spec\.x`/],
    [{ type: 'object', properties: { x: { type: 'object', patternProperties: { '^a': { type: 'string' } } } } }, /patternProperties/],
    [{ type: 'object', properties: { x: { description: 'untyped' } } }, /without `type`.* at `spec\.x`/],
    [{ type: 'array', items: [{ type: 'string' }] }, /tuple/],
  ];
  for (const [schema, message] of cases) {
    assert.throws(
      () => toStructural(schema),
      (err: unknown) => isEcnError(err, 'ECN_CONFIG') && message.test(err.message) && /schema-kit/.test(err.hint ?? ''),
      JSON.stringify(schema),
    );
  }
});
