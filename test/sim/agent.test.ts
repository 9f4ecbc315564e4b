/**
 * The simulated management agent (qdrouterd 1.x behaviour): which agent answers, the Python agent's CREATE / READ /
 * UPDATE / DELETE / QUERY rules and texts, the C agent's tables, runtime rows, paging, silent and forbidden cases,
 * hooks and live attributes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { routerBootConfig } from '../../sim/boot-config.js';
import { ManagementAgent } from '../../sim/router/agent.js';
import type { AgentResult, Attributes, ConfigEntity, RouterIdentity } from '../../sim/router/contract.js';
import { FakeRuntime } from '../support/fake-runtime.js';

const P = 'org.apache.qpid.dispatch.';

interface Harness {
  agent: ManagementAgent;
  runtime: FakeRuntime;
  req(props: Record<string, unknown>, body?: unknown, hasReplyTo?: boolean): AgentResult;
  reply(props: Record<string, unknown>, body?: unknown): Extract<AgentResult, { kind: 'reply' }>;
}

function harness(opts: Partial<RouterIdentity> & { config?: ConfigEntity[]; setup?: (rt: FakeRuntime) => void } = {}): Harness {
  const runtime = new FakeRuntime();
  const mode = opts.mode ?? 'interior';
  runtime.setRows('router.node', mode === 'interior'
    ? [{ id: opts.id ?? 'R1', protocolVersion: 1, instance: 7, linkState: [], nextHop: '(self)', validOrigins: [], address: `amqp:/_topo/0/${opts.id ?? 'R1'}`, routerLink: null, cost: null, lastTopoChange: 0, index: 0 }]
    : []);
  runtime.setRows('connection', [
    { name: 'connection/127.0.0.1:50001', identity: '3', host: '127.0.0.1:50001', role: 'normal', protocol: 'amqp', dir: 'in', container: 'client', active: true, adminStatus: 'enabled', operStatus: 'up' },
    { name: 'connection/127.0.0.1:50002', identity: '4', host: '127.0.0.1:50002', role: 'edge', protocol: 'amqp', dir: 'in', container: 'E1', active: true, adminStatus: 'enabled', operStatus: 'up' },
    { name: 'connection/127.0.0.1:50003', identity: '5', host: '127.0.0.1:50003', role: 'normal', protocol: 'amqp', dir: 'in', container: 'other', active: true, adminStatus: 'enabled', operStatus: 'up' },
  ]);
  runtime.setRows('router.address', ['Lqdhello', 'M0closest.a', 'HE1'].map((key) => ({ key, distribution: 'balanced', inProcess: 0, subscriberCount: 1 })));
  runtime.setRows('router.link', [{ name: 'qdlink.a', identity: '8', linkName: 'qdlink.a', linkType: 'endpoint', linkDir: 'in', capacity: 250, connectionId: '3' }]);
  opts.setup?.(runtime);
  const identity: RouterIdentity = { id: opts.id ?? 'R1', mode, flavor: opts.flavor ?? 'qdrouterd', version: opts.version ?? '1.19.0' };
  const config = opts.config ?? routerBootConfig({ mode: mode === 'edge' ? 'edge' : 'interior', port: 5672, edgePort: 45672, interRouterPort: 55672 });
  const agent = new ManagementAgent({ identity, runtime, hooks: runtime, config });
  const req = (props: Record<string, unknown>, body: unknown = {}, hasReplyTo = true) => agent.handle({ applicationProperties: props, body, hasReplyTo });
  const reply = (props: Record<string, unknown>, body: unknown = {}) => {
    const r = req(props, body);
    assert.equal(r.kind, 'reply', `expected a reply to ${JSON.stringify(props)}`);
    return r as Extract<AgentResult, { kind: 'reply' }>;
  };
  return { agent, runtime, req, reply };
}

const create = (type: string, name: string | undefined, body: Attributes) => ({ props: { operation: 'CREATE', type: P + type, ...(name ? { name } : {}) }, body });

describe('dispatch between the C and the Python agent', () => {
  test('exact long type and upper-case operation go to the C agent', () => {
    const h = harness();
    const r = h.reply({ operation: 'QUERY', type: 'org.amqp.management', name: 'self', entityType: P + 'connection' }, { attributeNames: ['container'] });
    assert.equal(r.agent, 'c');
    assert.deepEqual(r.body, { attributeNames: ['container'], results: [['client'], ['E1'], ['other']] });
  });

  test('a short type name reaches the Python agent, which holds no connections', () => {
    const h = harness();
    const r = h.reply({ operation: 'QUERY', type: 'org.amqp.management', name: 'self', entityType: 'connection' }, { attributeNames: [] });
    assert.equal(r.agent, 'python');
    const body = r.body as { attributeNames: string[]; results: unknown[] };
    assert.deepEqual(body.results, []);
    assert.deepEqual(body.attributeNames.slice(0, 4), ['adminStatus', 'operStatus', 'protocol', 'container']);
    assert.deepEqual(body.attributeNames.slice(-3), ['name', 'identity', 'type']);
  });

  test('a lower-case operation reaches the Python agent', () => {
    const h = harness();
    const r = h.reply({ operation: 'query', entityType: P + 'connection' }, { attributeNames: ['identity'] });
    assert.equal(r.agent, 'python');
    assert.deepEqual(r.body, { attributeNames: ['identity'], results: [] });
  });

  test('entityType wins over type when both are present', () => {
    const h = harness();
    assert.equal(h.reply({ operation: 'QUERY', type: P + 'listener', entityType: P + 'router.address' }, {}).agent, 'c');
  });

  test('without reply_to nothing is answered; the C agent still performs the operation', () => {
    const h = harness();
    assert.deepEqual(h.req(create('router.config.address', 'quiet', { prefix: 'q' }).props, { prefix: 'q' }, false), { kind: 'silent', agent: 'c' });
    assert.equal(h.agent.get('router.config.address', 'quiet')?.prefix, 'q');
    assert.deepEqual(h.req(create('listener', 'quiet-l', { port: '1' }).props, { port: '1' }, false), { kind: 'silent', agent: 'python' });
    assert.equal(h.agent.get('listener', 'quiet-l'), undefined);
  });
});

describe('Python agent CREATE', () => {
  test('body keys in request order, then type, name, identity, then defaults in schema order', () => {
    const h = harness();
    const r = h.reply(create('listener', 'l1', {}).props, { host: '127.0.0.1', port: 20001, role: 'normal' });
    assert.equal(r.statusCode, 201);
    const keys = Object.keys(r.body as object);
    assert.deepEqual(keys.slice(0, 7), ['host', 'port', 'role', 'type', 'name', 'identity', 'cost']);
    assert.deepEqual(r.body, {
      host: '127.0.0.1', port: '20001', role: 'normal', type: P + 'listener', name: 'l1', identity: 'listener/127.0.0.1:20001:l1',
      cost: 1, authenticatePeer: false, requireEncryption: false, requireSsl: false, maxFrameSize: 16384, maxSessions: 32768,
      idleTimeoutSeconds: 16, initialHandshakeTimeoutSeconds: 0, stripAnnotations: 'both', multiTenant: false, healthz: true,
      metrics: true, websockets: true, http: false, messageLoggingComponents: 'none',
    });
    assert.deepEqual(h.runtime.calls.map((c) => `${c.hook}:${c.type}:${c.entity?.name}`), ['created:listener:l1']);
  });

  test('a name given only in the body is discarded: identity and name become host:port without the name', () => {
    const h = harness();
    const r = h.reply({ operation: 'CREATE', type: P + 'listener' }, { host: '127.0.0.1', port: '20002', name: 'body-only' });
    const body = r.body as Attributes;
    assert.equal(body.identity, 'listener/127.0.0.1:20002');
    assert.equal(body.name, 'listener/127.0.0.1:20002');
    assert.equal(Object.keys(body).at(-1), 'name');
    assert.equal(h.reply({ operation: 'READ', type: P + 'listener', name: 'body-only' }).statusCode, 404);
  });

  test('type only in the body, or missing: 400 with the Python repr of the request dict', () => {
    const h = harness();
    const r = h.reply({ operation: 'CREATE', name: 'x' }, { port: '1', authenticatePeer: false, type: P + 'listener' });
    assert.equal(r.statusCode, 400);
    assert.equal(r.statusDescription, "No 'type' attribute in {'port': '1', 'authenticatePeer': False, 'type': None, 'name': 'x'}");
    assert.deepEqual(r.body, {});
  });

  test('conflicting name, identity in the body, read-only and unknown attributes', () => {
    const h = harness();
    assert.equal(h.reply(create('listener', 'a', {}).props, { name: 'b' }).statusDescription, "Conflicting values for 'name'");
    assert.equal(h.reply(create('listener', 'a', {}).props, { identity: 'x' }).statusDescription, "Cannot set attribute 'identity' in CREATE");
    assert.equal(h.reply(create('connector', 'a', {}).props, { connectionStatus: 'SUCCESS' }).statusDescription, "Cannot set attribute 'connectionStatus' in CREATE");
    assert.equal(h.reply(create('listener', 'a', {}).props, { fooBar: 1 }).statusDescription, `Unknown attribute 'fooBar' for '${P}listener'`);
    assert.equal(h.runtime.calls.length, 0, 'rejected requests call no hook');
  });

  test('operations the type does not list are 501 with the list', () => {
    const h = harness();
    const r = h.reply(create('router.node', 'n', {}).props, {});
    assert.equal(r.statusCode, 501);
    assert.equal(r.statusDescription, `Operation 'CREATE' not implemented for '${P}router.node' ['READ']`);
    const u = h.reply({ operation: 'UPDATE', type: P + 'listener', name: 'amqp' }, { cost: 2 });
    assert.equal(u.statusDescription, `Operation 'UPDATE' not implemented for '${P}listener' ['CREATE', 'DELETE', 'READ']`);
  });

  test('unknown types by full or short name', () => {
    const h = harness();
    assert.equal(h.reply(create('noSuchType', 'x', {}).props, {}).statusDescription, `No such entity type '${P}noSuchType'`);
    assert.equal(h.reply({ operation: 'CREATE', type: 'noSuchType', name: 'x' }, {}).statusDescription, "No such entity type 'noSuchType'");
  });

  test('names are unique across all Python entity types, with the entity dumps in the text', () => {
    const h = harness();
    h.reply(create('listener', 'dup', {}).props, { host: '127.0.0.1', port: '20003' });
    const r = h.reply(create('connector', 'dup', {}).props, { host: '127.0.0.1', port: '20004', saslPassword: 'secret' });
    assert.equal(r.statusCode, 400);
    assert.match(r.statusDescription, /^adding ConnectorEntity\(allowRedirect=True, cost=1, host=127\.0\.0\.1, identity=connector\/127\.0\.0\.1:20004:dup, /);
    assert.match(r.statusDescription, /saslPassword=\*\*\*\*\*\*\*/);
    assert.match(r.statusDescription, / duplicates unique attribute 'name' from existing ListenerEntity\(authenticatePeer=False, .*name=dup, port=20003, .*websockets=True\)$/);
  });

  test('values are coerced as the Python schema does', () => {
    const h = harness();
    const r = h.reply(create('listener', 'c1', {}).props, { port: 5999, role: 1, authenticatePeer: 'yes', maxFrameSize: '1000', stripAnnotations: -1 });
    const b = r.body as Attributes;
    assert.equal(b.port, '5999');
    assert.equal(b.role, 'inter-router');
    assert.equal(b.authenticatePeer, true);
    assert.equal(b.maxFrameSize, 1000);
    assert.equal(b.stripAnnotations, 'no');
    assert.equal(b.host, '', 'default host of a listener');
    const bad = h.reply(create('listener', 'c2', {}).props, { role: 'bogus' });
    assert.equal(bad.statusDescription, `${P}listener: Invalid value for enum['normal', 'inter-router', 'route-container', 'edge']: 'bogus'`);
    assert.equal(h.reply(create('listener', 'c3', {}).props, { requireSsl: 'maybe' }).statusDescription, `${P}listener: Invalid Boolean value ''maybe''`);
    assert.match(h.reply(create('listener', 'c4', {}).props, { cost: 'abc' }).statusDescription, /: invalid literal for int\(\) with base 10: 'abc':<traceback object at 0x[0-9a-f]+>$/);
  });

  test('openProperties may not use reserved keys nor appear on router-to-router roles', () => {
    const h = harness();
    assert.equal(h.reply(create('listener', 'o1', {}).props, { openProperties: { 'qd.x': 1 } }).statusDescription, "Reserved key 'qd.x' not allowed in openProperties");
    assert.equal(h.reply(create('connector', 'o2', {}).props, { role: 'edge', openProperties: { a: 1 } }).statusDescription, 'openProperties not allowed for role edge');
  });

  test('a null or non-map body fails the way agent.py does', () => {
    const h = harness();
    assert.equal(h.reply(create('listener', 'n', {}).props, null).statusDescription, "AttributeError: 'NoneType' object has no attribute 'setdefault'");
    assert.equal(h.reply({ operation: 'CREATE' }, null).statusDescription, "TypeError: 'NoneType' object does not support item assignment");
  });

  test('a connector naming a missing sslProfile is refused; an existing one is accepted', () => {
    const h = harness();
    assert.equal(h.reply(create('connector', 'c', {}).props, { sslProfile: 'nope' }).statusCode, 500);
    assert.equal(h.reply(create('sslProfile', 'tls', {}).props, { certFile: '/c.pem' }).statusCode, 201);
    assert.equal(h.reply(create('connector', 'c', {}).props, { sslProfile: 'tls', port: '1' }).statusCode, 201);
    assert.equal((h.agent.get('sslProfile', 'tls') as Attributes).identity, 'sslProfile/tls');
  });
});

