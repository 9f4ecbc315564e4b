/** The supervised informer against a scripted list/watch (the fake API server tests are in reconciler-e2e). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { SupervisedInformer, type KubeObject, type ObjectList } from '../../src/kube/supervised-informer.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

interface OpenWatch { params: Record<string, unknown>; send(type: string, obj: unknown): void; end(err?: unknown): void; aborted: boolean }

function fakeApi() {
  let rv = 1;
  const objects = new Map<string, KubeObject>();
  const watches: OpenWatch[] = [];
  let listFailures = 0;
  const api = {
    objects, watches,
    failNextLists(n: number) { listFailures = n; },
    put(name: string, spec: unknown = {}) {
      const obj: KubeObject = { metadata: { name, namespace: 'ns', resourceVersion: String(++rv) }, spec };
      const type = objects.has(name) ? 'MODIFIED' : 'ADDED';
      objects.set(name, obj);
      for (const w of watches) if (!w.aborted) w.send(type, obj);
      return obj;
    },
    /** changes the store without telling any watch (what a stalled or broken watch misses) */
    putSilently(name: string) { const obj: KubeObject = { metadata: { name, namespace: 'ns', resourceVersion: String(++rv) } }; objects.set(name, obj); },
    removeSilently(name: string) { objects.delete(name); rv++; },
    list: async (): Promise<ObjectList<KubeObject>> => {
      if (listFailures > 0) { listFailures--; throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' }); }
      return { items: [...objects.values()], metadata: { resourceVersion: String(rv) } };
    },
    watch: async (_path: string, params: Record<string, unknown>, onEvent: (t: string, o: unknown) => void, onDone: (e: unknown) => void) => {
      const w: OpenWatch = {
        params, aborted: false,
        send: (t, o) => { if (!w.aborted) onEvent(t, o); },
        end: (e) => { if (!w.aborted) { w.aborted = true; onDone(e ?? null); } },
      };
      watches.push(w);
      return { abort: () => { w.aborted = true; } };
    },
    current(): OpenWatch { return watches.filter((w) => !w.aborted).at(-1)!; },
  };
  return api;
}

function setup(opts: Partial<ConstructorParameters<typeof SupervisedInformer>[0]> = {}) {
  const api = fakeApi();
  const clock = new ManualClock(1_000_000);
  const inf = new SupervisedInformer<KubeObject>({
    name: 'things', path: '/apis/x/v1/namespaces/ns/things', list: api.list, watch: api.watch, clock, random: () => 0.5,
    stallTimeoutMs: 60_000, relistIntervalMs: 0, minWatchMs: 0, ...opts,
  });
  const log: string[] = [];
  inf.on('add', (o) => log.push(`add ${o.metadata.name}`));
  inf.on('update', (o) => log.push(`update ${o.metadata.name}`));
  inf.on('delete', (o) => log.push(`delete ${o.metadata.name}`));
  return { api, clock, inf, log };
}

test('lists, then watches from the list resourceVersion with bookmarks; events update the cache', async () => {
  const { api, inf, log } = setup();
  api.put('a');
  await inf.start();
  await tick();
  assert.equal(inf.hasSynced(), true);
  assert.deepEqual(log, ['add a']);
  const w = api.current();
  assert.equal(w.params.resourceVersion, inf.latestResourceVersion());
  assert.equal(w.params.allowWatchBookmarks, true);
  api.put('b'); api.put('a', { x: 1 });
  w.send('DELETED', api.objects.get('b'));
  assert.deepEqual(log, ['add a', 'add b', 'update a', 'delete b']);
  w.send('BOOKMARK', { metadata: { resourceVersion: '999' } });
  assert.equal(inf.latestResourceVersion(), '999');
  inf.stop();
});

test('410 Gone (in-stream ERROR) relists at once; what changed meanwhile is reported, vanished objects deleted', async () => {
  const { api, inf, log } = setup();
  api.put('a'); api.put('b');
  await inf.start(); await tick();
  api.removeSilently('b'); api.putSilently('c');
  api.current().send('ERROR', { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' });
  await tick(); await tick();
  assert.deepEqual(log, ['add a', 'add b', 'add c', 'delete b']);
  assert.equal(inf.stats.restarts.gone, 1);
  assert.ok(api.current(), 'watching again');
  inf.stop();
});

test('410 as the HTTP status of the watch request also relists', async () => {
  const { api, inf } = setup();
  await inf.start(); await tick();
  api.current().end(Object.assign(new Error('Gone'), { statusCode: 410 }));
  await tick(); await tick();
  assert.equal(inf.stats.restarts.gone, 1);
  assert.equal(inf.stats.lists, 2);
  inf.stop();
});

test('errors restart with exponential backoff; a good list resets it', async () => {
  const { api, clock, inf } = setup({ initialBackoffMs: 1000, maxBackoffMs: 8000, jitter: 0 });
  const delays: number[] = [];
  inf.on('failure', (_e, ms) => delays.push(ms));
  api.failNextLists(4);
  await inf.start();
  for (let i = 0; i < 4; i++) { clock.advance(delays.at(-1)!); await tick(); await tick(); }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000]);
  assert.equal(inf.hasSynced(), true);
  api.current().end(new Error('socket hang up'));
  await tick();
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000], 'a good list alone does not reset the backoff');
  clock.advance(8000); await tick(); await tick();
  api.current().send('BOOKMARK', { metadata: { resourceVersion: '77' } });
  api.current().end(new Error('socket hang up'));
  await tick();
  assert.deepEqual(delays.slice(5), [1000], 'a watch that delivered something resets it');
  inf.stop();
});

test('a stalled watch (no event, no bookmark) is restarted by the watchdog and catches up by relisting', async () => {
  const { api, clock, inf, log } = setup({ stallTimeoutMs: 60_000 });
  await inf.start(); await tick();
  const stalled = api.current();
  clock.advance(30_000);
  stalled.send('BOOKMARK', { metadata: { resourceVersion: '5' } });
  clock.advance(59_000);
  assert.equal(inf.stats.restarts.stall, 0, 'a bookmark counts as activity');
  api.putSilently('missed');
  clock.advance(1_000);
  await tick(); await tick();
  assert.equal(inf.stats.restarts.stall, 1);
  assert.equal(stalled.aborted, true);
  assert.deepEqual(log, ['add missed']);
  inf.stop();
});

test('a clean end of the stream rewatches from the last resourceVersion without relisting', async () => {
  const { api, clock, inf } = setup({ minWatchMs: 1000 });
  await inf.start(); await tick();
  clock.advance(5000);
  api.put('a');
  const rv = inf.latestResourceVersion();
  api.current().end();
  await tick();
  assert.equal(inf.stats.lists, 1);
  assert.equal(api.current().params.resourceVersion, rv);
  inf.stop();
});

test('the periodic relist repairs what the watch missed; handler exceptions do not stop the informer', async () => {
  const { api, clock, inf, log } = setup({ relistIntervalMs: 600_000 });
  inf.on('add', (o) => { if (o.metadata.name === 'bad') throw new Error('handler bug'); });
  const failures: unknown[] = [];
  inf.on('failure', (e) => failures.push(e));
  await inf.start(); await tick();
  api.putSilently('x');
  clock.advance(660_000);
  await tick(); await tick();
  assert.ok(log.includes('add x'));
  api.put('bad');
  api.put('after');
  assert.ok(log.includes('add after'));
  assert.equal(failures.length, 1);
  inf.stop();
});
