import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../../src/model/build.js';
import { agent, app, baseEcn, cp, docs, edgeResource, errorsOf, microservice, ms, only, route } from './helpers.js';

const triple = (issues: ReturnType<typeof buildModel>['issues']) => errorsOf(issues).map((i) => [i.code, i.object, i.path]);

test('a microservice on an unknown agent is skipped; the others load', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), app('a', [ms('m1', 'edge-1'), ms('m2', 'nope')])));
  const e = only(issues, 'ECN_MODEL_UNKNOWN_AGENT');
  assert.deepEqual([e.object, e.path, e.ref.document], ['Microservice a/m2', 'spec.microservices[1].agent.name', 4]);
  assert.match(e.fix, /Agent named `nope`/);
  assert.deepEqual([...model.microservices.keys()], ['a/m1']);
});

test('a skipped agent skips its microservices, saying why', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), agent('Bad Name', {}), app('a', [ms('m1', 'edge-1'), ms('m2', 'Bad Name')])));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_BAD_NAME', 'Agent Bad Name', 'metadata.name'],
    ['ECN_MODEL_DEPENDENCY_SKIPPED', 'Microservice a/m2', 'spec.microservices[1].agent.name'],
  ]);
  assert.match(only(issues, 'ECN_MODEL_DEPENDENCY_SKIPPED').message, /Agent Bad Name was skipped \(ECN_MODEL_BAD_NAME/);
  assert.deepEqual([...model.microservices.keys()], ['a/m1']);
});

test('an upstream router must be the control plane or an interior agent, never an edge', () => {
  const { model, issues } = buildModel(docs(
    ...baseEcn(),
    agent('edge-3', { messagingPort: 5713 }, ['edge-2']),
    agent('edge-4', { messagingPort: 5714 }, ['ghost']),
    agent('edge-5', { messagingPort: 5715 }, ['iofog', 'default-router', 'fog-1']),
  ));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_EDGE_UPSTREAM', 'Agent edge-3', 'spec.config.upstreamRouters[0]'],
    ['ECN_MODEL_UNKNOWN_UPSTREAM', 'Agent edge-4', 'spec.config.upstreamRouters[0]'],
  ]);
  // control plane name and default-router both mean the interior router; the repeat is a warning
  assert.deepEqual(model.agents.get('edge-5')!.upstreamRouters, ['default-router', 'fog-1']);
  assert.equal(only(issues, 'ECN_MODEL_IGNORED_FIELD').path, 'spec.config.upstreamRouters[1]');
  assert.deepEqual([...model.agents.keys()], ['edge-1', 'edge-2', 'edge-5', 'fog-1']);
});

test('a custom control plane router id is what upstreams resolve to', () => {
  const { model, issues } = buildModel(docs(cp({ router: { id: 'interior-0' } }, 'cp'), agent('e', { messagingPort: 5801 }, ['cp']), agent('f', { messagingPort: 5800 }, ['default-router'])));
  assert.deepEqual(issues, []);
  assert.deepEqual(model.agents.get('e')!.upstreamRouters, ['interior-0']);
  assert.deepEqual(model.agents.get('f')!.upstreamRouters, ['interior-0']);
});

test('upstream cycles among interior agents skip the cycle and everything behind it', () => {
  const i = (name: string, port: number, up: string[]) => agent(name, { routerMode: 'interior', messagingPort: port, edgeRouterPort: port + 1, interRouterPort: port + 2 }, up);
  const { model, issues } = buildModel(docs(...baseEcn(), i('x', 5800, ['y']), i('y', 5810, ['z']), i('z', 5820, ['x']), agent('behind', { messagingPort: 5830 }, ['x'])));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_UPSTREAM_CYCLE', 'Agent x', 'spec.config.upstreamRouters[0]'],
    ['ECN_MODEL_UPSTREAM_CYCLE', 'Agent y', 'spec.config.upstreamRouters[0]'],
    ['ECN_MODEL_UPSTREAM_CYCLE', 'Agent z', 'spec.config.upstreamRouters[0]'],
    ['ECN_MODEL_DEPENDENCY_SKIPPED', 'Agent behind', 'spec.config.upstreamRouters[0]'],
  ]);
  assert.match(only(issues, 'ECN_MODEL_DEPENDENCY_SKIPPED').message, /Agent x was skipped \(ECN_MODEL_UPSTREAM_CYCLE/);
  assert.deepEqual([...model.agents.keys()], ['edge-1', 'edge-2', 'fog-1']);
});

test('an agent listing itself as upstream is a cycle', () => {
  const { issues } = buildModel(docs(...baseEcn(), agent('self', { routerMode: 'interior', messagingPort: 5800, edgeRouterPort: 5801, interRouterPort: 5802 }, ['self'])));
  assert.deepEqual(triple(issues), [['ECN_MODEL_UPSTREAM_CYCLE', 'Agent self', 'spec.config.upstreamRouters[0]']]);
});