describe('Python agent READ / DELETE / UPDATE', () => {
  test('read by name or by identity; wrong type; missing; no name or identity', () => {
    const h = harness();
    const byName = h.reply({ operation: 'READ', type: P + 'listener', name: 'amqp' });
    assert.equal(byName.statusCode, 200);
    const identity = (byName.body as Attributes).identity as string;
    assert.equal(identity, 'listener/127.0.0.1:5672:amqp');
    assert.equal(Object.keys(byName.body as object)[0], 'type', 'boot entities start with their type');
    assert.equal(Object.keys(byName.body as object).at(-1), 'identity', 'and end with their identity');
    assert.deepEqual(h.reply({ operation: 'READ', type: P + 'listener', identity }).body, byName.body);
    assert.equal(h.reply({ operation: 'READ', type: P + 'connector', name: 'amqp' }).statusDescription,
      `Entity type '${P}listener' does not extend requested type '${P}connector'`);
    assert.equal(h.reply({ operation: 'READ', type: P + 'listener', name: 'zz' }).statusDescription, 'No entity with name=zz');
    assert.equal(h.reply({ operation: 'READ', type: P + 'listener' }).statusDescription, `${P}listener: No name or identity provided`);
    assert.equal(h.reply({ operation: 'READ', type: P + 'listener', name: 'amqp', identity: 'x' }).statusDescription, 'Conflicting name=amqp identity=x');
  });

  test('delete calls the hook and the entity is gone', () => {
    const h = harness();
    assert.equal(h.reply({ operation: 'DELETE', type: P + 'listener', name: 'edge' }).statusCode, 204);
    assert.equal(h.reply({ operation: 'READ', type: P + 'listener', name: 'edge' }).statusCode, 404);
    assert.deepEqual(h.runtime.calls.map((c) => `${c.hook}:${c.type}:${c.entity?.name}`), ['deleted:listener:edge']);
    assert.deepEqual(h.agent.list('listener').map((l) => l.name), ['amqp', 'inter-router']);
  });

  test('update merges, checks update flags, and calls the hook', () => {
    const h = harness();
    const r = h.reply({ operation: 'UPDATE', type: P + 'log', name: 'log/ROUTER' }, { enable: 'debug+' });
    assert.equal(r.statusCode, 200);
    assert.equal((r.body as Attributes).enable, 'debug+');
    assert.equal(h.reply({ operation: 'UPDATE', type: P + 'log', name: 'log/ROUTER' }, { module: 'AGENT' }).statusDescription, "Cannot update attribute 'module' in UPDATE");
    assert.equal(h.reply({ operation: 'UPDATE', type: P + 'log', name: 'log/ROUTER' }, { module: 'ROUTER' }).statusCode, 200, 'an unchanged value may be resent');
    assert.deepEqual(h.runtime.calls.map((c) => c.hook), ['updated', 'updated']);
  });
});

