/**
 * One interior (INT.A) and two edges (EDGE.1, EDGE.2) started from boot config over real TCP, as in the recorded
 * topology of fixtures/router-transcripts: management requests reach every agent through the network, unroutable
 * ones are RELEASED, and the runtime rows describe the topology.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import rhea from 'rhea';
import type { SimRouter } from '../../sim/router/router.js';
import { installTypedDecode, typedSectionsOf } from '../../src/amqp/typed-decode.js';
import { SimClient, records } from '../support/sim-client.js';
import { query, startEdge, startInterior } from '../support/sim-topology.js';

describe('simulated router network: one interior, two edges (TCP)', () => {
  let int: SimRouter;
  let e1: SimRouter;
  let e2: SimRouter;
  let client: SimClient;
  let edgeClient: SimClient;

  before(async () => {
    int = await startInterior('INT.A');
    const edgePort = int.listenerPort('edge')!;
    [e1, e2] = await Promise.all([startEdge('EDGE.1', [edgePort]), startEdge('EDGE.2', [edgePort])]);
    client = await SimClient.connect({ port: int.listenerPort('amqp')!, containerId: 'mgmt-recorder' });
    edgeClient = await SimClient.connect({ port: e1.listenerPort('amqp')! });
  });

  after(async () => {
    await Promise.all([client?.close(), edgeClient?.close()]);
    await Promise.all([e1?.stop(), e2?.stop()]);
    await int?.stop();
  });

  const routerId = async (c: SimClient, to: string): Promise<unknown> => {
    const r = await c.request(to, ...query('router', ['id', 'mode']));
    assert.equal(r.state, 'ACCEPTED', `delivery to ${to}`);
    assert.ok(r.message, `reply from ${to}`);
    assert.equal(r.message.application_properties?.statusCode, 200);
    return records(r)[0];
  };

  it('answers QUERY router via $management, _local, _topo/0/INT.A (with and without amqp:/)', async () => {
    assert.deepEqual(await routerId(client, '$management'), { id: 'INT.A', mode: 'interior' });
    assert.deepEqual(await routerId(client, 'amqp:/_local/$management'), { id: 'INT.A', mode: 'interior' });
    assert.deepEqual(await routerId(client, 'amqp:/_topo/0/INT.A/$management'), { id: 'INT.A', mode: 'interior' });
    assert.deepEqual(await routerId(client, '_topo/0/INT.A/$management'), { id: 'INT.A', mode: 'interior' });
  });

  it('reaches an edge agent via amqp:/_edge/EDGE.1/$management and routes the reply back', async () => {
    assert.deepEqual(await routerId(client, 'amqp:/_edge/EDGE.1/$management'), { id: 'EDGE.1', mode: 'edge' });
    assert.deepEqual(await routerId(client, 'amqp:/_edge/EDGE.2/$management'), { id: 'EDGE.2', mode: 'edge' });
  });

  it('RELEASES requests for an unknown edge and for _topo/0/<edge> (an edge is not a topology node)', async () => {
    const r1 = await client.request('amqp:/_edge/NO.SUCH/$management', ...query('router', ['id']));
    assert.equal(r1.state, 'RELEASED');
    assert.equal(r1.message, undefined);
    const r2 = await client.request('amqp:/_topo/0/EDGE.1/$management', ...query('router', ['id']));
    assert.equal(r2.state, 'RELEASED');
  });

  it('from a client on an edge: its own agent, the interior, and the other edge through the interior', async () => {
    assert.match(edgeClient.replyTo, /^amqp:\/_edge\/EDGE\.1\/temp\./);
    assert.match(client.replyTo, /^amqp:\/_topo\/0\/INT\.A\/temp\./);
    assert.deepEqual(await routerId(edgeClient, '$management'), { id: 'EDGE.1', mode: 'edge' });
    assert.deepEqual(await routerId(edgeClient, 'amqp:/_topo/0/INT.A/$management'), { id: 'INT.A', mode: 'interior' });
    assert.deepEqual(await routerId(edgeClient, 'amqp:/_edge/EDGE.2/$management'), { id: 'EDGE.2', mode: 'edge' });
    assert.deepEqual(await routerId(edgeClient, 'amqp:/_edge/EDGE.1/$management'), { id: 'EDGE.1', mode: 'edge' });
    const r = await edgeClient.request('amqp:/_edge/NO.SUCH/$management', ...query('router', ['id']));
    assert.equal(r.state, 'RELEASED', 'the interior releases, and the edge passes the outcome back');
  });

  it('back-to-back deliveries keep their own outcomes (rhea batches dispositions; the router writes each alone)', async () => {
    const states = await Promise.all([
      client.request('amqp:/_edge/NO.SUCH/$management', ...query('router', ['id'])),
      client.request('$management', ...query('router', ['id'])),
      client.request('amqp:/_topo/0/EDGE.2/$management', ...query('router', ['id'])),
      client.request('amqp:/_edge/EDGE.2/$management', ...query('router', ['id'])),
    ]);
    assert.deepEqual(states.map((s) => s.state), ['RELEASED', 'ACCEPTED', 'RELEASED', 'ACCEPTED']);
  });

  it('holds at most 250 unsettled deliveries per link and passes the receiver\'s outcome back to the sender', async () => {
    const container = rhea.create_container({ id: 'credit-test' });
    const conn = container.connect({ host: '127.0.0.1', port: int.listenerPort('amqp')!, reconnect: false });
    conn.on('error', () => undefined);
    try {
      const held: rhea.Delivery[] = [];
      const rcv = conn.open_receiver({ source: { address: 'slow/consumer' }, autoaccept: false, credit_window: 1000 });
      await new Promise<void>((r) => rcv.once('receiver_open', () => r()));
      let gotAll: () => void = () => undefined;
      const arrived = new Promise<void>((r) => { gotAll = r; });
      rcv.on('message', (ctx) => { held.push(ctx.delivery!); if (held.length === 250) gotAll(); });
      const snd = conn.open_sender({ target: {} });
      const outcomes: string[] = [];
      let allSettled: () => void = () => undefined;
      const settledAll = new Promise<void>((r) => { allSettled = r; });
      for (const ev of ['accepted', 'released', 'rejected'] as const) {
        snd.on(ev, () => { outcomes.push(ev); if (outcomes.length === 300) allSettled(); });
      }
      await new Promise<void>((r) => snd.once('sendable', () => r()));
      for (let i = 0; i < 300; i++) snd.send({ to: 'slow/consumer', body: i });
      await arrived;
      // the router took 250 and gave no more credit: the other 50 wait in the client
      await new Promise<void>((r) => setImmediate(r));
      assert.equal(held.length, 250);
      assert.equal(outcomes.length, 0, 'nothing settled while the consumer holds its deliveries');
      held.splice(0, 10).forEach((d) => d.reject({ condition: 'amqp:internal-error', description: 'no' }));
      held.splice(0).forEach((d) => d.accept());
      rcv.on('message', (ctx) => ctx.delivery!.accept());
      await settledAll;
      assert.equal(outcomes.filter((o) => o === 'rejected').length, 10);
      assert.equal(outcomes.filter((o) => o === 'accepted').length, 290);
    } finally {
      conn.close();
    }
  });

  it('survives garbage on the wire and malformed messages', async () => {
    const { connect } = await import('node:net');
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port: int.listenerPort('amqp')! }, () => s.write(Buffer.from('GET / HTTP/1.1\r\n\r\nnot amqp at all')));
      s.on('error', () => undefined);
      s.on('close', () => resolve(true));
      s.resume();
    });
    assert.ok(closed, 'the router hangs up on a non-AMQP peer');
    // an AMQP message without an address on an anonymous link: RELEASED
    const noTo = await client.request('', {}, null);
    assert.equal(noTo.state, 'RELEASED');
    // no application properties at all: still ACCEPTED, and answered with an error
    const bare = await client.request('$management', {}, 'just a string');
    assert.equal(bare.state, 'ACCEPTED');
    assert.ok(Number(bare.message?.application_properties?.statusCode) >= 400);
    assert.deepEqual(await routerId(client, '$management'), { id: 'INT.A', mode: 'interior' });
  });

  it('a request with an error reply is still ACCEPTED', async () => {
    const r = await client.request('$management', { operation: 'READ', type: 'org.apache.qpid.dispatch.listener', name: 'nope' }, {});
    assert.equal(r.state, 'ACCEPTED');
    assert.equal(r.message?.application_properties?.statusCode, 404);
  });

  it('sends statusCode as an AMQP int and echoes correlation ids by type as the agent says', async () => {
    installTypedDecode(); // keeps the reply bytes so their AMQP types can be read back
    const t = rhea.types;
    const ulong = await client.request('$management', ...query('connection', ['container']), { correlationId: t.wrap_ulong(8) });
    assert.equal(ulong.state, 'ACCEPTED');
    assert.ok(ulong.message, 'C agent answers a ulong id');
    const typed = typedSectionsOf(ulong.message)!;
    assert.equal(typed.correlationIdType, 'ulong', 'ulong correlation id echoed with its type (C agent)');
    assert.equal(ulong.message.correlation_id, 8);
    assert.equal(typed.applicationPropertyTypes.statusCode, 'int');
    assert.equal(typed.applicationPropertyTypes.statusDescription, 'string');
    const int7 = await client.request('$management', ...query('connection', ['container']), { correlationId: t.wrap_int(7) });
    assert.ok(int7.message);
    assert.equal(int7.message.correlation_id, undefined, 'int correlation id not echoed');
    const uuid = await client.request('amqp:/_edge/EDGE.1/$management', ...query('connection', ['container']), { correlationId: t.wrap_uuid(Buffer.alloc(16, 7)) });
    assert.equal(typedSectionsOf(uuid.message!)?.correlationIdType, 'uuid', 'uuid kept through two routers');
  });

  it('connection rows: edges dir in on the interior, the active uplink dir out on the edge', async () => {
    const rows = records(await client.request('$management', ...query('connection', ['container', 'role', 'dir', 'active', 'host', 'name', 'opened', 'operStatus'])));
    const edges = rows.filter((r) => r.role === 'edge').map((r) => r.container).sort();
    assert.deepEqual(edges, ['EDGE.1', 'EDGE.2']);
    for (const r of rows) {
      assert.equal(r.dir, 'in');
      assert.equal(r.active, true);
      assert.match(String(r.host), /^127\.0\.0\.1:\d+$/);
      assert.equal(r.name, `connection/${r.host}`);
    }
    assert.ok(rows.some((r) => r.role === 'normal' && r.container === 'mgmt-recorder'));

    const edgeRows = records(await client.request('amqp:/_edge/EDGE.1/$management', ...query('connection', ['container', 'role', 'dir', 'active', 'host'])));
    const up = edgeRows.find((r) => r.role === 'edge');
    assert.deepEqual(up, { container: 'INT.A', role: 'edge', dir: 'out', active: true, host: `127.0.0.1:${int.listenerPort('edge')}` });
  });

  it('full connection rows carry the recorded attribute set in order', async () => {
    const r = await client.request('$management', ...query('connection'));
    const body = r.message?.body as { attributeNames: string[] };
    assert.deepEqual(body.attributeNames, [
      'name', 'identity', 'host', 'role', 'protocol', 'dir', 'container', 'sasl', 'isAuthenticated', 'user', 'isEncrypted',
      'sslProto', 'sslCipher', 'properties', 'sslSsf', 'tenant', 'type', 'ssl', 'opened', 'active', 'adminStatus',
      'operStatus', 'uptimeSeconds', 'lastDlvSeconds', 'enableProtocolTrace',
    ]);
    const edgeRow = records(r).find((x) => x.container === 'EDGE.1')!;
    assert.match(String(edgeRow.identity), /^\d+$/);
    assert.deepEqual(Object.keys(edgeRow.properties as object), ['product', 'version', 'qd.conn-id', 'qd.annotations-version']);
    assert.equal((edgeRow.properties as Record<string, unknown>).product, 'qpid-dispatch-router');
  });

  it('router.link rows: an edge-downlink bound to H<edge> per edge, endpoint links of management clients', async () => {
    const conns = records(await client.request('$management', ...query('connection', ['identity', 'container'])));
    const links = records(await client.request('$management', ...query('router.link', ['linkType', 'linkDir', 'owningAddr', 'connectionId'])));
    for (const edge of ['EDGE.1', 'EDGE.2']) {
      const connId = conns.find((c) => c.container === edge)!.identity;
      assert.ok(links.some((l) => l.linkType === 'edge-downlink' && l.linkDir === 'out' && l.owningAddr === `H${edge}` && l.connectionId === connId));
    }
    const mine = conns.find((c) => c.container === 'mgmt-recorder')!.identity;
    const clientLinks = links.filter((l) => l.connectionId === mine);
    assert.ok(clientLinks.some((l) => l.linkType === 'endpoint' && l.linkDir === 'in' && l.owningAddr === null), 'anonymous sender');
    assert.ok(clientLinks.some((l) => l.linkType === 'endpoint' && l.linkDir === 'out' && String(l.owningAddr).startsWith('Ltemp.')), 'reply receiver');
  });

  it('router.address rows include L$management, M0$management and H<edge> keys', async () => {
    const rows = records(await client.request('$management', ...query('router.address', ['key', 'distribution', 'subscriberCount', 'remoteCount'])));
    const keys = rows.map((r) => r.key);
    for (const k of ['L$management', 'M0$management', 'HEDGE.1', 'HEDGE.2']) assert.ok(keys.includes(k), `missing ${k}`);
    assert.ok(keys.some((k) => String(k).startsWith('Ltemp.')));
    assert.deepEqual(rows.find((r) => r.key === 'HEDGE.1'), { key: 'HEDGE.1', distribution: 'balanced', subscriberCount: 1, remoteCount: 0 });
  });

  it('router.node: the interior has its self row; an edge has none; GET-MGMT-NODES follows', async () => {
    const nodes = records(await client.request('$management', ...query('router.node')));
    assert.equal(nodes.length, 1);
    const self = nodes[0]!;
    assert.equal(self.id, 'INT.A');
    assert.equal(self.nextHop, '(self)');
    assert.equal(self.index, 0);
    assert.deepEqual(self.linkState, []);
    assert.equal(self.address, 'amqp:/_topo/0/INT.A');
    assert.equal(self.instance, int.instance);
    assert.equal(self.name, 'router.node/INT.A');
    const edgeNodes = records(await client.request('amqp:/_edge/EDGE.1/$management', ...query('router.node')));
    assert.deepEqual(edgeNodes, []);
    const mgmt = await client.request('$management', { operation: 'GET-MGMT-NODES', type: 'org.amqp.management', name: 'self' }, {});
    assert.deepEqual(mgmt.message?.body, ['amqp:/_topo/0/INT.A/$management']);
  });

  it('a sender targeted at a remote agent routes by the link target', async () => {
    // the client above uses an anonymous sender; here a targeted one to _edge/EDGE.2 (x-opt-qd.to between routers)
    const container = rhea.create_container({ id: 'targeted' });
    const conn = container.connect({ host: '127.0.0.1', port: int.listenerPort('amqp')!, reconnect: false });
    conn.on('error', () => undefined);
    try {
      const reply = await new Promise<rhea.Message>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply')), 3000);
        const rcv = conn.open_receiver({ source: { dynamic: true } as never });
        rcv.on('receiver_open', (ctx) => {
          const replyTo = (ctx.receiver!.source as { address: string }).address;
          const snd = conn.open_sender({ target: { address: 'amqp:/_edge/EDGE.2/$management' } });
          snd.once('sendable', () => {
            snd.send({ reply_to: replyTo, correlation_id: 'x', application_properties: query('router', ['id'])[0], body: { attributeNames: ['id'] } });
          });
        });
        rcv.on('message', (ctx) => { clearTimeout(timer); resolve(ctx.message!); });
      });
      assert.deepEqual((reply.body as { results: unknown[][] }).results, [['EDGE.2']]);
      assert.equal(reply.message_annotations?.['x-opt-qd.to'], undefined, 'router annotations are stripped towards clients');
    } finally {
      conn.close();
    }
  });
});
