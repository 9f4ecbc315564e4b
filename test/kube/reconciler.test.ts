/** The reconciler with an in-memory API (no server) and a manager that is never started (no router needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { Manager } from '../../src/manager/manager.js';
import { Reconciler } from '../../src/kube/reconciler.js';
import type { KubeApi } from '../../src/kube/kube-api.js';
import type { KubeObject } from '../../src/kube/supervised-informer.js';
import type { Kind } from '../../src/model/schemas.js';
import { exampleCrs } from './example-crs.js';

const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r)); };

async function setup(failAgentLists: number) {
  const crs = await exampleCrs('ecn');
  let agentFailures = failAgentLists;
  const patches: Array<{ kind: Kind; name: string; what: 'status' | 'object'; body: any }> = [];
  const api: KubeApi = {
    listCustom: async (kind) => {
      if (kind === 'Agent' && agentFailures-- > 0) throw Object.assign(new Error('Internal error'), { code: 500 });
      return { items: crs.filter((c) => c.kind === kind).map((c) => c.obj), metadata: { resourceVersion: '1000' } };
    },
    watch: async () => ({ abort: () => undefined }),
    patchStatus: async (kind, _ns, name, status) => { patches.push({ kind, name, what: 'status', body: status }); return { metadata: { name, resourceVersion: String(2000 + patches.length) } }; },
    patchObject: async (kind, _ns, name, body) => { patches.push({ kind, name, what: 'object', body }); return { metadata: { name } } as KubeObject; },
    createEvent: async () => undefined,
    patchEvent: async () => undefined,
    apply: async (o) => o,
  };
  const clock = new ManualClock(Date.parse('2026-11-26T12:00:00Z'));
  const manager = new Manager({ router: 'amqp://127.0.0.1:1', clock, observeIntervalMs: 0 });
  const reconciler = new Reconciler({ api, namespace: 'ecn', manager, clock, debounceMs: 50, informer: { initialBackoffMs: 1000, jitter: 0, stallTimeoutMs: 0, relistIntervalMs: 0 } as never });
  return { reconciler, manager, clock, patches };
}

test('no model is built until every kind has been listed: a failing list never empties the model', async () => {
  const { reconciler, manager, clock, patches } = await setup(2);
  await reconciler.start();
  await settle();
  assert.equal(reconciler.rebuilds, 0);
  assert.equal(manager.currentModel().model.agents.size, 0);
  clock.advance(1000); await settle();
  assert.equal(reconciler.rebuilds, 0, 'still failing');
  clock.advance(2000); await settle();
  clock.advance(100); await settle();
  assert.equal(reconciler.rebuilds, 1);
  assert.equal(manager.currentModel().model.agents.size, 4);
  assert.deepEqual(manager.currentModel().issues, []);
  // finalizers on Agents and Microservices only, with the resourceVersion they were computed from
  const fin = patches.filter((p) => p.what === 'object');
  assert.deepEqual([...new Set(fin.map((p) => `${p.kind} ${p.name}`))].sort(), ['Agent edge-1', 'Agent edge-2', 'Agent edge-3', 'Agent fog-1', 'Microservice dashboard']);
  assert.deepEqual(fin[0]!.body.metadata.finalizers, ['iofog.org/router-config']);
  assert.ok(fin[0]!.body.metadata.resourceVersion);
  // kinds without a finalizer get a status at once: valid, waiting for their routers (the manager is not started)
  const route = patches.find((p) => p.what === 'status' && p.kind === 'Route')!;
  assert.equal(route.body.observedGeneration, 1);
  assert.equal(route.body.conditions.find((c: any) => c.type === 'Ready').reason, 'RouterNotSynced');
  const er = patches.find((p) => p.what === 'status' && p.kind === 'EdgeResource')!;
  assert.equal(er.body.conditions.find((c: any) => c.type === 'Ready').status, 'True', 'nothing to configure');
  const before = patches.length;
  reconciler.rebuild(); await settle();
  assert.equal(patches.filter((p) => p.what === 'status').length, patches.slice(0, before).filter((p) => p.what === 'status').length, 'an unchanged status is not written again');
  await reconciler.stop();
  await manager.scheduler.stop();
});
