/**
 * Lease leader election (src/kube/leader-election.ts) against the fake API server over client-node, time driven by
 * ManualClocks (one per elector: each judges the lease's age by its own clock).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiServer } from '../../sim/kube/index.js';
import { ManualClock } from '../../src/clock.js';
import { loadKubeConfig } from '../../src/kube/kubeconfig.js';
import { clientNodeLeaseApi } from '../../src/kube/lease-api.js';
import { LEASE_NAME, LeaderElector, defaultIdentity, microTime, type LeaseApi, type LeaseObject } from '../../src/kube/leader-election.js';
import { grantKeys } from '../../src/kube/permissions.js';

let server: KubeApiServer;
let api: LeaseApi;
let nsCount = 0;

before(async () => {
  server = new KubeApiServer({ requireNamespaces: false });
  await server.start();
  api = clientNodeLeaseApi(loadKubeConfig({ server: server.url }));
});
after(async () => { await server?.stop(); });

const leases = () => server.cluster.type('coordination.k8s.io', 'v1', 'leases');
const lease = (ns: string): LeaseObject => server.cluster.get(leases(), ns, LEASE_NAME) as unknown as LeaseObject;
const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

function elector(ns: string, identity: string, clock = new ManualClock(1_700_000_000_000), leaseApi: LeaseApi = api): { e: LeaderElector; clock: ManualClock; events: string[] } {
  const e = new LeaderElector({ api: leaseApi, namespace: ns, identity, clock });
  const events: string[] = [];
  e.on('leading', () => events.push('leading'));
  e.on('lost', (why) => events.push(`lost: ${why}`));
  return { e, clock, events };
}

/** Moves an elector's clock and waits for the attempt the timers started. */
async function advance(x: { e: LeaderElector; clock: ManualClock }, ms: number): Promise<void> {
  x.clock.advance(ms);
  await x.e.settled();
}

test('two electors: the first wins, the second waits; the holder stops renewing → the other takes over after the lease duration', async () => {
  const ns = `le-${++nsCount}`;
  const a = elector(ns, 'manager-a');
  const b = elector(ns, 'manager-b');
  a.e.start();
  await advance(a, 0);
  b.e.start();
  await advance(b, 0);
  assert.equal(a.e.isLeader, true);
  assert.equal(b.e.isLeader, false);
  assert.equal(b.e.holder, 'manager-a');
  let l = lease(ns);
  assert.equal(l.spec?.holderIdentity, 'manager-a');
  assert.equal(l.spec?.leaseDurationSeconds, 15);
  assert.equal(l.spec?.leaseTransitions, 0);
  assert.match(l.spec!.acquireTime!, MICRO);
  assert.match(l.spec!.renewTime!, MICRO);

  // a renews every 5 s; b keeps waiting however long it watches
  for (let i = 0; i < 6; i++) {
    await advance(a, 5000);
    await advance(b, 5000);
  }
  assert.equal(a.e.isLeader, true);
  assert.equal(b.e.isLeader, false);
  assert.notEqual(lease(ns).spec!.renewTime, l.spec!.renewTime, 'renewed');
  assert.equal(lease(ns).spec!.acquireTime, l.spec!.acquireTime, 'a renewal keeps acquireTime');

  // a stops renewing (its clock stands still); b takes over once the record is 15 s old by b's clock
  await advance(b, 5000);
  await advance(b, 5000);
  assert.equal(b.e.isLeader, false, '10 s without a change: not yet');
  await advance(b, 5000);
  assert.equal(b.e.isLeader, true, '15 s without a change: taken over');
  l = lease(ns);
  assert.equal(l.spec?.holderIdentity, 'manager-b');
  assert.equal(l.spec?.leaseTransitions, 1);
  assert.deepEqual(b.events, ['leading']);

  // a wakes up: its deadline passed without a renewal, so it stopped leading before anyone could take over
  a.clock.advance(10_000);
  assert.equal(a.e.isLeader, false, 'deadline: stopped at once, without waiting for the API');
  assert.match(a.events.at(-1)!, /^lost: the lease was not renewed within 10 s/);
  await a.e.settled();
  assert.equal(a.e.isLeader, false, 'b holds it now');
  assert.equal(a.e.holder, 'manager-b');
  await a.e.stop();
  await b.e.stop();
  assert.equal(lease(ns).spec?.holderIdentity, '', 'b released the lease on stop');
});

test('a leader that reads another holder stops at once; stop() releases the lease so a standby takes over without waiting', async () => {
  const ns = `le-${++nsCount}`;
  const a = elector(ns, 'manager-a');
  const b = elector(ns, 'manager-b');
  a.e.start();
  await advance(a, 0);
  b.e.start();
  await advance(b, 0);
  await a.e.stop();
  assert.equal(a.e.isLeader, false);
  await advance(b, 5000);
  assert.equal(b.e.isLeader, true, 'released: no need to wait for the lease duration');
  assert.equal(lease(ns).spec?.leaseTransitions, 1);

  // someone else overwrites the lease: b's next renewal finds it and steps down
  const cur = lease(ns);
  server.cluster.update(leases(), ns, LEASE_NAME, { ...cur, spec: { ...cur.spec, holderIdentity: 'intruder', renewTime: microTime(Date.now()) } });
  await advance(b, 5000);
  assert.equal(b.e.isLeader, false);
  assert.match(b.events.at(-1)!, /^lost: the lease is held by intruder/);
  await b.e.stop();
});

