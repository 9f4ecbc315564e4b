/** Readiness from the manager's state: connection, first sync of every router, the first 20 not ready and the count. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readiness, type ReadinessSource } from '../../src/manager/readiness.js';
import type { RouterSyncStatus } from '../../src/sync/index.js';
import type { ClientState } from '../../src/router/client.js';

function source(state: ClientState, status: RouterSyncStatus[], isStopped = false): ReadinessSource {
  return { isStopped, client: { state }, syncStatus: () => status };
}

const synced = (router: string): RouterSyncStatus => ({ router, state: 'in-sync', consecutiveFailures: 0, lastSyncAt: 1 });

test('ready: connected and every router synced once (a later failure does not make it unready)', () => {
  const later = { ...synced('r2'), state: 'backoff' as const, consecutiveFailures: 3, lastError: { code: 'ECN_MGMT_TIMEOUT', message: 'x' } };
  const r = readiness(source('ready', [synced('r1'), later]));
  assert.equal(r.ready, true);
  assert.deepEqual(r.reasons, []);
  assert.deepEqual(r.routers, { total: 2, ready: 2 });
  assert.equal(readiness(source('ready', [])).ready, true, 'an empty plan is ready once connected');
});

test('not ready: lists the first 20 routers with why, counts all, and names the connection and stop', () => {
  const status: RouterSyncStatus[] = [];
  for (let i = 0; i < 30; i++) status.push({ router: `r${String(i).padStart(2, '0')}`, state: 'pending', consecutiveFailures: 0 });
  status[0] = { router: 'r00', state: 'backoff', consecutiveFailures: 2, lastError: { code: 'ECN_MGMT_UNREACHABLE', message: 'no route' }, retryAt: 5 };
  status[1] = { router: 'r01', state: 'syncing', consecutiveFailures: 0 };
  status[2] = synced('r02');
  const r = readiness(source('backoff', status));
  assert.equal(r.ready, false);
  assert.equal(r.notReadyCount, 29);
  assert.equal(r.notReady.length, 20);
  assert.match(r.notReady[0]!.reason, /first sync 2 passes failed \(ECN_MGMT_UNREACHABLE: no route\); retrying/);
  assert.deepEqual(r.notReady[0]!.lastError, { code: 'ECN_MGMT_UNREACHABLE', message: 'no route' });
  assert.equal(r.notReady[1]!.reason, 'first sync pass in progress');
  assert.equal(r.notReady[2]!.router, 'r03');
  assert.equal(r.notReady[2]!.reason, 'waiting for its first sync pass');
  assert.deepEqual(r.reasons, ['not connected to the interior router (connection backoff)', '29 of 30 router(s) not synced yet']);
  const stopped = readiness(source('closed', [synced('a')], true));
  assert.equal(stopped.ready, false);
  assert.equal(stopped.reasons[0], 'the manager is stopped');
});
