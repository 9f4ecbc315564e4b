/**
 * The link graph: desired ⊕ observed states (pending, up, down, unexpected), minimal deltas with increasing seq,
 * silence when nothing changed, and snapshots a viewer can import and then follow with deltas.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { emptyModel, type EcnModel } from '../../src/model/ecn.js';
import { publicPortAddress, routeAddress } from '../../src/plan/addresses.js';
import type { NetworkPlan } from '../../src/plan/types.js';
import type { ObservedAddress, ObservedNetwork } from '../../src/observe/types.js';
import { applyOps, LinkGraph, newLiveGraph, syntheticNetwork, type GraphDelta } from '../../src/graph/index.js';

const ref = { source: 'test' };

function model(): EcnModel {
  const m = emptyModel();
  m.controlPlane = {
    name: 'cp', routerId: 'int', ref,
    router: { address: 'cp.local', messagePort: 5672, interiorPort: 55672, edgePort: 45672 },
    publicPortRange: { start: 6000, end: 7000 },
  };
  m.agents.set('e1', { name: 'e1', host: 'e1.local', routerMode: 'edge', messagingPort: 5671, upstreamRouters: ['int'], ref });
  m.agents.set('e2', { name: 'e2', host: 'e2.local', routerMode: 'edge', messagingPort: 5671, upstreamRouters: ['int'], ref });
  m.applications.set('app', { name: 'app', ref });
  m.microservices.set('app/a', { application: 'app', name: 'a', agent: 'e1', ports: [{ internal: 80, external: 8080, protocol: 'tcp', public: { enabled: true, protocol: 'tcp' } }], ref });
  m.microservices.set('app/b', { application: 'app', name: 'b', agent: 'e2', ports: [], ref });
  m.routes.set('app/r1', { application: 'app', name: 'r1', from: 'a', to: 'b', ref });
  m.publicPorts.push({ application: 'app', microservice: 'a', agent: 'e1', external: 8080, publicPort: 6001, protocol: 'tcp', requested: false });
  m.edgeResources.set('cam@1', { name: 'cam', version: '1', agents: ['e2'], ref });
  return m;
}

function plan(): NetworkPlan {
  return {
    routers: new Map([
      ['int', { routerId: 'int', mode: 'interior', reach: { kind: 'local' }, entities: [], conditions: [] }],
      ['e1', { routerId: 'e1', mode: 'edge', agent: 'e1', reach: { kind: 'edge', id: 'e1' }, entities: [], conditions: [] }],
      ['e2', { routerId: 'e2', mode: 'edge', agent: 'e2', reach: { kind: 'edge', id: 'e2' }, entities: [], conditions: [] }],
    ]),
  };
}

const addr = (address: string, subscriberCount: number, deliveries = 0): ObservedAddress => ({
  address, key: `M0${address}`, subscriberCount, remoteCount: 0, remoteHostRouters: [],
  deliveriesIngress: deliveries, deliveriesEgress: deliveries, deliveriesTransit: 0,
});

/** Everything desired is there and healthy. */
function observed(): ObservedNetwork {
  const o: ObservedNetwork = {
    at: 1_000_000, flavor: 'qdrouterd', interiorId: 'int',
    interiors: new Map([['int', { id: 'int', instance: 1, linkState: [], self: true, cost: 0 }]]),
    edges: new Map(), edgeAddresses: new Map(), addresses: new Map(), routers: new Map(), restarts: [], errors: [],
  };
  for (const id of ['e1', 'e2']) {
    o.edges.set(id, { edgeId: id, interiorId: 'int', connectionId: id, uptimeSeconds: 10, active: true, operStatus: 'up', host: undefined });
    o.edgeAddresses.set(id, { edgeId: id, subscriberCount: 1, remoteHostRouters: [] });
    o.routers.set(id, { id, reachable: true, error: undefined, mode: 'edge', uptimeSeconds: 10, connectors: [] });
  }
  o.routers.set('int', { id: 'int', reachable: true, error: undefined, mode: 'interior', uptimeSeconds: 10, connectors: [] });
  o.addresses.set(routeAddress('app', 'r1'), addr(routeAddress('app', 'r1'), 1, 5));
  o.addresses.set(publicPortAddress('app', 'a', 8080), addr(publicPortAddress('app', 'a', 8080), 1));
  return o;
}

