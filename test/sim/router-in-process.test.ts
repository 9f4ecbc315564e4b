/**
 * The in-process transport: many simulated routers in one process without sockets. 200 edges attach to one
 * interior; every edge agent answers through the interior; ports look like ports; a restart and connector retries
 * work the same as over TCP.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessTransport } from '../../sim/router/in-process-transport.js';
import { SimRouter } from '../../sim/router/router.js';
import { tcpTransport } from '../../sim/router/transport.js';
import { SimClient, records } from '../support/sim-client.js';
import { waitForEvent, whenTrue } from '../support/deadline.js';
import { listener, query, startEdge, startInterior } from '../support/sim-topology.js';

const EDGES = 200;

describe('in-process transport', () => {
  it(`carries an interior with ${EDGES} edges; every edge agent answers through the interior`, async () => {
    const transport = new InProcessTransport();
    const int = await startInterior('INT.A', { transport });
    const edges: SimRouter[] = [];
    try {
      const edgePort = int.listenerPort('edge')!;
      assert.ok(edgePort >= 20000 && edgePort <= 65535, 'a virtual port');
      const ids = Array.from({ length: EDGES }, (_, i) => `EDGE.${i + 1}`);
      edges.push(...(await Promise.all(ids.map((id) => startEdge(id, [edgePort], { transport, amqpListener: false })))));
      await whenTrue(int, ['edge-attached'], () => int.attachedEdges().length === EDGES, 'all edges attached', 20000);

      const client = await SimClient.connect({ port: int.listenerPort('amqp')!, transport });
      try {
        const replies = await Promise.all(ids.map((id) => client.request(`amqp:/_edge/${id}/$management`, ...query('router', ['id', 'mode']), { timeoutMs: 10000 })));
        assert.deepEqual(replies.map((r) => records(r)[0]), ids.map((id) => ({ id, mode: 'edge' })));
        const conns = records(await client.request('$management', ...query('connection', ['role', 'container', 'host'])));
        const edgeConns = conns.filter((c) => c.role === 'edge');
        assert.equal(edgeConns.length, EDGES);
        assert.ok(edgeConns.every((c) => /^127\.0\.0\.1:\d+$/.test(String(c.host))));
        const hKeys = records(await client.request('$management', ...query('router.address', ['key']))).filter((r) => String(r.key).startsWith('H'));
        assert.equal(hKeys.length, EDGES);
        assert.equal((await client.request('amqp:/_edge/EDGE.999/$management', ...query('router', ['id']))).state, 'RELEASED');
      } finally {
        await client.close();
      }
    } finally {
      await Promise.all(edges.map((e) => e.stop()));
      await int.stop();
    }
    assert.equal(transport.listenerCount, 0, 'every virtual port released');
  });

  it('listenerTransport: the interior listens for clients on real TCP while its edges attach in process', async () => {
    const transport = new InProcessTransport();
    const asked: string[] = [];
    const int = new SimRouter({
      id: 'INT.T', mode: 'interior', transport,
      listenerTransport: (name) => { asked.push(name); return name === 'amqp' ? tcpTransport : transport; },
      config: [listener('amqp', 'normal'), listener('edge', 'edge')],
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    await int.start();
    const edges: SimRouter[] = [];
    try {
      assert.deepEqual(asked.sort(), ['amqp', 'edge']);
      assert.equal(transport.listenerCount, 1, 'only the edge listener is in process');
      const ids = ['EDGE.T1', 'EDGE.T2', 'EDGE.T3'];
      edges.push(...(await Promise.all(ids.map((id) => startEdge(id, [int.listenerPort('edge')!], { transport })))));
      // over the operating system's TCP, as a manager in another process dials it
      const client = await SimClient.connect({ port: int.listenerPort('amqp')! });
      try {
        const replies = await Promise.all(ids.map((id) => client.request(`amqp:/_edge/${id}/$management`, ...query('router', ['id', 'mode']))));
        assert.deepEqual(replies.map((r) => records(r)[0]), ids.map((id) => ({ id, mode: 'edge' })));
        // a listener created at run time asks too; a restart binds the boot listeners on the same transports again
        const created = await client.request('$management', { operation: 'CREATE', type: 'org.apache.qpid.dispatch.listener', name: 'more' }, { host: '127.0.0.1', port: '0', role: 'normal' });
        assert.equal(created.message?.application_properties?.statusCode, 201);
        assert.ok(asked.includes('more'));
      } finally {
        await client.close();
      }
      // the edges redial 50 ms after the drop at the earliest: after restart() resolves, none is back yet
      await int.faults.restart();
      await whenTrue(int, ['edge-attached'], () => int.attachedEdges().length === ids.length, 'edges back', 10000);
      const again = await SimClient.connect({ port: int.listenerPort('amqp')! });
      try {
        assert.deepEqual(records(await again.request('amqp:/_edge/EDGE.T2/$management', ...query('router', ['id']))), [{ id: 'EDGE.T2' }]);
      } finally {
        await again.close();
      }
    } finally {
      await Promise.all(edges.map((e) => e.stop()));
      await int.stop();
    }
    assert.equal(transport.listenerCount, 0);
  });

  it('restart and reconnect work in process as over TCP; a refused dial reports Connection refused', async () => {
    const transport = new InProcessTransport();
    const int = await startInterior('INT.P', { transport });
    const edge = await startEdge('EDGE.P', [int.listenerPort('edge')!], { transport });
    try {
      const attached = waitForEvent(int, 'edge-attached', { timeoutMs: 10000 });
      await int.faults.restart();
      await attached;
      const client = await SimClient.connect({ port: int.listenerPort('amqp')!, transport });
      assert.deepEqual(records(await client.request('amqp:/_edge/EDGE.P/$management', ...query('router', ['id']))), [{ id: 'EDGE.P' }]);
      const created = await client.request('$management', { operation: 'CREATE', type: 'org.apache.qpid.dispatch.connector', name: 'nowhere' }, { host: '127.0.0.1', port: '1', role: 'normal' });
      assert.equal(created.message?.application_properties?.statusCode, 201);
      await waitForEvent(int, 'connector-status', { match: (e: { name: string; status: string }) => e.name === 'nowhere' && e.status === 'FAILED' });
      const read = await client.request('$management', { operation: 'READ', type: 'org.apache.qpid.dispatch.connector', name: 'nowhere' }, {});
      assert.match(String((read.message?.body as Record<string, unknown>).connectionMsg), /Connection to 127\.0\.0\.1:1 failed: proton:io Connection refused/);
      await client.close();
    } finally {
      await edge.stop();
      await int.stop();
    }
  });
});
