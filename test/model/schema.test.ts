import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../src/model/build.js';
import { KIND_SCHEMAS, KINDS } from '../../src/model/schemas.js';
import { validateDocument } from '../../src/model/validate.js';
import { agent, app, baseEcn, codes, cp, docs, errorsOf, ms, only } from './helpers.js';

test('schema errors name the field path and say what to do; the rest still loads', () => {
  const bad = agent('edge-9', { routerMode: 'core', messagingPort: 70000 });
  (bad.spec as Record<string, unknown>).host = undefined;
  const { model, issues } = buildModel(docs(...baseEcn(), bad));
  const errs = errorsOf(issues);
  assert.deepEqual(
    errs.map((i) => [i.code, i.object, i.path]).sort(),
    [
      ['ECN_MODEL_SCHEMA', 'Agent edge-9', 'spec.config.routerConfig.messagingPort'],
      ['ECN_MODEL_SCHEMA', 'Agent edge-9', 'spec.config.routerConfig.routerMode'],
      ['ECN_MODEL_SCHEMA', 'Agent edge-9', 'spec.host'],
    ],
  );
  const mode = errs.find((i) => i.path.endsWith('routerMode'))!;
  assert.match(mode.fix, /one of: edge, interior/);
  assert.deepEqual(mode.ref, { source: 'test.yaml', document: 4 });
  assert.match(errs.find((i) => i.path === 'spec.host')!.fix, /Add `spec.host`/);
  assert.deepEqual([...model.agents.keys()], ['edge-1', 'edge-2', 'fog-1']);
});

test('iofog.org/v2 is accepted with a warning; other apiVersions are schema errors', () => {
  const v2 = { ...agent('edge-3', { messagingPort: 5713 }), apiVersion: 'iofog.org/v2' };
  const v9 = { ...agent('edge-4', { messagingPort: 5714 }), apiVersion: 'iofog.org/v9' };
  const { model, issues } = buildModel(docs(...baseEcn(), v2, v9));
  const w = only(issues, 'ECN_MODEL_API_VERSION');
  assert.equal(w.severity, 'warning');
  assert.equal(w.object, 'Agent edge-3');
  const e = only(issues, 'ECN_MODEL_SCHEMA');
  assert.deepEqual([e.object, e.path], ['Agent edge-4', 'apiVersion']);
  assert.ok(model.agents.has('edge-3'));
  assert.ok(!model.agents.has('edge-4'));
});

test('unknown fields in checked objects are warnings; free-form parts are not checked', () => {
  const a = agent('edge-3', { messagingPort: 5713, messagingPrt: 1 });
  (a.spec as Record<string, any>).config.dockerUrl = 'unix:///var/run/docker.sock'; // ioFog field, kept
  (a.spec as Record<string, any>).ssh = { user: 'root' };
  const { model, issues } = buildModel(docs(...baseEcn(), a));
  const w = only(issues, 'ECN_MODEL_UNKNOWN_FIELD');
  assert.equal(w.severity, 'warning');
  assert.equal(w.path, 'spec.config.routerConfig.messagingPrt');
  assert.match(w.fix, /messagingPort/);
  assert.equal(model.agents.get('edge-3')!.messagingPort, 5713);
});

test('unknown kinds are ignored with a warning; a missing kind or a non-mapping is an error', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), { apiVersion: 'iofog.org/v3', kind: 'Volume', metadata: { name: 'v' }, spec: {} }, { metadata: { name: 'x' } }, 'text', null));
  assert.deepEqual(codes(issues).sort(), ['ECN_MODEL_NOT_OBJECT', 'ECN_MODEL_NOT_OBJECT', 'ECN_MODEL_UNKNOWN_KIND', 'ECN_MODEL_UNKNOWN_KIND']);
  assert.equal(issues.find((i) => i.object === 'Volume v')!.severity, 'warning');
  assert.equal(model.agents.size, 3);
});

test('defaults: router ports, routerMode, router id, public range, port protocol', () => {
  const { model, issues } = buildModel(docs(cp(), agent('fog-1', { routerMode: 'interior', messagingPort: 5701 }, undefined, '10.0.0.2'), agent('edge-1', {}, undefined, '10.0.0.3'), app('a', [ms('m', 'edge-1', [{ internal: 1, external: 9000 }])])));
  assert.deepEqual(issues, []);
  assert.deepEqual(model.controlPlane!.router, { address: '127.0.0.1', messagePort: 5672, interiorPort: 55672, edgePort: 45672 });
  assert.equal(model.controlPlane!.routerId, 'default-router');
  assert.deepEqual(model.controlPlane!.publicPortRange, { start: 6000, end: 7000 });
  const fog = model.agents.get('fog-1')!;
  assert.deepEqual([fog.edgeRouterPort, fog.interRouterPort], [45672, 55672]);
  const edge = model.agents.get('edge-1')!;
  assert.deepEqual([edge.routerMode, edge.messagingPort, edge.upstreamRouters], ['edge', 5672, ['default-router']]);
  assert.deepEqual(model.microservices.get('a/m')!.ports, [{ internal: 1, external: 9000, protocol: 'tcp' }]);
});

