/**
 * The planner on the example topology: entities per router, naming rules, determinism, routers without tcp bridges,
 * touchedRouters, and the 10,000-agent synthetic model (correctness only; timing is the benchmark's job).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planNetwork, touchedRouters } from '../../src/plan/planner.js';
import { syntheticModel } from '../../src/plan/synthetic.js';
import { nameComponent, routeConfigName, uplinkName } from '../../src/plan/naming.js';
import { OWNER_PREFIX, TYPE_ORDER, type DesiredEntity, type NetworkPlan } from '../../src/plan/types.js';
import { addRoute, exampleModel, options } from './planner-example.js';

const sasl = { authenticatePeer: false, saslMechanisms: 'ANONYMOUS' };
const listener = (role: string, port: number, extra: Record<string, unknown> = {}) => ({
  type: 'listener',
  name: `ecn.listener.${role}`,
  attributes: { host: '0.0.0.0', port: String(port), role, ...extra, ...sasl },
});
const uplink = (up: string, host: string, port: number, role: string) => ({
  type: 'connector',
  name: `ecn.uplink.${up}`,
  attributes: { host, port: String(port), role, saslMechanisms: 'ANONYMOUS' },
});
const route = (name: string) => ({
  type: 'router.config.address',
  name: `ecn.route.demo.${name}`,
  attributes: { prefix: `ecn/route/demo/${name}`, distribution: 'balanced' },
});

/** type/name/attributes of a router's entities (owner is checked separately) */
function sent(plan: NetworkPlan, id: string): Array<Pick<DesiredEntity, 'type' | 'name' | 'attributes'>> {
  const r = plan.routers.get(id);
  assert.ok(r, `router ${id} planned`);
  return r.entities.map(({ type, name, attributes }) => ({ type, name, attributes }));
}

describe('planNetwork on the example topology', () => {
  const plan = planNetwork(exampleModel(), options());

  it('plans one router per agent plus the interior, in a stable order, with the right reach', () => {
    assert.deepEqual([...plan.routers.keys()], ['default-router', 'edge-1', 'edge-2', 'edge-3', 'fog-1']);
    const r = (id: string) => plan.routers.get(id)!;
    assert.deepEqual(r('default-router').reach, { kind: 'local' });
    assert.equal(r('default-router').mode, 'interior');
    assert.equal(r('default-router').agent, undefined);
    assert.deepEqual(r('fog-1').reach, { kind: 'interior', id: 'fog-1' });
    assert.equal(r('fog-1').mode, 'interior');
    assert.equal(r('fog-1').agent, 'fog-1');
    assert.deepEqual(r('edge-1').reach, { kind: 'edge', id: 'edge-1' });
    assert.equal(r('edge-1').mode, 'edge');
    for (const rp of plan.routers.values()) assert.deepEqual(rp.conditions, []);
  });

  it('the interior: its three listeners and the public port tcpListener; no route addresses (they live on the endpoints)', () => {
    assert.deepEqual(sent(plan, 'default-router'), [
      listener('edge', 45672),
      listener('inter-router', 55672),
      listener('normal', 5672),
      {
        type: 'tcpListener',
        name: 'ecn.port.demo.dashboard.8080.listener',
        attributes: { host: '0.0.0.0', port: '6000', address: 'ecn/port/demo/dashboard/8080' },
      },
    ]);
  });

  it('the interior-mode fog agent: three listeners, an inter-router uplink, the routes of its microservice', () => {
    assert.deepEqual(sent(plan, 'fog-1'), [
      listener('edge', 56722),
      listener('inter-router', 56721),
      listener('normal', 5672),
      uplink('default-router', '203.0.113.10', 55672, 'inter-router'),
      route('processor-to-dashboard'),
      route('sensor-to-processor'),
    ]);
  });

  it('edges: a normal listener and an edge uplink to their upstream (an interior-mode agent or the control plane)', () => {
    assert.deepEqual(sent(plan, 'edge-1'), [listener('normal', 5672), uplink('fog-1', '10.0.0.1', 56722, 'edge'), route('sensor-to-processor')]);
    assert.deepEqual(sent(plan, 'edge-2'), [
      listener('normal', 5672),
      uplink('default-router', '203.0.113.10', 45672, 'edge'),
      route('processor-to-dashboard'),
      {
        type: 'tcpConnector',
        name: 'ecn.port.demo.dashboard.8080.connector',
        attributes: { host: '10.0.0.12', port: '8080', address: 'ecn/port/demo/dashboard/8080' },
      },
    ]);
    assert.deepEqual(sent(plan, 'edge-3'), [listener('normal', 5672), uplink('default-router', '203.0.113.10', 45672, 'edge')]);
  });

  it('owners name the model object each entity realises', () => {
    const owners = (id: string) => plan.routers.get(id)!.entities.map((e) => `${e.name} <- ${e.owner}`);
    assert.deepEqual(owners('edge-2'), [
      'ecn.listener.normal <- Agent edge-2',
      'ecn.uplink.default-router <- Agent edge-2',
      'ecn.route.demo.processor-to-dashboard <- Route demo/processor-to-dashboard',
      'ecn.port.demo.dashboard.8080.connector <- PublicPort demo/dashboard:8080',
    ]);
    assert.equal(plan.routers.get('default-router')!.entities[0].owner, 'ControlPlane ecn');
  });

  it('every name is owner-prefixed and unique on its router across all types; entities follow TYPE_ORDER', () => {
    for (const rp of plan.routers.values()) {
      const names = rp.entities.map((e) => e.name);
      assert.equal(new Set(names).size, names.length, `unique names on ${rp.routerId}`);
      for (const n of names) assert.ok(n.startsWith(OWNER_PREFIX), n);
      const ranks = rp.entities.map((e) => TYPE_ORDER.indexOf(e.type));
      assert.deepEqual(ranks, [...ranks].sort((a, b) => a - b));
    }
  });

  it('ports are strings and no attribute is undefined (the diff compares what the router reports back)', () => {
    for (const rp of plan.routers.values()) {
      for (const e of rp.entities) {
        for (const [k, v] of Object.entries(e.attributes)) {
          assert.notEqual(v, undefined, `${e.name}.${k}`);
          if (k === 'port') assert.equal(typeof v, 'string');
        }
      }
    }
  });
});

