/**
 * The example topology of the planner and bootstrap tests, built directly as an EcnModel (no YAML loader):
 * control plane `default-router`; interior-mode fog agent fog-1 with edge-1 behind it; edge-2 and edge-3 under the
 * control plane; application `demo` with sensor on edge-1, processor on fog-1, dashboard on edge-2 (public tcp port
 * 8080 → 6000); routes sensor → processor and processor → dashboard.
 */
import { emptyModel, microserviceKey, type Agent, type EcnModel, type Microservice, type Route } from '../../src/model/ecn.js';
import type { Flavor } from '../../src/router/protocol.js';
import type { PlanOptions } from '../../src/plan/planner.js';

const ref = { source: 'test/plan/planner-example.ts' };

export function exampleModel(opts: { tls?: boolean } = {}): EcnModel {
  const m = emptyModel();
  m.controlPlane = {
    name: 'ecn',
    routerId: 'default-router',
    router: { address: '203.0.113.10', messagePort: 5672, interiorPort: 55672, edgePort: 45672 },
    ...(opts.tls ? { tls: { caCertFile: '/etc/ecn/ca.crt', certFile: '/etc/ecn/tls.crt', privateKeyFile: '/etc/ecn/tls.key' } } : {}),
    publicPortRange: { start: 6000, end: 7000 },
    ref,
  };
  const agent = (name: string, host: string, mode: 'edge' | 'interior', upstream: string[]): Agent => ({
    name,
    host,
    routerMode: mode,
    messagingPort: 5672,
    ...(mode === 'interior' ? { interRouterPort: 56721, edgeRouterPort: 56722 } : {}),
    upstreamRouters: upstream,
    ref,
  });
  for (const a of [
    agent('fog-1', '10.0.0.1', 'interior', ['default-router']),
    agent('edge-1', '10.0.0.11', 'edge', ['fog-1']),
    agent('edge-2', '10.0.0.12', 'edge', ['default-router']),
    agent('edge-3', '10.0.0.13', 'edge', ['default-router']),
  ]) {
    m.agents.set(a.name, a);
  }
  m.applications.set('demo', { name: 'demo', ref });
  const ms = (name: string, agentName: string, ports: Microservice['ports'] = []): void => {
    m.microservices.set(microserviceKey('demo', name), { application: 'demo', name, agent: agentName, ports, ref });
  };
  ms('sensor', 'edge-1');
  ms('processor', 'fog-1');
  ms('dashboard', 'edge-2', [{ internal: 80, external: 8080, protocol: 'tcp', public: { enabled: true, protocol: 'tcp' } }]);
  addRoute(m, 'sensor-to-processor', 'sensor', 'processor');
  addRoute(m, 'processor-to-dashboard', 'processor', 'dashboard');
  m.publicPorts.push({ application: 'demo', microservice: 'dashboard', agent: 'edge-2', external: 8080, publicPort: 6000, protocol: 'tcp', requested: false });
  return m;
}

export function addRoute(m: EcnModel, name: string, from: string, to: string, application = 'demo'): void {
  const r: Route = { application, name, from, to, ref };
  m.routes.set(microserviceKey(application, name), r);
}

/** skupper everywhere, with tcp bridges (or without, for the qdrouterd 1.19 case). */
export function options(tcpBridges = true, flavor: Flavor = 'skupper'): PlanOptions {
  return { flavorOf: () => flavor, tcpBridges: () => tcpBridges };
}
