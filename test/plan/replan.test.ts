import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EcnModel } from '../../src/model/ecn.js';
import { planNetwork, touchedRouters } from '../../src/plan/planner.js';
import { replanNetwork } from '../../src/plan/replan.js';
import type { NetworkPlan } from '../../src/plan/types.js';
import { syntheticEcn } from '../../sim/synthetic-ecn.js';

const opts = { flavorOf: () => 'skupper' as const, tcpBridges: () => true };

/** A structural clone that keeps nothing shared (what a reload produces). */
const clone = (m: EcnModel): EcnModel => ({
  controlPlane: m.controlPlane && structuredClone(m.controlPlane),
  agents: new Map([...m.agents].map(([k, v]) => [k, structuredClone(v)])),
  applications: new Map([...m.applications].map(([k, v]) => [k, structuredClone(v)])),
  microservices: new Map([...m.microservices].map(([k, v]) => [k, structuredClone(v)])),
  routes: new Map([...m.routes].map(([k, v]) => [k, structuredClone(v)])),
  edgeResources: new Map([...m.edgeResources].map(([k, v]) => [k, structuredClone(v)])),
  publicPorts: m.publicPorts.map((p) => structuredClone(p)),
});

const canon = (p: NetworkPlan): string =>
  JSON.stringify([...p.routers.values()].sort((a, b) => (a.routerId < b.routerId ? -1 : 1)));

const EDITS: Record<string, (m: EcnModel) => void> = {
  'add a route': (m) => { m.routes.set('synthetic/new', { application: 'synthetic', name: 'new', from: 'a-1', to: 'b-4', ref: { source: 't' } }); },
  'remove a route': (m) => { m.routes.delete('synthetic/r-2-a'); },
  'retarget a route': (m) => { m.routes.get('synthetic/r-3-b')!.to = 'a-0'; },
  'move a microservice to another agent': (m) => { m.microservices.get('synthetic/b-2')!.agent = 'agent-5'; m.publicPorts.find((p) => p.microservice === 'b-2')!.agent = 'agent-5'; },
  "change an agent's port": (m) => { m.agents.get('agent-3')!.messagingPort = 29999; },
  'add an agent': (m) => { m.agents.set('agent-new', { name: 'agent-new', host: '127.0.0.1', routerMode: 'edge', messagingPort: 29998, upstreamRouters: ['default-router'], ref: { source: 't' } }); },
  'remove an agent and its workloads': (m) => {
    m.agents.delete('agent-4');
    for (const k of ['synthetic/a-4', 'synthetic/b-4']) m.microservices.delete(k);
    for (const k of ['synthetic/r-4-a', 'synthetic/r-4-b', 'synthetic/r-3-b']) m.routes.delete(k);
    m.publicPorts = m.publicPorts.filter((p) => p.agent !== 'agent-4');
  },
  'an agent becomes interior, another uplinks to it': (m) => {
    const a = m.agents.get('agent-6')!;
    a.routerMode = 'interior'; a.edgeRouterPort = 29997; a.interRouterPort = 29996;
    m.agents.get('agent-7')!.upstreamRouters = ['agent-6'];
  },
  "an agent's host changes while it hosts routes and ports": (m) => { m.agents.get('agent-2')!.host = '127.0.0.2'; },
  'a public port moves': (m) => { m.publicPorts.find((p) => p.microservice === 'b-1')!.publicPort = 29995; },
  'the control plane changes': (m) => { m.controlPlane!.router.edgePort = 29994; },
};

describe('replanNetwork equals planning the whole network', () => {
  for (const [what, edit] of Object.entries(EDITS)) {
    it(what, () => {
      const base = syntheticEcn(10, { basePort: 21000 });
      const prevPlan = planNetwork(base, opts);
      for (const shared of [true, false]) {
        // edited in place on a copy that shares unchanged objects, and on a full clone (a reload)
        const next = shared ? { ...base, agents: new Map(base.agents), microservices: new Map(base.microservices), routes: new Map(base.routes), publicPorts: [...base.publicPorts] } : clone(base);
        if (shared) {
          // objects about to be edited are replaced by copies, as an editor of the model would
          for (const [k, v] of next.agents) next.agents.set(k, { ...v, upstreamRouters: [...v.upstreamRouters] });
          for (const [k, v] of next.microservices) next.microservices.set(k, { ...v });
          for (const [k, v] of next.routes) next.routes.set(k, { ...v });
          next.publicPorts = next.publicPorts.map((p) => ({ ...p }));
          next.controlPlane = { ...base.controlPlane!, router: { ...base.controlPlane!.router } };
        }
        edit(next);
        const full = planNetwork(next, opts);
        const inc = replanNetwork({ model: base, plan: prevPlan }, next, opts);
        assert.equal(canon(inc.plan), canon(full), `${what} (${shared ? 'shared objects' : 'reloaded'})`);
        assert.deepEqual([...inc.touched].sort(), [...touchedRouters(prevPlan, full)].sort(), `${what}: touched`);
      }
    });
  }

  it('an unchanged model touches nothing and keeps every plan object', () => {
    const base = syntheticEcn(10, { basePort: 21000 });
    const prevPlan = planNetwork(base, opts);
    const inc = replanNetwork({ model: base, plan: prevPlan }, clone(base), opts);
    assert.deepEqual([...inc.touched], []);
    for (const [id, rp] of prevPlan.routers) assert.equal(inc.plan.routers.get(id), rp);
  });
});