describe('planNetwork options and edge cases', () => {
  it('is deterministic: same model (even inserted in another order) → identical plan', () => {
    const a = planNetwork(exampleModel(), options());
    const m = exampleModel();
    m.agents = new Map([...m.agents].reverse());
    m.routes = new Map([...m.routes].reverse());
    m.microservices = new Map([...m.microservices].reverse());
    const b = planNetwork(m, options());
    assert.deepEqual([...b.routers.entries()], [...a.routers.entries()]);
    assert.deepEqual(touchedRouters(a, b), new Set());
  });

  it('with TLS the interior gets an sslProfile first, referenced by its listeners', () => {
    const plan = planNetwork(exampleModel({ tls: true }), options());
    const e = sent(plan, 'default-router');
    assert.deepEqual(e[0], {
      type: 'sslProfile',
      name: 'ecn.tls',
      attributes: { caCertFile: '/etc/ecn/ca.crt', certFile: '/etc/ecn/tls.crt', privateKeyFile: '/etc/ecn/tls.key' },
    });
    assert.deepEqual(e[1], listener('edge', 45672, { sslProfile: 'ecn.tls' }));
    assert.equal(e.filter((x) => x.type === 'listener' && x.attributes.sslProfile === 'ecn.tls').length, 3);
    // agents have no certificates in the model: their links stay as they were
    assert.deepEqual(sent(plan, 'edge-3'), sent(planNetwork(exampleModel(), options()), 'edge-3'));
  });

  it('without tcp bridges: no tcp entities, one ECN_PLAN_NO_TCP_BRIDGE condition per port on each router concerned', () => {
    const m = exampleModel();
    m.publicPorts.push({ application: 'demo', microservice: 'dashboard', agent: 'edge-2', external: 9090, publicPort: 6001, protocol: 'http', requested: true });
    const plan = planNetwork(m, options(false, 'qdrouterd'));
    for (const rp of plan.routers.values()) {
      for (const e of rp.entities) assert.ok(e.type !== 'tcpListener' && e.type !== 'tcpConnector', `${rp.routerId}: ${e.name}`);
    }
    const conds = (id: string) => plan.routers.get(id)!.conditions.map((c) => `${c.code} ${c.object}`);
    assert.deepEqual(conds('default-router'), ['ECN_PLAN_NO_TCP_BRIDGE PublicPort demo/dashboard:8080', 'ECN_PLAN_NO_TCP_BRIDGE PublicPort demo/dashboard:9090']);
    assert.deepEqual(conds('edge-2'), ['ECN_PLAN_NO_TCP_BRIDGE PublicPort demo/dashboard:8080', 'ECN_PLAN_NO_TCP_BRIDGE PublicPort demo/dashboard:9090']);
    assert.deepEqual(conds('edge-1'), []);
    assert.match(plan.routers.get('default-router')!.conditions[0].message, /6000/);
  });

  it('tcp bridges are decided per router: a 1.19 edge loses its connector, a skupper interior keeps its listener', () => {
    const plan = planNetwork(exampleModel(), { flavorOf: (id) => (id === 'edge-2' ? 'qdrouterd' : 'skupper'), tcpBridges: (id) => id !== 'edge-2' });
    assert.ok(plan.routers.get('default-router')!.entities.some((e) => e.type === 'tcpListener'));
    assert.ok(!plan.routers.get('edge-2')!.entities.some((e) => e.type === 'tcpConnector'));
    assert.equal(plan.routers.get('edge-2')!.conditions.length, 1);
    assert.deepEqual(plan.routers.get('default-router')!.conditions, []);
  });

  it('managerRouter moves `local` to that router; the control plane is then reached as an interior', () => {
    const plan = planNetwork(exampleModel(), { ...options(), managerRouter: 'fog-1' });
    assert.deepEqual(plan.routers.get('fog-1')!.reach, { kind: 'local' });
    assert.deepEqual(plan.routers.get('default-router')!.reach, { kind: 'interior', id: 'default-router' });
  });

  it('a route between microservices of one agent configures that agent once (and not the interior)', () => {
    const m = exampleModel();
    m.microservices.set('demo/logger', { application: 'demo', name: 'logger', agent: 'edge-3', ports: [], ref: { source: 't' } });
    m.microservices.set('demo/store', { application: 'demo', name: 'store', agent: 'edge-3', ports: [], ref: { source: 't' } });
    addRoute(m, 'log-to-store', 'logger', 'store');
    const plan = planNetwork(m, options());
    assert.deepEqual(sent(plan, 'edge-3').filter((e) => e.type === 'router.config.address').map((e) => e.name), ['ecn.route.demo.log-to-store']);
    assert.ok(!sent(plan, 'default-router').some((e) => e.name === 'ecn.route.demo.log-to-store'));
  });

  it('bad upstreams become conditions, not connectors; duplicate upstreams give one connector', () => {
    const m = exampleModel();
    m.agents.get('edge-3')!.upstreamRouters = ['default-router', 'default-router', 'edge-2', 'nowhere', 'edge-3'];
    const plan = planNetwork(m, options());
    assert.deepEqual(sent(plan, 'edge-3').filter((e) => e.type === 'connector').map((e) => e.name), ['ecn.uplink.default-router']);
    assert.deepEqual(plan.routers.get('edge-3')!.conditions.map((c) => c.code), ['ECN_PLAN_BAD_UPSTREAM', 'ECN_PLAN_BAD_UPSTREAM', 'ECN_PLAN_BAD_UPSTREAM']);
  });

  it('names stay unique when model names contain dots', () => {
    assert.notEqual(routeConfigName('a.b', 'c'), routeConfigName('a', 'b.c'));
    assert.equal(routeConfigName('a.b', 'c'), 'ecn.route.a%2Eb.c');
    assert.equal(nameComponent('50%'), '50%25');
    assert.equal(uplinkName('default-router'), 'ecn.uplink.default-router');
  });

  it('does not share attribute objects between routers', () => {
    const plan = planNetwork(exampleModel(), options());
    const a = plan.routers.get('edge-1')!.entities.find((e) => e.type === 'router.config.address')!;
    const b = plan.routers.get('fog-1')!.entities.find((e) => e.name === a.name)!;
    assert.notEqual(a.attributes, b.attributes);
  });
});

