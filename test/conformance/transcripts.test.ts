/**
 * Conformance: every case recorded from real qdrouterd routers (../shared/fixtures/router-transcripts) is replayed,
 * in file order, against simulated routers in the recorded topology — INT.A (interior) with EDGE.1 and EDGE.2
 * attached — over real AMQP connections, and the simulator's answer is compared with the recording under the same
 * normalisation: delivery outcome, statusCode and its AMQP type, statusDescription, correlation-id echo, body type
 * and body (values and key order).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimRouter } from '../../sim/router/router.js';
import { routerBootConfig } from '../../sim/boot-config.js';
import { RawManagementClient, type RawObserved } from '../support/raw-management.js';
import { freePorts } from '../support/free-ports.js';
import {
  loadTranscript, normaliseReply, portNames, recordedReply, replyDifferences, substituteRequest, transcriptRouter,
  transcriptsAvailable, TRANSCRIPT_FILES, type TranscriptCase,
} from '../support/transcripts.js';

/**
 * Deliberate differences, each with its reason. The test fails on any other difference, and on an entry here that
 * has started to match (so the list never goes stale).
 */
export const CONFORMANCE_ALLOW_LIST: Record<string, string> = {};

/** The recorded routers ran with `router { workerThreads: 2 }` in their configuration files (see QUERY router). */
const ROUTER_SECTION = { type: 'router', attributes: { workerThreads: 2 } };

interface Topology {
  routers: Map<string, SimRouter>;
  clients: Map<string, RawManagementClient>;
  ports: Map<string, number>;
}

async function startTopology(file: string, cases: TranscriptCase[]): Promise<Topology> {
  const { flavor, version } = transcriptRouter(file);
  const topologyPorts = ['INT.A.amqp', 'INT.A.inter-router', 'INT.A.edge', 'EDGE.1.amqp', 'EDGE.2.amqp', 'closed'];
  const names = [...new Set([...portNames(cases), ...topologyPorts])];
  const numbers = await freePorts(names.length);
  const ports = new Map(names.map((n, i) => [n, numbers[i]!]));
  const port = (name: string): number => {
    const p = ports.get(name);
    if (p === undefined) throw new Error(`no port allocated for ${name}`);
    return p;
  };
  const interior = new SimRouter({
    id: 'INT.A', mode: 'interior', flavor, version,
    config: [ROUTER_SECTION, ...routerBootConfig({ mode: 'interior', port: port('INT.A.amqp'), interRouterPort: port('INT.A.inter-router'), edgePort: port('INT.A.edge') })],
  });
  await interior.start();
  const routers = new Map<string, SimRouter>([['INT.A', interior]]);
  for (const id of ['EDGE.1', 'EDGE.2']) {
    const edge = new SimRouter({
      id, mode: 'edge', flavor, version,
      config: [ROUTER_SECTION, ...routerBootConfig({ mode: 'edge', port: port(`${id}.amqp`), connect: [{ host: '127.0.0.1', port: port('INT.A.edge') }] })],
    });
    const up = new Promise<void>((resolve) => edge.once('uplink-up', () => resolve()));
    await edge.start();
    await up;
    routers.set(id, edge);
  }
  return { routers, clients: new Map(), ports };
}

async function clientFor(topo: Topology, routerId: string): Promise<RawManagementClient> {
  let c = topo.clients.get(routerId);
  if (!c) {
    const router = topo.routers.get(routerId);
    const port = router?.listenerPort('amqp');
    if (port === undefined) throw new Error(`no router ${routerId} in the topology`);
    c = await RawManagementClient.connect(port);
    topo.clients.set(routerId, c);
  }
  return c;
}

function compare(c: TranscriptCase, observed: RawObserved, ports: Map<string, number>): string[] {
  const diffs: string[] = [];
  if (observed.delivery.state !== c.delivery.state) diffs.push(`delivery: expected ${c.delivery.state}, got ${observed.delivery.state}`);
  const expected = recordedReply(c);
  if (!expected) {
    if (observed.response) diffs.push(`expected no reply, got ${observed.response.applicationProperties.statusCode} ${observed.response.applicationProperties.statusDescription}`);
    return diffs;
  }
  const r = observed.response;
  if (!r) return [...diffs, `expected ${expected.statusCode} ${expected.statusDescription}, got no reply`];
  const req = substituteRequest(c.request, ports);
  const actual = normaliseReply(req, {
    statusCode: Number(r.applicationProperties.statusCode),
    statusDescription: String(r.applicationProperties.statusDescription),
    body: r.body,
    bodyType: r.bodyType,
  }, ports);
  diffs.push(...replyDifferences(expected, actual));
  const rec = c.response!;
  if (JSON.stringify(rec.applicationPropertyTypes) !== JSON.stringify(r.applicationPropertyTypes)) {
    diffs.push(`applicationPropertyTypes: expected ${JSON.stringify(rec.applicationPropertyTypes)}, got ${JSON.stringify(r.applicationPropertyTypes)}`);
  }
  if (rec.correlationIdEchoed !== r.correlationIdEchoed) diffs.push(`correlationIdEchoed: expected ${rec.correlationIdEchoed}, got ${r.correlationIdEchoed}`);
  if (JSON.stringify(rec.correlationId) !== JSON.stringify(r.correlationId)) {
    diffs.push(`correlationId: expected ${JSON.stringify(rec.correlationId)}, got ${JSON.stringify(r.correlationId)}`);
  }
  return diffs;
}

const totals = { match: 0, all: 0 };

for (const file of TRANSCRIPT_FILES) {
  test(`conformance with ${file}`, { skip: transcriptsAvailable() ? false : 'no ../shared/fixtures/router-transcripts next to the repo' }, async (t) => {
    const cases = loadTranscript(file);
    const topo = await startTopology(file, cases);
    const failures: string[] = [];
    const allowedMatching: string[] = [];
    let match = 0;
    try {
      for (const c of cases) {
        const req = substituteRequest(c.request, topo.ports);
        const client = await clientFor(topo, req.connectedTo);
        const observed = await client.send({
          to: req.to, applicationProperties: req.applicationProperties, body: req.body, correlationId: req.correlationId, replyTo: req.replyTo,
        });
        const diffs = compare(c, observed, topo.ports);
        if (diffs.length === 0) {
          match++;
          if (CONFORMANCE_ALLOW_LIST[c.case]) allowedMatching.push(c.case);
        } else if (CONFORMANCE_ALLOW_LIST[c.case]) {
          t.diagnostic(`allowed difference in '${c.case}': ${CONFORMANCE_ALLOW_LIST[c.case]}`);
        } else {
          failures.push(`${c.case}\n  ${diffs.join('\n  ')}`);
        }
      }
    } finally {
      await Promise.allSettled([...topo.clients.values()].map((c) => c.close()));
      await Promise.allSettled([...topo.routers.values()].reverse().map((r) => r.stop()));
    }
    totals.match += match;
    totals.all += cases.length;
    const line = `conformance: ${match}/${cases.length} cases match (${file})`;
    t.diagnostic(line);
    process.stdout.write(`${line}\n`);
    assert.deepEqual(allowedMatching, [], 'allow-listed cases that now match: remove them from CONFORMANCE_ALLOW_LIST');
    assert.equal(failures.length, 0, `${failures.length} case(s) differ from the recording:\n${failures.join('\n')}`);
  });
}

test('conformance total', { skip: transcriptsAvailable() ? false : 'no transcripts' }, () => {
  process.stdout.write(`conformance: ${totals.match}/${totals.all} cases match (all transcripts)\n`);
  assert.ok(totals.all > 0);
});