test('router listener ports: unique within a router and per host', () => {
  const { model, issues } = buildModel(docs(
    ...baseEcn(),
    agent('same', { routerMode: 'interior', messagingPort: 5800, edgeRouterPort: 5800, interRouterPort: 5802 }),
    agent('clash', { messagingPort: 5711 }), // edge-1's port on the same host
    agent('elsewhere', { messagingPort: 5711 }, undefined, '10.0.0.9'), // fine on another host
    agent('edgy', { messagingPort: 5900, interRouterPort: 5901 }), // ignored in edge mode
  ));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_LISTENER_PORT_CONFLICT', 'Agent same', 'spec.config.routerConfig.edgeRouterPort'],
    ['ECN_MODEL_LISTENER_PORT_CONFLICT', 'Agent clash', 'spec.config.routerConfig.messagingPort'],
  ]);
  assert.match(errorsOf(issues)[1]!.message, /already used by Agent edge-1 messagingPort/);
  const w = only(issues, 'ECN_MODEL_IGNORED_FIELD');
  assert.deepEqual([w.object, w.path, w.severity], ['Agent edgy', 'spec.config.routerConfig.interRouterPort', 'warning']);
  assert.equal(model.agents.get('edgy')!.interRouterPort, undefined);
  assert.ok(model.agents.has('elsewhere'));
});

test('an agent cannot be named like the control plane or its router id', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), agent('default-router', { messagingPort: 5800 }), agent('iofog', { messagingPort: 5801 })));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_ROUTER_ID_CONFLICT', 'Agent default-router', 'metadata.name'],
    ['ECN_MODEL_ROUTER_ID_CONFLICT', 'Agent iofog', 'metadata.name'],
  ]);
  assert.equal(model.agents.size, 3);
});

test('names must be usable as router ids (agents) and address segments (others)', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), app('a/b', [ms('m', 'edge-1')]), app('ok', [ms('x/y', 'edge-1'), ms('fine', 'edge-1')], [{ name: 'r 1', from: 'fine', to: 'fine' }])));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_BAD_NAME', 'Application a/b', 'metadata.name'],
    ['ECN_MODEL_DEPENDENCY_SKIPPED', 'Microservice a/b/m', 'spec.microservices[0]'],
    ['ECN_MODEL_BAD_NAME', 'Microservice ok/x/y', 'spec.microservices[0].name'],
    ['ECN_MODEL_BAD_NAME', 'Route ok/r 1', 'spec.routes[0].name'],
  ]);
  assert.deepEqual([...model.microservices.keys()], ['ok/fine']);
});

test('duplicate names per kind: the first wins, the later is skipped', () => {
  const { model, issues } = buildModel(docs(
    ...baseEcn(),
    agent('edge-2', { messagingPort: 5999 }),
    app('a', [ms('m', 'edge-1'), ms('m', 'edge-2')], [{ name: 'r', from: 'm', to: 'n' }]),
    microservice('a', 'n', 'edge-1'),
    route('a', 'r', 'n', 'm'),
    edgeResource('res', 'v1'),
    edgeResource('res', 'v1'),
    edgeResource('res', 'v2'),
  ));
  const errs = errorsOf(issues);
  assert.ok(errs.every((i) => i.code === 'ECN_MODEL_DUPLICATE_NAME'), JSON.stringify(errs));
  assert.deepEqual(errs.map((i) => [i.object, i.path, i.ref.document]), [
    ['Agent edge-2', 'metadata.name', 4],
    ['Microservice a/m', 'spec.microservices[1].name', 5],
    ['Route a/r', 'metadata.name', 7],
    ['EdgeResource res@v1', 'spec.version', 9],
  ]);
  assert.equal(model.agents.get('edge-2')!.messagingPort, 5712);
  assert.equal(model.microservices.get('a/m')!.agent, 'edge-1');
  assert.deepEqual([model.routes.get('a/r')!.from, model.routes.get('a/r')!.to], ['m', 'n']);
  assert.deepEqual([...model.edgeResources.keys()], ['res@v1', 'res@v2']);
});

test('no control plane: an error, and agents that need it are skipped', () => {
  const { model, issues } = buildModel(docs(
    agent('fog-1', { routerMode: 'interior', messagingPort: 5701, edgeRouterPort: 45701, interRouterPort: 55701 }),
    agent('edge-1', { messagingPort: 5711 }, ['fog-1']),
    app('a', [ms('m', 'edge-1', [{ internal: 80, external: 9000, public: { enabled: true } }])]),
  ));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_NO_CONTROL_PLANE', 'ControlPlane', ''],
    ['ECN_MODEL_NO_CONTROL_PLANE', 'Agent fog-1', ''],
    ['ECN_MODEL_DEPENDENCY_SKIPPED', 'Agent edge-1', 'spec.config.upstreamRouters[0]'],
    ['ECN_MODEL_DEPENDENCY_SKIPPED', 'Microservice a/m', 'spec.microservices[0].agent.name'],
  ]);
  assert.equal(model.controlPlane, undefined);
  assert.equal(model.agents.size, 0);
});

