/**
 * The network layer with the product management agent (sim/router/agent.ts) instead of the test double: remote
 * agents through the network, runtime entities that really listen and dial, restart losing runtime entities, and a
 * TCP bridge created through management on skupper-router 3.5.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { defaultAgentFactory } from '../../sim/router/agent-port.js';
import type { SimRouter } from '../../sim/router/router.js';
import { SimClient, records } from '../support/sim-client.js';
import { waitForEvent } from '../support/deadline.js';
import { QD, query, startEdge, startInterior } from '../support/sim-topology.js';

const real = { agentFactory: defaultAgentFactory };

describe('with the product agent (qdrouterd 1.19.0)', () => {
  let int: SimRouter;
  let e1: SimRouter;
  let e2: SimRouter;
  let client: SimClient;

  before(async () => {
    int = await startInterior('INT.A', real);
    [e1, e2] = await Promise.all([startEdge('EDGE.1', [int.listenerPort('edge')!], real), startEdge('EDGE.2', [int.listenerPort('edge')!], real)]);
    client = await SimClient.connect({ port: int.listenerPort('amqp')!, containerId: 'mgmt-recorder' });
  });
  after(async () => {
    await client?.close();
    await Promise.all([e1?.stop(), e2?.stop()]);
    await int?.stop();
  });

  it('answers QUERY router on every path and RELEASES the unroutable ones', async () => {
    for (const [to, id, mode] of [
      ['$management', 'INT.A', 'interior'], ['amqp:/_local/$management', 'INT.A', 'interior'],
      ['amqp:/_topo/0/INT.A/$management', 'INT.A', 'interior'], ['amqp:/_edge/EDGE.1/$management', 'EDGE.1', 'edge'],
      ['amqp:/_edge/EDGE.2/$management', 'EDGE.2', 'edge'],
    ] as const) {
      const r = await client.request(to, ...query('router', ['id', 'mode', 'version']));
      assert.deepEqual(records(r), [{ id, mode, version: '1.19.0' }], to);
    }
    for (const to of ['amqp:/_edge/NO.SUCH.EDGE/$management', 'amqp:/_topo/0/EDGE.1/$management']) {
      assert.equal((await client.request(to, ...query('router', ['id']))).state, 'RELEASED', to);
    }
  });

  it('router.node, GET-MGMT-NODES and the edge connections as the agent reports them', async () => {
    const nodes = records(await client.request('$management', ...query('router.node', ['id', 'nextHop', 'index', 'address'])));
    assert.deepEqual(nodes, [{ id: 'INT.A', nextHop: '(self)', index: 0, address: 'amqp:/_topo/0/INT.A' }]);
    const mgmt = await client.request('$management', { operation: 'GET-MGMT-NODES', type: 'org.amqp.management', name: 'self' }, {});
    assert.deepEqual(mgmt.message?.body, ['amqp:/_topo/0/INT.A/$management']);
    const onEdge = await client.request('amqp:/_edge/EDGE.1/$management', { operation: 'GET-MGMT-NODES', type: 'org.amqp.management', name: 'self' }, {});
    assert.deepEqual(onEdge.message?.body, []);
    const conns = records(await client.request('$management', ...query('connection', ['container', 'role', 'dir', 'active'])));
    assert.deepEqual(conns, [
      { container: 'EDGE.1', role: 'edge', dir: 'in', active: true },
      { container: 'EDGE.2', role: 'edge', dir: 'in', active: true },
      { container: 'mgmt-recorder', role: 'normal', dir: 'in', active: true },
    ]);
  });

  it('a listener created on an edge through _edge/EDGE.1 listens until it is deleted', async () => {
    const to = 'amqp:/_edge/EDGE.1/$management';
    const opened = waitForEvent<{ name: string; port: number }>(e1, 'listener-open', { match: (e) => e.name === 'rec-edge-listener' });
    const c = await client.request(to, { operation: 'CREATE', type: QD + 'listener', name: 'rec-edge-listener' }, { host: '127.0.0.1', port: '0', role: 'normal', authenticatePeer: false, saslMechanisms: 'ANONYMOUS' });
    assert.equal(c.message?.application_properties?.statusCode, 201);
    const { port } = await opened;
    const viaNew = await SimClient.connect({ port });
    assert.deepEqual(records(await viaNew.request('$management', ...query('router', ['id']))), [{ id: 'EDGE.1' }]);
    await viaNew.close();
    const closed = waitForEvent(e1, 'listener-closed', { match: (e: { name: string }) => e.name === 'rec-edge-listener' });
    const d = await client.request(to, { operation: 'DELETE', type: QD + 'listener', name: 'rec-edge-listener' }, {});
    assert.equal(d.message?.application_properties?.statusCode, 204);
    await closed;
    const r = await client.request(to, { operation: 'READ', type: QD + 'listener', name: 'rec-edge-listener' }, {});
    assert.equal(r.message?.application_properties?.statusCode, 404);
  });

  it('a connector\'s live status reaches READ and QUERY', async () => {
    const success = waitForEvent(int, 'connector-status', { match: (e: { name: string; status: string }) => e.name === 'to-edge1' && e.status === 'SUCCESS' });
    await client.request('$management', { operation: 'CREATE', type: QD + 'connector', name: 'to-edge1' }, { host: '127.0.0.1', port: String(e1.listenerPort('amqp')), role: 'normal' });
    await success;
    const read = await client.request('$management', { operation: 'READ', type: QD + 'connector', name: 'to-edge1' }, {});
    const body = read.message?.body as Record<string, unknown>;
    assert.equal(body.connectionStatus, 'SUCCESS');
    assert.equal(body.failoverUrls, `amqp://127.0.0.1:${e1.listenerPort('amqp')}`);
    const rows = records(await client.request('$management', ...query('connector', ['name', 'connectionStatus'])));
    assert.deepEqual(rows.find((x) => x.name === 'to-edge1'), { name: 'to-edge1', connectionStatus: 'SUCCESS' });
    await client.request('$management', { operation: 'DELETE', type: QD + 'connector', name: 'to-edge1' }, {});
  });

  it('restart: the agent comes back from the boot config only', async () => {
    await client.request('$management', { operation: 'CREATE', type: QD + 'listener', name: 'gone-after-restart' }, { host: '127.0.0.1', port: '0' });
    const back = Promise.all(['EDGE.1', 'EDGE.2'].map((id) => waitForEvent(int, 'edge-attached', { match: (e) => e === id, timeoutMs: 10000 })));
    await int.faults.restart();
    await back;
    await client.close();
    client = await SimClient.connect({ port: int.listenerPort('amqp')!, containerId: 'mgmt-recorder' });
    const names = records(await client.request('$management', ...query('listener', ['name']))).map((r) => r.name);
    assert.deepEqual(names, ['amqp', 'inter-router', 'edge']);
    assert.deepEqual(records(await client.request('amqp:/_edge/EDGE.2/$management', ...query('router', ['id']))), [{ id: 'EDGE.2' }]);
  });
});

describe('with the product agent (skupper-router 3.5.1): a TCP bridge created through management', () => {
  it('carries bytes from a tcpListener on one edge to a tcpConnector on another', async () => {
    const opts = { ...real, flavor: 'skupper' as const };
    const echo = net.createServer((s) => { s.on('error', () => undefined); s.pipe(s); });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const int = await startInterior('INT.S', opts);
    const [e1, e2] = await Promise.all([startEdge('EDGE.S1', [int.listenerPort('edge')!], opts), startEdge('EDGE.S2', [int.listenerPort('edge')!], opts)]);
    const client = await SimClient.connect({ port: int.listenerPort('amqp')! });
    try {
      const SK = 'io.skupper.router.';
      const c = await client.request('amqp:/_edge/EDGE.S2/$management', { operation: 'CREATE', type: SK + 'tcpConnector', name: 'connector/echo' }, { address: 'echo', host: '127.0.0.1', port: String((echo.address() as net.AddressInfo).port) });
      assert.equal(c.message?.application_properties?.statusCode, 201, String(c.message?.application_properties?.statusDescription));
      const bound = waitForEvent<{ port: number }>(e1, 'tcp-listener-open');
      const l = await client.request('amqp:/_edge/EDGE.S1/$management', { operation: 'CREATE', type: SK + 'tcpListener', name: 'listener/echo' }, { address: 'echo', host: '127.0.0.1', port: '0' });
      assert.equal(l.message?.application_properties?.statusCode, 201, String(l.message?.application_properties?.statusDescription));
      const { port } = await bound;
      const received = await new Promise<string>((resolve, reject) => {
        let got = '';
        const s = net.connect({ host: '127.0.0.1', port }, () => s.write('ping over skupper'));
        s.on('data', (d: Buffer) => { got += d.toString(); if (got.length >= 17) s.end(); });
        s.on('close', () => resolve(got));
        s.on('error', reject);
      });
      assert.equal(received, 'ping over skupper');
      const read = await client.request('amqp:/_edge/EDGE.S1/$management', { operation: 'READ', type: SK + 'tcpListener', name: 'listener/echo' }, {});
      const body = read.message?.body as Record<string, unknown>;
      assert.equal(body.bytesIn, 17);
      assert.equal(body.bytesOut, 17);
    } finally {
      await client.close();
      await Promise.all([e1.stop(), e2.stop()]);
      await int.stop();
      await new Promise<void>((r) => echo.close(() => r()));
    }
  });
});
