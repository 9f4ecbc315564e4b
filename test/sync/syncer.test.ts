/**
 * RouterSyncer against a simulated network with the product management agent (qdrouterd 1.19: no tcp bridges,
 * nothing updatable): cold sync, no-op pass, drift repair, unowned entities, edge restart, errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import type { RouterPlan } from '../../src/plan/types.js';
import { AuditLog, RouterSyncer, SyncCounters } from '../../src/sync/index.js';
import { waitForEvent } from '../support/deadline.js';
import { countingClient, edgePlan, interiorPlan, startNet, type TestNet } from './sync-support.js';

const OWNED_TYPES_QD = ['sslProfile', 'listener', 'connector', 'router.config.address'];

describe('RouterSyncer on a simulated network', () => {
  let net: TestNet;
  let cc: ReturnType<typeof countingClient>;
  const clock = new ManualClock(1_000_000);
  const audit = new AuditLog(100);
  const counters = new SyncCounters();
  let plan: RouterPlan;
  let edge: RouterSyncer;
  let interior: RouterSyncer;

  before(async () => {
    net = await startNet(['E1']);
    cc = countingClient(net.client);
    plan = edgePlan('E1');
    edge = new RouterSyncer('E1', { client: cc, plan: () => plan, clock, audit, counters });
    const ip = interiorPlan('INT');
    interior = new RouterSyncer('INT', { client: cc, plan: () => ip, clock, audit, counters });
  });
  after(async () => { await net?.stop(); });

  const names = async (spec: { edge: string } | 'local', type: string): Promise<string[]> =>
    (await net.client.target(spec).query(type, ['name'])).map((r) => String(r.name)).sort();

  it('a cold sync creates exactly the plan (reason initial)', async () => {
    const r = await edge.sync('initial');
    assert.equal(r.ok, true, r.error?.message);
    assert.deepEqual([r.creates, r.updates, r.deletes, r.errors], [3, 0, 0, 0]);
    assert.deepEqual(await names({ edge: 'E1' }, 'listener'), ['amqp', 'ecn.E1.app']);
    assert.deepEqual(await names({ edge: 'E1' }, 'connector'), ['ecn.E1.out', 'uplink']);
    assert.ok((await names({ edge: 'E1' }, 'router.config.address')).includes('ecn.E1.addr'));
    const writes = audit.entries('E1');
    assert.deepEqual(writes.map((w) => `${w.op} ${w.type} ${w.name} ${w.reason} ${w.result}`), [
      'CREATE listener ecn.E1.app initial ok', 'CREATE connector ecn.E1.out initial ok', 'CREATE router.config.address ecn.E1.addr initial ok',
    ]);
    // the first pass after connect queries every owned type the router has (it cannot know what an earlier run left)
    for (const t of OWNED_TYPES_QD) assert.equal(cc.queries.get(`E1|${t}`), 1, t);
    assert.equal(cc.queries.get('E1|tcpListener'), undefined, 'qdrouterd 1.19 has no tcp bridges');
    assert.equal(edge.capabilities?.flavor, 'qdrouterd');

    const ri = await interior.sync('initial');
    assert.equal(ri.ok, true, ri.error?.message);
    assert.equal(ri.creates, 1);
  });

  it('a second pass is a no-op: no writes, at most one QUERY per owned type', async () => {
    cc.reset();
    const before = audit.count;
    const r = await edge.sync('drift');
    assert.equal(r.ok, true);
    assert.deepEqual([r.creates, r.updates, r.deletes, r.errors, r.planned], [0, 0, 0, 0, 0]);
    assert.equal(audit.count, before);
    for (const [k, n] of cc.queries) assert.ok(n <= 1, `${k} queried ${n} times`);
    // only the types in the plan (or seen owned) plus the uptime probe
    assert.deepEqual([...cc.queries.keys()].sort(), ['E1|connector', 'E1|listener', 'E1|router', 'E1|router.config.address']);
    assert.equal(r.queries, 4);
  });

  it('repairs an owned entity deleted by hand (reason drift), and never touches an unowned one', async () => {
    const t = net.client.target({ edge: 'E1' });
    await t.delete('connector', 'ecn.E1.out');
    await t.create('listener', 'by-hand', { host: '127.0.0.1', port: 0, role: 'normal', saslMechanisms: 'ANONYMOUS' });
    await t.create('router.config.address', 'ecnlike', { prefix: 'other/', distribution: 'closest' });
    const r = await edge.sync('drift');
    assert.equal(r.ok, true);
    assert.deepEqual([r.creates, r.updates, r.deletes], [1, 0, 0]);
    const last = audit.entries('E1').at(-1)!;
    assert.deepEqual([last.op, last.name, last.reason, last.result], ['CREATE', 'ecn.E1.out', 'drift', 'ok']);
    assert.deepEqual(await names({ edge: 'E1' }, 'listener'), ['amqp', 'by-hand', 'ecn.E1.app']);
    assert.ok(!audit.entries().some((e) => e.name === 'by-hand' || e.name === 'ecnlike'));
  });

  it('replaces a changed connector and deletes what left the plan', async () => {
    plan = edgePlan('E1', 1); // connector cost 2 (replace), address prefix changed (replace)
    plan.entities = plan.entities.filter((e) => e.type !== 'listener');
    const r = await edge.sync('change');
    assert.equal(r.ok, true, r.error?.message);
    const w = audit.entries('E1').slice(-5).map((e) => `${e.op} ${e.type} ${e.reason}`);
    assert.deepEqual(w, [
      'DELETE router.config.address change', 'DELETE connector change', 'DELETE listener change',
      'CREATE connector change', 'CREATE router.config.address change',
    ]);
    const again = await edge.sync('drift');
    assert.equal(again.planned, 0);
    assert.deepEqual(await names({ edge: 'E1' }, 'listener'), ['amqp', 'by-hand']);
    plan = edgePlan('E1');
    assert.equal((await edge.sync('change')).ok, true);
  });

  it('an edge restart loses its runtime entities: detected and re-applied (reason restart)', async () => {
    const [e1] = net.edges;
    const up = waitForEvent(e1!, 'uplink-up', { timeoutMs: 10000 });
    await e1!.faults.restart();
    await up;
    assert.deepEqual(await names({ edge: 'E1' }, 'listener'), ['amqp']);
    const restartsBefore = counters.restartsDetected;
    const r = await edge.sync('drift');
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.reason, 'restart');
    assert.ok(r.restart === 'vanished' || r.restart === 'uptime');
    assert.equal(r.creates, 3);
    assert.equal(counters.restartsDetected, restartsBefore + 1);
    assert.ok(audit.entries('E1').slice(-3).every((e) => e.reason === 'restart' && e.result === 'ok'));
    assert.deepEqual(await names({ edge: 'E1' }, 'listener'), ['amqp', 'ecn.E1.app']);
    // and the next pass is quiet again
    const q = await edge.sync('drift');
    assert.deepEqual([q.planned, q.reason, q.restart], [0, 'drift', undefined]);
  });

  it('a 4xx on one write is recorded and the pass goes on; a 500 stops the pass', async () => {
    plan = {
      ...edgePlan('E1'),
      entities: [
        ...edgePlan('E1').entities,
        { type: 'listener', name: 'ecn.E1.bad', attributes: { port: 0, noSuchAttribute: 1 }, owner: 'test' },
        { type: 'router.config.address', name: 'ecn.E1.addr2', attributes: { prefix: 'x/', distribution: 'closest' }, owner: 'test' },
      ],
    };
    const r = await edge.sync('change');
    assert.equal(r.ok, false);
    assert.equal(r.errors, 1);
    assert.equal(r.creates, 1, 'the address after the failed listener was still created');
    assert.equal(r.error?.code, 'ECN_MGMT_STATUS');
    const bad = audit.entries('E1').find((e) => e.name === 'ecn.E1.bad')!;
    assert.equal(bad.result, 'error');
    assert.match(bad.error!, /ECN_MGMT_STATUS 400/);

    plan = edgePlan('E1');
    net.edges[0]!.faults.replies({ kind: 'fail' });
    const f = await edge.sync('drift');
    assert.equal(f.ok, false);
    assert.equal(f.error?.code, 'ECN_MGMT_STATUS');
    assert.equal(f.creates + f.deletes + f.updates, 0);
    net.edges[0]!.faults.replies({ kind: 'normal' });
    const ok = await edge.sync('drift');
    assert.equal(ok.ok, true, ok.error?.message);
    assert.equal(ok.deletes, 1, 'the address that left the plan is removed');
  });

  it('an unreachable router fails the pass with a transport error code', async () => {
    const ghost = new RouterSyncer('NOPE', { client: net.client, plan: () => edgePlan('NOPE'), clock });
    const r = await ghost.sync('initial');
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'ECN_MGMT_UNREACHABLE');
  });

  it('counters snapshot counts writes by op/type/result/reason', () => {
    const s = counters.snapshot();
    const get = (op: string, type: string, result: string, reason: string): number =>
      s.writes.find((w) => w.op === op && w.type === type && w.result === result && w.reason === reason)?.count ?? 0;
    assert.equal(get('CREATE', 'listener', 'ok', 'initial'), 1);
    assert.equal(get('CREATE', 'listener', 'ok', 'restart'), 1);
    assert.equal(get('CREATE', 'listener', 'error', 'change'), 1);
    assert.ok(s.passes.ok > 0 && s.passes.failed >= 2);
  });
});
