/**
 * Filtered views are consistent: a copy that took a filtered snapshot and then replayed the filtered ops of every
 * batch equals a filtered snapshot taken at the same seq — on many random edits of a synthetic network, for
 * application, agent, kinds and combined filters.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MultiDirectedGraph } from 'graphology';
import { applyOps } from '../../src/graph/diff.js';
import type { EdgeAttributes, GraphOp, NodeAttributes } from '../../src/graph/types.js';
import { FilterView, MicroserviceIndex, filterKey } from '../../src/stream/filter.js';
import type { GraphFilter } from '../../src/stream/protocol.js';
import { canonical, liveNetwork, randomEdit, rng } from './helpers.js';

const FILTERS: GraphFilter[] = [
  {},
  { application: 'app' },
  { application: 'app2' },
  { application: 'nope' },
  { agent: 'agent-3' },
  { agent: 'agent-0', kinds: ['microservice', 'public-port'] },
  { kinds: ['edge-router', 'interior-router'] },
  { kinds: ['microservice'] },
  { application: 'app', agent: 'agent-2' },
  { application: 'app2', kinds: ['agent', 'microservice', 'edge-router'] },
];

describe('filtered views', () => {
  for (const seed of [1, 2, 3]) {
    it(`stay equal to a filtered snapshot over 150 random edits (seed ${seed})`, () => {
      const { net, graph, update } = liveNetwork(10);
      const index = new MicroserviceIndex(graph.graph);
      const views = FILTERS.map((f) => new FilterView(f, graph.graph, index));
      const copies = views.map((v) => {
        const g = new MultiDirectedGraph<NodeAttributes, EdgeAttributes>({ allowSelfLoops: false });
        g.import(JSON.parse(v.serialize()));
        return g;
      });
      graph.on('change', (batch) => {
        index.update(graph.graph, batch);
        views.forEach((v, i) => {
          // through JSON, as on the wire: the copy must not share objects with the live graph
          const ops = JSON.parse(JSON.stringify(v.apply(batch))) as GraphOp[];
          applyOps(copies[i]!, ops);
        });
      });
      const r = rng(seed);
      const log: string[] = [];
      for (let step = 0; step < 150; step++) {
        log.push(randomEdit(net, r));
        if (r() < 0.3) log.push(randomEdit(net, r));
        update();
        views.forEach((_v, i) => {
          const fresh = new FilterView(FILTERS[i]!, graph.graph, new MicroserviceIndex(graph.graph));
          assert.deepEqual(canonical(copies[i]!), canonical(JSON.parse(fresh.serialize())), `filter ${filterKey(FILTERS[i]!)} after step ${step}: ${log.slice(-3).join('; ')}`);
        });
      }
      assert.ok(graph.seq > 100, 'the edits changed the graph');
    });
  }

  it('keeps what each filter promises', () => {
    const { graph } = liveNetwork(6);
    const index = new MicroserviceIndex(graph.graph);
    const keys = (f: GraphFilter) => {
      const s = JSON.parse(new FilterView(f, graph.graph, index).serialize()) as { nodes: Array<{ key: string }>; edges: Array<{ key: string }> };
      return { nodes: s.nodes.map((n) => n.key).sort(), edges: s.edges.map((e) => e.key).sort() };
    };
    const a1 = keys({ agent: 'agent-1' });
    assert.deepEqual(a1.nodes, ['agent:agent-1', 'ms:app/ms-0-1', 'ms:app/ms-1-0', 'ms:app/ms-1-1', 'ms:app/ms-2-0', 'router:agent-1', 'router:interior']);
    assert.ok(a1.edges.includes('uplink:agent-1->interior') && a1.edges.includes('runs:agent-1') && a1.edges.includes('hosts:app/ms-1-0'));
    assert.ok(!a1.edges.includes('hosts:app/ms-0-1'), 'the other end of a route comes without its agent');
    const a0 = keys({ agent: 'agent-0' });
    assert.ok(a0.nodes.includes('port:app/ms-0-0/8080') && a0.edges.includes('expose:app/ms-0-0/8080'));
    const routers = keys({ kinds: ['edge-router', 'interior-router'] });
    assert.equal(routers.nodes.length, 7);
    assert.equal(routers.edges.filter((e) => e.startsWith('uplink:')).length, 6);
    assert.deepEqual(keys({ application: 'app2' }), { nodes: [], edges: [] });
    const app = keys({ application: 'app' });
    assert.equal(app.nodes.filter((n) => n.startsWith('ms:')).length, 12);
    assert.ok(app.nodes.includes('router:interior') && !app.edges.some((e) => e.startsWith('advertises:')));
  });
});