function states(g: LinkGraph): Record<string, string> {
  const out: Record<string, string> = {};
  g.graph.forEachNode((k, a) => { out[k] = a.state; });
  g.graph.forEachEdge((k, a) => { out[k] = a.state; });
  return out;
}

function collect(g: LinkGraph): Array<{ batch: GraphDelta[]; seq: number }> {
  const seen: Array<{ batch: GraphDelta[]; seq: number }> = [];
  g.on('change', (batch, seq) => seen.push({ batch, seq }));
  return seen;
}

describe('LinkGraph', () => {
  it('desired only: every element is pending, with deterministic keys', () => {
    const g = new LinkGraph();
    g.update({ model: model(), plan: plan() });
    assert.deepEqual(states(g), {
      'router:int': 'pending', 'router:e1': 'pending', 'router:e2': 'pending',
      'agent:e1': 'pending', 'agent:e2': 'pending',
      'ms:app/a': 'pending', 'ms:app/b': 'pending',
      'resource:cam@1': 'pending',
      'port:app/a/8080': 'pending',
      'runs:e1': 'pending', 'runs:e2': 'pending',
      'hosts:app/a': 'pending', 'hosts:app/b': 'pending',
      'advertises:e2->cam@1': 'pending',
      'route:app/r1': 'pending',
      'expose:app/a/8080': 'pending',
      'uplink:e1->int': 'pending', 'uplink:e2->int': 'pending',
    });
    const r = g.graph.getEdgeAttributes('route:app/r1');
    assert.equal(r.kind, 'route');
    assert.equal(g.graph.source('route:app/r1'), 'ms:app/a');
    assert.equal(g.graph.target('route:app/r1'), 'ms:app/b');
    assert.equal(g.graph.getNodeAttributes('router:int').kind, 'interior-router');
    assert.equal(g.graph.getNodeAttributes('router:e1').kind, 'edge-router');
  });

  it('desired and observed: every element is up, with counters', () => {
    const g = new LinkGraph();
    g.update({ model: model(), plan: plan(), observed: observed() });
    for (const [k, s] of Object.entries(states(g))) assert.equal(s, 'up', k);
    assert.deepEqual(g.graph.getEdgeAttributes('route:app/r1').counters, { receivers: 1, deliveriesIngress: 5, deliveriesEgress: 5, deliveriesTransit: 0 });
    // uptimes become start times: observed at 1000 s with 10 s of uptime
    assert.equal(g.graph.getEdgeAttributes('uplink:e1->int').counters.connectedSince, 990);
    assert.deepEqual(g.graph.getNodeAttributes('router:e1').counters, { upSince: 990, connectedSince: 990, connectors: 0, entities: 0, conditions: 0 });
    assert.equal(g.graph.getNodeAttributes('router:e1').observed, true);
  });

  it('desired but missing from the observation: down once it was up (pending before), down at once when unreachable', () => {
    const g = new LinkGraph();
    const o = observed();
    o.edges.delete('e2');
    o.edgeAddresses.delete('e2');
    o.routers.delete('e2');
    o.addresses.set(routeAddress('app', 'r1'), addr(routeAddress('app', 'r1'), 0));
    g.update({ model: model(), plan: plan(), observed: o });
    assert.equal(states(g)['uplink:e2->int'], 'pending', 'never seen: not yet up');
    assert.equal(states(g)['router:e2'], 'pending');
    assert.equal(states(g)['route:app/r1'], 'pending', 'no receiver yet');

    g.update({ model: model(), plan: plan(), observed: observed() });
    assert.equal(states(g)['uplink:e2->int'], 'up');

    const gone = observed();
    gone.edges.delete('e2');
    gone.edgeAddresses.delete('e2');
    gone.routers.set('e2', { id: 'e2', reachable: false, error: { code: 'ECN_MGMT_UNREACHABLE', message: 'no route' }, mode: undefined, uptimeSeconds: undefined, connectors: [] });
    gone.addresses.delete(routeAddress('app', 'r1'));
    g.update({ model: model(), plan: plan(), observed: gone });
    const s = states(g);
    assert.equal(s['uplink:e2->int'], 'down');
    assert.equal(s['router:e2'], 'down');
    assert.equal(s['agent:e2'], 'down', 'an agent follows its router');
    assert.equal(s['ms:app/b'], 'down');
    assert.equal(s['route:app/r1'], 'down', 'seen before, now without receivers');
    assert.equal(g.graph.getNodeAttributes('router:e2').details.lastErrorCode, 'ECN_MGMT_UNREACHABLE');

    const fresh = new LinkGraph();
    fresh.update({ model: model(), plan: plan(), observed: gone });
    assert.equal(states(fresh)['router:e2'], 'down', 'unreachable is a failure, not a wait');
    assert.equal(states(fresh)['uplink:e2->int'], 'down');
  });

  it('an uplink whose connector reports FAILED is down', () => {
    const g = new LinkGraph();
    const o = observed();
    o.edges.delete('e1');
    o.edgeAddresses.delete('e1');
    o.routers.set('e1', {
      id: 'e1', reachable: true, error: undefined, mode: 'edge', uptimeSeconds: 10,
      connectors: [{ name: 'ecn.uplink.int', host: 'cp.local', port: '45672', role: 'edge', connectionStatus: 'FAILED', connectionMsg: 'refused' }],
    });
    g.update({ model: model(), plan: plan(), observed: o });
    assert.equal(states(g)['uplink:e1->int'], 'down');
    assert.equal(states(g)['router:e1'], 'up');
  });

  it('observed but not desired: unexpected routers, uplinks and inter-router links', () => {
    const g = new LinkGraph();
    const o = observed();
    o.edges.set('stray', { edgeId: 'stray', interiorId: 'int', connectionId: 's', uptimeSeconds: 1, active: true, operStatus: 'up', host: undefined });
    o.interiors.set('int-b', { id: 'int-b', instance: 2, linkState: ['int'], self: false, cost: 1 });
    o.interiors.get('int')!.linkState.push('int-b');
    g.update({ model: model(), plan: plan(), observed: o });
    const s = states(g);
    assert.equal(s['router:stray'], 'unexpected');
    assert.equal(s['uplink:stray->int'], 'unexpected');
    assert.equal(s['router:int-b'], 'unexpected');
    assert.equal(g.graph.getNodeAttributes('router:int-b').kind, 'interior-router');
    assert.equal(s['link:int<->int-b'], 'unexpected');
    assert.equal(g.graph.getNodeAttributes('router:stray').desired, false);
  });

  it('a desired inter-router link is up when either side lists the other in its link state', () => {
    const m = model();
    m.agents.set('i2', { name: 'i2', host: 'i2.local', routerMode: 'interior', messagingPort: 5671, edgeRouterPort: 45672, interRouterPort: 55672, upstreamRouters: ['int'], ref });
    const g = new LinkGraph();
    g.update({ model: m });
    assert.equal(states(g)['link:i2<->int'], 'pending');
    const o = observed();
    o.interiors.set('i2', { id: 'i2', instance: 3, linkState: ['int'], self: false, cost: 1 });
    g.update({ model: m, observed: o });
    assert.equal(states(g)['link:i2<->int'], 'up');
    assert.equal(states(g)['router:i2'], 'up');
    assert.equal(g.graph.source('link:i2<->int'), 'router:i2');
  });

  it('an update where nothing changed emits nothing; one change emits one minimal op with seq + 1', () => {
    const g = new LinkGraph();
    const events = collect(g);
    g.update({ model: model(), plan: plan(), observed: observed() });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.seq, 1);
    assert.equal(g.seq, 1);

    assert.deepEqual(g.update({ model: model(), plan: plan(), observed: observed() }), []);
    assert.equal(events.length, 1, 'no event');
    assert.equal(g.seq, 1);

    const o = observed();
    o.addresses.set(routeAddress('app', 'r1'), addr(routeAddress('app', 'r1'), 1, 6));
    g.update({ model: model(), plan: plan(), observed: o });
    assert.equal(events.length, 2);
    assert.equal(events[1]!.seq, 2);
    assert.deepEqual(events[1]!.batch, [{
      op: 'mergeEdgeAttributes', key: 'route:app/r1', seq: 2,
      attributes: { counters: { receivers: 1, deliveriesIngress: 6, deliveriesEgress: 6, deliveriesTransit: 0 } },
    }]);
  });

  it('uptimes that advance with the clock are no change; a restart is', () => {
    const g = new LinkGraph();
    g.update({ model: model(), plan: plan(), observed: observed() });
    const later = (seconds: number, uptime: (id: string) => number): ObservedNetwork => {
      const o = observed();
      o.at += seconds * 1000;
      for (const r of o.routers.values()) r.uptimeSeconds = uptime(r.id);
      for (const e of o.edges.values()) e.uptimeSeconds = uptime(e.edgeId);
      return o;
    };
    // 30.6 s later, uptimes truncated to whole seconds: rounding jitter, nothing to send
    assert.deepEqual(g.update({ model: model(), plan: plan(), observed: later(30.6, () => 40) }), []);
    const batch = g.update({ model: model(), plan: plan(), observed: later(60, (id) => (id === 'e2' ? 3 : 70)) });
    assert.deepEqual(batch.map((d) => [d.op, d.key]), [['mergeNodeAttributes', 'router:e2'], ['mergeEdgeAttributes', 'uplink:e2->int']]);
    assert.equal(g.graph.getNodeAttributes('router:e2').counters.upSince, 1057);
  });

  it('removing a desired element drops exactly its node and edges', () => {
    const g = new LinkGraph();
    g.update({ model: model(), plan: plan(), observed: observed() });
    const events = collect(g);
    const m = model();
    m.routes.delete('app/r1');
    g.update({ model: m, plan: plan(), observed: observed() });
    assert.deepEqual(events[0]!.batch.map((d) => [d.op, d.key]), [['dropEdge', 'route:app/r1']]);
  });

  it('a snapshot imports into a fresh graph, and replaying later batches keeps the copy equal', () => {
    const g = new LinkGraph();
    g.update({ model: model(), plan: plan() });
    const snap = g.snapshot();
    assert.equal(snap.seq, 1);
    const copy = newLiveGraph();
    copy.import(JSON.parse(JSON.stringify(snap.graph)));
    assert.deepEqual(copy.export(), g.graph.export());

    let lastSeq = snap.seq;
    g.on('change', (batch, seq) => {
      assert.equal(seq, lastSeq + 1, 'no gap');
      lastSeq = seq;
      applyOps(copy, JSON.parse(JSON.stringify(batch)));
    });
    const o = observed();
    o.edges.set('stray', { edgeId: 'stray', interiorId: 'int', connectionId: 's', uptimeSeconds: 1, active: true, operStatus: 'up', host: undefined });
    g.update({ model: model(), plan: plan(), observed: o });
    const m = model();
    m.microservices.delete('app/b');
    m.routes.delete('app/r1');
    g.update({ model: m, plan: plan(), observed: observed() });
    assert.equal(lastSeq, 3);
    assert.deepEqual(copy.export(), g.graph.export());
  });

  it('synthetic network: 10,000 agents build, and an unchanged update emits nothing', () => {
    const n = syntheticNetwork(10_000);
    const g = new LinkGraph();
    const events = collect(g);
    g.update(n);
    assert.equal(g.graph.getNodeAttributes('router:agent-9999').state, 'up');
    assert.ok(g.graph.order > 30_000);
    assert.deepEqual(g.update(syntheticNetwork(10_000)), []);
    assert.equal(events.length, 1);
  });
});
