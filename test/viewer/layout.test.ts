/** The viewer's stable layout: deterministic, anchored placement that never moves a node once placed. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MultiDirectedGraph } from 'graphology';
import { LinkGraph, syntheticNetwork } from '../../src/graph/index.js';
import { StableLayout, type Point } from '../../viewer/layout.js';

function syntheticGraph(agents: number): MultiDirectedGraph {
  const lg = new LinkGraph();
  const { model, plan, observed } = syntheticNetwork(agents, { microservicesPerAgent: 2, publicPortEvery: 3 });
  lg.update({ model, plan, observed });
  const g = new MultiDirectedGraph();
  g.import(lg.snapshot().graph);
  return g;
}

const dist = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

test('the same graph gives the same positions, whatever the insertion order', () => {
  const g = syntheticGraph(40);
  const a = new StableLayout().placeAll(g);
  // the same graph built in reverse order
  const r = new MultiDirectedGraph();
  const nodes: string[] = [];
  g.forEachNode((k) => nodes.push(k));
  for (const k of nodes.reverse()) r.addNode(k, g.getNodeAttributes(k));
  g.forEachEdge((k, attrs, s, t) => r.addEdgeWithKey(k, s, t, attrs));
  const b = new StableLayout().placeAll(r);
  assert.equal(a.size, g.order);
  for (const [k, p] of a) assert.deepEqual(b.get(k), p, k);
  const seen = new Set<string>();
  for (const p of a.values()) {
    const s = `${p.x.toFixed(3)},${p.y.toFixed(3)}`;
    assert.ok(!seen.has(s), `two nodes at ${s}`);
    seen.add(s);
  }
});

test('edge routers ring their upstream interior, and each cluster hangs from its router', () => {
  const g = syntheticGraph(200);
  const pos = new StableLayout().placeAll(g);
  const interior = pos.get('router:interior')!;
  assert.deepEqual(interior, { x: 0, y: 0 });
  for (let i = 0; i < 200; i += 17) {
    const router = pos.get(`router:agent-${i}`)!;
    const agent = pos.get(`agent:agent-${i}`)!;
    const ms = pos.get(`ms:app/ms-${i}-0`)!;
    assert.ok(dist(router, interior) >= 59, `edge router ${i} is on a ring, not on the interior`);
    assert.ok(dist(agent, router) <= 13, `agent ${i} next to its router`);
    assert.ok(dist(ms, agent) <= 11, `microservice of ${i} next to its agent`);
    assert.ok(dist(agent, interior) > dist(router, interior), `agent ${i} outside its router`);
  }
});

test('a new node is placed near its anchor and nothing else moves; a node that returns takes its old place', () => {
  const g = syntheticGraph(30);
  const layout = new StableLayout();
  const before = new Map(layout.placeAll(g));
  // a new agent with its router, uplink and microservice
  g.addNode('router:new', { kind: 'edge-router', label: 'new' });
  g.addNode('agent:new', { kind: 'agent', label: 'new' });
  g.addNode('ms:app/new', { kind: 'microservice', label: 'app/new' });
  g.addEdgeWithKey('uplink:new->interior', 'router:new', 'router:interior', { kind: 'uplink', desired: true });
  g.addEdgeWithKey('runs:new', 'agent:new', 'router:new', { kind: 'runs', desired: true });
  g.addEdgeWithKey('hosts:app/new', 'agent:new', 'ms:app/new', { kind: 'hosts', desired: true });
  const added = layout.placeMany(g, ['ms:app/new', 'agent:new', 'router:new']);
  assert.equal(added.size, 3);
  for (const [k, p] of before) assert.deepEqual(layout.positionOf(k), p, `${k} kept its place`);
  assert.ok(dist(added.get('agent:new')!, added.get('router:new')!) <= 13);
  assert.ok(dist(added.get('ms:app/new')!, added.get('agent:new')!) <= 11);
  // dropped and back: same place
  const old = layout.positionOf('agent:agent-3')!;
  g.dropNode('agent:agent-3');
  g.addNode('agent:agent-3', { kind: 'agent', label: 'agent-3' });
  assert.deepEqual(layout.placeMany(g, ['agent:agent-3']).get('agent:agent-3'), old);
  // a node with no anchor and no neighbours still gets a place of its own
  g.addNode('mystery', { kind: 'something-new', label: '?' });
  const p = layout.placeMany(g, ['mystery']).get('mystery')!;
  assert.ok(Number.isFinite(p.x) && Number.isFinite(p.y));
});

test('10,000 agents (~45,000 nodes) are all placed', (t) => {
  const g = syntheticGraph(10_000);
  const t0 = performance.now();
  const pos = new StableLayout().placeAll(g);
  t.diagnostic(`layout of ${g.order} nodes: ${(performance.now() - t0).toFixed(0)} ms`);
  assert.equal(pos.size, g.order);
  for (const p of pos.values()) assert.ok(Number.isFinite(p.x) && Number.isFinite(p.y));
});
