/**
 * Config entities with real side effects: a listener created at run time listens (and stops on DELETE, dropping
 * its connections), a connector dials (CONNECTING → FAILED on a closed port, → SUCCESS on an open one, retrying
 * with backoff) and its DELETE closes its connection.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { SimRouter } from '../../sim/router/router.js';
import { SimClient, records } from '../support/sim-client.js';
import { waitForEvent } from '../support/deadline.js';
import { QD, query, startInterior } from '../support/sim-topology.js';

/** a port nobody listens on (bound, then released) */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function tcpConnect(port: number): Promise<'connected' | 'refused'> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve('connected'); });
    s.once('error', () => resolve('refused'));
  });
}

type Status = { name: string; status: string; msg: string };

describe('runtime listeners and connectors', () => {
  let a: SimRouter;
  let b: SimRouter;
  let client: SimClient;

  before(async () => {
    [a, b] = await Promise.all([startInterior('INT.A'), startInterior('INT.B')]);
    client = await SimClient.connect({ port: a.listenerPort('amqp')! });
  });
  after(async () => {
    await client?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  const create = (type: string, name: string, body: Record<string, unknown>) =>
    client.request('$management', { operation: 'CREATE', type: QD + type, name }, body);
  const read = async (type: string, name: string) => (await client.request('$management', { operation: 'READ', type: QD + type, name }, {})).message?.body as Record<string, unknown>;
  const del = (type: string, name: string) => client.request('$management', { operation: 'DELETE', type: QD + type, name }, {});

  it('a listener created at run time accepts connections, and stops (dropping them) after DELETE', async () => {
    const opened = waitForEvent<{ name: string; port: number }>(a, 'listener-open', { match: (e) => e.name === 'rt-listener' });
    const r = await create('listener', 'rt-listener', { host: '127.0.0.1', port: '0', role: 'normal' });
    assert.equal(r.message?.application_properties?.statusCode, 201);
    const { port } = await opened;
    assert.equal(a.listenerPort('rt-listener'), port);
    assert.equal(await tcpConnect(port), 'connected');

    // an AMQP client on the new listener reaches the agent
    const viaNew = await SimClient.connect({ port });
    const id = await viaNew.request('$management', ...query('router', ['id']));
    assert.deepEqual(records(id), [{ id: 'INT.A' }]);

    const dropped = new Promise<void>((resolve) => {
      (viaNew as unknown as { conn: { once(e: string, f: () => void): void } }).conn.once('connection_close', () => resolve());
    });
    const closed = waitForEvent(a, 'listener-closed', { match: (e: { name: string }) => e.name === 'rt-listener' });
    const d = await del('listener', 'rt-listener');
    assert.equal(d.message?.application_properties?.statusCode, 204);
    await closed;
    await dropped;
    assert.equal(await tcpConnect(port), 'refused');
    assert.equal(a.listenerPort('rt-listener'), undefined);
  });

  it('a listener on a taken port: a boot listener fails the start, a runtime one reports the error and the router runs on', async () => {
    const taken = a.listenerPort('amqp')!;
    const { SimRouter } = await import('../../sim/router/router.js');
    const { agentDoubleFactory } = await import('../support/sim-agent-double.js');
    const blocked = new SimRouter({ id: 'BLOCKED', mode: 'interior', agentFactory: agentDoubleFactory, config: [{ type: 'listener', attributes: { name: 'amqp', port: String(taken) } }] });
    await assert.rejects(blocked.start(), (err: Error & { code?: string }) => err.code === 'ECN_SIM' && /listener could not be opened: amqp/.test(err.message));
    const failed = waitForEvent<{ name: string; error: string }>(a, 'listener-failed', { match: (e) => e.name === 'clash' });
    const errored = waitForEvent<Error & { code?: string }>(a, 'error');
    const r = await create('listener', 'clash', { host: '127.0.0.1', port: String(taken), role: 'normal' });
    assert.equal(r.message?.application_properties?.statusCode, 201, 'the entity is created, as on a real router');
    assert.match((await failed).error, /EADDRINUSE/);
    assert.equal((await errored).code, 'ECN_SIM');
    assert.deepEqual(records(await client.request('$management', ...query('router', ['id']))), [{ id: 'INT.A' }]);
    await del('listener', 'clash');
  });

  it('a connector to a closed port fails (CONNECTING → FAILED → CONNECTING, as qdrouterd) and keeps retrying', async () => {
    const port = await closedPort();
    const events: string[] = [];
    const onStatus = (e: Status): void => { if (e.name === 'rt-dead') events.push(e.status); };
    a.on('connector-status', onStatus);
    try {
      const failed = waitForEvent<Status>(a, 'connector-status', { match: (e) => e.name === 'rt-dead' && e.status === 'FAILED' });
      await create('connector', 'rt-dead', { host: '127.0.0.1', port: String(port), role: 'normal' });
      assert.equal(events[0], 'CONNECTING', 'the first attempt starts with the CREATE');
      await failed;
      const after = await read('connector', 'rt-dead');
      // qdrouterd shows a failed connector as CONNECTING while it waits to retry, with the failure in connectionMsg
      assert.equal(after.connectionStatus, 'CONNECTING');
      assert.match(String(after.connectionMsg), new RegExp(`^\\[C\\d+\\] Connection to 127\\.0\\.0\\.1:${port} failed: proton:io Connection refused - disconnected 127\\.0\\.0\\.1:${port}$`));
      assert.equal(after.failoverUrls, `amqp://127.0.0.1:${port}`);
      // the retry (50 ms backoff in these tests) starts a new attempt
      await waitForEvent<Status>(a, 'connector-status', { match: (e) => e.name === 'rt-dead' && e.status === 'FAILED' });
      assert.deepEqual(events.slice(0, 5), ['CONNECTING', 'FAILED', 'CONNECTING', 'FAILED', 'CONNECTING']);
    } finally {
      a.off('connector-status', onStatus);
      await del('connector', 'rt-dead');
    }
  });

  it('a failing connector succeeds once something listens on its port', async () => {
    const port = await closedPort();
    await create('connector', 'rt-late', { host: '127.0.0.1', port: String(port), role: 'normal' });
    await waitForEvent<Status>(a, 'connector-status', { match: (e) => e.name === 'rt-late' && e.status === 'FAILED' });
    const success = waitForEvent<Status>(a, 'connector-status', { match: (e) => e.name === 'rt-late' && e.status === 'SUCCESS' });
    const server = net.createServer((s) => s.destroy()); // accepts, then hangs up: SUCCESS needs an AMQP open
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const failedAgain = waitForEvent<Status>(a, 'connector-status', { match: (e) => e.name === 'rt-late' && e.status === 'FAILED' });
    await failedAgain;
    await new Promise<void>((r) => server.close(() => r()));
    // now a router listens there
    const opened = waitForEvent(b, 'listener-open', { match: (e: { name: string }) => e.name === 'late' });
    const bClient = await SimClient.connect({ port: b.listenerPort('amqp')! });
    try {
      await bClient.request('$management', { operation: 'CREATE', type: QD + 'listener', name: 'late' }, { host: '127.0.0.1', port: String(port), role: 'normal' });
      await opened;
      await success;
      assert.equal((await read('connector', 'rt-late')).connectionStatus, 'SUCCESS');
    } finally {
      await del('connector', 'rt-late');
      await bClient.close();
    }
  });

  it('a connector to an open port succeeds; its connection shows on both routers; DELETE closes it', async () => {
    const success = waitForEvent<Status>(a, 'connector-status', { match: (e) => e.name === 'to-b' && e.status === 'SUCCESS' });
    await create('connector', 'to-b', { host: '127.0.0.1', port: String(b.listenerPort('amqp')), role: 'normal' });
    await success;
    assert.equal((await read('connector', 'to-b')).connectionStatus, 'SUCCESS');
    const mine = records(await client.request('$management', ...query('connection', ['container', 'dir', 'role', 'host'])));
    assert.ok(mine.some((r) => r.container === 'INT.B' && r.dir === 'out' && r.role === 'normal' && r.host === `127.0.0.1:${b.listenerPort('amqp')}`));
    const bRows = (): Array<Record<string, unknown>> => b.runtime!.rows('connection').filter((r) => r.container === 'INT.A');
    assert.equal(bRows().length, 1);

    const gone = waitForEvent(b, 'connection-closed', { match: (e: { container?: string }) => e.container === 'INT.A' });
    await del('connector', 'to-b');
    await gone;
    assert.equal(bRows().length, 0);
    const after = records(await client.request('$management', ...query('connection', ['container'])));
    assert.ok(!after.some((r) => r.container === 'INT.B'));
  });
});
