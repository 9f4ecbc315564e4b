/**
 * Interiors connected by inter-router connectors, each with an edge: every agent is reachable from everywhere,
 * router.node shows the link-state topology (neighbours, next hops, costs), router.address knows remote edges, and a
 * lost interior disappears from the topology.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import rhea from 'rhea';
import type { SimRouter } from '../../sim/router/router.js';
import { SimClient, records } from '../support/sim-client.js';
import { whenTrue } from '../support/deadline.js';
import { query, startEdge, startInterior } from '../support/sim-topology.js';

const routerQuery = query('router', ['id']);

/** ids of the router.node rows of a router */
function nodeIds(r: SimRouter): string[] {
  return r.runtime!.rows('router.node').map((n) => String(n.id)).sort();
}

function knowsEdge(r: SimRouter, edge: string): boolean {
  return r.runtime!.rows('router.address').some((a) => a.key === `H${edge}`);
}

describe('interiors in a line (INT.A — INT.B — INT.C), one edge on each', () => {
  let a: SimRouter;
  let b: SimRouter;
  let c: SimRouter;
  const edges: SimRouter[] = [];
  let client: SimClient;

  before(async () => {
    a = await startInterior('INT.A');
    b = await startInterior('INT.B', { interRouterTo: [a.listenerPort('inter-router')!] });
    c = await startInterior('INT.C', { interRouterTo: [b.listenerPort('inter-router')!] });
    edges.push(await startEdge('EDGE.1', [a.listenerPort('edge')!]));
    edges.push(await startEdge('EDGE.2', [b.listenerPort('edge')!]));
    edges.push(await startEdge('EDGE.3', [c.listenerPort('edge')!]));
    const all = ['INT.A', 'INT.B', 'INT.C'];
    for (const r of [a, b, c]) {
      await whenTrue(r, ['topology-changed'], () => nodeIds(r).join() === all.join() && ['EDGE.1', 'EDGE.2', 'EDGE.3'].every((e) => knowsEdge(r, e)), `${r.id} knows the network`);
    }
    client = await SimClient.connect({ port: a.listenerPort('amqp')! });
  });

  after(async () => {
    await client?.close();
    await Promise.all(edges.map((e) => e.stop()));
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
  });

  it('reaches every interior and every edge from INT.A', async () => {
    for (const id of ['INT.A', 'INT.B', 'INT.C']) {
      assert.deepEqual(records(await client.request(`amqp:/_topo/0/${id}/$management`, ...routerQuery)), [{ id }]);
    }
    for (const id of ['EDGE.1', 'EDGE.2', 'EDGE.3']) {
      assert.deepEqual(records(await client.request(`amqp:/_edge/${id}/$management`, ...routerQuery)), [{ id }]);
    }
  });

  it('an edge reaches an edge two interiors away', async () => {
    const onEdge3 = await SimClient.connect({ port: edges[2]!.listenerPort('amqp')! });
    try {
      assert.deepEqual(records(await onEdge3.request('amqp:/_edge/EDGE.1/$management', ...routerQuery)), [{ id: 'EDGE.1' }]);
      assert.deepEqual(records(await onEdge3.request('amqp:/_topo/0/INT.A/$management', ...routerQuery)), [{ id: 'INT.A' }]);
    } finally {
      await onEdge3.close();
    }
  });

  it('router.node rows on INT.A: self, a neighbour, and a router behind it', async () => {
    const rows = records(await client.request('$management', ...query('router.node', ['id', 'linkState', 'nextHop', 'cost', 'index', 'instance', 'address'])));
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.deepEqual(byId['INT.A'], { id: 'INT.A', linkState: ['INT.B'], nextHop: '(self)', cost: null, index: 0, instance: a.instance, address: 'amqp:/_topo/0/INT.A' });
    assert.equal(byId['INT.B']!.nextHop, null, 'a neighbour is reached over its own link');
    assert.equal(byId['INT.B']!.cost, 1);
    assert.deepEqual(byId['INT.B']!.linkState, ['INT.A', 'INT.C']);
    assert.equal(byId['INT.B']!.instance, b.instance);
    assert.equal(byId['INT.C']!.nextHop, 'INT.B');
    assert.equal(byId['INT.C']!.cost, 2);
    assert.deepEqual(byId['INT.C']!.linkState, ['INT.B']);
    const mgmt = await client.request('$management', { operation: 'GET-MGMT-NODES', type: 'org.amqp.management', name: 'self' }, {});
    assert.deepEqual((mgmt.message?.body as string[]).sort(), ['INT.A', 'INT.B', 'INT.C'].map((id) => `amqp:/_topo/0/${id}/$management`));
  });

  it('router.address on INT.A: H keys for local and remote edges', async () => {
    const rows = records(await client.request('$management', ...query('router.address', ['key', 'subscriberCount', 'remoteCount', 'remoteHostRouters'])));
    const h = Object.fromEntries(rows.filter((r) => String(r.key).startsWith('H')).map((r) => [r.key, r]));
    assert.deepEqual(h['HEDGE.1'], { key: 'HEDGE.1', subscriberCount: 1, remoteCount: 0, remoteHostRouters: [] });
    assert.deepEqual(h['HEDGE.2'], { key: 'HEDGE.2', subscriberCount: 0, remoteCount: 1, remoteHostRouters: ['INT.B'] });
    assert.deepEqual(h['HEDGE.3'], { key: 'HEDGE.3', subscriberCount: 0, remoteCount: 1, remoteHostRouters: ['INT.C'] });
  });

  it('inter-router connection rows and link types', async () => {
    const conns = records(await client.request('amqp:/_topo/0/INT.B/$management', ...query('connection', ['container', 'role', 'dir'])));
    const ir = conns.filter((r) => r.role === 'inter-router').map((r) => `${r.container}/${r.dir}`).sort();
    assert.deepEqual(ir, ['INT.A/out', 'INT.C/in']);
    const links = records(await client.request('amqp:/_topo/0/INT.B/$management', ...query('router.link', ['linkType', 'linkDir'])));
    const kinds = new Set(links.map((l) => `${l.linkType}/${l.linkDir}`));
    for (const k of ['router-control/in', 'router-control/out', 'inter-router/in', 'inter-router/out', 'edge-downlink/out']) assert.ok(kinds.has(k), `missing ${k}`);
  });

  it('routes a mobile address to a subscriber two interiors away, and to one on a remote edge', async () => {
    const subscribe = async (port: number, address: string): Promise<{ got: Promise<unknown>; close(): void }> => {
      const conn = rhea.create_container({ id: `sub-${address}` }).connect({ host: '127.0.0.1', port, reconnect: false });
      conn.on('error', () => undefined);
      const rcv = conn.open_receiver({ source: { address } });
      await new Promise<void>((r) => rcv.once('receiver_open', () => r()));
      const got = new Promise<unknown>((r) => rcv.once('message', (ctx) => r(ctx.message!.body)));
      return { got, close: () => conn.close() };
    };
    const onC = await subscribe(c.listenerPort('amqp')!, 'svc/on-c');
    const onE3 = await subscribe(edges[2]!.listenerPort('amqp')!, 'svc/on-edge3');
    try {
      const known = (addr: string): boolean => a.runtime!.rows('router.address').some((r) => r.key === `M0${addr}` && (r.remoteHostRouters as string[]).includes('INT.C'));
      await whenTrue(a, ['topology-changed'], () => known('svc/on-c') && known('svc/on-edge3'), 'INT.A learns the addresses');
      assert.equal(await client.send('svc/on-c', 'to C'), 'ACCEPTED');
      assert.equal(await client.send('svc/on-edge3', 'to EDGE.3'), 'ACCEPTED');
      assert.equal(await onC.got, 'to C');
      assert.equal(await onE3.got, 'to EDGE.3');
      assert.equal(await client.send('svc/nobody', 'x'), 'RELEASED');
    } finally {
      onC.close();
      onE3.close();
    }
  });

  it('when INT.B goes, INT.C and its edge become unreachable from INT.A (RELEASED)', async () => {
    await b.stop();
    await whenTrue(a, ['topology-changed'], () => nodeIds(a).join() === 'INT.A', 'INT.A is alone');
    assert.equal((await client.request('amqp:/_topo/0/INT.C/$management', ...routerQuery)).state, 'RELEASED');
    assert.equal((await client.request('amqp:/_edge/EDGE.3/$management', ...routerQuery)).state, 'RELEASED');
    assert.deepEqual(records(await client.request('amqp:/_edge/EDGE.1/$management', ...routerQuery)), [{ id: 'EDGE.1' }]);
    assert.ok(!knowsEdge(a, 'EDGE.3'));
  });
});
