import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from 'commander';
import {
  parseAttributeNames, parseAttributes, parseFlavor, parseHostPort, parsePort, parseRouterId, parseRouterUrl,
} from '../../src/cli/args.js';

test('parsePort accepts 0..65535 and explains anything else', () => {
  assert.equal(parsePort('0'), 0);
  assert.equal(parsePort('65535'), 65535);
  assert.throws(() => parsePort('65536'), (e: unknown) => e instanceof InvalidArgumentError && /out of range/.test(e.message));
  assert.throws(() => parsePort('-1'), /not a port number/);
  assert.throws(() => parsePort('56a'), /not a port number/);
});

test('parseHostPort reads host:port, [v6]:port and a bare port', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:5672'), { host: '127.0.0.1', port: 5672 });
  assert.deepEqual(parseHostPort('[::1]:5672'), { host: '::1', port: 5672 });
  assert.deepEqual(parseHostPort('5672'), { host: '127.0.0.1', port: 5672 });
  assert.throws(() => parseHostPort('localhost'), /not HOST:PORT/);
  assert.throws(() => parseHostPort('h:0'), /out of range/);
});

test('parseRouterId refuses ids the routers cannot address', () => {
  assert.equal(parseRouterId('EDGE.1'), 'EDGE.1');
  assert.throws(() => parseRouterId('a/b'), /not usable as a router id/);
  assert.throws(() => parseRouterId(''), /not usable as a router id/);
  assert.throws(() => parseRouterId('-x'), /not usable as a router id/);
});

test('parseFlavor and parseRouterUrl name the accepted values', () => {
  assert.equal(parseFlavor('skupper'), 'skupper');
  assert.throws(() => parseFlavor('artemis'), /qdrouterd or skupper/);
  assert.equal(parseRouterUrl('amqp://127.0.0.1:5672'), 'amqp://127.0.0.1:5672');
  assert.throws(() => parseRouterUrl('http://x:1'), /only amqp: and amqps: are supported/);
  assert.throws(() => parseRouterUrl('amqp://'), /has no host/);
  assert.throws(() => parseRouterUrl('amqp://h:5672/x'), /has a path/);
});

test('parseAttributes types JSON values and keeps other text as strings', () => {
  assert.deepEqual(parseAttributes(['host=127.0.0.1', 'port=5672', 'authenticatePeer=false', 'port2="5673"', 'x=', 'props={"a":1}']), {
    host: '127.0.0.1', port: 5672, authenticatePeer: false, port2: '5673', x: '', props: { a: 1 },
  });
  assert.throws(() => parseAttributes(['novalue']), /write key=value/);
  assert.throws(() => parseAttributes(['=v']), /write key=value/);
  assert.throws(() => parseAttributes(['a=1', 'a=2']), /given twice/);
});

test('parseAttributeNames splits a comma list', () => {
  assert.deepEqual(parseAttributeNames('name, host,port'), ['name', 'host', 'port']);
  assert.throws(() => parseAttributeNames(' , '), /names no attributes/);
});
