/**
 * A large, self-consistent synthetic network (model + plan + an all-up observation) for benchmarks and tests of
 * the link graph. Deterministic: the same size gives the same inputs.
 */
import { emptyModel, type EcnModel } from '../model/ecn.js';
import { publicPortAddress, routeAddress } from '../plan/addresses.js';
import type { NetworkPlan, RouterPlan } from '../plan/types.js';
import type { ObservedNetwork } from '../observe/types.js';

export interface SyntheticOptions {
  /** microservices per agent (default 1) */
  microservicesPerAgent?: number;
  /** a route from every microservice to the next one (default true) */
  routes?: boolean;
  /** one public port per this many agents (default 10; 0: none) */
  publicPortEvery?: number;
  interiorId?: string;
}

export interface SyntheticNetwork {
  model: EcnModel;
  plan: NetworkPlan;
  observed: ObservedNetwork;
}

export function syntheticNetwork(agents: number, opts: SyntheticOptions = {}): SyntheticNetwork {
  const interiorId = opts.interiorId ?? 'interior';
  const perAgent = opts.microservicesPerAgent ?? 1;
  const portEvery = opts.publicPortEvery ?? 10;
  const ref = { source: 'synthetic' };
  const model = emptyModel();
  model.controlPlane = {
    name: 'cp',
    routerId: interiorId,
    router: { address: '10.0.0.1', messagePort: 5672, interiorPort: 55672, edgePort: 45672 },
    publicPortRange: { start: 6000, end: 6000 + Math.max(1000, agents) },
    ref,
  };
  model.applications.set('app', { name: 'app', ref });
  const routers = new Map<string, RouterPlan>();
  routers.set(interiorId, { routerId: interiorId, mode: 'interior', reach: { kind: 'local' }, entities: [], conditions: [] });
  const observed: ObservedNetwork = {
    at: 0,
    flavor: 'qdrouterd',
    interiorId,
    interiors: new Map([[interiorId, { id: interiorId, instance: 1, linkState: [], self: true, cost: 0 }]]),
    edges: new Map(),
    edgeAddresses: new Map(),
    addresses: new Map(),
    routers: new Map(),
    restarts: [],
    errors: [],
  };
  const msNames: string[] = [];
  for (let i = 0; i < agents; i++) {
    const name = `agent-${i}`;
    model.agents.set(name, { name, host: `10.1.${(i >> 8) & 255}.${i & 255}`, routerMode: 'edge', messagingPort: 5671, upstreamRouters: [interiorId], ref });
    routers.set(name, { routerId: name, mode: 'edge', agent: name, reach: { kind: 'edge', id: name }, entities: [], conditions: [] });
    observed.edges.set(name, { edgeId: name, interiorId, connectionId: String(i + 10), uptimeSeconds: 100, active: true, operStatus: 'up', host: `10.1.0.1:${40000 + (i % 20000)}` });
    observed.edgeAddresses.set(name, { edgeId: name, subscriberCount: 1, remoteHostRouters: [] });
    observed.routers.set(name, { id: name, reachable: true, error: undefined, mode: 'edge', uptimeSeconds: 100, connectors: [] });
    for (let j = 0; j < perAgent; j++) {
      const ms = `ms-${i}-${j}`;
      msNames.push(ms);
      const ports = portEvery > 0 && j === 0 && i % portEvery === 0 ? [{ internal: 80, external: 8080, protocol: 'tcp' as const, public: { enabled: true, protocol: 'tcp' as const } }] : [];
      model.microservices.set(`app/${ms}`, { application: 'app', name: ms, agent: name, ports, ref });
      if (ports.length > 0) {
        const publicPort = 6000 + model.publicPorts.length;
        model.publicPorts.push({ application: 'app', microservice: ms, agent: name, external: 8080, publicPort, protocol: 'tcp', requested: false });
        const address = publicPortAddress('app', ms, 8080);
        observed.addresses.set(address, { address, key: `M0${address}`, subscriberCount: 1, remoteCount: 0, remoteHostRouters: [], deliveriesIngress: 0, deliveriesEgress: 0, deliveriesTransit: 0 });
      }
    }
  }
  if (opts.routes !== false) {
    for (let k = 0; k + 1 < msNames.length; k++) {
      const name = `r-${k}`;
      model.routes.set(`app/${name}`, { application: 'app', name, from: msNames[k]!, to: msNames[k + 1]!, ref });
      const address = routeAddress('app', name);
      observed.addresses.set(address, { address, key: `M0${address}`, subscriberCount: 1, remoteCount: 0, remoteHostRouters: [], deliveriesIngress: k, deliveriesEgress: k, deliveriesTransit: 0 });
    }
  }
  observed.routers.set(interiorId, { id: interiorId, reachable: true, error: undefined, mode: 'interior', uptimeSeconds: 100, connectors: [] });
  return { model, plan: { routers }, observed };
}
