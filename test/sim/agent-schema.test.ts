/**
 * The schema loader (file per flavor/version, resolution of base types) and the Python value rendering used in
 * the agent's status descriptions.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pyEquals, pyJsonDumps, pyRepr, pyStr, pyTruthy } from '../../sim/router/python-repr.js';
import { findAttribute, isA, loadSchema, lookupType, schemaFileFor } from '../../sim/router/schema.js';

describe('schema loader', () => {
  test('file per flavor and version', () => {
    assert.equal(schemaFileFor('qdrouterd', '1.18.0'), 'qdrouter-1.18.0.json');
    assert.equal(schemaFileFor('qdrouterd', '1.18.3'), 'qdrouter-1.18.0.json');
    assert.equal(schemaFileFor('qdrouterd', '1.19.0'), 'qdrouter-1.19.0.json');
    assert.equal(schemaFileFor('qdrouterd', '1.17.1'), 'qdrouter-1.19.0.json');
    assert.equal(schemaFileFor('skupper', '3.4.2'), 'skrouter-3.5.1.json');
  });

  test('cached per file', () => {
    assert.equal(loadSchema('qdrouterd', '1.19.0'), loadSchema('qdrouterd', '1.19.2'));
    assert.notEqual(loadSchema('qdrouterd', '1.18.0'), loadSchema('qdrouterd', '1.19.0'));
  });

  test('base types resolved: own attributes then inherited, own operations then inherited', () => {
    const s = loadSchema('qdrouterd', '1.19.0');
    const listener = lookupType(s, 'listener')!;
    assert.equal(listener.name, 'org.apache.qpid.dispatch.listener');
    assert.deepEqual([...listener.attributes.keys()].slice(-3), ['name', 'identity', 'type']);
    assert.deepEqual(listener.operations, ['CREATE', 'DELETE', 'READ']);
    assert.deepEqual(listener.bases, ['org.apache.qpid.dispatch.configurationEntity', 'org.apache.qpid.dispatch.entity']);
    const port = listener.attributes.get('port')!;
    assert.deepEqual([port.type, port.default, port.create, port.update], ['string', 'amqp', true, false]);
    assert.deepEqual(listener.attributes.get('role')!.type, ['normal', 'inter-router', 'route-container', 'edge']);
    assert.equal(findAttribute(listener, 'failoverList')?.name, 'failoverList', 'deprecated names are found');
    assert.equal(listener.attributes.get('name'), lookupType(s, 'connector')!.attributes.get('name'), 'inherited definitions are shared');
    const address = lookupType(s, 'org.apache.qpid.dispatch.router.config.address')!;
    assert.equal(address.shortName, 'address');
    assert.equal(lookupType(s, 'address'), undefined, 'requests must use router.config.address');
    const mgmt = lookupType(s, 'org.amqp.management')!;
    assert.equal(mgmt.name, 'org.apache.qpid.dispatch.org.amqp.management');
    assert.ok(isA(lookupType(s, 'management')!, mgmt));
    assert.equal(s.types.size, 29);
    assert.equal(loadSchema('qdrouterd', '1.18.0').types.size, 35);
    const sk = loadSchema('skupper', '3.5.1');
    assert.equal(sk.prefix, 'io.skupper.router');
    assert.equal(lookupType(sk, 'tcpListener')!.attributes.get('observer')!.update, true);
    assert.equal(lookupType(sk, 'tcpListener')!.attributes.get('host')!.default, '');
  });
});

describe('Python value rendering', () => {
  test('repr and str', () => {
    assert.equal(pyRepr({ a: 'x', b: false, c: null, d: [1, 2.5], e: "it's" }), `{'a': 'x', 'b': False, 'c': None, 'd': [1, 2.5], 'e': "it's"}`);
    assert.equal(pyRepr('a\nb\\'), "'a\\nb\\\\'");
    assert.equal(pyStr(true), 'True');
    assert.equal(pyStr('x'), 'x');
    assert.equal(pyRepr(1e21), '1e+21');
    assert.equal(pyRepr(1.5e-7), '1.5e-07');
  });

  test('truthiness and equality', () => {
    assert.deepEqual([0, '', [], {}, null, false].map(pyTruthy), [false, false, false, false, false, false]);
    assert.equal(pyEquals(true, 1), true);
    assert.equal(pyEquals('1', 1), false);
    assert.equal(pyEquals({ a: [1] }, { a: [1] }), true);
  });

  test('json.dumps formatting', () => {
    assert.equal(pyJsonDumps({ a: [1, 'é'], b: {} }), '{"a": [1, "\\u00e9"], "b": {}}');
    assert.equal(pyJsonDumps({ a: [1] }, 2), '{\n  "a": [\n    1\n  ]\n}');
  });
});