test('ports[].public accepts the short form (a number) and the object form; anything else is an error', () => {
  const { model, issues } = buildModel(docs(
    ...baseEcn(),
    app('a', [
      ms('short', 'edge-2', [{ internal: 80, external: 9001, public: 6100 }]),
      ms('long', 'edge-2', [{ internal: 80, external: 9002, public: { protocol: 'http' } }]),
      ms('off', 'edge-2', [{ internal: 80, external: 9003, public: { enabled: false } }]),
      ms('bad', 'edge-2', [{ internal: 80, external: 9004, public: { protocol: 'udp' } }]),
      ms('worse', 'edge-2', [{ internal: 80, external: 9005, public: 'yes' }]),
    ]),
  ));
  assert.deepEqual(model.microservices.get('a/short')!.ports[0]!.public, { enabled: true, protocol: 'tcp', port: 6100 });
  assert.deepEqual(model.microservices.get('a/long')!.ports[0]!.public, { enabled: true, protocol: 'http' });
  assert.deepEqual(model.microservices.get('a/off')!.ports[0]!.public, { enabled: false, protocol: 'tcp' });
  const errs = errorsOf(issues);
  assert.deepEqual(errs.map((i) => [i.code, i.object, i.path]), [
    ['ECN_MODEL_BAD_PUBLIC', 'Microservice a/bad', 'spec.microservices[3].container.ports[0].public.protocol'],
    ['ECN_MODEL_BAD_PUBLIC', 'Microservice a/worse', 'spec.microservices[4].container.ports[0].public'],
  ]);
  assert.deepEqual(model.publicPorts.map((p) => [p.microservice, p.publicPort, p.requested]), [['long', 6000, false], ['short', 6100, true]]);
});

test('an inline microservice with a schema error is skipped alone; an application-level error skips its inline objects', () => {
  const bad = ms('m2', 'edge-1', [{ internal: 'eighty', external: 9002 }]);
  const r1 = buildModel(docs(...baseEcn(), app('a', [ms('m1', 'edge-1'), bad], [{ name: 'r', from: 'm1', to: 'm2' }])));
  assert.deepEqual(errorsOf(r1.issues).map((i) => [i.code, i.object, i.path]), [
    ['ECN_MODEL_SCHEMA', 'Microservice a/m2', 'spec.microservices[1].container.ports[0].internal'],
    ['ECN_MODEL_DEPENDENCY_SKIPPED', 'Route a/r', 'spec.routes[0].to'],
  ]);
  assert.deepEqual([...r1.model.microservices.keys()], ['a/m1']);

  const broken = app('b', [ms('m1', 'edge-1')], [{ name: 'r', from: 'm1', to: 'm1' }]);
  (broken.metadata as Record<string, unknown>).name = 7;
  const r2 = buildModel(docs(...baseEcn(), broken));
  assert.deepEqual(errorsOf(r2.issues).map((i) => i.code), ['ECN_MODEL_SCHEMA', 'ECN_MODEL_DEPENDENCY_SKIPPED', 'ECN_MODEL_DEPENDENCY_SKIPPED']);
  assert.equal(r2.model.microservices.size, 0);
});

test('KIND_SCHEMAS stay inside the Kubernetes structural-schema subset', () => {
  assert.deepEqual(Object.keys(KIND_SCHEMAS).sort(), [...KINDS].sort());
  const walk = (node: Record<string, unknown>, path: string): void => {
    const json = JSON.stringify(node);
    assert.ok(!json.includes('"$ref"'), `${path}: $ref`);
    for (const banned of ['anyOf', 'oneOf', 'allOf', 'const', 'patternProperties', '$id']) assert.ok(!(banned in node), `${path}: ${banned}`);
    if (node['x-kubernetes-preserve-unknown-fields'] !== true) assert.ok(typeof node.type === 'string', `${path}: no type`);
    for (const [k, v] of Object.entries((node.properties as Record<string, Record<string, unknown>>) ?? {})) walk(v, `${path}.${k}`);
    if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties as Record<string, unknown>, `${path}{}`);
  };
  for (const [kind, schema] of Object.entries(KIND_SCHEMAS)) walk(JSON.parse(JSON.stringify(schema)) as Record<string, unknown>, kind);
});

test('validateDocument reports every error at once (allErrors)', () => {
  const r = validateDocument('ControlPlane', { apiVersion: 'iofog.org/v3', kind: 'ControlPlane', metadata: { name: 'x' }, spec: { ingresses: { router: { messagePort: 'x', edgePort: 0 } } } });
  assert.deepEqual(r.errors.map((e) => e.path).sort(), ['spec.ingresses.router.address', 'spec.ingresses.router.edgePort', 'spec.ingresses.router.messagePort']);
});