test('409 races: a renewal that lost to an unrelated write re-reads and renews; a create race leaves one leader', async () => {
  const ns = `le-${++nsCount}`;
  // a's renewal: someone touches the lease between a's read and a's write → 409 → re-read → renewed
  let touch = false;
  const conflicting: LeaseApi = {
    async get(n, name) {
      const got = await api.get(n, name);
      if (touch && got) {
        touch = false;
        const cur = lease(ns);
        server.cluster.update(leases(), ns, LEASE_NAME, { ...cur, metadata: { ...cur.metadata, labels: { touched: 'yes' } } });
      }
      return got;
    },
    create: (n, l) => api.create(n, l),
    update: (n, l) => api.update(n, l),
  };
  const a = elector(ns, 'manager-a', new ManualClock(1_700_000_000_000), conflicting);
  a.e.start();
  await advance(a, 0);
  assert.equal(a.e.isLeader, true);
  const before = lease(ns).spec!.renewTime;
  touch = true;
  await advance(a, 5000);
  assert.equal(touch, false, 'the conflicting write happened');
  assert.equal(a.e.isLeader, true);
  assert.notEqual(lease(ns).spec!.renewTime, before, 'renewed after the 409');
  assert.equal(a.e.consecutiveFailures, 0);

  // create race: c and d both find no lease; d creates it first, c's create answers 409, c re-reads and waits
  const ns2 = `le-${++nsCount}`;
  let d!: ReturnType<typeof elector>;
  let raced = false;
  const racing: LeaseApi = {
    async get(n, name) {
      const got = await api.get(n, name);
      if (!got && !raced) {
        raced = true;
        d.e.start();
        await advance(d, 0);
      }
      return got;
    },
    create: (n, l) => api.create(n, l),
    update: (n, l) => api.update(n, l),
  };
  d = elector(ns2, 'manager-d');
  const c = elector(ns2, 'manager-c', new ManualClock(1_700_000_000_000), racing);
  c.e.start();
  await advance(c, 0);
  assert.equal(raced, true);
  assert.equal(d.e.isLeader, true);
  assert.equal(c.e.isLeader, false);
  assert.equal(c.e.holder, 'manager-d');
  assert.equal(lease(ns2).spec?.holderIdentity, 'manager-d');
  await Promise.all([a.e.stop(), c.e.stop(), d.e.stop()]);
});

test('API errors: backoff (1 s, 2 s, 4 s…), no crash; a leader keeps trying and steps down at the deadline; recovers', async () => {
  const ns = `le-${++nsCount}`;
  const a = elector(ns, 'manager-a');
  server.faults.failNextRequests('leases', 3, { code: 500 });
  a.e.start();
  await advance(a, 0);
  assert.equal(a.e.isLeader, false);
  assert.equal(a.e.consecutiveFailures, 1);
  await advance(a, 999);
  assert.equal(a.e.consecutiveFailures, 1, 'waits 1 s');
  await advance(a, 1);
  assert.equal(a.e.consecutiveFailures, 2);
  await advance(a, 1999);
  assert.equal(a.e.consecutiveFailures, 2, 'then 2 s');
  await advance(a, 1);
  assert.equal(a.e.consecutiveFailures, 3);
  await advance(a, 4000);
  assert.equal(a.e.isLeader, true, 'the API answers again');
  assert.equal(a.e.consecutiveFailures, 0);

  // the leader's renewals fail: it retries, and stops leading 10 s after its last renewal
  server.faults.failNextRequests('leases', 100, { code: 503 });
  await advance(a, 5000); // renewal fails (t+5)
  assert.equal(a.e.isLeader, true);
  await advance(a, 1000); // t+6
  await advance(a, 2000); // t+8
  assert.equal(a.e.isLeader, true);
  await advance(a, 2000); // t+10: the deadline
  assert.equal(a.e.isLeader, false);
  assert.match(a.events.at(-1)!, /not renewed within 10 s/);
  server.faults.clear();
  await advance(a, 5000);
  assert.equal(a.e.isLeader, true, 'still its lease (nobody took it): leads again');
  await a.e.stop({ release: false });
  assert.equal(lease(ns).spec?.holderIdentity, 'manager-a', 'not released when asked not to');
});

test('identity from POD_NAME, else hostname-pid; MicroTime format; the Role grants the lease verbs used', () => {
  const saved = process.env.POD_NAME;
  process.env.POD_NAME = 'ecn-router-manager-5d9f-abcde';
  assert.equal(defaultIdentity(), 'ecn-router-manager-5d9f-abcde');
  delete process.env.POD_NAME;
  assert.match(defaultIdentity(), new RegExp(`-${process.pid}$`));
  if (saved !== undefined) process.env.POD_NAME = saved;
  assert.equal(microTime(Date.UTC(2026, 10, 26, 15, 53, 45, 123)), '2026-11-26T15:53:45.123000Z');
  const grants = grantKeys();
  for (const verb of ['get', 'create', 'update']) assert.ok(grants.has(`coordination.k8s.io/leases:${verb}`), verb);
});
