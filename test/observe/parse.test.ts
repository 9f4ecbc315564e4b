/**
 * Row parsers on rows shaped like the recorded qdrouterd 1.19 transcripts (fixtures/router-transcripts, QUERY
 * cases on INT.A with EDGE.1/EDGE.2 attached; "<int>" placeholders kept where the recording has them) and on the
 * skupper key format.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectRestarts,
  mapLimit,
  parseAddresses,
  parseAddressKey,
  parseConnectors,
  parseEdgeConnections,
  parseRouterNodes,
  parseRouterRow,
  type ObservedNetwork,
  type Row,
} from '../../src/observe/index.js';

const zip = (names: string[], rows: unknown[][]): Row[] => rows.map((r) => Object.fromEntries(names.map((n, i) => [n, r[i]])));

// QUERY connection (full type name), INT.A, qdrouterd 1.19.0: uptimeSeconds/identity filled in with numbers
const CONNECTION = zip(
  ['name', 'identity', 'host', 'role', 'protocol', 'dir', 'container', 'active', 'adminStatus', 'operStatus', 'uptimeSeconds'],
  [
    ['connection/127.0.0.1:40001', '3', '127.0.0.1:40001', 'edge', 'amqp', 'in', 'EDGE.1', true, 'enabled', 'up', 12],
    ['connection/127.0.0.1:40002', '4', '127.0.0.1:40002', 'edge', 'amqp', 'in', 'EDGE.2', true, 'enabled', 'up', '<int>'],
    ['connection/127.0.0.1:40003', '5', '127.0.0.1:40003', 'normal', 'amqp', 'in', 'mgmt-recorder', true, 'enabled', 'up', 3],
    ['connection/127.0.0.1:40004', '6', '127.0.0.1:40004', 'inter-router', 'amqp', 'out', 'INT.B', false, 'enabled', 'up', 40],
  ],
);

// QUERY router.node: the recorded self row, plus a neighbour for adjacency
const NODES = zip(
  ['id', 'protocolVersion', 'instance', 'linkState', 'nextHop', 'validOrigins', 'address', 'routerLink', 'cost', 'lastTopoChange', 'index'],
  [
    ['INT.A', 1, 1764160000, ['INT.B'], '(self)', [], 'amqp:/_topo/0/INT.A', null, null, 0, 0],
    ['INT.B', 1, 1764160100, ['INT.A'], 'INT.B', [], 'amqp:/_topo/0/INT.B', 1, 1, 5, 1],
  ],
);

const ADDR_NAMES = ['key', 'distribution', 'subscriberCount', 'remoteCount', 'containerCount', 'remoteHostRouters', 'deliveriesIngress', 'deliveriesEgress', 'deliveriesTransit'];

describe('observe/parse', () => {
  it('keeps only edge connections coming in, with the edge id from container', () => {
    const edges = parseEdgeConnections(CONNECTION, 'INT.A');
    assert.deepEqual(edges.map((e) => e.edgeId), ['EDGE.1', 'EDGE.2']);
    assert.deepEqual(edges[0], { edgeId: 'EDGE.1', interiorId: 'INT.A', connectionId: '3', uptimeSeconds: 12, active: true, operStatus: 'up', host: '127.0.0.1:40001' });
    assert.equal(edges[1]!.uptimeSeconds, undefined, 'a placeholder is not a number');
  });

  it('reads interiors, their adjacency and boot instance from router.node', () => {
    const nodes = parseRouterNodes(NODES);
    assert.deepEqual(nodes.map((n) => [n.id, n.self, n.linkState, n.instance]), [
      ['INT.A', true, ['INT.B'], 1764160000],
      ['INT.B', false, ['INT.A'], 1764160100],
    ]);
  });

  it('classifies address keys for both flavors', () => {
    assert.deepEqual(parseAddressKey('HEDGE.1', 'qdrouterd'), { kind: 'edge', edgeId: 'EDGE.1' });
    assert.deepEqual(parseAddressKey('M0ecn/route/app/r1', 'qdrouterd'), { kind: 'mobile', address: 'ecn/route/app/r1', phase: 0 });
    assert.deepEqual(parseAddressKey('Mecn/route/app/r1', 'skupper'), { kind: 'mobile', address: 'ecn/route/app/r1', phase: undefined });
    // a skupper address starting with a digit is not a phase
    assert.deepEqual(parseAddressKey('M0abc', 'skupper'), { kind: 'mobile', address: '0abc', phase: undefined });
    assert.deepEqual(parseAddressKey('Lqdhello', 'qdrouterd'), { kind: 'other', key: 'Lqdhello' });
    assert.deepEqual(parseAddressKey('M0$management', 'qdrouterd'), { kind: 'mobile', address: '$management', phase: 0 });
  });

  it('parses recorded qdrouterd router.address rows: H keys and ecn mobile addresses, phases summed', () => {
    const rows = zip(ADDR_NAMES, [
      ['Lqdhello', 'flood', '<int>', '<int>', '<int>', [], '<int>', '<int>', '<int>'],
      ['M0_$qd.edge_addr_tracking', 'balanced', 1, 0, 0, [], 0, 0, 0],
      ['M0$management', 'closest', 1, 0, 0, [], 9, 9, 0],
      ['HEDGE.1', 'balanced', 1, 0, 0, [], 4, 4, 0],
      ['HEDGE.2', 'balanced', 0, 1, 0, ['INT.B'], 0, 0, 2],
      ['M0ecn/route/app/r1', 'balanced', 1, 0, 0, [], 7, 5, 0],
      ['M1ecn/route/app/r1', 'balanced', 1, 0, 0, [], 1, 1, 0],
      ['M0ecn/port/app/web/8080', 'balanced', 0, 0, 0, [], 0, 0, 0],
    ]);
    const p = parseAddresses(rows, 'qdrouterd');
    assert.deepEqual(p.edges, [
      { edgeId: 'EDGE.1', subscriberCount: 1, remoteHostRouters: [] },
      { edgeId: 'EDGE.2', subscriberCount: 0, remoteHostRouters: ['INT.B'] },
    ]);
    assert.deepEqual(p.mobile.map((a) => [a.address, a.subscriberCount, a.deliveriesIngress]), [
      ['ecn/route/app/r1', 2, 8],
      ['ecn/port/app/web/8080', 0, 0],
    ]);
  });

  it('parses skupper router.address rows (M<addr> keys)', () => {
    const rows = zip(ADDR_NAMES, [
      ['Mecn/route/app/r1', 'balanced', 0, 1, 0, ['INT.B'], 0, 0, 3],
      ['HEDGE.9', 'balanced', 1, 0, 0, [], 0, 0, 0],
      ['Mecn/port/app/web/8080', 'balanced', 1, 0, 0, [], 0, 0, 0],
      ['Mother', 'balanced', 1, 0, 0, [], 0, 0, 0],
    ]);
    const p = parseAddresses(rows, 'skupper');
    assert.deepEqual(p.edges.map((e) => e.edgeId), ['EDGE.9']);
    assert.deepEqual(p.mobile.map((a) => [a.address, a.remoteCount, a.remoteHostRouters]), [
      ['ecn/route/app/r1', 1, ['INT.B']],
      ['ecn/port/app/web/8080', 0, []],
    ]);
  });

  it('parses connector and router rows', () => {
    const conns = parseConnectors(zip(['name', 'host', 'port', 'role', 'connectionStatus', 'connectionMsg'], [
      ['uplink', '127.0.0.1', '45672', 'edge', 'FAILED', 'Connection refused'],
      ['ecn.to-b', 'int-b', 55672, 'inter-router', 'SUCCESS', 'Connection Opened'],
    ]));
    assert.deepEqual(conns[0], { name: 'uplink', host: '127.0.0.1', port: '45672', role: 'edge', connectionStatus: 'FAILED', connectionMsg: 'Connection refused' });
    assert.equal(conns[1]!.port, '55672', 'numeric ports read as strings like the schema says');
    assert.deepEqual(parseRouterRow([{ id: 'EDGE.1', mode: 'edge', uptimeSeconds: 30n }]), { id: 'EDGE.1', mode: 'edge', uptimeSeconds: 30 });
    assert.deepEqual(parseRouterRow([]), { id: undefined, mode: undefined, uptimeSeconds: undefined });
  });

  it('detects restarts: instance change, uptime drop, edge connection reset', () => {
    const base = (): ObservedNetwork => ({
      at: 0, flavor: 'qdrouterd', interiorId: 'INT.A', interiors: new Map(), edges: new Map(), edgeAddresses: new Map(),
      addresses: new Map(), routers: new Map(), restarts: [], errors: [],
    });
    const prev = base();
    const next = base();
    prev.interiors.set('INT.B', { id: 'INT.B', instance: 100, linkState: [], self: false, cost: 1 });
    next.interiors.set('INT.B', { id: 'INT.B', instance: 200, linkState: [], self: false, cost: 1 });
    prev.routers.set('EDGE.1', { id: 'EDGE.1', reachable: true, error: undefined, mode: 'edge', uptimeSeconds: 500, connectors: [] });
    next.routers.set('EDGE.1', { id: 'EDGE.1', reachable: true, error: undefined, mode: 'edge', uptimeSeconds: 4, connectors: [] });
    const [e1] = parseEdgeConnections(CONNECTION, 'INT.A');
    prev.edges.set('EDGE.1', e1!);
    next.edges.set('EDGE.1', { ...e1!, connectionId: '99', uptimeSeconds: 1 });
    assert.deepEqual(detectRestarts(prev, next), [
      { routerId: 'INT.B', kind: 'instance-changed', before: 100, after: 200 },
      { routerId: 'EDGE.1', kind: 'uptime-dropped', before: 500, after: 4 },
      { routerId: 'EDGE.1', kind: 'edge-connection-reset', before: '3', after: '99' },
    ]);
    assert.deepEqual(detectRestarts(undefined, next), []);
    assert.deepEqual(detectRestarts(next, next), []);
  });

  it('mapLimit keeps at most K calls in flight and preserves order', async () => {
    let inFlight = 0;
    let max = 0;
    const out = await mapLimit(Array.from({ length: 20 }, (_, i) => i), 3, async (i) => {
      inFlight++;
      max = Math.max(max, inFlight);
      await Promise.resolve();
      await Promise.resolve();
      inFlight--;
      return i * 2;
    });
    assert.equal(max, 3);
    assert.deepEqual(out, Array.from({ length: 20 }, (_, i) => i * 2));
    assert.deepEqual(await mapLimit([], 4, async () => 1), []);
  });
});
