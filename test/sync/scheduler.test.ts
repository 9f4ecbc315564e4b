/**
 * SyncScheduler over a simulated network (product agent) with a ManualClock: first syncs, periodic drift passes,
 * model changes that touch only some routers, backoff of a failing router while the others keep syncing,
 * coalescing of triggers, restart detection on a periodic pass.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import type { AuditEntry, RouterSyncStatus, SyncResult } from '../../src/sync/index.js';
import { SyncScheduler } from '../../src/sync/index.js';
import { waitForEvent } from '../support/deadline.js';
import { edgePlan, interiorPlan, networkPlan, startNet, type TestNet } from './sync-support.js';

type Synced = { status: RouterSyncStatus; result: SyncResult };

/** Collects the next `n` settled passes (synced or failed) with a deadline. */
function passes(s: SyncScheduler, n: number, ms = 8000): Promise<Synced[]> {
  return new Promise((resolve, reject) => {
    const got: Synced[] = [];
    const on = (status: RouterSyncStatus, ...rest: unknown[]): void => {
      got.push({ status, result: rest.at(-1) as SyncResult });
      if (got.length === n) { done(); resolve(got); }
    };
    const timer = setTimeout(() => { done(); reject(new Error(`only ${got.length} of ${n} passes within ${ms} ms`)); }, ms);
    const done = (): void => { clearTimeout(timer); s.off('synced', on); s.off('sync-failed', on as never); };
    s.on('synced', on);
    s.on('sync-failed', on as never);
  });
}

