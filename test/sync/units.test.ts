/**
 * Unit tests of the sync engine without a network: the restart detector, the audit ring, and the scheduler over an
 * in-memory fake router fleet (concurrency bound, capability caching, plan removal, reconnect, stop).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { ManagementError, type ManagementOps, type TargetSpec } from '../../src/router/index.js';
import { AuditLog, RestartDetector, SyncCounters, SyncScheduler, opBatches, type SyncClient } from '../../src/sync/index.js';
import type { PlanOp } from '../../src/plan/types.js';
import { eventually } from '../support/deadline.js';
import { edgePlan, networkPlan } from './sync-support.js';

describe('RestartDetector', () => {
  it('fires on an uptime drop, or when every owned entity vanished', () => {
    const d = new RestartDetector();
    assert.equal(d.observe({ uptimeSeconds: 10, ownedNow: 0 }), undefined, 'first sample, nothing expected yet');
    d.settled(3);
    assert.equal(d.observe({ uptimeSeconds: 40, ownedNow: 3 }), undefined);
    assert.equal(d.observe({ uptimeSeconds: 2, ownedNow: 3 }), 'uptime');
    assert.equal(d.observe({ uptimeSeconds: 5, ownedNow: 0 }), 'vanished');
    assert.equal(d.observe({ ownedNow: 1 }), undefined, 'some left: drift, not a restart');
    d.settled(0);
    assert.equal(d.observe({ ownedNow: 0 }), undefined, 'nothing expected, nothing vanished');
  });
});

describe('AuditLog', () => {
  it('keeps the most recent entries, oldest first', () => {
    const a = new AuditLog(3);
    for (let i = 0; i < 5; i++) a.add({ time: i, router: i % 2 ? 'B' : 'A', op: 'CREATE', type: 'listener', name: `n${i}`, reason: 'drift', detail: '', result: 'ok' });
    assert.deepEqual(a.entries().map((e) => e.time), [2, 3, 4]);
    assert.deepEqual(a.entries('A').map((e) => e.time), [2, 4]);
    assert.equal(a.count, 5);
    assert.throws(() => new AuditLog(0), RangeError);
    const c = new SyncCounters();
    c.write('CREATE', 'listener', 'ok', 'drift');
    c.write('CREATE', 'listener', 'ok', 'drift');
    assert.deepEqual(c.snapshot().writes, [{ op: 'CREATE', type: 'listener', result: 'ok', reason: 'drift', count: 2 }]);
  });
});

/** An in-memory fleet of routers behind one fake client; each request resolves when `release()` is called. */
class FakeFleet implements SyncClient {
  readonly flavor = 'qdrouterd' as const;
  readonly store = new Map<string, Map<string, Record<string, unknown>>>();
  inFlight = 0;
  maxInFlight = 0;
  getOps = 0;
  failing = new Set<string>();
  private waiters: Array<() => void> = [];
  private readonly routersInFlight = new Map<string, number>();
  maxRoutersInFlight = 0;
  /** resolve every waiting request (and those they lead to) until the fleet is idle */
  async drain(): Promise<void> {
    for (let i = 0; i < 10_000; i++) {
      await new Promise((r) => setImmediate(r));
      const w = this.waiters;
      if (w.length === 0 && this.inFlight === 0) return;
      this.waiters = [];
      for (const f of w) f();
    }
    throw new Error('fleet did not go idle');
  }
  target(spec: TargetSpec): ManagementOps {
    const id = typeof spec === 'string' ? 'local' : Object.values(spec)[0]!;
    const rows = (): Map<string, Record<string, unknown>> => {
      let m = this.store.get(id);
      if (!m) this.store.set(id, (m = new Map()));
      return m;
    };
    const step = async <T>(f: () => T): Promise<T> => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      // a pass may have several requests out at once (its QUERYs; the writes of one level): routers count passes
      this.routersInFlight.set(id, (this.routersInFlight.get(id) ?? 0) + 1);
      this.maxRoutersInFlight = Math.max(this.maxRoutersInFlight, this.routersInFlight.size);
      try {
        await new Promise<void>((r) => this.waiters.push(r));
        if (this.failing.has(id)) throw new ManagementError('ECN_MGMT_STATUS', 'boom', { statusCode: 500 });
        return f();
      } finally {
        this.inFlight--;
        const left = this.routersInFlight.get(id)! - 1;
        if (left === 0) this.routersInFlight.delete(id);
        else this.routersInFlight.set(id, left);
      }
    };
    const ops: Partial<ManagementOps> = {
      getOperations: () => step(() => { this.getOps++; return { 'org.apache.qpid.dispatch.listener': ['CREATE', 'DELETE'] }; }),
      query: (type: string) => step(() => [...rows().values()].filter((r) => r.type === type)),
      create: (type: string, name: string | undefined, attrs: Record<string, unknown> = {}) =>
        step(() => { const r = { ...attrs, name, type }; rows().set(`${type}/${name}`, r); return r; }),
      delete: (type: string, ref: unknown) => step(() => { rows().delete(`${type}/${String(ref)}`); }),
    };
    return ops as ManagementOps;
  }
}