describe('Python agent QUERY and node operations', () => {
  test('all attributes in schema order, paging ignored, subtypes included, all-null rows omitted', () => {
    const h = harness();
    const all = h.reply({ operation: 'QUERY', entityType: P + 'listener', offset: 1, count: 1 }, { attributeNames: [] });
    const body = all.body as { attributeNames: string[]; results: unknown[][] };
    assert.equal(body.results.length, 3);
    assert.deepEqual(body.attributeNames.slice(0, 3), ['host', 'port', 'socketAddressFamily']);
    const sub = h.reply({ operation: 'QUERY', entityType: P + 'configurationEntity' }, { attributeNames: ['name'] });
    const names = (sub.body as { results: unknown[][] }).results.map((r) => r[0]);
    assert.ok(names.includes('amqp') && names.includes('router/R1') && names.includes('address/0'));
    const sparse = h.reply({ operation: 'QUERY', entityType: P + 'listener' }, { attributeNames: ['sslProfile'] });
    assert.deepEqual((sparse.body as { results: unknown[] }).results, []);
  });

  test('unknown attribute names are 404, a null body is 500', () => {
    const h = harness();
    assert.equal(h.reply({ operation: 'QUERY', entityType: P + 'listener' }, { attributeNames: ['name', 'nope'] }).statusDescription,
      `Unknown attributes ['nope'] for type ${P}listener.`);
    const n = h.reply({ operation: 'QUERY', entityType: P + 'listener' }, null);
    assert.equal(n.statusCode, 500);
    assert.equal(n.statusDescription, "AttributeError: 'NoneType' object has no attribute 'get'");
  });

  test('router.node rows on an interior, none on an edge; GET-MGMT-NODES follows them', () => {
    const h = harness();
    const q = h.reply({ operation: 'QUERY', entityType: P + 'router.node' }, { attributeNames: ['id', 'nextHop', 'name', 'identity'] });
    assert.deepEqual((q.body as { results: unknown[] }).results, [['R1', '(self)', 'router.node/R1', 'router.node/R1']]);
    assert.deepEqual(h.reply({ operation: 'GET-MGMT-NODES' }).body, ['amqp:/_topo/0/R1/$management']);
    const e = harness({ mode: 'edge', id: 'E1', config: routerBootConfig({ mode: 'edge', port: 5673, connect: [{ host: '127.0.0.1', port: 45672 }] }) });
    assert.deepEqual(e.reply({ operation: 'GET-MGMT-NODES' }).body, []);
    assert.deepEqual((e.reply({ operation: 'QUERY', entityType: P + 'router.node' }, {}).body as { results: unknown[] }).results, []);
  });

  test('GET-TYPES, GET-OPERATIONS, GET-ATTRIBUTES, GET-ANNOTATIONS, GET-SCHEMA, GET-JSON-SCHEMA, GET-LOG', () => {
    const h = harness();
    const types = h.reply({ operation: 'GET-TYPES', entityType: P + 'configurationEntity' }).body as Record<string, string[]>;
    assert.deepEqual(types[P + 'listener'], [P + 'configurationEntity', P + 'entity']);
    assert.equal(types[P + 'connection'], undefined);
    assert.deepEqual(h.reply({ operation: 'GET-OPERATIONS', entityType: P + 'listener' }).body, { [P + 'listener']: ['CREATE', 'DELETE', 'READ'] });
    const attrs = h.reply({ operation: 'GET-ATTRIBUTES', entityType: P + 'sslProfile' }).body as Record<string, string[]>;
    assert.deepEqual(attrs[P + 'sslProfile']!.slice(-3), ['name', 'identity', 'type']);
    assert.deepEqual(h.reply({ operation: 'GET-ANNOTATIONS' }).body, {});
    const schema = h.reply({ operation: 'GET-SCHEMA' }).body as { prefix: string; entityTypes: Record<string, { attributes: Record<string, Attributes> }> };
    assert.equal(schema.prefix, 'org.apache.qpid.dispatch');
    assert.equal(Object.keys(schema.entityTypes).length, 29);
    assert.ok('address' in schema.entityTypes && 'router.connection.linkRoute' in schema.entityTypes);
    assert.equal(schema.entityTypes.listener!.attributes.initialHandshakeTimeoutSeconds!.default, undefined, 'falsy defaults are not dumped');
    const json = h.reply({ operation: 'GET-JSON-SCHEMA' }).body as string;
    assert.deepEqual(JSON.parse(json), schema);
    assert.match(json, /^\{"prefix": "org\.apache\.qpid\.dispatch", "entityTypes": \{/);
    assert.deepEqual(h.reply({ operation: 'GET-LOG', limit: 5 }).body, []);
  });
});

describe('C agent', () => {
  test('config address: numeric identity, column order, name conflict with a null body, unknown attributes ignored', () => {
    const h = harness();
    const r = h.reply(create('router.config.address', 'a1', {}).props, { prefix: 'a.b', distribution: 'closest', fooBar: 1 });
    assert.equal(r.statusCode, 201);
    assert.equal(r.agent, 'c');
    assert.deepEqual(Object.keys(r.body as object), ['name', 'identity', 'type', 'prefix', 'distribution', 'waypoint', 'ingressPhase', 'egressPhase', 'pattern', 'priority', 'fallback']);
    const id = (r.body as Attributes).identity as string;
    assert.match(id, /^\d+$/);
    assert.ok(Number(id) > 8, 'identities do not collide with connection or link ids');
    const dup = h.reply(create('router.config.address', 'a1', {}).props, { prefix: 'x' });
    assert.deepEqual([dup.statusCode, dup.statusDescription, dup.body], [400, 'Name conflicts with an existing entity', null]);
    assert.equal(h.reply(create('router.config.address', 'a2', {}).props, { prefix: 'a.b' }).statusDescription, 'Already exists');
    assert.equal(h.reply(create('router.config.address', 'a3', {}).props, {}).statusDescription, "Either a 'prefix' or 'pattern' attribute must be provided");
    assert.equal(h.reply(create('router.config.address', 'a4', {}).props, null).statusDescription, 'Body of request must be a map');
    assert.deepEqual(h.reply({ operation: 'READ', type: P + 'router.config.address', identity: id }).body, r.body);
    assert.deepEqual(h.reply({ operation: 'DELETE', type: P + 'router.config.address', name: 'a1' }).body, {});
    const gone = h.reply({ operation: 'READ', type: P + 'router.config.address', name: 'a1' });
    assert.deepEqual([gone.statusCode, gone.statusDescription, gone.body], [404, 'Not Found', {}]);
    assert.deepEqual(h.runtime.calls.map((c) => `${c.hook}:${c.type}`), ['created:router.config.address', 'deleted:router.config.address']);
  });

  test('autoLink and linkRoute validation texts', () => {
    const h = harness();
    const al = h.reply(create('router.config.autoLink', 'al', {}).props, { address: 'q', direction: 'in', containerId: 'broker' });
    assert.deepEqual(al.body, { name: 'al', identity: (al.body as Attributes).identity, type: P + 'router.config.autoLink', address: 'q', addr: 'q', direction: 'in', dir: 'in', phase: 1, connection: null, containerId: 'broker', externalAddress: null, externalAddr: null, linkRef: null, operStatus: 'inactive', lastError: null, fallback: false });
    assert.equal(h.reply(create('router.config.autoLink', 'al2', {}).props, { address: 'q' }).statusDescription, 'address and direction fields are mandatory');
    assert.equal(h.reply(create('router.config.autoLink', 'al3', {}).props, { address: 'q', direction: 'up' }).statusDescription, "Invalid value for 'direction'");
    assert.equal(h.reply(create('router.config.linkRoute', 'lr', {}).props, { prefix: 'q' }).statusDescription, "No 'direction' attribute provided - it is mandatory");
    assert.equal(h.reply(create('router.config.linkRoute', 'lr', {}).props, { prefix: 'q', direction: 'out' }).statusCode, 201);
  });

  test('runtime rows: columns in C order, unknown names map to column 0, paging honoured', () => {
    const h = harness();
    const all = h.reply({ operation: 'QUERY', entityType: P + 'connection' }, { attributeNames: [] }).body as { attributeNames: string[]; results: unknown[][] };
    assert.deepEqual(all.attributeNames.slice(0, 4), ['name', 'identity', 'host', 'role']);
    assert.ok(all.attributeNames.includes('active'), 'extra non-schema column');
    assert.equal(all.results[0]![all.attributeNames.indexOf('type')], P + 'connection');
    const unknown = h.reply({ operation: 'QUERY', entityType: P + 'connection' }, { attributeNames: ['container', 'nope'] }).body;
    assert.deepEqual(unknown, { attributeNames: ['container', 'name'], results: [['client', 'connection/127.0.0.1:50001'], ['E1', 'connection/127.0.0.1:50002'], ['other', 'connection/127.0.0.1:50003']] });
    const page = h.reply({ operation: 'QUERY', entityType: P + 'router.address', offset: 1, count: 1 }, { attributeNames: ['name'] }).body;
    assert.deepEqual(page, { attributeNames: ['name'], results: [['M0closest.a']] });
    const nullBody = h.reply({ operation: 'QUERY', entityType: P + 'router.link' }, null).body as { attributeNames: string[] };
    assert.equal(nullBody.attributeNames.length, 29);
  });

  test('connection READ needs an identity; UPDATE adminStatus deleted closes it, but not an edge connection', () => {
    const h = harness();
    const noId = h.reply({ operation: 'READ', type: P + 'connection', name: 'x' });
    assert.deepEqual([noId.statusCode, noId.statusDescription, noId.body], [400, 'Name not supported. Identity required', {}]);
    assert.equal((h.reply({ operation: 'READ', type: P + 'connection', identity: '3' }).body as Attributes).container, 'client');
    assert.equal(h.reply({ operation: 'READ', type: P + 'connection', identity: '99' }).statusCode, 404);
    const closed = h.reply({ operation: 'UPDATE', type: P + 'connection', identity: '5' }, { adminStatus: 'deleted' });
    assert.equal(closed.statusCode, 200);
    assert.equal((closed.body as Attributes).operStatus, 'closing');
    assert.deepEqual(h.runtime.calls, [{ hook: 'closeConnection', identity: '5' }]);
    const edge = h.reply({ operation: 'UPDATE', type: P + 'connection', identity: '4' }, { adminStatus: 'deleted' });
    assert.deepEqual([edge.statusCode, edge.statusDescription], [403, 'You are not allowed to perform this operation.']);
    assert.equal(h.reply({ operation: 'UPDATE', type: P + 'connection', identity: '3' }, {}).statusCode, 400);
  });

  test('forbidden and silent cases of qd 1.x', () => {
    const h = harness();
    const read = h.reply({ operation: 'READ', type: P + 'router', name: 'R1' });
    assert.deepEqual([read.statusCode, read.body], [403, null]);
    assert.deepEqual(h.reply({ operation: 'DELETE', type: P + 'connection', identity: '3' }).body, {});
    assert.equal(h.reply({ operation: 'CREATE', type: P + 'router' }, {}).statusCode, 403);
    assert.equal(h.reply({ operation: 'QUERY', entityType: P + 'console' }, {}).statusCode, 403);
    for (const [op, type] of [['READ', 'router.link'], ['UPDATE', 'router'], ['UPDATE', 'router.config.address'], ['CREATE', 'connection'], ['DELETE', 'router.address']]) {
      assert.deepEqual(h.req({ operation: op, type: P + type, identity: '1' }, {}), { kind: 'silent', agent: 'c' }, `${op} ${type}`);
    }
  });

  test('router: QUERY via C with counters from the runtime and the config; via Python by short name', () => {
    const h = harness({ config: [{ type: 'router', attributes: { workerThreads: 2 } }], setup: (rt) => { rt.counters = { addrCount: 11, memoryUsage: 1234 }; } });
    const c = h.reply({ operation: 'QUERY', entityType: P + 'router' }, { attributeNames: ['name', 'identity', 'id', 'mode', 'area', 'version', 'addrCount', 'connectionCount', 'memoryUsage', 'workerThreads'] });
    assert.deepEqual((c.body as { results: unknown[][] }).results, [['R1', '1', 'R1', 'interior', '0', '1.19.0', 11, 3, 1234, 2]]);
    const py = h.reply({ operation: 'QUERY', entityType: 'router' }, { attributeNames: ['id', 'version', 'hostName', 'addrCount', 'linkCount', 'name'] });
    assert.equal(py.agent, 'python');
    assert.deepEqual((py.body as { results: unknown[][] }).results, [['R1', null, 'localhost', 11, 1, 'router/R1']]);
  });

  test('connector live attributes are merged into READ and QUERY', () => {
    const h = harness({ setup: (rt) => rt.live.set('connector/up', { connectionStatus: 'SUCCESS', connectionMsg: 'Connection Opened' }) });
    const created = h.reply(create('connector', 'up', {}).props, { host: '127.0.0.1', port: '5999', role: 'edge' });
    const b = created.body as Attributes;
    assert.deepEqual(Object.keys(b).slice(-3), ['failoverUrls', 'connectionStatus', 'connectionMsg']);
    assert.equal(b.failoverUrls, 'amqp://127.0.0.1:5999');
    const read = h.reply({ operation: 'READ', type: P + 'connector', name: 'up' }).body as Attributes;
    assert.equal(read.connectionStatus, 'SUCCESS');
    const q = h.reply({ operation: 'QUERY', entityType: P + 'connector' }, { attributeNames: ['name', 'connectionStatus'] }).body;
    assert.deepEqual(q, { attributeNames: ['name', 'connectionStatus'], results: [['up', 'SUCCESS']] });
  });

  test('never throws: a failing runtime becomes a 500', () => {
    const h = harness();
    h.runtime.rows = () => { throw new Error('boom'); };
    const r = h.reply({ operation: 'QUERY', entityType: P + 'connection' }, {});
    assert.equal(r.statusCode, 500);
    assert.equal(r.statusDescription, 'Error: boom');
  });
});

describe('boot configuration', () => {
  test('listeners and connectors are listed with their attributes; C config entities get generated names', () => {
    const h = harness({ mode: 'edge', id: 'E1', config: routerBootConfig({ mode: 'edge', port: 5673, connect: [{ host: '127.0.0.1', port: 45672 }] }) });
    assert.deepEqual(h.agent.list('listener').map((l) => [l.name, l.port, l.role]), [['amqp', '5673', 'normal']]);
    assert.equal(h.agent.get('connector', 'uplink')?.role, 'edge');
    assert.deepEqual(h.agent.list('router.config.address').map((a) => [a.name, a.prefix, a.distribution]), [['address/0', 'closest', 'closest'], ['address/1', 'multicast', 'multicast']]);
    assert.equal(h.agent.list('address').length, 2, 'config-file section names are accepted');
  });

  test('an invalid boot entity fails with ECN_CONFIG', () => {
    assert.throws(() => harness({ config: [{ type: 'listener', attributes: { name: 'x', role: 'bogus' } }] }), { code: 'ECN_CONFIG' });
    assert.throws(() => harness({ config: [{ type: 'nonsense', attributes: {} }] }), { code: 'ECN_CONFIG' });
  });
});
