/**
 * The simulated router's pure parts: address parsing, router annotations on encoded messages, the link-state
 * database, the in-process socket pair, and connector backoff on a manual clock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import rhea from 'rhea';
import { ManualClock } from '../../src/clock.js';
import { readTypedSections } from '../../src/amqp/typed-decode.js';
import { mobileKey, parseAddress, tempAddress, tempSuffix } from '../../sim/router/addressing.js';
import { InProcessTransport } from '../../sim/router/in-process-transport.js';
import { LinkStateDb, type LinkStateAd } from '../../sim/router/link-state.js';
import { readRouterAnnotations, withRouterAnnotations } from '../../sim/router/raw-message.js';
import { SimRouter } from '../../sim/router/router.js';
import type { SimSocket } from '../../sim/router/transport.js';
import { agentDoubleFactory } from '../support/sim-agent-double.js';
import { waitForEvent } from '../support/deadline.js';
import { connector } from '../support/sim-topology.js';

const codec = rhea.message as unknown as { encode(m: object): Buffer; decode(b: Buffer): rhea.Message };

describe('addressing', () => {
  it('parses the address forms the routers resolve', () => {
    assert.deepEqual(parseAddress('$management'), { kind: 'local', name: '$management' });
    assert.deepEqual(parseAddress('amqp:/_local/$management'), { kind: 'local', name: '$management' });
    assert.deepEqual(parseAddress('amqp:/_topo/0/INT.A/$management'), { kind: 'topo', router: 'INT.A', name: '$management' });
    assert.deepEqual(parseAddress('_topo/0/INT.A/temp.abc'), { kind: 'topo', router: 'INT.A', name: 'temp.abc' });
    assert.deepEqual(parseAddress('amqp:/_edge/EDGE.1/$management'), { kind: 'edge', edge: 'EDGE.1', name: '$management' });
    assert.deepEqual(parseAddress('amqp://_edge/E/x/y'), { kind: 'edge', edge: 'E', name: 'x/y' });
    assert.deepEqual(parseAddress('closest/foo'), { kind: 'mobile', address: 'closest/foo' });
    assert.deepEqual(parseAddress('_topo/'), { kind: 'mobile', address: '_topo/' });
  });

  it('makes reply addresses and address keys like the routers', () => {
    const s = tempSuffix();
    assert.match(s, /^[A-Za-z0-9+_]{15}$/);
    assert.equal(tempAddress('interior', 'INT.A', 'x'), 'amqp:/_topo/0/INT.A/temp.x');
    assert.equal(tempAddress('edge', 'E', 'x'), 'amqp:/_edge/E/temp.x');
    assert.equal(mobileKey('qdrouterd', 'closest/a'), 'M0closest/a');
    assert.equal(mobileKey('skupper', 'closest/a'), 'Mclosest/a');
  });
});

describe('router annotations on encoded messages', () => {
  const t = rhea.types;
  const original = codec.encode({
    to: 'amqp:/_edge/E/$management',
    correlation_id: t.wrap_ulong(42) as unknown as string,
    message_annotations: { 'x-opt-custom': 'keep', 'x-opt-qd.trace': ['X'] },
    application_properties: { statusCode: t.wrap_int(200) },
    body: { n: t.wrap_long(5) },
  });

  it('adds to/ingress/trace and keeps every other section byte for byte', () => {
    const out = withRouterAnnotations(original, { to: '_topo/0/B/$management', ingress: 'A', trace: ['A'] });
    const m = codec.decode(out);
    assert.deepEqual(readRouterAnnotations(m as never), { to: '_topo/0/B/$management', ingress: 'A', trace: ['A'] });
    assert.equal(m.message_annotations?.['x-opt-custom'], 'keep');
    const typed = readTypedSections(out);
    assert.equal(typed.correlationIdType, 'ulong');
    assert.equal(typed.applicationPropertyTypes.statusCode, 'int');
    const tail = original.subarray(original.length - 20);
    assert.ok(out.subarray(out.length - 20).equals(tail), 'body bytes unchanged');
  });

  it('strips router annotations (towards clients) and leaves clean messages untouched', () => {
    const stripped = withRouterAnnotations(original, undefined);
    const m = codec.decode(stripped);
    assert.deepEqual(m.message_annotations, { 'x-opt-custom': 'keep' });
    const clean = codec.encode({ to: 'x', body: 'y' });
    assert.equal(withRouterAnnotations(clean, undefined), clean);
  });

  it('throws on bytes that are not a message (the caller rejects the delivery)', () => {
    assert.throws(() => withRouterAnnotations(Buffer.from([0x00, 0x53, 0x72, 0xd1, 0xff]), { to: 'x' }));
  });
});

describe('link-state database', () => {
  const ad = (id: string, neighbours: Record<string, number>, seq = 1, instance = 1, edges: string[] = []): LinkStateAd => ({ id, instance, seq, neighbours, edges, mobile: [] });

  it('computes next hops over links both ends announce, and forgets unreachable routers', () => {
    const db = new LinkStateDb('A');
    db.setSelf(ad('A', { B: 1 }));
    assert.ok(db.offer(ad('B', { A: 1, C: 1 })));
    assert.ok(db.offer(ad('C', { B: 1 }, 1, 1, ['E3'])));
    db.recompute(1000);
    assert.deepEqual(db.route('B'), { nextHop: 'B', cost: 1 });
    assert.deepEqual(db.route('C'), { nextHop: 'B', cost: 2 });
    assert.equal(db.interiorOfEdge('E3'), 'C');
    assert.equal(db.index('A'), 0);
    assert.ok(db.index('B') > 0);
    // B drops C: C is unreachable and forgotten
    assert.ok(db.offer(ad('B', { A: 1 }, 2)));
    db.recompute(2000);
    assert.equal(db.route('C'), undefined);
    assert.equal(db.get('C'), undefined);
    assert.equal(db.lastTopoChange, 2000);
  });

  it('takes an ad only if it is newer; a new instance supersedes any sequence number', () => {
    const db = new LinkStateDb('A');
    assert.ok(db.offer(ad('B', {}, 5, 1)));
    assert.equal(db.offer(ad('B', {}, 5, 1)), false);
    assert.equal(db.offer(ad('B', {}, 4, 1)), false);
    assert.ok(db.offer(ad('B', {}, 1, 2)), 'restarted router');
    assert.equal(db.offer(ad('A', {}, 99, 99)), false, 'never our own');
  });

  it('a one-sided link is not a route', () => {
    const db = new LinkStateDb('A');
    db.setSelf(ad('A', { B: 1 }));
    db.offer(ad('B', {}));
    db.recompute(0);
    assert.equal(db.route('B'), undefined);
  });
});

describe('in-process transport', () => {
  it('connects, carries bytes both ways in order, ends both sides, refuses unknown ports', async () => {
    const net = new InProcessTransport();
    let serverSide: SimSocket | undefined;
    const server = await net.listen('127.0.0.1', 0, (s) => {
      serverSide = s;
      s.on('data', (d: Buffer) => s.write(Buffer.from(d.toString().toUpperCase())));
    });
    assert.ok(server.port >= 20000);
    await assert.rejects(net.listen('127.0.0.1', server.port, () => undefined), /EADDRINUSE/);
    const c = net.connect('127.0.0.1', server.port);
    const early = 'written before connect;';
    c.write(early);
    await new Promise<void>((r) => c.once('connect', () => r()));
    const got: string[] = [];
    c.on('data', (d: Buffer) => got.push(d.toString()));
    for (let i = 0; i < 5; i++) c.write(`m${i};`);
    await new Promise<void>((resolve) => {
      const check = (): void => { if (got.join('').length >= early.length + 15) resolve(); else c.once('data', check); };
      check();
    });
    assert.equal(got.join(''), `${early}m0;m1;m2;m3;m4;`.toUpperCase());
    assert.equal(serverSide?.remotePort, c.localPort);
    const serverClosed = new Promise<void>((r) => serverSide!.once('close', () => r()));
    c.end();
    await serverClosed;
    await server.close();
    const refused = net.connect('127.0.0.1', server.port);
    const err = await new Promise<NodeJS.ErrnoException>((r) => refused.once('error', r));
    assert.equal(err.code, 'ECONNREFUSED');
  });
});

describe('connector backoff jitter', () => {
  it('a jittered retry comes at a random moment within the shortened delay, never later than the delay', async () => {
    const clock = new ManualClock(0);
    const transport = new InProcessTransport();
    const router = new SimRouter({
      id: 'R', mode: 'interior', clock, transport, agentFactory: agentDoubleFactory,
      reconnect: { initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0.5 }, config: [connector('c', 'normal', 40001)],
    });
    let dials = 0;
    router.on('connector-dial', () => { dials++; });
    const failed = (): Promise<unknown> => waitForEvent(router, 'connector-status', { match: (e: { status: string }) => e.status === 'FAILED' });
    const f = failed();
    await router.start();
    try {
      await f;
      assert.equal(dials, 1);
      clock.advance(499);
      assert.equal(dials, 1, 'not before half the delay');
      clock.advance(501);
      assert.equal(dials, 2, 'not after the delay');
    } finally {
      await router.stop();
    }
  });

  it('the default policy is jittered; a given one is exact unless it names jitter', async () => {
    const { DEFAULT_RECONNECT, retryDelay } = await import('../../sim/router/connectors.js');
    assert.ok(DEFAULT_RECONNECT.jitter > 0);
    assert.equal(retryDelay({ initialDelayMs: 100, maxDelayMs: 300, jitter: 0 }, 1), 200);
    assert.equal(retryDelay({ initialDelayMs: 100, maxDelayMs: 300, jitter: 0.5 }, 5, () => 1), 150);
    assert.equal(retryDelay({ initialDelayMs: 100, maxDelayMs: 300, jitter: 0.5 }, 0, () => 0), 100);
  });
});

describe('connector backoff on a manual clock', () => {
  it('retries after the initial delay, doubling up to the cap; between attempts it shows CONNECTING with the failure', async () => {
    const clock = new ManualClock(0);
    const transport = new InProcessTransport();
    const router = new SimRouter({
      id: 'R', mode: 'interior', clock, transport, agentFactory: agentDoubleFactory,
      reconnect: { initialDelayMs: 100, maxDelayMs: 300 }, config: [connector('c', 'normal', 40000)],
    });
    const statuses: string[] = [];
    let dials = 0;
    router.on('connector-status', (e: { status: string }) => statuses.push(e.status));
    router.on('connector-dial', () => { dials++; });
    const failed = (): Promise<unknown> => waitForEvent(router, 'connector-status', { match: (e: { status: string }) => e.status === 'FAILED' });
    let f = failed();
    await router.start();
    try {
      await f;
      assert.equal(dials, 1);
      assert.deepEqual(statuses, ['CONNECTING', 'FAILED', 'CONNECTING']);
      const live = router.runtime!.liveAttributes('connector', 'c')!;
      assert.equal(live.connectionStatus, 'CONNECTING');
      assert.match(String(live.connectionMsg), /^\[C\d+\] Connection to 127\.0\.0\.1:40000 failed: proton:io Connection refused - disconnected 127\.0\.0\.1:40000$/);
      clock.advance(99);
      assert.equal(dials, 1, 'no retry before the delay');
      f = failed();
      clock.advance(1);
      assert.equal(dials, 2);
      await f;
      f = failed();
      clock.advance(199);
      assert.equal(dials, 2);
      clock.advance(1); // 200 ms: doubled
      assert.equal(dials, 3);
      await f;
      f = failed();
      clock.advance(300); // capped at 300
      assert.equal(dials, 4);
      await f;
      // something listens now: the next attempt connects
      const server = await transport.listen('127.0.0.1', 40000, () => undefined);
      clock.advance(299);
      assert.equal(dials, 4);
      clock.advance(1);
      assert.equal(dials, 5);
      await server.close();
    } finally {
      await router.stop();
    }
  });
});