describe('SyncScheduler (in-memory fleet)', () => {
  const plans = (n: number, variant = 0) => networkPlan(...Array.from({ length: n }, (_, i) => edgePlan(`E${i}`, variant)));

  it('never runs more than `concurrency` passes at once, and learns capabilities once per router', async () => {
    const fleet = new FakeFleet();
    const clock = new ManualClock(0);
    const s = new SyncScheduler({ client: fleet, clock, concurrency: 5, probeUptime: false, random: () => 0 });
    s.setPlan(plans(40));
    s.start();
    await fleet.drain();
    assert.ok(fleet.maxRoutersInFlight <= 5, `routers with requests in flight: ${fleet.maxRoutersInFlight}`);
    assert.equal(fleet.maxRoutersInFlight, 5);
    assert.ok(fleet.maxInFlight > 5, 'a pass sends its independent requests together');
    assert.ok(s.status().every((st) => st.state === 'in-sync'));
    assert.equal(fleet.getOps, 40);
    assert.equal(s.audit.count, 120);
    clock.advance(27_000); // jitter -10 % at random 0
    await fleet.drain();
    assert.equal(fleet.getOps, 40, 'capabilities cached across passes');
    assert.equal(s.audit.count, 120);
    s.onConnected(); // a reconnect forgets them
    await fleet.drain();
    assert.equal(fleet.getOps, 80);
    await s.stop();
  });

  it('routers leaving the plan are forgotten; a failing router does not block the queue', async () => {
    const fleet = new FakeFleet();
    const clock = new ManualClock(0);
    const s = new SyncScheduler({ client: fleet, clock, concurrency: 1, probeUptime: false, random: () => 1 });
    fleet.failing.add('E0');
    s.setPlan(plans(3));
    s.start();
    await fleet.drain();
    const st = Object.fromEntries(s.status().map((x) => [x.router, x]));
    assert.equal(st.E0!.state, 'backoff');
    assert.equal(st.E0!.retryAt, 1000, 'initial delay, full jitter at random 1');
    assert.equal(st.E1!.state, 'in-sync');
    assert.equal(st.E2!.state, 'in-sync');
    const failed: string[] = [];
    s.on('sync-failed', (x) => failed.push(x.router));
    for (let i = 0; i < 8; i++) { clock.advance(60_000); await fleet.drain(); }
    assert.ok(s.status()[0]!.consecutiveFailures >= 5);
    assert.ok((s.status()[0]!.retryAt ?? 0) - clock.now() <= 60_000, 'capped');
    s.setPlan(networkPlan(edgePlan('E1'), edgePlan('E2')));
    assert.deepEqual(s.status().map((x) => x.router), ['E1', 'E2']);
    const n = failed.length;
    clock.advance(120_000);
    await fleet.drain();
    assert.equal(failed.length, n, 'no more passes for the removed router');
    await s.stop();
    await eventually(() => fleet.inFlight === 0, 'idle fleet');
  });
});

describe('opBatches', () => {
  const op = (o: PlanOp['op'], type: PlanOp['type'], name: string): PlanOp => ({ op: o, type, name, reason: 'missing' });
  it('groups consecutive operations of one phase and dependency level on distinct names; keeps the order between groups', () => {
    const ops = [
      op('DELETE', 'tcpListener', 'ecn.t1'), op('DELETE', 'listener', 'ecn.l9'), op('DELETE', 'connector', 'ecn.c1'),
      op('CREATE', 'sslProfile', 'ecn.s1'),
      op('CREATE', 'listener', 'ecn.l1'), op('UPDATE', 'connector', 'ecn.c2'), op('CREATE', 'connector', 'ecn.c1'), op('CREATE', 'router.config.address', 'ecn.a1'),
      op('CREATE', 'tcpConnector', 'ecn.t2'), op('CREATE', 'tcpListener', 'ecn.t1'),
    ];
    assert.deepEqual(opBatches(ops).map((b) => b.map((o) => `${o.op} ${o.name}`)), [
      ['DELETE ecn.t1'],
      ['DELETE ecn.l9', 'DELETE ecn.c1'],
      ['CREATE ecn.s1'],
      ['CREATE ecn.l1', 'UPDATE ecn.c2', 'CREATE ecn.c1', 'CREATE ecn.a1'],
      ['CREATE ecn.t2', 'CREATE ecn.t1'],
    ]);
    // the same name twice in one level (never planned, but possible in a hand-made list) splits the group
    assert.deepEqual(opBatches([op('CREATE', 'listener', 'ecn.x'), op('UPDATE', 'listener', 'ecn.x')]).length, 2);
    assert.deepEqual(opBatches([]), []);
  });
});
