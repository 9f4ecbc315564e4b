/**
 * TCP bridges: a tcpListener on one edge, a tcpConnector with the same address on another edge; a TCP client's
 * bytes travel over the router network (as AMQP messages, through the interior) to the connector's server and back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { SimRouter } from '../../sim/router/router.js';
import { SimClient, records } from '../support/sim-client.js';
import { waitForEvent } from '../support/deadline.js';
import { startEdge, startInterior } from '../support/sim-topology.js';

const SK = 'io.skupper.router.';

/** connects, writes, reads until `expect` bytes came back or the stream ended */
function exchange(port: number, payload: Buffer): Promise<{ received: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size >= payload.length) s.end();
    });
    s.on('error', reject);
    s.on('close', () => resolve({ received: Buffer.concat(chunks), ended: true }));
    s.on('connect', () => s.write(payload));
  });
}

describe('TCP bridge across the router network (skupper flavor)', () => {
  let int: SimRouter;
  let e1: SimRouter;
  let e2: SimRouter;
  let echo: net.Server;
  let client: SimClient;

  before(async () => {
    echo = net.createServer((s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    int = await startInterior('INT.A', { flavor: 'skupper' });
    [e1, e2] = await Promise.all([
      startEdge('EDGE.1', [int.listenerPort('edge')!], { flavor: 'skupper' }),
      startEdge('EDGE.2', [int.listenerPort('edge')!], { flavor: 'skupper' }),
    ]);
    client = await SimClient.connect({ port: int.listenerPort('amqp')! });
  });
  after(async () => {
    await client?.close();
    await Promise.all([e1?.stop(), e2?.stop()]);
    await int?.stop();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  it('carries bytes end to end and counts them', async () => {
    const echoPort = (echo.address() as net.AddressInfo).port;
    const c = await client.request('amqp:/_edge/EDGE.2/$management', { operation: 'CREATE', type: SK + 'tcpConnector', name: 'echo-connector' }, { address: 'echo', host: '127.0.0.1', port: String(echoPort) });
    assert.equal(c.message?.application_properties?.statusCode, 201);
    const bound = waitForEvent<{ name: string; port: number }>(e1, 'tcp-listener-open');
    const l = await client.request('amqp:/_edge/EDGE.1/$management', { operation: 'CREATE', type: SK + 'tcpListener', name: 'echo-listener' }, { address: 'echo', host: '127.0.0.1', port: '0' });
    assert.equal(l.message?.application_properties?.statusCode, 201);
    const { port } = await bound;

    const small = await exchange(port, Buffer.from('hello through the routers'));
    assert.equal(small.received.toString(), 'hello through the routers');

    const big = Buffer.alloc(300_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const large = await exchange(port, big);
    assert.equal(large.received.length, big.length);
    assert.ok(large.received.equals(big), 'bytes arrive complete and in order');

    const read = await client.request('amqp:/_edge/EDGE.1/$management', { operation: 'READ', type: SK + 'tcpListener', name: 'echo-listener' }, {});
    const body = read.message?.body as Record<string, number>;
    assert.equal(body.bytesIn, 25 + big.length);
    assert.equal(body.bytesOut, 25 + big.length);
    assert.equal(body.connectionsOpened, 2);
    const addr = records(await client.request('$management', { operation: 'QUERY', type: 'org.amqp.management', entityType: SK + 'router.address' }, { attributeNames: ['key', 'subscriberCount'] }));
    assert.deepEqual(addr.find((a) => a.key === 'Mecho'), { key: 'Mecho', subscriberCount: 1 });
  });

  it('a stream to an address without a tcpConnector is closed at once', async () => {
    const bound = waitForEvent<{ name: string; port: number }>(e1, 'tcp-listener-open');
    await client.request('amqp:/_edge/EDGE.1/$management', { operation: 'CREATE', type: SK + 'tcpListener', name: 'nowhere' }, { address: 'no-such-service', host: '127.0.0.1', port: '0' });
    const { port } = await bound;
    const r = await exchange(port, Buffer.from('anyone?'));
    assert.equal(r.received.length, 0);
    assert.ok(r.ended);
  });
});
