/** The viewer's graph store: snapshot and deltas applied in one batch, colours from state, stable positions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkGraph, syntheticNetwork, uplinkKey, routerKey } from '../../src/graph/index.js';
import type { GraphDelta } from '../../src/graph/types.js';
import { GraphStore } from '../../viewer/graph-store.js';
import { STATE_COLORS, NODE_STYLES } from '../../viewer/theme.js';

test('snapshot and deltas are applied once per frame, in order, with colours and fixed positions', () => {
  const lg = new LinkGraph();
  const net = syntheticNetwork(20);
  lg.update(net);
  const frames: Array<() => void> = [];
  const events: string[] = [];
  const store = new GraphStore(
    { replaced: () => events.push('replaced'), applied: (seq, ops) => events.push(`applied ${seq} ${ops}`) },
    (fn) => frames.push(fn),
  );
  store.push({ type: 'snapshot', version: 1, seq: lg.seq, filter: {}, reason: 'connect', graph: lg.snapshot().graph });
  assert.equal(frames.length, 1);
  frames.shift()!();
  assert.equal(store.graph.order, lg.graph.order);
  assert.equal(store.graph.size, lg.graph.size);
  assert.equal(store.kindCounts.get('edge-router'), 20);
  const uplink = uplinkKey('agent-4', 'interior');
  assert.equal(store.graph.getEdgeAttribute(uplink, 'color'), STATE_COLORS.up);
  assert.equal(store.graph.getNodeAttribute(routerKey('interior'), 'color'), NODE_STYLES['interior-router'].color);
  const where = { ...store.graph.getNodeAttributes(routerKey('agent-4')) };
  const seq0 = lg.seq;

  // agent-4's uplink goes away, and a new agent arrives: two batches, one frame
  const batches: GraphDelta[][] = [];
  lg.on('change', (b) => batches.push(b));
  const o1 = structuredClone(net.observed);
  o1.edges.delete('agent-4');
  o1.edgeAddresses.delete('agent-4');
  lg.update({ ...net, observed: o1 });
  const more = syntheticNetwork(21);
  lg.update({ model: more.model, plan: more.plan, observed: (() => { const o = structuredClone(more.observed); o.edges.delete('agent-4'); o.edgeAddresses.delete('agent-4'); return o; })() });
  assert.equal(batches.length, 2);
  for (const b of batches) store.push({ type: 'delta', from: b[0]!.seq, seq: b[0]!.seq, ops: b.map(({ seq: _s, ...op }) => op as never) });
  assert.equal(frames.length, 1, 'one frame for both batches');
  frames.shift()!();
  assert.deepEqual(events, ['replaced', `applied ${seq0} 0`, `applied ${lg.seq} ${batches[0]!.length + batches[1]!.length}`]);
  assert.equal(store.seq, lg.seq);
  assert.equal(store.graph.getEdgeAttribute(uplink, 'state'), 'down');
  assert.equal(store.graph.getEdgeAttribute(uplink, 'color'), STATE_COLORS.down);
  assert.equal(store.graph.order, lg.graph.order);
  assert.equal(store.graph.size, lg.graph.size);
  const after = store.graph.getNodeAttributes(routerKey('agent-4'));
  assert.deepEqual({ x: after.x, y: after.y }, { x: where.x, y: where.y }, 'no relayout of an existing node');
  const fresh = store.graph.getNodeAttributes(routerKey('agent-20'));
  assert.ok(Math.hypot(fresh.x, fresh.y) > 50, 'the new edge router is on the ring around its interior, not at the origin');

  // a later snapshot (resync) keeps everyone's place
  store.push({ type: 'snapshot', version: 1, seq: lg.seq, filter: {}, reason: 'resync', graph: lg.snapshot().graph });
  frames.shift()!();
  const again = store.graph.getNodeAttributes(routerKey('agent-20'));
  assert.deepEqual({ x: again.x, y: again.y }, { x: fresh.x, y: fresh.y });
});
