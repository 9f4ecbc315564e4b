import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadManifests } from '../../src/model/load.js';

const DIR = 'deploy/examples/ecn';

test('the example ECN loads with no issues', async () => {
  const { model, issues } = await loadManifests(DIR);
  assert.deepEqual(issues, []);
  assert.equal(model.controlPlane?.name, 'iofog');
  assert.equal(model.controlPlane?.routerId, 'default-router');
  assert.deepEqual(model.controlPlane?.router, { address: '127.0.0.1', messagePort: 5672, interiorPort: 55672, edgePort: 45672 });
  assert.deepEqual(model.controlPlane?.publicPortRange, { start: 6000, end: 7000 });
  assert.deepEqual([...model.agents.keys()], ['edge-1', 'edge-2', 'edge-3', 'fog-1']);
  const fog = model.agents.get('fog-1')!;
  assert.equal(fog.routerMode, 'interior');
  assert.deepEqual([fog.messagingPort, fog.edgeRouterPort, fog.interRouterPort], [5701, 45701, 55701]);
  assert.deepEqual(fog.upstreamRouters, ['default-router']);
  assert.deepEqual(model.agents.get('edge-1')!.upstreamRouters, ['fog-1']);
  assert.deepEqual(model.agents.get('edge-2')!.upstreamRouters, ['default-router']);
  assert.deepEqual(model.agents.get('edge-3')!.upstreamRouters, ['default-router']);
  for (const a of ['edge-1', 'edge-2', 'edge-3']) {
    assert.equal(model.agents.get(a)!.routerMode, 'edge');
    assert.equal(model.agents.get(a)!.edgeRouterPort, undefined);
  }
  assert.deepEqual([...model.applications.keys()], ['demo']);
  assert.deepEqual(
    [...model.microservices.values()].map((m) => [m.application, m.name, m.agent]),
    [['demo', 'dashboard', 'edge-2'], ['demo', 'processor', 'fog-1'], ['demo', 'sensor', 'edge-1']],
  );
  assert.deepEqual(
    [...model.routes.values()].map((r) => [r.name, r.from, r.to]),
    [['processor-to-dashboard', 'processor', 'dashboard'], ['sensor-to-processor', 'sensor', 'processor']],
  );
  assert.deepEqual(model.publicPorts, [
    { application: 'demo', microservice: 'dashboard', agent: 'edge-2', external: 8103, publicPort: 6000, protocol: 'tcp', requested: false },
  ]);
  assert.deepEqual([...model.edgeResources.keys()], ['temperature-sensor@v1.0.0']);
  assert.deepEqual(model.edgeResources.get('temperature-sensor@v1.0.0')!.agents, ['edge-3']);
  // refs name the file, the document and the line
  assert.deepEqual(model.agents.get('edge-1')!.ref, { source: `${DIR}/10-agents.yaml`, document: 1, line: 17 });
});

test('every router listener in the example has its own port on 127.0.0.1', async () => {
  const { model } = await loadManifests(DIR);
  const cp = model.controlPlane!;
  const ports = [cp.router.messagePort, cp.router.interiorPort, cp.router.edgePort];
  for (const a of model.agents.values()) {
    assert.equal(a.host, '127.0.0.1');
    ports.push(a.messagingPort, ...(a.edgeRouterPort ? [a.edgeRouterPort] : []), ...(a.interRouterPort ? [a.interRouterPort] : []));
  }
  assert.equal(new Set(ports).size, ports.length);
});

test('loading the example twice gives the same model', async () => {
  const a = await loadManifests(DIR);
  const b = await loadManifests(DIR, { previous: a.model.publicPorts });
  assert.deepEqual(b.model, a.model);
});