test('two control planes: the first is used, the second reported', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), cp({}, 'other')));
  const e = only(issues, 'ECN_MODEL_EXTRA_CONTROL_PLANE');
  assert.deepEqual([e.object, e.ref.document], ['ControlPlane other', 4]);
  assert.equal(model.controlPlane!.name, 'iofog');
});

test('a control plane with clashing ports or an empty public range is skipped', () => {
  const r1 = buildModel(docs(cp({ ingresses: { router: { address: 'h', messagePort: 45672 } } }), agent('e', {})));
  assert.deepEqual(triple(r1.issues), [
    ['ECN_MODEL_LISTENER_PORT_CONFLICT', 'ControlPlane iofog', 'spec.ingresses.router.edgePort'],
    ['ECN_MODEL_NO_CONTROL_PLANE', 'ControlPlane', ''],
    ['ECN_MODEL_NO_CONTROL_PLANE', 'Agent e', ''],
  ]);
  const r2 = buildModel(docs(cp({ publicPorts: { start: 7000, end: 6000 } })));
  assert.equal(errorsOf(r2.issues)[0]!.code, 'ECN_MODEL_BAD_PORT_RANGE');
  assert.equal(errorsOf(r2.issues)[0]!.path, 'spec.publicPorts');
});

test('microservice external ports: unique per agent (and per shared host), never a router listener port', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), agent('far', {}, undefined, '10.0.0.9'), app('a', [
    ms('m1', 'edge-1', [{ internal: 80, external: 9000 }]),
    ms('m2', 'edge-1', [{ internal: 80, external: 9000 }]), // clashes with m1 on the same agent
    ms('m3', 'far', [{ internal: 80, external: 9000 }]), // other host: fine
    ms('m4', 'fog-1', [{ internal: 80, external: 45701 }]), // fog-1's edge listener
    ms('m5', 'far', [{ internal: 80, external: 9100 }, { internal: 81, external: 9100, protocol: 'udp' }]), // twice in itself
    ms('m6', 'edge-2', [{ internal: 80, external: 9000 }]), // another agent on edge-1's host
    ms('m7', 'edge-2', [{ internal: 80, external: 5672 }]), // the control plane's listener on the same host
  ])));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_PORT_CONFLICT', 'Microservice a/m2', 'spec.microservices[1].container.ports[0].external'],
    ['ECN_MODEL_PORT_CONFLICT', 'Microservice a/m4', 'spec.microservices[3].container.ports[0].external'],
    ['ECN_MODEL_PORT_CONFLICT', 'Microservice a/m5', 'spec.microservices[4].container.ports[1].external'],
    ['ECN_MODEL_PORT_CONFLICT', 'Microservice a/m6', 'spec.microservices[5].container.ports[0].external'],
    ['ECN_MODEL_PORT_CONFLICT', 'Microservice a/m7', 'spec.microservices[6].container.ports[0].external'],
  ]);
  const msgs = errorsOf(issues).map((i) => i.message);
  assert.match(msgs[0]!, /already used by Microservice a\/m1/);
  assert.match(msgs[1]!, /router listener Agent fog-1 edgeRouterPort/);
  assert.match(msgs[4]!, /router listener ControlPlane iofog messagePort/);
  assert.deepEqual([...model.microservices.keys()], ['a/m1', 'a/m3']);
});

test('routes: endpoints exist, share the application, are not the same microservice', () => {
  const { model, issues } = buildModel(docs(
    ...baseEcn(),
    app('a', [ms('m1', 'edge-1'), ms('m2', 'edge-2')], [
      { name: 'good', from: 'm1', to: 'm2' },
      { name: 'missing', from: 'm1', to: 'm9' },
      { name: 'other', from: 'm1', to: 'x1' },
      { name: 'qualified', from: 'b/x1', to: 'm1' },
      { name: 'self', from: 'm2', to: 'a/m2' },
    ]),
    app('b', [ms('x1', 'edge-1', [])]),
    route('c', 'r', 'm1', 'm2'),
  ));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_UNKNOWN_MICROSERVICE', 'Route a/missing', 'spec.routes[1].to'],
    ['ECN_MODEL_ROUTE_CROSS_APPLICATION', 'Route a/other', 'spec.routes[2].to'],
    ['ECN_MODEL_ROUTE_CROSS_APPLICATION', 'Route a/qualified', 'spec.routes[3].from'],
    ['ECN_MODEL_ROUTE_SELF', 'Route a/self', 'spec.routes[4].to'],
    ['ECN_MODEL_UNKNOWN_APPLICATION', 'Route c/r', 'spec.application'],
  ]);
  assert.match(issues.find((i) => i.object === 'Route a/missing')!.fix, /one of: m1, m2/);
  assert.deepEqual([...model.routes.keys()], ['a/good']);
});

