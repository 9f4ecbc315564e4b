import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffRouter } from '../../src/plan/diff.js';
import { canonical, sameValue } from '../../src/plan/equivalence.js';
import type { DesiredEntity, ManagedType, ObservedEntity, RouterCapabilities } from '../../src/plan/types.js';

const QD: RouterCapabilities = { flavor: 'qdrouterd', tcpBridges: false, updatable: new Set() };
const SK: RouterCapabilities = { flavor: 'skupper', tcpBridges: true, updatable: new Set<ManagedType>(['sslProfile', 'tcpListener']) };

const d = (type: ManagedType, name: string, attributes: Record<string, unknown>): DesiredEntity => ({ type, name, attributes, owner: 'test' });
const o = (type: ManagedType, name: string, attributes: Record<string, unknown>): ObservedEntity => ({ type, name, attributes: { name, ...attributes } });
const brief = (ops: ReturnType<typeof diffRouter>): string[] => ops.map((p) => `${p.op} ${p.type} ${p.name} ${p.reason}`);

describe('diffRouter', () => {
  it('creates what is missing in TYPE_ORDER (sslProfile before what uses it)', () => {
    const ops = diffRouter([
      d('tcpListener', 'ecn.tl', { host: '', port: 9000, address: 'a', sslProfile: 'ecn.ssl' }),
      d('listener', 'ecn.l', { host: '0.0.0.0', port: 5672, role: 'normal' }),
      d('sslProfile', 'ecn.ssl', { caCertFile: '/ca.pem' }),
      d('tcpConnector', 'ecn.tc', { host: 'svc', port: '80', address: 'a' }),
    ], [], SK);
    assert.deepEqual(brief(ops), [
      'CREATE sslProfile ecn.ssl missing', 'CREATE listener ecn.l missing', 'CREATE tcpConnector ecn.tc missing', 'CREATE tcpListener ecn.tl missing',
    ]);
    assert.deepEqual(ops[1]!.attributes, { host: '0.0.0.0', port: 5672, role: 'normal' });
  });

  it('no ops when the read-back differs only by coercion and defaults', () => {
    const desired = [
      d('listener', 'ecn.l', { host: '', port: 5672, role: 'normal', authenticatePeer: false, cost: 1, saslMechanisms: 'ANONYMOUS' }),
      d('connector', 'ecn.c', { host: '10.0.0.1', port: 45671, role: 'edge', verifyHostname: true }),
      d('router.config.address', 'ecn.a', { prefix: 'app/x', distribution: 'balanced' }),
    ];
    const observed = [
      o('listener', 'ecn.l', { host: '0.0.0.0', port: '5672', role: 'normal', authenticatePeer: 'no', cost: '1', saslMechanisms: 'ANONYMOUS', maxFrameSize: 16384, identity: 'listener/0.0.0.0:5672:ecn.l' }),
      o('connector', 'ecn.c', { host: '10.0.0.1', port: '45671', role: 'edge', verifyHostname: 'yes', idleTimeoutSeconds: 16 }),
      o('router.config.address', 'ecn.a', { prefix: 'app/x', distribution: 'balanced', waypoint: false }),
    ];
    assert.deepEqual(diffRouter(desired, observed, QD), []);
  });

  it('host "" ≡ 0.0.0.0 only where it is a listening address', () => {
    assert.equal(sameValue('listener', 'host', '', '0.0.0.0'), true);
    assert.equal(sameValue('tcpListener', 'host', '::', ''), true);
    assert.equal(sameValue('connector', 'host', '', '0.0.0.0'), false);
    assert.equal(sameValue('tcpConnector', 'host', '0.0.0.0', '127.0.0.1'), false);
  });

  it('address prefixes read back without leading/trailing separators', () => {
    assert.equal(sameValue('router.config.address', 'prefix', 'svc/', 'svc'), true);
    assert.equal(sameValue('router.config.address', 'pattern', '/a.b.#.', 'a.b.#'), true);
    assert.equal(sameValue('router.config.address', 'prefix', 'svc/a', 'svc'), false);
  });

  it('coerces numbers, numeric strings and boolean spellings, but keeps integers integers', () => {
    assert.equal(sameValue('listener', 'port', 5672, '5672'), true);
    assert.equal(sameValue('listener', 'authenticatePeer', true, 'on'), true);
    assert.equal(sameValue('listener', 'authenticatePeer', false, 'off'), true);
    assert.equal(sameValue('listener', 'authenticatePeer', true, 'false'), false);
    assert.equal(sameValue('listener', 'cost', 2, '1'), false);
    assert.equal(sameValue('listener', 'port', '5672', '5673'), false);
    assert.equal(canonical({ b: 1, a: [true, 'x'] }), canonical({ a: ['yes', 'x'], b: '1' }));
  });

  it('replaces a changed connector/listener (not updatable) with DELETE then CREATE of all attributes', () => {
    const ops = diffRouter(
      [d('listener', 'ecn.l', { host: '', port: 5673, role: 'normal' }), d('connector', 'ecn.c', { host: 'h', port: 1, role: 'edge' })],
      [o('listener', 'ecn.l', { host: '', port: '5672', role: 'normal' }), o('connector', 'ecn.c', { host: 'h', port: '1', role: 'edge' })],
      SK,
    );
    assert.deepEqual(brief(ops), ['DELETE listener ecn.l changed', 'CREATE listener ecn.l changed']);
    assert.deepEqual(ops[1]!.attributes, { host: '', port: 5673, role: 'normal' });
    assert.match(ops[0]!.detail!, /port "5672" → 5673/);
  });

  it('UPDATEs an updatable type with only the changed attributes', () => {
    const ops = diffRouter(
      [d('sslProfile', 'ecn.ssl', { caCertFile: '/ca2.pem', certFile: '/c.pem' })],
      [o('sslProfile', 'ecn.ssl', { caCertFile: '/ca.pem', certFile: '/c.pem' })],
      SK,
    );
    assert.deepEqual(brief(ops), ['UPDATE sslProfile ecn.ssl changed']);
    assert.deepEqual(ops[0]!.attributes, { caCertFile: '/ca2.pem' });
    // the same change on a router whose sslProfile is not updatable (qdrouterd 1.x) is a replace
    assert.deepEqual(brief(diffRouter([d('sslProfile', 'ecn.ssl', { caCertFile: '/ca2.pem' })], [o('sslProfile', 'ecn.ssl', { caCertFile: '/ca.pem' })], QD)),
      ['DELETE sslProfile ecn.ssl changed', 'CREATE sslProfile ecn.ssl changed']);
  });

  it('tcpListener: UPDATE only for observer, replace for anything else', () => {
    const obs = [o('tcpListener', 'ecn.t', { host: '', port: '9000', address: 'a', observer: 'auto' })];
    assert.deepEqual(brief(diffRouter([d('tcpListener', 'ecn.t', { host: '', port: 9000, address: 'a', observer: 'none' })], obs, SK)),
      ['UPDATE tcpListener ecn.t changed']);
    assert.deepEqual(brief(diffRouter([d('tcpListener', 'ecn.t', { host: '', port: 9001, address: 'a', observer: 'none' })], obs, SK)),
      ['DELETE tcpListener ecn.t changed', 'CREATE tcpListener ecn.t changed']);
  });

  it('deletes unwanted owned entities in reverse TYPE_ORDER, before any create', () => {
    const ops = diffRouter(
      [d('listener', 'ecn.new', { port: 1 })],
      [o('sslProfile', 'ecn.ssl', {}), o('tcpListener', 'ecn.tl', { sslProfile: 'ecn.ssl' }), o('connector', 'ecn.c', {}), o('tcpConnector', 'ecn.tc', {})],
      SK,
    );
    assert.deepEqual(brief(ops), [
      'DELETE tcpListener ecn.tl unwanted', 'DELETE tcpConnector ecn.tc unwanted', 'DELETE connector ecn.c unwanted', 'DELETE sslProfile ecn.ssl unwanted',
      'CREATE listener ecn.new missing',
    ]);
  });

  it('never touches entities without the owner prefix, even when desired names collide with nothing', () => {
    const ops = diffRouter(
      [d('listener', 'ecn.l', { port: 1 })],
      [o('listener', 'amqp', { port: '5672' }), o('connector', 'uplink', {}), o('router.config.address', 'closest', {}), o('listener', 'ecnx', {})],
      QD,
    );
    assert.deepEqual(brief(ops), ['CREATE listener ecn.l missing']);
    // a desired entity without the prefix is not ours to manage (it would be re-created every pass)
    assert.deepEqual(diffRouter([d('listener', 'mine', { port: 1 })], [], QD), []);
  });

  it('a name moved to another type: DELETE of the old type comes before CREATE of the new one', () => {
    const ops = diffRouter(
      [d('tcpConnector', 'ecn.x', { host: 'h', port: 1, address: 'a' }), d('sslProfile', 'ecn.y', {})],
      [o('tcpListener', 'ecn.x', { host: '', port: '1', address: 'a' }), o('listener', 'ecn.y', { port: '2' })],
      SK,
    );
    assert.deepEqual(brief(ops), ['DELETE tcpListener ecn.x unwanted', 'DELETE listener ecn.y unwanted', 'CREATE sslProfile ecn.y missing', 'CREATE tcpConnector ecn.x missing']);
  });

  it('skips tcp bridges on a router without them (qdrouterd 1.19)', () => {
    assert.deepEqual(diffRouter([d('tcpListener', 'ecn.t', { port: 1, address: 'a' }), d('listener', 'ecn.l', { port: 2 })], [], QD).map((p) => p.name), ['ecn.l']);
  });

  it('is minimal: one op per missing/unwanted/updated entity, two per replace, none for equal ones', () => {
    const desired: DesiredEntity[] = [];
    const observed: ObservedEntity[] = [];
    for (let i = 0; i < 50; i++) {
      desired.push(d('listener', `ecn.l${i}`, { host: '', port: 10000 + i, role: 'normal' }));
      if (i % 5 === 0) continue; // 10 missing
      observed.push(o('listener', `ecn.l${i}`, { host: '0.0.0.0', port: String(i % 7 === 0 ? 1 : 10000 + i), role: 'normal' }));
    }
    for (let i = 0; i < 3; i++) observed.push(o('connector', `ecn.gone${i}`, {}));
    const changed = [...Array(50).keys()].filter((i) => i % 5 !== 0 && i % 7 === 0).length;
    const ops = diffRouter(desired, observed, QD);
    assert.equal(ops.length, 10 + 3 + 2 * changed);
    assert.equal(ops.filter((p) => p.op === 'DELETE').length, 3 + changed);
    // idempotent: applying the ops to the observed set yields no further ops
    const after = new Map(observed.map((x) => [`${x.type}/${x.name}`, x]));
    for (const p of ops) {
      if (p.op === 'DELETE') after.delete(`${p.type}/${p.name}`);
      else after.set(`${p.type}/${p.name}`, o(p.type, p.name, p.attributes ?? {}));
    }
    assert.deepEqual(diffRouter(desired, [...after.values()], QD), []);
  });
});
