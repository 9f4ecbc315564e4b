import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CustomObjectsApi, PatchStrategy, Watch, makeInformer, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { startKube } from './kube-client.js';
import { ManualClock } from '../../src/clock.js';

const G = { group: 'iofog.org', version: 'v3', namespace: 'default' };
const PATH = '/apis/iofog.org/v3/namespaces/default/agents';
type Ev = { kind: string; name: string; rv?: string };

/** Records informer callbacks; `until` resolves when a matching one has been seen. */
function recorder() {
  const seen: Ev[] = [];
  const waiters: { pred: (e: Ev) => boolean; resolve: () => void }[] = [];
  const push = (e: Ev) => {
    seen.push(e);
    for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  const until = (pred: (e: Ev) => boolean) => (seen.some(pred) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ pred, resolve })));
  return { seen, push, until };
}

function agent(name: string, host = 'h') {
  return { apiVersion: 'iofog.org/v3', kind: 'Agent', metadata: { name }, spec: { host } };
}

test('makeInformer on an iofog.org/v3 kind receives ADDED/MODIFIED/DELETED; a 410 on reconnect relists', async (t) => {
  const { server, kc } = await startKube({ preloadIofogCrds: true });
  const api = kc.makeApiClient(CustomObjectsApi);
  await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: agent('pre') });

  const informer = makeInformer<KubernetesObject>(kc, PATH, () => api.listNamespacedCustomObject({ ...G, plural: 'agents' }) as any);
  const rec = recorder();
  for (const kind of ['add', 'update', 'delete'] as const) informer.on(kind, (o) => rec.push({ kind, name: o.metadata!.name!, rv: o.metadata!.resourceVersion! }));
  informer.on('connect', () => rec.push({ kind: 'connect', name: '' }));
  informer.on('error', (err) => rec.push({ kind: 'error', name: String((err as any)?.statusCode ?? (err as any)?.code ?? err) }));
  t.after(async () => { await informer.stop(); await server.stop(); });
  await informer.start();
  await rec.until((e) => e.kind === 'add' && e.name === 'pre');
  await server.whenWatching('agents');

  await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: agent('edge-1') });
  await rec.until((e) => e.kind === 'add' && e.name === 'edge-1');
  await api.patchNamespacedCustomObject({ ...G, plural: 'agents', name: 'edge-1', body: { spec: { host: 'h2' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  await rec.until((e) => e.kind === 'update' && e.name === 'edge-1');
  await api.deleteNamespacedCustomObject({ ...G, plural: 'agents', name: 'edge-1' });
  await rec.until((e) => e.kind === 'delete' && e.name === 'edge-1');
  assert.deepEqual(informer.list().map((o) => o.metadata!.name), ['pre']);

  // the informer's watch stalls and misses changes; its next watch answers 410 Gone; then the watch drops
  server.faults.stallOpenWatches('agents');
  await api.deleteNamespacedCustomObject({ ...G, plural: 'agents', name: 'pre' });
  await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: agent('late') });
  assert.equal(rec.seen.some((e) => e.name === 'late'), false, 'a stalled watch delivers nothing');
  const connectsBefore = rec.seen.filter((e) => e.kind === 'connect').length;
  server.faults.goneOnNextWatch('agents');
  server.faults.dropOpenWatches('agents');
  // client-node 1.4 answers the in-stream 410 by clearing its resourceVersion and relisting (no 'error'):
  // the relist finds the new object and the vanished one
  await rec.until((e) => e.kind === 'add' && e.name === 'late');
  await rec.until((e) => e.kind === 'delete' && e.name === 'pre');
  assert.ok(rec.seen.filter((e) => e.kind === 'connect').length >= connectsBefore + 2, 'reconnected, then relisted after the 410');
  assert.equal(rec.seen.some((e) => e.kind === 'error'), false);
  assert.deepEqual(informer.list().map((o) => o.metadata!.name), ['late']);
});

