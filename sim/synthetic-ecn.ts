/**
 * A generated ECN of any size that the simulator can run in one process (`ecn sim --agents N`, the convergence
 * benchmarks). Shape, as the benchmarks of the manager ask: a control plane, and per agent an edge router under the
 * control plane with its normal listener, two microservices, two routes and a public port:
 *
 *   agent-<i>: ms a-<i> and b-<i>; routes a-<i> → b-<i> and b-<i> → a-<i+1 mod n>; b-<i> exposed publicly.
 *
 * Every port is distinct across the whole ECN (the in-process network is one virtual host), laid out from `basePort`.
 */
import { emptyModel, microserviceKey, type EcnModel } from '../src/model/ecn.js';

export interface SyntheticEcnOptions {
  /** first port of the layout (default 20000); the ECN uses 3 + 3n ports from there */
  basePort?: number;
  host?: string;
  routerId?: string;
}

export function syntheticEcn(agents: number, opts: SyntheticEcnOptions = {}): EcnModel {
  const base = opts.basePort ?? 20000;
  const host = opts.host ?? '127.0.0.1';
  const routerId = opts.routerId ?? 'default-router';
  const ref = { source: `synthetic(${agents})` };
  const m = emptyModel();
  const publicBase = base + 3 + 2 * agents;
  m.controlPlane = {
    name: 'synthetic',
    routerId,
    router: { address: host, messagePort: base, interiorPort: base + 1, edgePort: base + 2 },
    publicPortRange: { start: publicBase, end: publicBase + Math.max(agents, 1) - 1 },
    ref,
  };
  m.applications.set('synthetic', { name: 'synthetic', ref });
  for (let i = 0; i < agents; i++) {
    const name = `agent-${i}`;
    m.agents.set(name, { name, host, routerMode: 'edge', messagingPort: base + 3 + i, upstreamRouters: [routerId], ref });
    const external = base + 3 + agents + i;
    m.microservices.set(microserviceKey('synthetic', `a-${i}`), { application: 'synthetic', name: `a-${i}`, agent: name, ports: [], ref });
    m.microservices.set(microserviceKey('synthetic', `b-${i}`), {
      application: 'synthetic', name: `b-${i}`, agent: name, ref,
      ports: [{ internal: 80, external, protocol: 'tcp', public: { enabled: true, protocol: 'tcp' } }],
    });
    m.publicPorts.push({ application: 'synthetic', microservice: `b-${i}`, agent: name, external, publicPort: publicBase + i, protocol: 'tcp', requested: false });
  }
  for (let i = 0; i < agents; i++) {
    m.routes.set(microserviceKey('synthetic', `r-${i}-a`), { application: 'synthetic', name: `r-${i}-a`, from: `a-${i}`, to: `b-${i}`, ref });
    m.routes.set(microserviceKey('synthetic', `r-${i}-b`), { application: 'synthetic', name: `r-${i}-b`, from: `b-${i}`, to: `a-${(i + 1) % agents}`, ref });
  }
  return m;
}
