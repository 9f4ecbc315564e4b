/**
 * RouterSyncer on skupper-router 3.5.1 (product agent): tcp bridges exist, sslProfile is UPDATEd in place, the
 * tcpListener's default host "" reads back as itself, and a second pass is a no-op.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import type { RouterPlan } from '../../src/plan/types.js';
import { AuditLog, RouterSyncer } from '../../src/sync/index.js';
import { countingClient, skupperEdgePlan, startNet, type TestNet } from './sync-support.js';

describe('RouterSyncer on skupper-router 3.5.1', () => {
  let net: TestNet;
  let cc: ReturnType<typeof countingClient>;
  const audit = new AuditLog(100);
  let plan: RouterPlan;
  let syncer: RouterSyncer;

  before(async () => {
    net = await startNet(['S1'], 1000, 'skupper');
    cc = countingClient(net.client);
    plan = skupperEdgePlan('S1');
    syncer = new RouterSyncer('S1', { client: cc, plan: () => plan, clock: new ManualClock(0), audit });
  });
  after(async () => { await net?.stop(); });

  it('learns the capabilities once: tcp bridges, sslProfile/tcpListener UPDATE', async () => {
    const r = await syncer.sync('initial');
    assert.equal(r.ok, true, r.error?.message);
    assert.deepEqual([r.creates, r.errors], [4, 0]);
    assert.deepEqual(audit.entries().map((e) => `${e.op} ${e.type}`), ['CREATE sslProfile', 'CREATE listener', 'CREATE tcpConnector', 'CREATE tcpListener']);
    const caps = syncer.capabilities!;
    assert.equal(caps.flavor, 'skupper');
    assert.equal(caps.tcpBridges, true);
    assert.deepEqual([...caps.updatable].sort(), ['sslProfile', 'tcpListener']);
    assert.equal(cc.queries.get('S1|routerMetrics'), 1, 'uptime probe on skupper 3.x');
  });

  it('the second pass is a no-op with at most one QUERY per owned type', async () => {
    cc.reset();
    const r = await syncer.sync('drift');
    assert.equal(r.ok, true, r.error?.message);
    assert.equal(r.planned, 0, JSON.stringify(audit.entries().slice(4)));
    for (const [k, n] of cc.queries) assert.equal(n, 1, k);
  });

  it('a changed sslProfile is UPDATEd in place (one op), a changed tcpConnector replaced', async () => {
    plan = skupperEdgePlan('S1', 1);
    plan.entities = plan.entities.map((e) => (e.type === 'tcpConnector' ? { ...e, attributes: { ...e.attributes, port: 2 } } : e));
    const r = await syncer.sync('change');
    assert.equal(r.ok, true, r.error?.message);
    assert.deepEqual(audit.entries().slice(4).map((e) => `${e.op} ${e.type} ${e.result}`), ['DELETE tcpConnector ok', 'UPDATE sslProfile ok', 'CREATE tcpConnector ok']);
    const ssl = await net.client.target({ edge: 'S1' }).read('sslProfile', 'ecn.S1.tls');
    assert.equal(ssl.caCertFile, '/etc/ecn/ca-1.pem');
    assert.equal((await syncer.sync('drift')).planned, 0);
  });
});