test('a standalone microservice needs an existing application', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), microservice('nope', 'm', 'edge-1')));
  assert.deepEqual(triple(issues), [['ECN_MODEL_UNKNOWN_APPLICATION', 'Microservice nope/m', 'spec.application']]);
  assert.equal(model.microservices.size, 0);
});

test('edge resources: unknown agents are errors; skipped agents are dropped with a warning', () => {
  const { model, issues } = buildModel(docs(...baseEcn(), agent('x y', {}), edgeResource('r1', 'v1', ['edge-1', 'ghost']), edgeResource('r2', 'v1', ['edge-1', 'x y'])));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_BAD_NAME', 'Agent x y', 'metadata.name'],
    ['ECN_MODEL_UNKNOWN_AGENT', 'EdgeResource r1@v1', 'spec.agents[1]'],
  ]);
  assert.equal(issues.find((i) => i.object === 'EdgeResource r2@v1')!.severity, 'warning');
  assert.deepEqual(model.edgeResources.get('r2@v1')!.agents, ['edge-1']);
  assert.ok(!model.edgeResources.has('r1@v1'));
});

test('public ports: requested numbers must be in range and free; udp cannot be public', () => {
  const { model, issues } = buildModel(docs(
    cp({ publicPorts: { start: 6000, end: 6010 } }),
    ...baseEcn().slice(1),
    app('a', [
      ms('in', 'edge-1', [{ internal: 80, external: 9000, public: 6005 }]),
      ms('out', 'edge-1', [{ internal: 80, external: 9001, public: 7005 }]),
      ms('twice', 'edge-2', [{ internal: 80, external: 9002, public: 6005 }]),
      ms('udp', 'edge-2', [{ internal: 80, external: 9003, protocol: 'udp', public: { enabled: true } }]),
      ms('auto', 'edge-2', [{ internal: 80, external: 9004, public: { protocol: 'http' } }]),
    ], [{ name: 'r', from: 'out', to: 'in' }]),
  ));
  assert.deepEqual(triple(issues), [
    ['ECN_MODEL_PUBLIC_UDP', 'Microservice a/udp', 'spec.microservices[3].container.ports[0].public'],
    ['ECN_MODEL_PUBLIC_PORT_RANGE', 'Microservice a/out', 'spec.microservices[1].container.ports[0].public.port'],
    ['ECN_MODEL_PUBLIC_PORT_CONFLICT', 'Microservice a/twice', 'spec.microservices[2].container.ports[0].public.port'],
    ['ECN_MODEL_DEPENDENCY_SKIPPED', 'Route a/r', 'spec.routes[0].from'],
  ]);
  assert.deepEqual(model.publicPorts.map((p) => [p.microservice, p.publicPort, p.protocol, p.requested]), [['auto', 6000, 'http', false], ['in', 6005, 'tcp', true]]);
});

test('public ports never take a listener port of the interior host', () => {
  const { model, issues } = buildModel(docs(
    cp({ ingresses: { router: { address: '127.0.0.1', messagePort: 6000 } }, publicPorts: { start: 6000, end: 6003 } }),
    agent('e', { messagingPort: 6001 }),
    app('a', [ms('m', 'e', [{ internal: 80, external: 6002, public: {} }, { internal: 81, external: 9000, public: 6001 }])]),
  ));
  assert.deepEqual(triple(issues), [['ECN_MODEL_PUBLIC_PORT_CONFLICT', 'Microservice a/m', 'spec.microservices[0].container.ports[1].public.port']]);
  assert.match(errorsOf(issues)[0]!.message, /Agent e messagingPort/);
  assert.deepEqual(model.publicPorts, []);
});

test('running out of public ports skips the microservice that does not fit', () => {
  const { model, issues } = buildModel(docs(
    cp({ publicPorts: { start: 6000, end: 6001 } }),
    agent('e', {}, undefined, '10.0.0.5'),
    app('a', [ms('m1', 'e', [{ internal: 80, external: 9000, public: {} }]), ms('m2', 'e', [{ internal: 80, external: 9001, public: {} }]), ms('m3', 'e', [{ internal: 80, external: 9002, public: {} }])]),
  ));
  assert.deepEqual(triple(issues), [['ECN_MODEL_PUBLIC_PORT_EXHAUSTED', 'Microservice a/m3', 'spec.microservices[2].container.ports[0].public']]);
  assert.deepEqual(model.publicPorts.map((p) => [p.microservice, p.publicPort]), [['m1', 6000], ['m2', 6001]]);
});