describe('SyncScheduler', () => {
  let net: TestNet;
  const clock = new ManualClock(0);
  let sched: SyncScheduler;
  const writes: AuditEntry[] = [];
  const byRouter = (ps: Synced[]): Record<string, string> =>
    Object.fromEntries(ps.map((p) => [p.status.router, `${p.result.ok ? 'ok' : p.result.error?.code}/${p.result.reason}`]));

  before(async () => {
    net = await startNet(['E1', 'E2'], 600);
    sched = new SyncScheduler({
      client: net.client, clock, random: () => 0.5, concurrency: 2, intervalMs: 30_000,
      backoff: { initialDelayMs: 1000, maxDelayMs: 8000 },
    });
    sched.on('write', (w) => writes.push(w));
    sched.setPlan(networkPlan(interiorPlan('INT'), edgePlan('E1'), edgePlan('E2')));
  });
  after(async () => {
    await sched?.stop();
    await net?.stop();
  });

  it('start: every router gets its first sync (reason initial), with bounded concurrency', async () => {
    assert.deepEqual(sched.status().map((s) => s.state), ['pending', 'pending', 'pending']);
    const p = passes(sched, 3);
    sched.start();
    assert.equal(sched.status().filter((s) => s.state === 'syncing').length, 2, 'concurrency 2');
    const got = await p;
    assert.deepEqual(byRouter(got), { INT: 'ok/initial', E1: 'ok/initial', E2: 'ok/initial' });
    assert.deepEqual(sched.status().map((s) => [s.router, s.state]), [['E1', 'in-sync'], ['E2', 'in-sync'], ['INT', 'in-sync']]);
    assert.equal(writes.length, 7);
    assert.ok(writes.every((w) => w.reason === 'initial' && w.result === 'ok'));
  });

  it('the periodic pass (jittered) finds nothing to do', async () => {
    const p = passes(sched, 3);
    clock.advance(30_000); // random 0.5 → exactly the interval
    const got = await p;
    assert.deepEqual(byRouter(got), { INT: 'ok/drift', E1: 'ok/drift', E2: 'ok/drift' });
    assert.deepEqual(got.map((g) => `${g.status.router}:${g.result.planned}`).sort(), ['E1:0', 'E2:0', 'INT:0'], JSON.stringify(writes.slice(7)));
    assert.equal(writes.length, 7);
  });

  it('a model change resyncs only the touched routers (reason change)', async () => {
    const p = passes(sched, 1);
    sched.setPlan(networkPlan(interiorPlan('INT'), edgePlan('E1', 1), edgePlan('E2')), new Set(['E1']));
    const got = await p;
    assert.deepEqual(byRouter(got), { E1: 'ok/change' });
    assert.ok(writes.slice(7).every((w) => w.router === 'E1' && w.reason === 'change'));
    assert.equal(writes.length, 7 + 4, 'connector and address replaced');
    // without `touched`, the scheduler finds the changed routers itself
    const p2 = passes(sched, 1);
    sched.setPlan(networkPlan(interiorPlan('INT'), edgePlan('E1', 1), edgePlan('E2', 1)));
    assert.deepEqual(byRouter(await p2), { E2: 'ok/change' });
    assert.deepEqual(sched.status().map((s) => s.state), ['in-sync', 'in-sync', 'in-sync']);
  });

  it('a router answering 500 backs off (exponentially) while another keeps syncing', async () => {
    const [, e2] = net.edges;
    e2!.faults.replies({ kind: 'fail' });
    const p = passes(sched, 2);
    sched.setPlan(networkPlan(interiorPlan('INT'), edgePlan('E1', 2), edgePlan('E2', 2)));
    const got = await p;
    assert.deepEqual(byRouter(got), { E1: 'ok/change', E2: 'ECN_MGMT_STATUS/change' });
    const st = sched.status().find((s) => s.router === 'E2')!;
    assert.equal(st.state, 'backoff');
    assert.equal(st.consecutiveFailures, 1);
    assert.equal(st.retryAt, clock.now() + 750, '1000 ms with equal jitter at random 0.5');
    assert.equal(st.lastError?.code, 'ECN_MGMT_STATUS');

    // a trigger during backoff does not hammer the failing router; E1 still syncs at once
    const p2 = passes(sched, 1);
    sched.setPlan(networkPlan(interiorPlan('INT'), edgePlan('E1', 3), edgePlan('E2', 3)));
    assert.deepEqual(byRouter(await p2), { E1: 'ok/change' });
    assert.equal(sched.status().find((s) => s.router === 'E2')!.state, 'backoff');

    const p3 = passes(sched, 1);
    clock.advance(750);
    assert.deepEqual(byRouter(await p3), { E2: 'ECN_MGMT_STATUS/change' });
    const st2 = sched.status().find((s) => s.router === 'E2')!;
    assert.equal(st2.consecutiveFailures, 2);
    assert.equal(st2.retryAt, clock.now() + 1500, 'doubled');

    e2!.faults.replies({ kind: 'normal' });
    const p4 = passes(sched, 1);
    clock.advance(1500);
    const [r] = await p4;
    assert.deepEqual(byRouter([r!]), { E2: 'ok/change' });
    assert.equal(r!.result.creates, 2, 'the pending change is applied on recovery');
    assert.equal(sched.status().find((s) => s.router === 'E2')!.consecutiveFailures, 0);
  });

  it('a silent router times out and backs off without slowing the others', async () => {
    const [e1] = net.edges;
    e1!.faults.replies({ kind: 'silent' });
    const p = passes(sched, 3);
    sched.trigger('E1', 'manual');
    sched.trigger('E2', 'manual');
    sched.trigger('INT', 'manual');
    const got = await p;
    assert.deepEqual(byRouter(got), { E1: 'ECN_MGMT_TIMEOUT/drift', E2: 'ok/drift', INT: 'ok/drift' });
    assert.equal(got.at(-1)!.status.router, 'E1', 'the others finished first');
    assert.equal(sched.status().find((s) => s.router === 'E1')!.state, 'backoff');
    e1!.faults.replies({ kind: 'normal' });
    const p2 = passes(sched, 1);
    clock.advance(1000);
    assert.deepEqual(byRouter(await p2), { E1: 'ok/drift' });
  });

  it('coalesces triggers: a trigger during a pass makes exactly one more pass', async () => {
    const p = passes(sched, 2);
    sched.trigger('INT', 'manual');
    assert.equal(sched.status().find((s) => s.router === 'INT')!.state, 'syncing');
    sched.trigger('INT', 'manual');
    sched.trigger('INT', 'change');
    sched.trigger('INT', 'manual');
    const got = await p.catch(() => []);
    assert.equal(got.length, 2);
    assert.deepEqual(got.map((g) => `${g.status.router}/${g.result.reason}`), ['INT/drift', 'INT/change']);
    // no third pass queued
    assert.equal(sched.status().find((s) => s.router === 'INT')!.state, 'in-sync');
  });

  it('an edge restart is detected on the next periodic pass and its entities re-applied (reason restart)', async () => {
    const [e1] = net.edges;
    const up = waitForEvent(e1!, 'uplink-up', { timeoutMs: 10000 });
    await e1!.faults.restart();
    await up;
    const n = writes.length;
    const p = passes(sched, 3);
    clock.advance(30_000);
    const got = await p;
    const r1 = got.find((g) => g.status.router === 'E1')!;
    assert.equal(r1.result.reason, 'restart');
    assert.equal(r1.result.creates, 3);
    assert.ok(writes.slice(n).every((w) => w.router === 'E1' && w.reason === 'restart'));
    assert.ok(sched.counters.snapshot().restartsDetected >= 1);
    assert.ok(sched.audit.entries('E1').length > 0);
  });

  it('an interior restart drops the management connection: on reconnect every router resyncs, the interior is repaired', async () => {
    const n = writes.length;
    const edgesUp = net.edges.map((e) => waitForEvent(e, 'uplink-up', { timeoutMs: 10000 }));
    const p = passes(sched, 3, 15000);
    await net.int.faults.restart();
    await Promise.all(edgesUp);
    const got = await p;
    const int = got.find((g) => g.status.router === 'INT');
    assert.ok(int, JSON.stringify(byRouter(got)));
    // the first passes may race the edges' uplinks coming back; what matters is that everything converges
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 10 && sched.status().some((s) => s.state !== 'in-sync'); i++) {
        const q = passes(sched, 1, 15000);
        clock.advance(60_000);
        await q;
      }
    };
    await settle();
    assert.deepEqual(sched.status().map((s) => s.state), ['in-sync', 'in-sync', 'in-sync']);
    const intWrites = writes.slice(n).filter((w) => w.router === 'INT');
    assert.deepEqual(intWrites.map((w) => `${w.op} ${w.name} ${w.reason} ${w.result}`), ['CREATE ecn.INT.addr restart ok']);
  });
});
