/**
 * The observer against a simulated network over TCP: one interior, two edges. Edges are discovered from the
 * interior's tables, probed through `_edge/<id>`, a dropped uplink shows up as a missing attachment and an
 * unreachable edge, and a router that does not exist is recorded as unreachable instead of failing the pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SimRouter } from '../../sim/router/router.js';
import { ManagementClient } from '../../src/router/client.js';
import { observeNetwork, type ObserveTarget } from '../../src/observe/index.js';
import { startEdge, startInterior } from '../support/sim-topology.js';
import { emptyModel, type EcnModel } from '../../src/model/ecn.js';
import { LinkGraph } from '../../src/graph/index.js';
import { waitForEvent } from '../support/deadline.js';

function model(): EcnModel {
  const ref = { source: 'test' };
  const m = emptyModel();
  m.controlPlane = {
    name: 'cp', routerId: 'INT.A', ref, router: { address: '127.0.0.1', messagePort: 5672, interiorPort: 55672, edgePort: 45672 },
    publicPortRange: { start: 6000, end: 7000 },
  };
  for (const id of ['EDGE.1', 'EDGE.2']) m.agents.set(id, { name: id, host: '127.0.0.1', routerMode: 'edge', messagingPort: 5672, upstreamRouters: ['INT.A'], ref });
  return m;
}

describe('observeNetwork against a simulated network', () => {
  let int: SimRouter;
  let e1: SimRouter;
  let e2: SimRouter;
  let client: ManagementClient;
  const targets: ObserveTarget[] = [
    { routerId: 'INT.A', reach: { kind: 'local' } },
    { routerId: 'EDGE.1', reach: { kind: 'edge', id: 'EDGE.1' } },
    { routerId: 'EDGE.2', reach: { kind: 'edge', id: 'EDGE.2' } },
  ];

  before(async () => {
    int = await startInterior('INT.A');
    const edgePort = int.listenerPort('edge')!;
    e1 = await startEdge('EDGE.1', [edgePort]);
    // a long redial delay keeps EDGE.2 detached after its uplink is dropped, for as long as the test needs
    e2 = await startEdge('EDGE.2', [edgePort], { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 } });
    client = new ManagementClient({ url: `amqp://127.0.0.1:${int.listenerPort('amqp')!}`, reconnect: false, timeoutMs: 3000 });
    await client.connect();
  });

  after(async () => {
    await client?.close();
    await Promise.all([e1?.stop(), e2?.stop()]);
    await int?.stop();
  });

  it('discovers the interior and both edges, and probes every router', async () => {
    const o = await observeNetwork(client, targets, { concurrency: 2 });
    assert.equal(o.interiorId, 'INT.A');
    assert.deepEqual(o.errors, []);
    assert.ok(o.interiors.get('INT.A')?.self);
    assert.deepEqual([...o.edges.keys()].sort(), ['EDGE.1', 'EDGE.2']);
    assert.equal(o.edges.get('EDGE.1')?.interiorId, 'INT.A');
    assert.deepEqual([...o.edgeAddresses.keys()].sort(), ['EDGE.1', 'EDGE.2']);
    for (const id of ['INT.A', 'EDGE.1', 'EDGE.2']) {
      const r = o.routers.get(id);
      assert.ok(r?.reachable, `${id} reachable: ${JSON.stringify(r?.error)}`);
    }
    assert.equal(o.routers.get('EDGE.1')?.mode, 'edge');
    const uplink = o.routers.get('EDGE.1')?.connectors.find((c) => c.role === 'edge');
    assert.equal(uplink?.connectionStatus, 'SUCCESS');
    assert.deepEqual(o.restarts, []);
  });

  it('records a router with no route as unreachable instead of throwing', async () => {
    const o = await observeNetwork(client, [...targets, { routerId: 'NO.SUCH', reach: { kind: 'edge', id: 'NO.SUCH' } }]);
    const r = o.routers.get('NO.SUCH');
    assert.equal(r?.reachable, false);
    assert.equal(r?.error?.code, 'ECN_MGMT_UNREACHABLE');
    assert.ok(o.routers.get('EDGE.1')?.reachable);
  });

  it('sees a dropped uplink: the edge is no longer attached, no longer routable, and unreachable', async () => {
    const before = await observeNetwork(client, targets);
    const graph = new LinkGraph();
    graph.update({ model: model(), observed: before });
    assert.equal(graph.graph.getEdgeAttributes('uplink:EDGE.2->INT.A').state, 'up');
    const down = waitForEvent(e2, 'uplink-down', { timeoutMs: 5000 });
    e2.faults.dropUplinks();
    await down;
    // the interior drops the H<edge> summary once it has processed the close: observe until it has
    let o = await observeNetwork(client, targets, { previous: before });
    const deadline = Date.now() + 5000;
    while (o.edges.has('EDGE.2') && Date.now() < deadline) o = await observeNetwork(client, targets, { previous: before });
    assert.deepEqual([...o.edges.keys()], ['EDGE.1']);
    assert.equal(o.edgeAddresses.has('EDGE.2'), false);
    const r = o.routers.get('EDGE.2');
    assert.equal(r?.reachable, false);
    assert.ok(r?.error && ['ECN_MGMT_UNREACHABLE', 'ECN_MGMT_TIMEOUT'].includes(r.error.code), r?.error?.code);
    assert.ok(o.routers.get('EDGE.1')?.reachable);

    const batch = graph.update({ model: model(), observed: o });
    assert.equal(graph.graph.getEdgeAttributes('uplink:EDGE.2->INT.A').state, 'down');
    assert.equal(graph.graph.getNodeAttributes('router:EDGE.2').state, 'down');
    assert.equal(graph.graph.getEdgeAttributes('uplink:EDGE.1->INT.A').state, 'up');
    assert.ok(batch.some((d) => d.key === 'uplink:EDGE.2->INT.A' && d.op === 'mergeEdgeAttributes'));
  });
});
