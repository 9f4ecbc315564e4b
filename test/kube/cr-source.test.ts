import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFromCrs, footprints } from '../../src/kube/cr-source.js';
import { loadManifests } from '../../src/model/load.js';
import { planNetwork } from '../../src/plan/planner.js';
import { exampleCrs, EXAMPLE_DIR } from './example-crs.js';

test('the example CRs build the same model as the example manifests, with no issues', async () => {
  const crs = await exampleCrs();
  const fromCrs = buildFromCrs(crs);
  const fromFiles = await loadManifests([EXAMPLE_DIR]);
  assert.deepEqual(fromCrs.issues, []);
  assert.deepEqual([...fromCrs.model.agents.keys()].sort(), [...fromFiles.model.agents.keys()].sort());
  assert.deepEqual([...fromCrs.model.microservices.keys()].sort(), [...fromFiles.model.microservices.keys()].sort());
  assert.deepEqual([...fromCrs.model.routes.keys()].sort(), [...fromFiles.model.routes.keys()].sort());
  assert.deepEqual(fromCrs.model.publicPorts.map((p) => p.publicPort), fromFiles.model.publicPorts.map((p) => p.publicPort));
  assert.equal(fromCrs.model.agents.get('edge-1')!.ref.source, 'kube:ecn/Agent/edge-1');
  // inline microservices belong to their Application CR
  assert.equal(fromCrs.model.microservices.get('demo/sensor')!.ref.source, 'kube:ecn/Application/demo');
  assert.equal(fromCrs.generations.get('Agent/ecn/edge-1'), 1);
});

test('server fields (uid, resourceVersion, managedFields, status) do not leak into the model or its issues', async () => {
  const crs = await exampleCrs();
  for (const c of crs) {
    c.obj.metadata = { ...c.obj.metadata, managedFields: [{ manager: 'x' }], annotations: { a: 'b' } } as never;
    c.obj.status = { conditions: [] };
  }
  assert.deepEqual(buildFromCrs(crs).issues, []);
});

test('each issue is mapped back to its CR; a route to a missing microservice skips only that route', async () => {
  const crs = await exampleCrs();
  crs.push({ kind: 'Route', obj: { apiVersion: 'iofog.org/v3', kind: 'Route', metadata: { name: 'to-nowhere', namespace: 'ecn', generation: 3 }, spec: { application: 'demo', from: 'sensor', to: 'ghost' } } });
  const r = buildFromCrs(crs);
  const issues = r.byCr.get('Route/ecn/to-nowhere')!;
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.code, 'ECN_MODEL_UNKNOWN_MICROSERVICE');
  assert.match(issues[0]!.message, /ghost/);
  assert.equal(r.model.routes.size, 2, 'the other routes stay');
  assert.equal(r.generations.get('Route/ecn/to-nowhere'), 3);
});

test('objects being deleted are left out of the model', async () => {
  const crs = await exampleCrs();
  const dash = crs.find((c) => c.obj.metadata.name === 'dashboard')!;
  dash.obj.metadata.deletionTimestamp = new Date().toISOString();
  const r = buildFromCrs(crs);
  assert.equal(r.model.microservices.has('demo/dashboard'), false);
  assert.equal(r.generations.has('Microservice/ecn/dashboard'), false);
  // the route to it is now invalid, and says so on the Route CR
  assert.equal(r.byCr.get('Route/ecn/processor-to-dashboard')?.[0]?.code, 'ECN_MODEL_UNKNOWN_MICROSERVICE');
});

test('footprints: the routers that carry each CR', async () => {
  const { model } = buildFromCrs(await exampleCrs());
  const plan = planNetwork(model, { flavorOf: () => 'skupper', tcpBridges: () => true });
  const f = footprints(model, plan);
  const routers = (k: string) => [...(f.get(k)?.routers ?? [])].sort();
  assert.deepEqual(routers('ControlPlane/ecn/iofog'), ['default-router']);
  assert.deepEqual(routers('Agent/ecn/edge-1'), ['edge-1']);
  assert.deepEqual(routers('Microservice/ecn/dashboard'), ['default-router', 'edge-2'], 'public port: the interior too');
  assert.deepEqual(routers('Route/ecn/processor-to-dashboard'), ['edge-2', 'fog-1']);
  assert.deepEqual(routers('Application/ecn/demo'), ['default-router', 'edge-1', 'edge-2', 'fog-1']);
  assert.deepEqual(routers('EdgeResource/ecn/temperature-sensor'), []);
});