test('a failing watch makes the informer emit an error and stop; restarted, it relists', async (t) => {
  const { server, kc } = await startKube({ preloadIofogCrds: true });
  const api = kc.makeApiClient(CustomObjectsApi);
  const informer = makeInformer<KubernetesObject>(kc, PATH, () => api.listNamespacedCustomObject({ ...G, plural: 'agents' }) as any);
  const rec = recorder();
  informer.on('add', (o) => rec.push({ kind: 'add', name: o.metadata!.name! }));
  informer.on('delete', (o) => rec.push({ kind: 'delete', name: o.metadata!.name! }));
  informer.on('error', (err) => rec.push({ kind: 'error', name: String((err as any)?.statusCode ?? err) }));
  t.after(async () => { await informer.stop(); await server.stop(); });
  await informer.start();
  await server.whenWatching('agents');

  await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: agent('a') });
  await rec.until((e) => e.kind === 'add' && e.name === 'a');
  server.faults.failNextRequests('agents', 1, { verbs: ['watch'] });
  server.faults.dropOpenWatches('agents');
  await rec.until((e) => e.kind === 'error');
  assert.equal(rec.seen.find((e) => e.kind === 'error')!.name, '500');

  // while stopped it misses changes; a restart (the documented 1.x recovery) picks them up
  await api.deleteNamespacedCustomObject({ ...G, plural: 'agents', name: 'a' });
  await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: agent('b') });
  await informer.start();
  await rec.until((e) => e.kind === 'add' && e.name === 'b');
  assert.deepEqual(informer.list().map((o) => o.metadata!.name), ['b']);
});

test('watch protocol: resume from a resourceVersion, bookmarks, timeoutSeconds, 410 when too old, selectors', async (t) => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const { server, kc } = await startKube({ preloadIofogCrds: true, historyLimit: 5, clock });
  t.after(() => server.stop());
  const api = kc.makeApiClient(CustomObjectsApi);
  const w = new Watch(kc);
  /** Runs one watch to its end; with timeoutSeconds, time is moved on once the watch is open. */
  const collect = async (params: Record<string, string | number | boolean | undefined>) => {
    const events: { type: string; obj: any }[] = [];
    const done = new Promise<unknown>((resolve) => {
      void w.watch(PATH, params, (type, obj) => events.push({ type, obj }), (err) => resolve(err));
    });
    if (params.timeoutSeconds !== undefined) {
      await server.whenWatching('agents');
      clock.advance(Number(params.timeoutSeconds) * 1000);
    }
    return { events, err: await done };
  };

  const a = await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: { ...agent('a'), metadata: { name: 'a', labels: { role: 'x' } } } });
  await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: agent('b') });
  await api.patchNamespacedCustomObject({ ...G, plural: 'agents', name: 'a', body: { metadata: { labels: { role: 'y' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

  // replay after a's creation, ended by timeoutSeconds, with a bookmark at the end
  const replay = await collect({ resourceVersion: a.metadata.resourceVersion, timeoutSeconds: 1, allowWatchBookmarks: true });
  assert.deepEqual(replay.events.map((e) => `${e.type} ${e.obj.metadata?.name ?? ''}`), ['ADDED b', 'MODIFIED a', 'BOOKMARK ']);
  assert.equal(replay.err, null);

  // a label selector turns leaving the selection into DELETED
  const sel = await collect({ resourceVersion: a.metadata.resourceVersion, labelSelector: 'role=x', timeoutSeconds: 1 });
  assert.deepEqual(sel.events.map((e) => `${e.type} ${e.obj.metadata.name}`), ['DELETED a']);

  // no resourceVersion: current objects as ADDED first
  const fresh = await collect({ timeoutSeconds: 1, fieldSelector: 'metadata.name=b' });
  assert.deepEqual(fresh.events.map((e) => `${e.type} ${e.obj.metadata.name}`), ['ADDED b']);

  // push the history past a's resourceVersion: 410 Gone as an ERROR event with a Status
  for (let i = 0; i < 6; i++) await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: agent(`n${i}`) });
  const old = await collect({ resourceVersion: a.metadata.resourceVersion });
  assert.equal(old.events.length, 1);
  assert.equal(old.events[0]!.type, 'ERROR');
  assert.equal(old.events[0]!.obj.kind, 'Status');
  assert.equal(old.events[0]!.obj.code, 410);
  assert.match(old.events[0]!.obj.message, /too old resource version/);

  // injected: next watch 410 even from a current resourceVersion
  server.faults.goneOnNextWatch('agents.iofog.org');
  const injected = await collect({ resourceVersion: String(Number(a.metadata.resourceVersion) + 20) });
  assert.equal(injected.events[0]!.obj.code, 410);

  // a stalled watch sends nothing, not even events, until the client gives up
  server.faults.stallNextWatch('agents');
  const events: string[] = [];
  const controller = await w.watch(PATH, {}, (type) => events.push(type), () => {});
  await server.whenWatching('agents');
  await api.createNamespacedCustomObject({ ...G, plural: 'agents', body: agent('unseen') });
  await api.getNamespacedCustomObject({ ...G, plural: 'agents', name: 'unseen' });
  assert.deepEqual(events, []);
  controller.abort();
});