describe('touchedRouters', () => {
  it('a new route touches exactly its endpoints’ routers', () => {
    const before = planNetwork(exampleModel(), options());
    const m = exampleModel();
    addRoute(m, 'dashboard-to-sensor', 'dashboard', 'sensor');
    const after = planNetwork(m, options());
    assert.deepEqual(touchedRouters(before, after), new Set(['edge-1', 'edge-2']));
  });

  it('a changed port touches the routers that use it; added and removed routers are touched', () => {
    const before = planNetwork(exampleModel(), options());
    const m = exampleModel();
    m.agents.get('fog-1')!.edgeRouterPort = 56799; // its listener and edge-1's uplink change
    m.agents.delete('edge-3');
    m.agents.set('edge-4', { name: 'edge-4', host: '10.0.0.14', routerMode: 'edge', messagingPort: 5672, upstreamRouters: ['default-router'], ref: { source: 't' } });
    assert.deepEqual(touchedRouters(before, planNetwork(m, options())), new Set(['fog-1', 'edge-1', 'edge-3', 'edge-4']));
  });

  it('the same plan touches nothing', () => {
    const p = planNetwork(exampleModel(), options());
    assert.deepEqual(touchedRouters(p, p), new Set());
  });
});

describe('scale: the synthetic 10,000-agent model', () => {
  it('plans every router with the expected entity counts and unique names', () => {
    const n = 10_000;
    const model = syntheticModel(n);
    const plan = planNetwork(model, options());
    assert.equal(plan.routers.size, n + 1);
    const interior = plan.routers.get('default-router')!;
    // 3 listeners + one tcpListener per application (route addresses live on the endpoints' routers)
    assert.equal(interior.entities.length, 3 + model.publicPorts.length);
    assert.equal(model.routes.size, 9 * (n / 10));
    let entities = 0;
    for (const rp of plan.routers.values()) {
      entities += rp.entities.length;
      assert.equal(new Set(rp.entities.map((e) => e.name)).size, rp.entities.length);
      assert.deepEqual(rp.conditions, []);
      if (rp.agent !== undefined) assert.equal(rp.entities.filter((e) => e.type === 'connector').length, 1);
    }
    // per agent: normal listener + uplink (+2 listeners for fogs) + 1 or 2 route addresses + tcpConnectors
    const fogs = n / 100;
    const agentEntities = 2 * n + 2 * fogs + 2 * model.routes.size + model.publicPorts.length;
    assert.equal(entities, interior.entities.length + agentEntities);
  });
});
