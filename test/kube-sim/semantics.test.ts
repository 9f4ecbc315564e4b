import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatch, strategicMergePatch, serverSideApply } from '../../sim/kube/patch.js';
import { labelMatcher, fieldMatcher } from '../../sim/kube/selectors.js';
import { KubeApiError } from '../../sim/kube/status.js';

test('merge patch deletes with null; strategic merge patch merges keyed lists and follows directives', () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 }, l: [1, 2] }, { b: { c: null }, l: [3] }), { a: 1, b: { d: 3 }, l: [3] });
  const current = { spec: { containers: [{ name: 'a', image: 'a:1', ports: [{ containerPort: 80 }] }, { name: 'b', image: 'b:1' }], args: ['x', 'y'] } };
  assert.deepEqual(strategicMergePatch(current, {
    spec: { containers: [{ name: 'b', $patch: 'delete' }, { name: 'a', image: 'a:2' }], args: ['z'] },
  }), { spec: { containers: [{ name: 'a', image: 'a:2', ports: [{ containerPort: 80 }] }], args: ['z'] } });
  assert.deepEqual(strategicMergePatch({ metadata: { finalizers: ['f1', 'f2'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['f1'] } }),
    { metadata: { finalizers: ['f2'] } });
  assert.deepEqual(strategicMergePatch({ spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }], containers: [{ name: 'a', image: 'i' }] } }),
  { spec: { containers: [{ name: 'b' }, { name: 'a', image: 'i' }] } });
});

test('server-side apply: conflicts name the manager and field; force moves ownership; dropped fields are removed', () => {
  const t = '2026-01-01T00:00:00Z';
  const first = serverSideApply(undefined, { metadata: { name: 'x', labels: { a: '1' } }, spec: { n: 1, m: 2 } }, 'one', 'v1', t, { force: false, skipStatus: true });
  assert.deepEqual(first.conflicts, []);
  const clash = serverSideApply(first.object, { metadata: { name: 'x' }, spec: { n: 5 } }, 'two', 'v1', t, { force: false, skipStatus: true });
  assert.deepEqual(clash.conflicts.map((c) => c.manager), ['one']);
  const forced = serverSideApply(first.object, { metadata: { name: 'x' }, spec: { n: 5 } }, 'two', 'v1', t, { force: true, skipStatus: true });
  assert.equal(forced.object.spec.n, 5);
  // "one" re-applies without m and the label: both go (nobody else owns them); n stays with "two"
  const shrink = serverSideApply(forced.object, { metadata: { name: 'x' }, spec: {} }, 'one', 'v1', t, { force: false, skipStatus: true });
  assert.deepEqual(shrink.object.spec, { n: 5 });
  assert.equal(shrink.object.metadata!.labels?.a, undefined);
  const managers = (shrink.object.metadata!.managedFields as { manager: string; fieldsV1: unknown }[]).map((m) => m.manager);
  assert.deepEqual(managers, ['two']);
});

test('selectors: label set operations, existence, field paths, and clear errors for bad syntax', () => {
  const obj = { metadata: { name: 'n', namespace: 'ns', labels: { app: 'web', tier: 'fe' } }, status: { phase: 'Running' } };
  assert.equal(labelMatcher('app=web,tier in (fe, be),!missing,app')(obj), true);
  assert.equal(labelMatcher('tier notin (fe)')(obj), false);
  assert.equal(labelMatcher('app!=web')(obj), false);
  assert.equal(fieldMatcher('metadata.name=n,metadata.namespace==ns,status.phase!=Pending')(obj), true);
  assert.equal(fieldMatcher('metadata.namespace=')({ metadata: { name: 'c' } }), true);
  assert.throws(() => labelMatcher('a in b'), (e: unknown) => e instanceof KubeApiError && e.code === 400);
  assert.throws(() => fieldMatcher('nonsense'), (e: unknown) => e instanceof KubeApiError && e.code === 400);
});
