import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocatePublicPorts, type PublicPortRequest } from '../../src/model/public-ports.js';
import { buildModel } from '../../src/model/build.js';
import { app, baseEcn, docs, ms } from './helpers.js';

const req = (application: string, microservice: string, external: number, requested?: number): PublicPortRequest => ({
  application, microservice, agent: 'e', external, protocol: 'tcp', ...(requested !== undefined ? { requested } : {}),
});
const range = { start: 6000, end: 6009 };
const summary = (ports: Array<{ application: string; microservice: string; external: number; publicPort: number }>) => ports.map((p) => `${p.application}/${p.microservice}:${p.external}=${p.publicPort}`);

test('allocation is deterministic: sorted by application, microservice, external port; lowest free number', () => {
  const requests = [req('b', 'x', 1), req('a', 'z', 2), req('a', 'y', 9), req('a', 'y', 3), req('a', 'q', 5, 6000)];
  const taken = new Map([[6002, 'a listener']]);
  const one = allocatePublicPorts(requests, { range, taken });
  const two = allocatePublicPorts([...requests].reverse(), { range, taken });
  assert.deepEqual(one, two);
  assert.deepEqual(summary(one.ports), ['a/q:5=6000', 'a/y:3=6001', 'a/y:9=6003', 'a/z:2=6004', 'b/x:1=6005']);
  assert.deepEqual(one.failures, []);
});

test('allocation is stable: adding a port does not reshuffle the others when given the previous result', () => {
  const first = allocatePublicPorts([req('a', 'm', 1), req('c', 'm', 1)], { range, taken: new Map() });
  assert.deepEqual(summary(first.ports), ['a/m:1=6000', 'c/m:1=6001']);
  // b sorts between a and c: without `previous` c would move; with it, c keeps 6001 and b gets the next free number
  const grown = [req('a', 'm', 1), req('b', 'm', 1), req('c', 'm', 1)];
  assert.deepEqual(summary(allocatePublicPorts(grown, { range, taken: new Map() }).ports), ['a/m:1=6000', 'b/m:1=6001', 'c/m:1=6002']);
  const stable = allocatePublicPorts(grown, { range, taken: new Map(), previous: first.ports });
  assert.deepEqual(summary(stable.ports), ['a/m:1=6000', 'b/m:1=6002', 'c/m:1=6001']);
  // removing one keeps the rest
  const shrunk = allocatePublicPorts([req('c', 'm', 1)], { range, taken: new Map(), previous: stable.ports });
  assert.deepEqual(summary(shrunk.ports), ['c/m:1=6001']);
});

test('a requested number wins over a previous allocation; out-of-range previous numbers are reallocated', () => {
  const previous = allocatePublicPorts([req('a', 'm', 1), req('z', 'm', 1)], { range: { start: 7000, end: 7001 }, taken: new Map() }).ports;
  const r = allocatePublicPorts([req('a', 'm', 1), req('b', 'm', 1, 6000)], { range, taken: new Map(), previous });
  assert.deepEqual(summary(r.ports), ['a/m:1=6001', 'b/m:1=6000']);
  assert.equal(r.ports.find((p) => p.microservice === 'm' && p.application === 'b')!.requested, true);
});

test('failures: out of range, taken, exhausted', () => {
  const r = allocatePublicPorts([req('a', 'm', 1, 5000), req('a', 'm', 2, 6001), req('a', 'm', 3), req('a', 'm', 4)], { range: { start: 6000, end: 6001 }, taken: new Map([[6001, 'a reserved port']]) });
  assert.deepEqual(r.failures.map((f) => [f.request.external, f.reason, f.heldBy]), [[1, 'range', undefined], [2, 'conflict', 'a reserved port'], [4, 'exhausted', undefined]]);
  assert.deepEqual(summary(r.ports), ['a/m:3=6000']);
});

test('buildModel keeps public ports stable across reloads via `previous`', () => {
  const ecn = (names: string[]) => docs(...baseEcn(), app('a', names.map((n, i) => ms(n, 'edge-1', [{ internal: 80, external: 9000 + i, public: {} }]))));
  const first = buildModel(ecn(['m1', 'm3']));
  assert.deepEqual(first.model.publicPorts.map((p) => [p.microservice, p.publicPort]), [['m1', 6000], ['m3', 6001]]);
  const again = buildModel(ecn(['m1', 'm3']), { previous: first.model.publicPorts });
  assert.deepEqual(again.model, first.model);
  const grown = buildModel(docs(...baseEcn(), app('a', [
    ms('m1', 'edge-1', [{ internal: 80, external: 9000, public: {} }]),
    ms('m2', 'edge-1', [{ internal: 80, external: 9005, public: {} }]),
    ms('m3', 'edge-1', [{ internal: 80, external: 9001, public: {} }]),
  ])), { previous: first.model.publicPorts });
  assert.deepEqual(grown.model.publicPorts.map((p) => [p.microservice, p.publicPort]), [['m1', 6000], ['m2', 6002], ['m3', 6001]]);
});

test('reserved ports (54321, 54322) are never allocated; the reserved list can be replaced', () => {
  const r = allocatePublicPorts([req('a', 'm', 1), req('a', 'm', 2)], { range: { start: 54321, end: 54324 }, taken: new Map([[54321, 'r'], [54322, 'r']]) });
  assert.deepEqual(summary(r.ports), ['a/m:1=54323', 'a/m:2=54324']);
  const built = buildModel(docs(...baseEcn().map((d, i) => (i === 0 ? { ...d, spec: { ...(d.spec as object), publicPorts: { start: 54321, end: 54330 } } } : d)), app('a', [ms('m', 'edge-1', [{ internal: 1, external: 9000, public: {} }])])), { reservedPorts: [54321] });
  assert.deepEqual(built.model.publicPorts.map((p) => p.publicPort), [54322]);
});
