/**
 * Unit tests of the management client's pure parts: URL and option parsing, reply decoding and validation, the
 * wire message builder, flavor detection, backoff, errors and the rhea list0 fix.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { createRequire } from 'node:module';
import { format } from 'node:util';
import { describe, it } from 'node:test';
import rhea, { type Message } from 'rhea';
import { backoffDelay, mayRetry } from '../../src/router/backoff.js';
import { describeEndpoint, hostPort, parseRouterUrl, redactUrl, resolveConnectOptions, toRheaOptions } from '../../src/router/connect-options.js';
import { flavorFromConnectionProperties, flavorFromTypeNames } from '../../src/router/flavor.js';
import { describeRequest, isManagementError, isStatus, ManagementError, statusError } from '../../src/router/management-error.js';
import { buildMessage, coordinatesOf, validateRequest } from '../../src/router/request.js';
import { decodeReply, expectQueryTable, expectStringList, expectTypeMap, zipRows } from '../../src/router/response.js';
import { applyRheaFixes, useRheaQuietLoggers, useRheaScratchWriter } from '../../src/router/rhea-fixes.js';
import { targetAddress } from '../../src/router/target.js';
import { EcnError } from '../../src/errors.js';

const C = { operation: 'QUERY', type: 'connection', target: '$management', router: 'h:1' };

function code(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return (e as EcnError).code; }
  return undefined;
}

describe('router URLs and connect options', () => {
  it('parses amqp and amqps URLs with default ports, IPv6 and bare host:port', () => {
    assert.deepEqual(parseRouterUrl('amqp://r1:5673'), { scheme: 'amqp', host: 'r1', port: 5673 });
    assert.deepEqual(parseRouterUrl('amqp://r1'), { scheme: 'amqp', host: 'r1', port: 5672 });
    assert.deepEqual(parseRouterUrl('amqps://r1'), { scheme: 'amqps', host: 'r1', port: 5671 });
    assert.deepEqual(parseRouterUrl('amqp://[::1]:6000'), { scheme: 'amqp', host: '::1', port: 6000 });
    assert.deepEqual(parseRouterUrl('127.0.0.1:5672'), { scheme: 'amqp', host: '127.0.0.1', port: 5672 });
    assert.equal(hostPort({ host: '::1', port: 6000 }), '[::1]:6000');
  });

  it('takes user:password from the URL (decoded) and selects SASL PLAIN', () => {
    const r = resolveConnectOptions('amqp://admin:p%40ss@r1:5672');
    assert.deepEqual(r.sasl, { mechanism: 'PLAIN', username: 'admin', password: 'p@ss' });
    assert.equal(redactUrl('amqp://admin:p%40ss@r1:5672'), 'amqp://admin:[redacted]@r1:5672');
    const d = JSON.stringify(describeEndpoint(r));
    assert.ok(!d.includes('p@ss') && !d.includes('p%40ss'), d);
  });

  it('rejects other schemes, paths, empty input, and EXTERNAL without a client certificate', () => {
    assert.equal(code(() => parseRouterUrl('http://r1:80')), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => parseRouterUrl('amqp://r1:5672/x')), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => parseRouterUrl('')), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => resolveConnectOptions('amqp://r1', { sasl: { mechanism: 'EXTERNAL' } })), 'ECN_MGMT_BAD_REQUEST');
    const e = (() => { try { parseRouterUrl('ftp://u:secret@r1'); } catch (err) { return err as Error; } return undefined; })();
    assert.ok(e && !e.message.includes('secret'), e?.message);
  });

  it('maps to rhea options: own reconnect off, TLS on amqps with servername, explicit SASL mechanisms', () => {
    const container = rhea.create_container({ id: 't' });
    const o = toRheaOptions(resolveConnectOptions('amqps://router.example:5671', { tls: { ca: 'CA' } }), container, { containerId: 'c1' }) as unknown as Record<string, unknown>;
    assert.equal(o.reconnect, false);
    assert.equal(o.tcp_no_delay, true);
    assert.equal(o.transport, 'tls');
    assert.equal(o.servername, 'router.example');
    assert.equal(o.rejectUnauthorized, true);
    assert.equal(o.container_id, 'c1');
    assert.ok(typeof (o.sasl_mechanisms as Record<string, unknown>).ANONYMOUS === 'function');
    const plain = toRheaOptions(resolveConnectOptions('amqp://r:1', { sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' } }), container, { containerId: 'c' }) as unknown as Record<string, unknown>;
    assert.ok(typeof (plain.sasl_mechanisms as Record<string, unknown>).PLAIN === 'function');
    assert.equal(plain.password, undefined, 'the password only lives inside the mechanism, never in the options');
    const none = toRheaOptions(resolveConnectOptions('amqp://r:1', { sasl: { mechanism: 'NONE' } }), container, { containerId: 'c' }) as unknown as Record<string, unknown>;
    assert.equal(none.sasl_mechanisms, undefined);
  });

  it('dials through a socket whose writes are coalesced into one writev per event-loop turn', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const chunks: Buffer[] = [];
    const accepted = new Promise<void>((resolve) => server.once('connection', (s) => { s.on('data', (d: Buffer) => chunks.push(d)); s.on('end', () => resolve()); }));
    try {
      const o = toRheaOptions(resolveConnectOptions(`amqp://127.0.0.1:${port}`), rhea.create_container({ id: 't' }), { containerId: 'c' }) as unknown as { connect: (port: number, host: string, opts: unknown, cb: () => void) => net.Socket };
      const socket = await new Promise<net.Socket>((resolve) => { const s = o.connect(port, '127.0.0.1', {}, () => resolve(s)); });
      assert.equal((socket as unknown as Record<symbol, unknown>)[Symbol.for('ecn.coalescedWrites')], true);
      for (let i = 0; i < 50; i++) socket.write(Buffer.from([i]));
      socket.end();
      await accepted;
      assert.deepEqual([...Buffer.concat(chunks)], Array.from({ length: 50 }, (_, i) => i));
      assert.equal(chunks.length, 1, 'fifty writes in one turn arrive as one segment');
    } finally {
      server.close();
    }
  });
});

describe('reply decoding', () => {
  const reply = (ap: Record<string, unknown> | undefined, body: unknown = {}): Message => ({ application_properties: ap, body }) as Message;

  it('accepts any integer statusCode and fills a missing description from the standard text', () => {
    assert.deepEqual(decodeReply(reply({ statusCode: 201 }), C), { statusCode: 201, statusDescription: 'Created', body: {} });
    assert.equal(decodeReply(reply({ statusCode: 404, statusDescription: 'No entity' }), C).statusDescription, 'No entity');
  });

  it('rejects string, fractional, missing and absent statusCodes as bad responses', () => {
    for (const ap of [{ statusCode: '200' }, { statusCode: 200.5 }, { statusDescription: 'OK' }, undefined, { statusCode: true }]) {
      assert.equal(code(() => decodeReply(reply(ap), C)), 'ECN_MGMT_BAD_RESPONSE', JSON.stringify(ap));
    }
    assert.match((() => { try { decodeReply(reply({ statusCode: '200' }), C); } catch (e) { return (e as Error).message; } return ''; })(), /statusCode is the string "200"/);
  });

  it('zips QUERY rows into records', () => {
    const t = expectQueryTable({ attributeNames: ['name', 'port'], results: [['a', 1], ['b', 2]] }, C);
    assert.deepEqual(zipRows(t), [{ name: 'a', port: 1 }, { name: 'b', port: 2 }]);
    assert.deepEqual(zipRows(expectQueryTable({ attributeNames: [], results: [] }, C)), []);
  });

  it('names what is wrong with a malformed QUERY body', () => {
    const msg = (body: unknown) => { try { expectQueryTable(body, C); } catch (e) { return (e as EcnError).code + ' ' + (e as Error).message; } return 'ok'; };
    assert.match(msg({ attributeNames: ['a', 'b'], results: [['x', 1], ['y']] }), /ECN_MGMT_BAD_RESPONSE .*results\[1\] has 1 values for 2 attributeNames/);
    assert.match(msg({ attributeNames: ['a', 7], results: [] }), /attributeNames\[1\] is the number 7/);
    assert.match(msg({ attributeNames: 'a', results: [] }), /attributeNames is the string/);
    assert.match(msg({ attributeNames: ['a'], results: ['x'] }), /results\[0\] is the string/);
    assert.match(msg({ attributeNames: ['a'] }), /results is missing/);
    assert.match(msg(['a']), /not a map/);
    assert.match(msg(null), /QUERY body is null/);
  });

  it('validates GET-* bodies', () => {
    assert.deepEqual(expectTypeMap({ 'x.listener': ['a'] }, C), { 'x.listener': ['a'] });
    assert.equal(code(() => expectTypeMap({ 'x.listener': 'a' }, C)), 'ECN_MGMT_BAD_RESPONSE');
    assert.equal(code(() => expectTypeMap([], C)), 'ECN_MGMT_BAD_RESPONSE');
    assert.deepEqual(expectStringList(['amqp:/_topo/0/A/$management'], C), ['amqp:/_topo/0/A/$management']);
    assert.equal(code(() => expectStringList({}, C)), 'ECN_MGMT_BAD_RESPONSE');
  });
});

describe('request messages', () => {
  const msg = (req: Parameters<typeof buildMessage>[0], flavor: 'qdrouterd' | 'skupper' = 'qdrouterd') => buildMessage(req, flavor, '$management', 'amqp:/_topo/0/R/temp.1', 'c:1');

  it('qualifies entity types, upper-cases operations, sends identity rather than name, and always a map body', () => {
    const m = msg({ operation: 'read', type: 'listener', name: 'l1', identity: 'listener/x' });
    assert.deepEqual(m.application_properties, { operation: 'READ', type: 'org.apache.qpid.dispatch.listener', identity: 'listener/x' });
    assert.deepEqual(m.body, {});
    assert.equal(m.correlation_id, 'c:1');
    assert.equal(m.reply_to, 'amqp:/_topo/0/R/temp.1');
    assert.equal(m.to, '$management');
    assert.equal(msg({ operation: 'CREATE', type: 'listener', name: 'l', body: null }).body !== null, true);
  });

  it('addresses QUERY and GET-* to the node itself with a qualified entityType', () => {
    const m = msg({ operation: 'QUERY', entityType: 'router.link', body: { attributeNames: [] }, applicationProperties: { offset: 0, count: 500 } }, 'skupper');
    assert.deepEqual(m.application_properties, { offset: 0, count: 500, operation: 'QUERY', type: 'org.amqp.management', name: 'self', entityType: 'io.skupper.router.router.link' });
  });

  it('keeps an already qualified type and sends verbatim requests untouched', () => {
    assert.equal(msg({ operation: 'READ', type: 'io.skupper.router.listener', name: 'x' }).application_properties!.type, 'io.skupper.router.listener');
    const v = msg({ operation: 'query', entityType: 'listener', verbatim: true, body: null });
    assert.deepEqual(v.application_properties, { operation: 'query', entityType: 'listener' });
    assert.equal(v.body, null);
  });

  it('rejects malformed requests before sending', () => {
    const c = coordinatesOf({ operation: 'READ' }, '$management', 'h:1');
    assert.equal(code(() => validateRequest({ operation: '' }, c)), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => validateRequest({ operation: 'READ', type: 'listener' }, c)), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => validateRequest({ operation: 'CREATE' }, c)), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => validateRequest({ operation: 'CREATE', type: 'listener', body: [1] }, c)), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => validateRequest({ operation: 'READ', type: 'listener', name: 5 as unknown as string }, c)), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => validateRequest({ operation: 'READ', type: 'listener', name: 'x' }, c)), undefined);
  });

  it('builds target addresses and refuses malformed targets', () => {
    assert.equal(targetAddress('local'), '$management');
    assert.equal(targetAddress({ router: 'INT.A' }), 'amqp:/_topo/0/INT.A/$management');
    assert.equal(targetAddress({ edge: 'E1' }), 'amqp:/_edge/E1/$management');
    assert.equal(targetAddress({ address: 'amqp:/_local/$management' }), 'amqp:/_local/$management');
    assert.equal(code(() => targetAddress({ edge: 'a/b' })), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => targetAddress({ router: '' })), 'ECN_MGMT_BAD_REQUEST');
    assert.equal(code(() => targetAddress({} as never)), 'ECN_MGMT_BAD_REQUEST');
  });
});

describe('flavor, backoff and errors', () => {
  it('detects the flavor from the open frame product or from type names', () => {
    assert.equal(flavorFromConnectionProperties({ product: 'qpid-dispatch-router', version: '1.19.0' }), 'qdrouterd');
    assert.equal(flavorFromConnectionProperties({ product: 'skupper-router' }), 'skupper');
    assert.equal(flavorFromConnectionProperties({ product: 'other' }), undefined);
    assert.equal(flavorFromConnectionProperties(undefined), undefined);
    assert.equal(flavorFromTypeNames(['io.skupper.router.listener', 'io.skupper.router.entity']), 'skupper');
    assert.equal(flavorFromTypeNames(['org.apache.qpid.dispatch.listener', 'org.amqp.management']), 'qdrouterd');
    assert.equal(flavorFromTypeNames(['x.y']), undefined);
  });

  it('backs off exponentially up to the maximum, with optional jitter and attempt limit', () => {
    const p = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, p)), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(backoffDelay(1, { ...p, jitter: 0.5 }, () => 1), 50);
    assert.equal(mayRetry(2, { maxAttempts: 3 }), true);
    assert.equal(mayRetry(3, { maxAttempts: 3 }), false);
    assert.equal(mayRetry(1000, {}), true);
  });

  it('turns statuses into coded errors with hints', () => {
    const c = { operation: 'UPDATE', type: 'org.apache.qpid.dispatch.listener', name: 'l1', target: 'amqp:/_edge/E1/$management', router: 'h:1' };
    const e501 = statusError(c, 501, "Operation 'UPDATE' not implemented");
    assert.equal(e501.code, 'ECN_MGMT_STATUS');
    assert.match(e501.hint!, /DELETE .* CREATE/);
    assert.match(e501.message, /^UPDATE listener 'l1' via amqp:\/_edge\/E1\/\$management on h:1 failed: 501/);
    assert.ok(e501 instanceof EcnError && isManagementError(e501, 'ECN_MGMT_STATUS') && isStatus(e501, 501));
    assert.match(statusError({ ...c, operation: 'READ' }, 404, 'No entity').hint!, /does not exist/);
    assert.equal(statusError(c, 400, "No such entity type 'org.apache.qpid.dispatch.tcpListener'").code, 'ECN_MGMT_UNKNOWN_TYPE');
    assert.deepEqual(
      { ...new ManagementError('ECN_MGMT_TIMEOUT', 'x', c).toJSON() },
      { code: 'ECN_MGMT_TIMEOUT', message: 'x', operation: 'UPDATE', type: c.type, name: 'l1', target: c.target, router: 'h:1' },
    );
    assert.equal(describeRequest({ operation: 'READ', type: 'io.skupper.router.connection', identity: '7' }), "READ connection identity '7'");
  });
});

describe('rhea list0 fix', () => {
  it('decodes every empty list to a fresh array, even after composites were decoded from list0', () => {
    applyRheaFixes();
    applyRheaFixes(); // idempotent
    const enc = rhea.message.encode({ body: { results: [] } });
    const a = rhea.message.decode(enc).body as { results: unknown[] };
    a.results.push('polluted');
    const b = rhea.message.decode(enc).body as { results: unknown[] };
    assert.deepEqual(b.results, []);
  });
});

describe('rhea scratch writer', () => {
  it('gives every encoding its own bytes, though all of them are encoded in one shared buffer', () => {
    useRheaScratchWriter();
    useRheaScratchWriter(); // idempotent
    const first = rhea.message.encode({ to: 'a', body: 'first message' });
    const firstCopy = Buffer.from(first);
    const second = rhea.message.encode({ to: 'b', body: 'second, longer message that overwrites the scratch' });
    assert.deepEqual(first, firstCopy, 'a later encoding does not overwrite an earlier one');
    assert.equal((rhea.message.decode(first) as unknown as { body: string }).body, 'first message');
    assert.equal((rhea.message.decode(second) as unknown as { to: string }).to, 'b');
    // larger than the scratch buffer: grows, and what follows still encodes correctly
    const big = 'x'.repeat(200 * 1024);
    const large = rhea.message.encode({ body: big });
    assert.equal((rhea.message.decode(large) as unknown as { body: string }).body, big);
    const after = rhea.message.encode({ body: 'small again' });
    assert.equal((rhea.message.decode(after) as unknown as { body: string }).body, 'small again');
    assert.equal((rhea.message.decode(large) as unknown as { body: string }).body.length, big.length, 'the large one is untouched');
  });

  it('leaves a writer given its own buffer writing into that buffer', () => {
    useRheaScratchWriter();
    const own = Buffer.alloc(64);
    const w = new (rhea.types as unknown as { Writer: new (b?: Buffer) => { write_uint(v: number, width: number): void; toBuffer(): Buffer } }).Writer(own);
    w.write_uint(0xabcd, 2);
    const out = w.toBuffer();
    assert.equal(out.length, 2);
    assert.equal(own.readUInt16BE(0), 0xabcd);
    out[0] = 0;
    assert.equal(own[0], 0, 'a view of the given buffer, as rhea returns it');
  });
});

describe('rhea quiet loggers', () => {
  it('pass their arguments on only while enabled, and follow enabling at run time', () => {
    useRheaQuietLoggers();
    useRheaQuietLoggers(); // idempotent
    const req = createRequire(import.meta.url);
    const log = req('rhea/lib/log.js') as Record<string, ((...a: unknown[]) => void) & { enabled: boolean }>;
    const debug = req('debug') as { log: (...a: unknown[]) => void };
    const out: unknown[][] = [];
    const original = debug.log;
    debug.log = (...a: unknown[]) => { out.push(a); };
    try {
      const frames = log.frames!;
      assert.ok(!frames.enabled, 'disabled unless DEBUG names it');
      frames('not written %s', 'x');
      assert.equal(out.length, 0);
      frames.enabled = true;
      frames('written %s', 'y');
      assert.equal(out.length, 1);
      assert.match(format(...(out[0] as [unknown, ...unknown[]])), /rhea:frames written y/);
    } finally {
      log.frames!.enabled = false;
      debug.log = original;
    }
  });
});
