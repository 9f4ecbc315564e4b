/**
 * The in-process transport: many simulated routers in one process without sockets. 200 edges attach to one
 * interior; every edge agent answers through the interior; ports look like ports; a restart and connector retries
 * work the same as over TCP.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessTransport } from '../../sim/router/in-process-transport.js';
import type { SimRouter } from '../../sim/router/router.js';
import { SimClient, records } from '../support/sim-client.js';
import { waitForEvent, whenTrue } from '../support/deadline.js';
import { query, startEdge, startInterior } from '../support/sim-topology.js';

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
