/**
 * What the client puts on the wire, per operation and per target, and how it learns the type prefix.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ManagementClient, type ManagementClientOptions } from '../../src/router/client.js';
import { Responder, type ResponderOptions } from '../support/rhea-responder.js';
import { rejection } from '../support/deadline.js';

const open: Array<{ close(): Promise<void> } | Responder> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await (x instanceof Responder ? x.stop() : x.close());
});

async function start(r: ResponderOptions = {}, c: Partial<ManagementClientOptions> = {}) {
  const responder = await Responder.start(r);
  open.push(responder);
  const client = new ManagementClient({ url: responder.url, ...c });
  open.push(client);
  return { responder, client };
}

describe('wire format', () => {
  it('sends each operation with the documented properties and body', async () => {
    const { responder, client } = await start();
    await client.connect();
    const Q = 'org.apache.qpid.dispatch.';
    await client.create('listener', 'l1', { host: '0.0.0.0', port: 5672, ignored: undefined });
    await client.read('listener', 'l1');
    await client.read('connection', { identity: '17' });
    await client.update('sslProfile', { name: 'p1' }, { ordinal: 2 });
    await client.delete('listener', 'l1');
    await client.query('listener', ['name', 'port']);
    await client.query('router');
    await client.getTypes();
    await client.getAttributes('listener');
    await client.getOperations('listener');
    await client.getMgmtNodes();
    await client.getSchema();
    const r = await client.request({ operation: 'get-log', applicationProperties: { limit: 5 } });
    assert.equal(r.statusCode, 400, 'the responder does not know GET-LOG; request() reports the status without throwing');

    const seen = responder.requests.map((q) => [q.applicationProperties, q.body]);
    assert.deepEqual(seen, [
      [{ operation: 'CREATE', type: `${Q}listener`, name: 'l1' }, { host: '0.0.0.0', port: 5672, name: 'l1' }],
      [{ operation: 'READ', type: `${Q}listener`, name: 'l1' }, {}],
      [{ operation: 'READ', type: `${Q}connection`, identity: '17' }, {}],
      [{ operation: 'UPDATE', type: `${Q}sslProfile`, name: 'p1' }, { ordinal: 2 }],
      [{ operation: 'DELETE', type: `${Q}listener`, name: 'l1' }, {}],
      [{ operation: 'QUERY', type: 'org.amqp.management', name: 'self', entityType: `${Q}listener` }, { attributeNames: ['name', 'port'] }],
      [{ operation: 'QUERY', type: 'org.amqp.management', name: 'self', entityType: `${Q}router` }, { attributeNames: [] }],
      [{ operation: 'GET-TYPES', type: 'org.amqp.management', name: 'self' }, {}],
      [{ operation: 'GET-ATTRIBUTES', type: 'org.amqp.management', name: 'self', entityType: `${Q}listener` }, {}],
      [{ operation: 'GET-OPERATIONS', type: 'org.amqp.management', name: 'self', entityType: `${Q}listener` }, {}],
      [{ operation: 'GET-MGMT-NODES', type: 'org.amqp.management', name: 'self' }, {}],
      [{ operation: 'GET-SCHEMA', type: 'org.amqp.management', name: 'self' }, {}],
      [{ limit: 5, operation: 'GET-LOG', type: 'org.amqp.management', name: 'self' }, {}],
    ]);
    const ids = responder.requests.map((q) => q.correlationId);
    assert.ok(ids.every((id) => typeof id === 'string'), 'correlation ids are strings');
    assert.equal(new Set(ids).size, ids.length, 'correlation ids are unique');
    assert.ok(responder.requests.every((q) => q.replyTo === client.replyAddress && q.to === '$management'));
    assert.match(client.replyAddress!, /^amqp:\/_topo\/0\/R1\/temp\.\d+$/);
  });

  it('returns what the router answered: attributes, records, type maps, node lists', async () => {
    const { client } = await start({ tables: { listener: { attributeNames: ['name', 'port', 'role'], rows: [['a', '1', 'normal'], ['b', '2', 'edge']], honoursPaging: false } } });
    const created = await client.create('listener', 'l1', { port: '5672' });
    assert.deepEqual(created, { port: '5672', name: 'l1', identity: 'listener/1', type: 'org.apache.qpid.dispatch.listener' });
    assert.deepEqual(await client.query('listener', ['name', 'role']), [{ name: 'a', role: 'normal' }, { name: 'b', role: 'edge' }]);
    assert.deepEqual(await client.query('listener'), [{ name: 'a', port: '1', role: 'normal' }, { name: 'b', port: '2', role: 'edge' }]);
    assert.deepEqual(await client.query('connection'), [], 'an empty QUERY result stays empty (rhea list0 fix)');
    assert.deepEqual(await client.getMgmtNodes(), ['amqp:/_topo/0/R1/$management']);
    const types = await client.getTypes();
    assert.deepEqual(types['org.apache.qpid.dispatch.entity'], []);
    assert.equal(await client.delete('listener', 'l1'), undefined);
  });

  it('addresses other agents through the same connection', async () => {
    const { responder, client } = await start();
    await client.target({ router: 'INT.B' }).read('listener', 'x');
    await client.target({ edge: 'E1' }).query('listener');
    await client.target({ address: 'amqp:/_local/$management' }).getMgmtNodes();
    await client.local.delete('listener', 'x');
    assert.deepEqual(responder.requests.map((q) => q.to), [
      'amqp:/_topo/0/INT.B/$management',
      'amqp:/_edge/E1/$management',
      'amqp:/_local/$management',
      '$management',
    ]);
    assert.equal(client.target({ edge: 'E1' }), client.target({ edge: 'E1' }), 'targets are reused');
    assert.equal(client.target({ edge: 'E1' }).address, 'amqp:/_edge/E1/$management');
    assert.equal(new Set(responder.requests.map((q) => q.connection)).size, 1);
  });

  it('puts the CREATE name in the properties, lifts a body-only name and checks the body', async () => {
    const { responder, client } = await start();
    await client.create('connector', undefined, { name: 'c1', host: 'h', type: 'connector' });
    assert.deepEqual(responder.requests[0]!.applicationProperties, { operation: 'CREATE', type: 'org.apache.qpid.dispatch.connector', name: 'c1' });
    assert.deepEqual(responder.requests[0]!.body, { name: 'c1', host: 'h' });
    for (const [name, attrs] of [['c2', { name: 'other' }], ['c3', { identity: 'x' }], ['c4', { type: 'listener' }], ['c5', [] as unknown as Record<string, unknown>]] as const) {
      const err = await rejection(client.create('connector', name, attrs as Record<string, unknown>));
      assert.equal(err.code, 'ECN_MGMT_BAD_REQUEST', `${name}: ${err.message}`);
    }
    assert.equal((await rejection(client.read('listener', {} as never))).code, 'ECN_MGMT_BAD_REQUEST');
    assert.equal((await rejection(client.read('', 'x'))).code, 'ECN_MGMT_BAD_REQUEST');
    assert.equal((await rejection(client.query('listener', ['a', 1 as unknown as string]))).code, 'ECN_MGMT_BAD_REQUEST');
    assert.equal((await rejection(client.query('connection', [], { count: 0 }))).code, 'ECN_MGMT_BAD_REQUEST');
    assert.equal(responder.requests.length, 1, 'bad requests never reach the wire');
  });
});

describe('flavor detection', () => {
  for (const flavor of ['qdrouterd', 'skupper'] as const) {
    const prefix = flavor === 'skupper' ? 'io.skupper.router.' : 'org.apache.qpid.dispatch.';

    it(`${flavor}: takes the prefix from the open frame's product, without a probe`, async () => {
      const { responder, client } = await start({ flavor });
      await client.connect();
      assert.equal(client.flavor, flavor);
      await client.read('listener', 'a');
      assert.equal(responder.requests.length, 1);
      assert.equal(responder.requests[0]!.applicationProperties.type, `${prefix}listener`);
    });

    it(`${flavor}: probes GET-TYPES once per connection when the router names no product`, async () => {
      const { responder, client } = await start({ flavor, product: null });
      await client.connect();
      assert.equal(client.flavor, flavor);
      await client.read('listener', 'a');
      await client.read('listener', 'b');
      assert.deepEqual(responder.requests.map((q) => q.applicationProperties.operation), ['GET-TYPES', 'READ', 'READ']);
      assert.equal(responder.requests[1]!.applicationProperties.type, `${prefix}listener`);
    });
  }

  it('uses an explicit flavor without asking', async () => {
    const { responder, client } = await start({ flavor: 'qdrouterd', product: null }, { flavor: 'skupper' });
    await client.read('listener', 'a');
    assert.equal(responder.requests.length, 1);
    assert.equal(responder.requests[0]!.applicationProperties.type, 'io.skupper.router.listener');
  });

  it('fails the connection when the probe finds no known prefix', async () => {
    const { client } = await start({ product: null, handler: (q) => (q.applicationProperties.operation === 'GET-TYPES' ? { kind: 'reply', statusCode: 200, body: { 'com.example.thing': [] } } : undefined) }, { reconnect: false });
    const err = await rejection(client.connect());
    assert.equal(err.code, 'ECN_CONNECT');
    assert.match(err.message, /cannot tell the router flavor.*no known type prefix/);
    assert.equal(client.state, 'idle');
  });
});

describe('QUERY paging', () => {
  const rows = (n: number) => Array.from({ length: n }, (_, i) => [`n${i}`, i]);

  it('pages C-agent types with offset/count until a short page', async () => {
    const { responder, client } = await start({ tables: { connection: { attributeNames: ['name', 'i'], rows: rows(1201), honoursPaging: true } } });
    const recs = await client.query('connection', ['name', 'i']);
    assert.equal(recs.length, 1201);
    assert.deepEqual(recs[1200], { name: 'n1200', i: 1200 });
    assert.ok(recs.every((r, i) => r.i === i));
    assert.deepEqual(responder.requests.map((q) => [q.applicationProperties.offset, q.applicationProperties.count]), [[0, 500], [500, 500], [1000, 500]]);
  });

  it('asks once more after an exactly full last page', async () => {
    const { responder, client } = await start({ tables: { 'router.link': { attributeNames: ['name'], rows: rows(20).map((r) => [r[0]]), honoursPaging: true } } });
    assert.equal((await client.query('router.link', ['name'], { pageSize: 10 })).length, 20);
    assert.equal(responder.requests.length, 3);
  });

  it('never pages Python-agent types (they ignore offset/count)', async () => {
    const { responder, client } = await start({ tables: { listener: { attributeNames: ['name', 'i'], rows: rows(1201), honoursPaging: false } } });
    assert.equal((await client.query('listener')).length, 1201);
    assert.equal(responder.requests.length, 1);
    assert.equal(responder.requests[0]!.applicationProperties.offset, undefined);
    assert.equal(responder.requests[0]!.applicationProperties.count, undefined);
  });

  it('sends an explicit offset/count as one request, and paging:false as one unpaged request', async () => {
    const { responder, client } = await start({ tables: { connection: { attributeNames: ['name', 'i'], rows: rows(30), honoursPaging: true } } });
    assert.deepEqual(await client.query('connection', ['i'], { offset: 5, count: 2 }), [{ i: 5 }, { i: 6 }]);
    assert.equal((await client.query('connection', ['i'], { paging: false })).length, 30);
    assert.deepEqual(responder.requests.map((q) => [q.applicationProperties.offset, q.applicationProperties.count]), [[5, 2], [undefined, undefined]]);
  });

  it('stops when an agent ignores count on the first page', async () => {
    const { responder, client } = await start({ tables: { 'router.address': { attributeNames: ['name'], rows: rows(12).map((r) => [r[0]]), honoursPaging: false } } });
    assert.equal((await client.query('router.address', ['name'], { pageSize: 5 })).length, 12);
    assert.equal(responder.requests.length, 1);
  });
});
