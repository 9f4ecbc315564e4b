/**
 * Fault injection: restart (runtime entities lost, new instance, edges come back), dropped uplinks (the edge's
 * connectors dial again), uplink failover between several uplinks, and management replies delayed, withheld or
 * failed.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import type { SimRouter } from '../../sim/router/router.js';
import { SimClient, records } from '../support/sim-client.js';
import { waitForEvent } from '../support/deadline.js';
import { QD, query, startEdge, startInterior } from '../support/sim-topology.js';

const routerQuery = query('router', ['id']);

describe('restart and dropped uplinks', () => {
  let int: SimRouter;
  let edge: SimRouter;
  let client: SimClient | undefined;

  before(async () => {
    int = await startInterior('INT.A');
    edge = await startEdge('EDGE.1', [int.listenerPort('edge')!]);
  });
  afterEach(async () => {
    await client?.close().catch(() => undefined);
    client = undefined;
  });
  after(async () => {
    await edge?.stop();
    await int?.stop();
  });

  it('restart: connections drop, runtime-created entities are lost, a new instance boots, the edge reconnects', async () => {
    client = await SimClient.connect({ port: int.listenerPort('amqp')! });
    const created = await client.request('$management', { operation: 'CREATE', type: QD + 'listener', name: 'runtime-l' }, { port: '0', role: 'normal' });
    assert.equal(created.message?.application_properties?.statusCode, 201);
    const before = int.instance;
    const amqpPort = int.listenerPort('amqp');
    const edgePort = int.listenerPort('edge');
    const clientDropped = new Promise<void>((resolve) => (client as unknown as { conn: { once(e: string, f: () => void): void } }).conn.once('disconnected', () => resolve()));

    const restarted = waitForEvent(int, 'restarted');
    const edgeBack = waitForEvent(int, 'edge-attached', { match: (id) => id === 'EDGE.1', timeoutMs: 10000 });
    const uplinkDown = waitForEvent(edge, 'uplink-down');
    await int.faults.restart();
    await restarted;
    await clientDropped;
    await uplinkDown;
    await edgeBack;

    assert.ok(int.instance > before, 'new router.node instance');
    assert.equal(int.listenerPort('amqp'), amqpPort, 'boot listeners come back on their ports');
    assert.equal(int.listenerPort('edge'), edgePort);
    assert.equal(int.listenerPort('runtime-l'), undefined);

    client = await SimClient.connect({ port: int.listenerPort('amqp')! });
    const read = await client.request('$management', { operation: 'READ', type: QD + 'listener', name: 'runtime-l' }, {});
    assert.equal(read.message?.application_properties?.statusCode, 404, 'runtime entity lost');
    const nodes = records(await client.request('$management', ...query('router.node', ['id', 'instance'])));
    assert.deepEqual(nodes, [{ id: 'INT.A', instance: int.instance }]);
    const routerRow = records(await client.request('$management', ...query('router', ['uptimeSeconds'])))[0]!;
    assert.equal(routerRow.uptimeSeconds, 0, 'uptime reset');
    const viaEdge = await client.request('amqp:/_edge/EDGE.1/$management', ...routerQuery);
    assert.deepEqual(records(viaEdge), [{ id: 'EDGE.1' }]);
  });

  it('an edge restart shows as the edge leaving and coming back', async () => {
    const detached = waitForEvent(int, 'edge-detached', { match: (id) => id === 'EDGE.1' });
    const attached = waitForEvent(int, 'edge-attached', { match: (id) => id === 'EDGE.1', timeoutMs: 10000 });
    await edge.faults.restart();
    await detached;
    await attached;
    client = await SimClient.connect({ port: int.listenerPort('amqp')! });
    assert.deepEqual(records(await client.request('amqp:/_edge/EDGE.1/$management', ...routerQuery)), [{ id: 'EDGE.1' }]);
  });

  it('dropUplinks on an edge: the uplink drops and its connector brings it back', async () => {
    client = await SimClient.connect({ port: int.listenerPort('amqp')! });
    const down = waitForEvent(edge, 'uplink-down');
    const detached = waitForEvent(int, 'edge-detached', { match: (id) => id === 'EDGE.1' });
    const failed = waitForEvent(edge, 'connector-status', { match: (e: { name: string; status: string }) => e.name === 'uplink' && e.status === 'FAILED' });
    const up = waitForEvent(edge, 'uplink-up', { timeoutMs: 10000 });
    const attached = waitForEvent(int, 'edge-attached', { match: (id) => id === 'EDGE.1', timeoutMs: 10000 });
    edge.faults.dropUplinks();
    await down;
    await detached;
    await failed;
    const during = await client.request('amqp:/_edge/EDGE.1/$management', ...routerQuery);
    assert.equal(during.state, 'RELEASED', 'unreachable while the uplink is down');
    await up;
    await attached;
    assert.deepEqual(records(await client.request('amqp:/_edge/EDGE.1/$management', ...routerQuery)), [{ id: 'EDGE.1' }]);
  });

  it('dropUplinks with a hold (cut-uplinks): every redial fails, as in a partition, until the hold ends', async () => {
    const down = waitForEvent(edge, 'uplink-down');
    const timedOut = waitForEvent(edge, 'connector-status', {
      match: (e: { name: string; status: string; msg: string }) => e.name === 'uplink' && e.status === 'FAILED' && /timed out/.test(e.msg),
    });
    const up = waitForEvent(edge, 'uplink-up', { timeoutMs: 10000 });
    const holdMs = 400;
    const t0 = Date.now();
    edge.faults.dropUplinks(holdMs);
    await down;
    await timedOut;
    await up;
    assert.ok(Date.now() - t0 >= holdMs, 'the uplink came back while dials were still held');
  });

  it('dropUplinks on an interior drops its edges\' uplinks; they come back', async () => {
    const detached = waitForEvent(int, 'edge-detached', { match: (id) => id === 'EDGE.1' });
    const attached = waitForEvent(int, 'edge-attached', { match: (id) => id === 'EDGE.1', timeoutMs: 10000 });
    int.faults.dropUplinks();
    await detached;
    await attached;
    assert.deepEqual(int.attachedEdges(), ['EDGE.1']);
  });
});

describe('several uplinks: one active, failover', () => {
  it('uses one uplink and fails over to the other when its interior goes away', async () => {
    const a = await startInterior('INT.A');
    const b = await startInterior('INT.B');
    const edge = await startEdge('EDGE.M', [a.listenerPort('edge')!, b.listenerPort('edge')!]);
    try {
      const first = edge.activeUplink();
      assert.ok(first === 'INT.A' || first === 'INT.B');
      const other = first === 'INT.A' ? b : a;
      const gone = first === 'INT.A' ? a : b;
      // both uplinks are open; only one is active
      const otherOpen = (): boolean => edge.runtime!.rows('connection').some((r) => r.role === 'edge' && r.container === other.id);
      if (!otherOpen()) await waitForEvent(edge, 'connection-open', { match: (e: { container?: string }) => e.container === other.id });
      const rows = edge.runtime!.rows('connection').filter((r) => r.role === 'edge');
      assert.equal(rows.length, 2);
      assert.deepEqual(rows.map((r) => r.active).sort(), [false, true]);
      assert.equal(rows.find((r) => r.active)!.container, first);

      const up = waitForEvent(edge, 'uplink-up', { match: (id) => id === other.id });
      await gone.stop();
      await up;
      assert.equal(edge.activeUplink(), other.id);
      const client = await SimClient.connect({ port: other.listenerPort('amqp')! });
      assert.deepEqual(records(await client.request('amqp:/_edge/EDGE.M/$management', ...routerQuery)), [{ id: 'EDGE.M' }]);
      await client.close();
    } finally {
      await edge.stop();
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('management reply faults', () => {
  let int: SimRouter;
  let clock: ManualClock;
  let client: SimClient;

  before(async () => {
    clock = new ManualClock(1_700_000_000_000);
    int = await startInterior('INT.F', { clock });
    client = await SimClient.connect({ port: int.listenerPort('amqp')! });
  });
  after(async () => {
    await client?.close();
    await int?.stop();
  });
  afterEach(() => int.faults.replies({ kind: 'normal' }));

  it('delay: the reply leaves only when the (injected) clock has moved on', async () => {
    int.faults.replies({ kind: 'delay', ms: 5000 });
    const handled = waitForEvent(int, 'management-request');
    let arrived = false;
    const pending = client.request('$management', ...routerQuery, { timeoutMs: 5000 }).then((r) => { arrived = true; return r; });
    await handled;
    clock.advance(4999);
    // a normal-mode request to a second agent path would overtake; here just check nothing came yet
    await new Promise<void>((r) => setImmediate(r));
    assert.equal(arrived, false);
    clock.advance(1);
    const r = await pending;
    assert.equal(r.state, 'ACCEPTED');
    assert.deepEqual(records(r), [{ id: 'INT.F' }]);
  });

  it('silent: the request is ACCEPTED and handled, but no reply ever comes', async () => {
    int.faults.replies({ kind: 'silent' });
    const handled = waitForEvent(int, 'management-request');
    const silent = client.request('$management', { operation: 'CREATE', type: QD + 'listener', name: 'made-silently' }, { port: '0' }, { timeoutMs: 5000 });
    await handled;
    int.faults.replies({ kind: 'normal' });
    // replies travel in order on the client's reply link: once this one is here, the silent one would have been too
    const read = await client.request('$management', { operation: 'READ', type: QD + 'listener', name: 'made-silently' }, {});
    assert.equal(read.message?.application_properties?.statusCode, 200, 'the silent CREATE did create');
    assert.equal(client.strays.length, 0);
    const s = await Promise.race([silent, Promise.resolve('still waiting' as const)]);
    assert.equal(s, 'still waiting');
    clock.advance(1); // nothing is scheduled on the router clock either
    await client.request('$management', { operation: 'DELETE', type: QD + 'listener', name: 'made-silently' }, {});
  });

  it('fail: every request gets 500 (or the given status), correlation id echoed, nothing applied', async () => {
    int.faults.replies({ kind: 'fail' });
    const r = await client.request('$management', { operation: 'CREATE', type: QD + 'listener', name: 'never' }, { port: '0' });
    assert.equal(r.state, 'ACCEPTED');
    assert.equal(r.message?.application_properties?.statusCode, 500);
    assert.equal(r.message?.application_properties?.statusDescription, 'Internal Server Error');
    int.faults.replies({ kind: 'fail', statusCode: 503, description: 'overloaded' });
    const r2 = await client.request('$management', ...routerQuery);
    assert.equal(r2.message?.application_properties?.statusCode, 503);
    assert.equal(r2.message?.application_properties?.statusDescription, 'overloaded');
    int.faults.replies({ kind: 'normal' });
    const read = await client.request('$management', { operation: 'READ', type: QD + 'listener', name: 'never' }, {});
    assert.equal(read.message?.application_properties?.statusCode, 404);
    assert.throws(() => int.faults.replies({ kind: 'delay', ms: -1 }), TypeError);
  });
});
