import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { EventRecorder } from '../../src/kube/events.js';
import type { KubeApi, KubeEvent } from '../../src/kube/kube-api.js';

test('the same event again patches count and lastTimestamp; another message or a later repeat is a new Event', async () => {
  const created: KubeEvent[] = [];
  const patched: Array<{ name: string; patch: any }> = [];
  const api = {
    createEvent: async (_ns: string, e: KubeEvent) => { created.push(e); },
    patchEvent: async (_ns: string, name: string, patch: unknown) => { patched.push({ name, patch }); },
  } as unknown as KubeApi;
  const clock = new ManualClock(Date.parse('2026-11-26T12:00:00Z'));
  const rec = new EventRecorder({ api, clock, windowMs: 600_000 });
  const route = { metadata: { name: 'r', namespace: 'ecn', uid: 'u1' } };
  await rec.record('Route', route, 'Warning', 'InvalidSpec', 'spec.to: no ghost');
  clock.advance(1000);
  await rec.record('Route', route, 'Warning', 'InvalidSpec', 'spec.to: no ghost');
  await rec.record('Route', route, 'Warning', 'InvalidSpec', 'spec.to: no ghost');
  assert.equal(created.length, 1);
  assert.deepEqual(created[0]!.involvedObject, { apiVersion: 'iofog.org/v3', kind: 'Route', name: 'r', namespace: 'ecn', uid: 'u1' });
  assert.equal(created[0]!.type, 'Warning');
  assert.deepEqual(patched.map((p) => p.patch.count), [2, 3]);
  assert.equal(patched[0]!.name, created[0]!.metadata.name);
  assert.equal(patched[0]!.patch.lastTimestamp, '2026-11-26T12:00:01.000Z');
  await rec.record('Route', route, 'Warning', 'InvalidSpec', 'spec.from: no ghost');
  assert.equal(created.length, 2);
  clock.advance(600_000);
  await rec.record('Route', route, 'Warning', 'InvalidSpec', 'spec.to: no ghost');
  assert.equal(created.length, 3, 'outside the window: a new Event');
});

test('an Event that cannot be written is dropped, never thrown', async () => {
  const api = { createEvent: async () => { throw new Error('forbidden'); } } as unknown as KubeApi;
  await new EventRecorder({ api }).record('Agent', { metadata: { name: 'a' } }, 'Warning', 'X', 'y');
});
