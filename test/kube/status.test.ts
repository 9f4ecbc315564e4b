import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeStatus, statusChanged, type StatusInput } from '../../src/kube/status.js';
import type { ModelIssue } from '../../src/model/ecn.js';
import type { RouterSyncStatus } from '../../src/sync/scheduler.js';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const inSync = (router: string): RouterSyncStatus => ({ router, state: 'in-sync', consecutiveFailures: 0 });
const base = (over: Partial<StatusInput> = {}): StatusInput => ({
  kind: 'Microservice', generation: 2, issues: [], inModel: true, routers: [{ id: 'edge-2', status: inSync('edge-2') }], now: T0, ...over,
});
const cond = (s: { conditions: Array<{ type: string }> }, type: string) => s.conditions.find((c) => c.type === type) as { status: string; reason: string; message: string; lastTransitionTime: string } | undefined;

test('valid and synced: Ready True, RouterSynced True, Degraded False, observedGeneration set', () => {
  const s = computeStatus(base());
  assert.equal(s.observedGeneration, 2);
  assert.deepEqual(s.conditions.map((c) => [c.type, c.status, c.reason]), [['Ready', 'True', 'Ready'], ['RouterSynced', 'True', 'InSync'], ['Degraded', 'False', 'AsExpected']]);
  assert.equal(cond(s, 'Ready')!.lastTransitionTime, new Date(T0).toISOString());
});

test('a route to a missing microservice: Ready False, InvalidSpec, with the model message', () => {
  const issue: ModelIssue = { severity: 'error', code: 'ECN_MODEL_UNKNOWN_MICROSERVICE', object: 'Route demo/r', path: 'spec.to', message: 'microservice `ghost` is not part of application demo', fix: 'Name a microservice of demo.', ref: { source: 'kube:ecn/Route/r' } };
  const s = computeStatus(base({ kind: 'Route', inModel: false, routers: [], issues: [issue] }));
  const ready = cond(s, 'Ready')!;
  assert.equal(ready.status, 'False');
  assert.equal(ready.reason, 'InvalidSpec');
  assert.match(ready.message, /spec\.to: microservice `ghost` is not part of application demo/);
  assert.equal(cond(s, 'RouterSynced'), undefined, 'not in the model: nothing to sync');
  assert.equal(s.observedGeneration, 2, 'the invalid generation was observed');
});

test('only dependency errors: DependencyInvalid', () => {
  const issue: ModelIssue = { severity: 'error', code: 'ECN_MODEL_DEPENDENCY_SKIPPED', object: 'Route demo/r', path: '', message: 'skipped because Agent x was skipped', fix: 'Fix Agent x first.', ref: { source: 'kube:ecn/Route/r' } };
  assert.equal(cond(computeStatus(base({ inModel: false, issues: [issue] })), 'Ready')!.reason, 'DependencyInvalid');
});

test('sync failure names the router and the error; pending says what it waits for', () => {
  const failed: RouterSyncStatus = { router: 'edge-2', state: 'backoff', consecutiveFailures: 2, lastError: { code: 'ECN_MGMT_UNREACHABLE', message: 'no route to edge-2' } };
  const s = computeStatus(base({ routers: [{ id: 'edge-2', status: failed }] }));
  assert.equal(cond(s, 'Ready')!.reason, 'RouterNotSynced');
  assert.equal(cond(s, 'RouterSynced')!.reason, 'SyncFailed');
  assert.match(cond(s, 'RouterSynced')!.message, /router edge-2: ECN_MGMT_UNREACHABLE: no route to edge-2/);
  assert.equal(cond(s, 'Degraded')!.reason, 'SyncRetrying');
  const p = computeStatus(base({ routers: [{ id: 'edge-2', status: { router: 'edge-2', state: 'pending', consecutiveFailures: 0 } }] }));
  assert.equal(cond(p, 'RouterSynced')!.reason, 'Pending');
});

test('an Agent with an uplink down is Degraded; its uplinks are listed', () => {
  const s = computeStatus(base({ kind: 'Agent', uplinks: [{ to: 'default-router', state: 'down' }] }));
  assert.equal(cond(s, 'Degraded')!.status, 'True');
  assert.equal(cond(s, 'Degraded')!.reason, 'UplinkDown');
  assert.deepEqual(s.uplinks, [{ to: 'default-router', state: 'down' }]);
});

test('lastTransitionTime changes only when a condition flips', () => {
  const first = computeStatus(base());
  const later = computeStatus(base({ now: T0 + 60_000, generation: 3, previous: first }));
  assert.equal(cond(later, 'Ready')!.lastTransitionTime, cond(first, 'Ready')!.lastTransitionTime);
  const flipped = computeStatus(base({ now: T0 + 120_000, previous: later, routers: [{ id: 'edge-2', status: { router: 'edge-2', state: 'pending', consecutiveFailures: 0 } }] }));
  assert.equal(cond(flipped, 'Ready')!.lastTransitionTime, new Date(T0 + 120_000).toISOString());
  assert.equal(cond(flipped, 'Degraded')!.lastTransitionTime, cond(first, 'Degraded')!.lastTransitionTime);
});

test('statusChanged: the same status is no change; a new generation or message is', () => {
  const s = computeStatus(base());
  assert.equal(statusChanged(JSON.parse(JSON.stringify(s)), s), false);
  assert.equal(statusChanged(s, computeStatus(base({ generation: 3, previous: s }))), true);
  assert.equal(statusChanged(undefined, s), true);
  assert.equal(statusChanged(s, { ...s, extra: 1 }), true);
});

test('terminating: Ready False Terminating', () => {
  assert.equal(cond(computeStatus(base({ terminating: true })), 'Ready')!.reason, 'Terminating');
});
