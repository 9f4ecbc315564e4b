/**
 * The simulated management agent as skupper-router 3.x (no recording: the reference §2.5/§4/§7.12 and the 3.5.1
 * schema): `router` served by the Python agent, counters in routerMetrics (C, QUERY only), updatable sslProfile
 * and tcpListener.observer, listenerAddress, no linkRoute, tcpListener default host "", router.link UPDATE 403.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { routerBootConfig } from '../../sim/boot-config.js';
import { ManagementAgent } from '../../sim/router/agent.js';
import type { AgentResult, Attributes } from '../../sim/router/contract.js';
import { FakeRuntime } from '../support/fake-runtime.js';

const P = 'io.skupper.router.';

function skupper(version = '3.5.1') {
  const runtime = new FakeRuntime();
  runtime.setRows('connection', [{ identity: '2', role: 'edge', dir: 'in', container: 'E1' }]);
  runtime.setRows('router.link', [{ identity: '3', name: 'l', linkType: 'edge-downlink', connectionId: '2' }]);
  runtime.counters = { connectionCount: 1, uptimeSeconds: 42, connectionCounters: { amqp: 1, tcp: 0 } };
  const agent = new ManagementAgent({
    identity: { id: 'S1', mode: 'interior', flavor: 'skupper', version },
    runtime,
    hooks: runtime,
    config: routerBootConfig({ mode: 'interior', port: 5672, edgePort: 45671 }),
  });
  const reply = (props: Record<string, unknown>, body: unknown = {}) => {
    const r = agent.handle({ applicationProperties: props, body, hasReplyTo: true });
    assert.equal(r.kind, 'reply');
    return r as Extract<AgentResult, { kind: 'reply' }>;
  };
  return { agent, runtime, reply };
}

describe('skupper-router 3.x agent', () => {
  test('router is a Python entity; its counters are in routerMetrics, QUERY only', () => {
    const { reply } = skupper();
    const r = reply({ operation: 'QUERY', entityType: P + 'router' }, { attributeNames: ['id', 'mode', 'version', 'name'] });
    assert.equal(r.agent, 'python');
    assert.deepEqual((r.body as { results: unknown[] }).results, [['S1', 'interior', '3.5.1', 'router/S1']]);
    const m = reply({ operation: 'QUERY', entityType: P + 'routerMetrics' }, { attributeNames: ['identity', 'type', 'id', 'connectionCount', 'uptimeSeconds', 'connectionCounters', 'version'] });
    assert.equal(m.agent, 'c');
    assert.deepEqual((m.body as { results: unknown[] }).results, [['1', P + 'routerMetrics', 'S1', 1, 42, { amqp: 1, tcp: 0 }, '3.5.1']]);
    for (const op of ['READ', 'CREATE', 'UPDATE']) {
      const f = reply({ operation: op, type: P + 'routerMetrics', identity: '1' });
      assert.deepEqual([f.statusCode, f.body], [403, null], op);
    }
    assert.deepEqual(reply({ operation: 'DELETE', type: P + 'routerMetrics', identity: '1' }).body, {});
  });

  test('tcpListener: default host "", updatable observer only; tcpConnector not updatable', () => {
    const { reply, runtime } = skupper();
    const c = reply({ operation: 'CREATE', type: P + 'tcpListener', name: 'listener/web' }, { port: '9090', address: 'web' });
    assert.equal(c.statusCode, 201);
    const b = c.body as Attributes;
    assert.equal(b.host, '');
    assert.equal(b.identity, 'tcpListener/:9090:listener/web');
    assert.equal(b.observer, 'auto');
    assert.deepEqual(Object.keys(b).slice(-5), ['bytesIn', 'bytesOut', 'connectionsOpened', 'connectionsClosed', 'operStatus']);
    const u = reply({ operation: 'UPDATE', type: P + 'tcpListener', name: 'listener/web' }, { observer: 'none' });
    assert.equal((u.body as Attributes).observer, 'none');
    assert.equal(reply({ operation: 'UPDATE', type: P + 'tcpListener', name: 'listener/web' }, { port: '9091' }).statusDescription, "Cannot update attribute 'port' in UPDATE");
    reply({ operation: 'CREATE', type: P + 'tcpConnector', name: 'connector/web' }, { port: '80', address: 'web' });
    assert.equal(reply({ operation: 'UPDATE', type: P + 'tcpConnector', name: 'connector/web' }, { port: '81' }).statusCode, 501);
    assert.deepEqual(runtime.calls.map((x) => `${x.hook}:${x.type}`), ['created:tcpListener', 'updated:tcpListener', 'created:tcpConnector']);
  });

  test('a tcpListener and a tcpConnector cannot share a name', () => {
    const { reply } = skupper();
    reply({ operation: 'CREATE', type: P + 'tcpListener', name: 'web' }, { port: '9090', address: 'web' });
    const dup = reply({ operation: 'CREATE', type: P + 'tcpConnector', name: 'web' }, { port: '80', address: 'web' });
    assert.equal(dup.statusCode, 400);
    assert.match(dup.statusDescription, /^adding TcpConnectorEntity\(.*\) duplicates unique attribute 'name' from existing TcpListenerEntity\(/);
  });

  test('sslProfile rotation fields are updatable', () => {
    const { reply } = skupper();
    reply({ operation: 'CREATE', type: P + 'sslProfile', name: 'tls' }, { certFile: '/a.pem', ordinal: 1 });
    const u = reply({ operation: 'UPDATE', type: P + 'sslProfile', name: 'tls' }, { certFile: '/b.pem', ordinal: 2, oldestValidOrdinal: 1 });
    assert.equal(u.statusCode, 200);
    assert.deepEqual(u.body, { certFile: '/b.pem', ordinal: 2, type: P + 'sslProfile', name: 'tls', identity: 'sslProfile/tls', oldestValidOrdinal: 1 });
    assert.equal(reply({ operation: 'UPDATE', type: P + 'sslProfile', name: 'tls' }, { uidFormat: 'c' }).statusDescription, "Cannot update attribute 'uidFormat' in UPDATE");
  });

  test('listenerAddress names its tcpListener; identity listener:address:name', () => {
    const { reply } = skupper();
    assert.equal(reply({ operation: 'CREATE', type: P + 'listenerAddress', name: 'la' }, { address: 'a', value: 1, listener: 'none' }).statusCode, 400);
    reply({ operation: 'CREATE', type: P + 'tcpListener', name: 'tl' }, { port: '9000', address: 'a' });
    const ok = reply({ operation: 'CREATE', type: P + 'listenerAddress', name: 'la' }, { address: 'a', value: '10', listener: 'tl' });
    assert.equal((ok.body as Attributes).identity, 'listenerAddress/tl:a:la');
    assert.equal((ok.body as Attributes).value, 10);
    assert.equal(reply({ operation: 'CREATE', type: P + 'listenerAddress', name: 'lb' }, { address: 'a', listener: 'tl' }).statusDescription,
      `${P}listenerAddress: Missing required attribute 'value'`);
  });

  test('no linkRoute, no router.config.exchange: both unknown types', () => {
    const { reply } = skupper();
    for (const t of ['router.config.linkRoute', 'router.config.exchange']) {
      const r = reply({ operation: 'CREATE', type: P + t, name: 'x' }, { prefix: 'a', direction: 'in' });
      assert.equal(r.agent, 'python');
      assert.equal(r.statusDescription, `No such entity type '${P}${t}'`);
    }
  });

  test('router.link UPDATE is 403 since 3.3, handled before', () => {
    assert.equal(skupper('3.5.1').reply({ operation: 'UPDATE', type: P + 'router.link', identity: '3' }, { adminStatus: 'enabled' }).statusCode, 403);
    assert.equal(skupper('3.2.0').reply({ operation: 'UPDATE', type: P + 'router.link', identity: '3' }, { adminStatus: 'enabled' }).statusCode, 200);
  });

  test('connection and link columns of 3.x', () => {
    const { reply } = skupper();
    const c = reply({ operation: 'QUERY', entityType: P + 'connection' }, {}).body as { attributeNames: string[] };
    assert.ok(!c.attributeNames.includes('tenant') && c.attributeNames.includes('groupCorrelationId') && c.attributeNames.includes('active'));
    const l = reply({ operation: 'QUERY', entityType: P + 'router.link' }, { attributeNames: ['linkType', 'connectionId'] }).body;
    assert.deepEqual(l, { attributeNames: ['linkType', 'connectionId'], results: [['edge-downlink', '2']] });
  });

  test('GET-SCHEMA has the 31 types of the 3.5.1 schema and the io.skupper.router prefix', () => {
    const { reply } = skupper();
    const s = reply({ operation: 'GET-SCHEMA' }).body as { prefix: string; entityTypes: Record<string, unknown> };
    assert.equal(s.prefix, 'io.skupper.router');
    assert.equal(Object.keys(s.entityTypes).length, 31);
    assert.ok('routerMetrics' in s.entityTypes && 'listenerAddress' in s.entityTypes && !('linkRoute' in s.entityTypes));
  });
});
