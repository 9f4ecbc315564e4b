/**
 * observeNetwork with a stub client: the fan-out stays within its concurrency bound, failures are classified
 * (no route / timeout → unreachable; an error status → reachable with an error), a failing interior query is
 * recorded without losing the rest, and a plan's routers are the probe targets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManagementError } from '../../src/router/index.js';
import type { TargetSpec } from '../../src/router/index.js';
import type { NetworkPlan } from '../../src/plan/types.js';
import { observeNetwork, observeTargets, type ObserverClient, type QueryOps, type Row } from '../../src/observe/index.js';

type Handler = (target: string, type: string) => Row[] | Error;

function stub(handler: Handler): ObserverClient & { maxInFlight: number; calls: string[] } {
  let inFlight = 0;
  const calls: string[] = [];
  const ops = (target: string): QueryOps => ({
    async query(type: string) {
      calls.push(`${target} ${type}`);
      inFlight++;
      s.maxInFlight = Math.max(s.maxInFlight, inFlight);
      // yield a few turns so that concurrent probes overlap
      for (let i = 0; i < 3; i++) await Promise.resolve();
      inFlight--;
      const r = handler(target, type);
      if (r instanceof Error) throw r;
      return r;
    },
  });
  const local = ops('local');
  const s = {
    flavor: 'skupper' as const,
    maxInFlight: 0,
    calls,
    query: local.query,
    target: (spec: TargetSpec) => ops(typeof spec === 'object' && 'edge' in spec ? spec.edge : typeof spec === 'object' && 'router' in spec ? spec.router : 'local'),
  };
  return s;
}

describe('observeNetwork (stub client)', () => {
  it('bounds the probe fan-out and classifies failures; never throws', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `e${i}`);
    const client = stub((target, type) => {
      if (target === 'local') {
        if (type === 'router') return [{ id: 'int', mode: 'interior' }];
        if (type === 'router.node') return new ManagementError('ECN_MGMT_STATUS', 'boom', {});
        if (type === 'connection') return [{ container: 'e0', role: 'edge', dir: 'in', identity: '1', uptimeSeconds: 3, active: true }];
        if (type === 'router.address') return [{ key: 'He0', subscriberCount: 1, remoteHostRouters: [] }, { key: 'Mecn/route/a/r', subscriberCount: 1, remoteCount: 0 }];
        return [];
      }
      if (target === 'e1') return new ManagementError('ECN_MGMT_UNREACHABLE', 'released', {});
      if (target === 'e2') return new ManagementError('ECN_MGMT_TIMEOUT', 'timeout', {});
      if (target === 'e3' && type === 'connector') return new ManagementError('ECN_MGMT_STATUS', 'forbidden', {});
      if (type === 'router') return [{ id: target, mode: 'edge' }];
      return [{ name: 'uplink', host: 'int', port: '45672', role: 'edge', connectionStatus: 'SUCCESS' }];
    });
    const o = await observeNetwork(client, ids.map((id) => ({ routerId: id, reach: { kind: 'edge' as const, id } })), { concurrency: 3 });
    // each probe issues its two queries in parallel: 3 probes → at most 6 requests, plus the 4 interior queries
    assert.ok(client.maxInFlight <= 3 * 2 + 4, `max in flight ${client.maxInFlight}`);
    assert.equal(o.interiorId, 'int');
    assert.deepEqual(o.errors.map((e) => [e.query, e.code]), [['router.node', 'ECN_MGMT_STATUS']]);
    assert.deepEqual([...o.edges.keys()], ['e0']);
    assert.deepEqual([...o.addresses.keys()], ['ecn/route/a/r'], 'skupper key format');
    assert.equal(o.routers.size, 12);
    assert.equal(o.routers.get('e0')?.reachable, true);
    assert.equal(o.routers.get('e0')?.connectors[0]?.connectionStatus, 'SUCCESS');
    assert.equal(o.routers.get('e1')?.reachable, false);
    assert.equal(o.routers.get('e2')?.reachable, false);
    assert.equal(o.routers.get('e2')?.error?.code, 'ECN_MGMT_TIMEOUT');
    assert.equal(o.routers.get('e3')?.reachable, true, 'an error status is an answer');
    assert.equal(o.routers.get('e3')?.error?.code, 'ECN_MGMT_STATUS');
    assert.equal(o.routers.get('e3')?.mode, 'edge');
    assert.ok(!client.calls.some((c) => c.endsWith(' routerMetrics')));
  });

  it('reads the edges of the other interiors through _topo/0/<id>, recording a failing interior', async () => {
    const client = stub((target, type) => {
      if (target === 'local' && type === 'router') return [{ id: 'A' }];
      if (target === 'local' && type === 'router.node') {
        return [
          { id: 'A', linkState: ['B', 'C'], nextHop: '(self)', instance: 1 },
          { id: 'B', linkState: ['A'], nextHop: 'B', instance: 2 },
          { id: 'C', linkState: ['A'], nextHop: 'C', instance: 3 },
        ];
      }
      if (target === 'local' && type === 'connection') return [{ container: 'e1', role: 'edge', dir: 'in', identity: '1' }];
      if (target === 'B' && type === 'connection') return [{ container: 'e2', role: 'edge', dir: 'in', identity: '7' }, { container: 'A', role: 'inter-router', dir: 'out' }];
      if (target === 'C') return new ManagementError('ECN_MGMT_TIMEOUT', 'no reply', {});
      return [];
    });
    const o = await observeNetwork(client, [], {});
    assert.deepEqual([...o.edges.values()].map((e) => [e.edgeId, e.interiorId]), [['e1', 'A'], ['e2', 'B']]);
    assert.deepEqual(o.errors.map((e) => [e.query, e.code]), [['connection@C', 'ECN_MGMT_TIMEOUT']]);
    assert.deepEqual(o.interiors.get('A')?.linkState, ['B', 'C']);
  });

  it('without probes: only the interior tables', async () => {
    const client = stub(() => []);
    const o = await observeNetwork(client, [{ routerId: 'x', reach: { kind: 'edge', id: 'x' } }], { probeRouters: false });
    assert.equal(o.routers.size, 0);
    assert.equal(client.calls.length, 4);
  });

  it('takes the probe targets from a plan', () => {
    const plan: NetworkPlan = {
      routers: new Map([
        ['int', { routerId: 'int', mode: 'interior', reach: { kind: 'local' }, entities: [], conditions: [] }],
        ['i2', { routerId: 'i2', mode: 'interior', reach: { kind: 'interior', id: 'i2' }, entities: [], conditions: [] }],
      ]),
    };
    assert.deepEqual(observeTargets(plan), [
      { routerId: 'int', reach: { kind: 'local' } },
      { routerId: 'i2', reach: { kind: 'interior', id: 'i2' } },
    ]);
  });
});
