/**
 * A large, regular EcnModel for the planner's scale test and benchmark (no I/O; the same n always gives the same model).
 *
 * Shape for n agents: one control plane; every 100th agent (fog-<i>) is an interior-mode agent under the control
 * plane; the others are edges, alternating between the nearest preceding fog and the control plane. Every 10 agents form one
 * application with one microservice per agent, routes chaining them (ms-0 → ms-1 → …), and a public tcp port on the
 * application's first microservice.
 */
import { emptyModel, microserviceKey, type Agent, type EcnModel } from '../model/ecn.js';

export const SYNTHETIC_ROUTER_ID = 'default-router';

export function syntheticModel(agentCount: number): EcnModel {
  const m = emptyModel();
  const ref = { source: 'synthetic' };
  m.controlPlane = {
    name: 'ecn',
    routerId: SYNTHETIC_ROUTER_ID,
    router: { address: 'router.example', messagePort: 5672, interiorPort: 55672, edgePort: 45672 },
    publicPortRange: { start: 6000, end: 6000 + Math.max(1000, agentCount) },
    ref,
  };
  let fog: string | undefined;
  for (let i = 0; i < agentCount; i++) {
    const interior = i % 100 === 0;
    const name = interior ? `fog-${i}` : `edge-${i}`;
    const agent: Agent = {
      name,
      host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      routerMode: interior ? 'interior' : 'edge',
      messagingPort: 5672,
      upstreamRouters: interior || fog === undefined || i % 2 === 0 ? [SYNTHETIC_ROUTER_ID] : [fog],
      ref,
    };
    if (interior) {
      agent.interRouterPort = 56721;
      agent.edgeRouterPort = 56722;
      fog = name;
    }
    m.agents.set(name, agent);
    const app = `app-${Math.floor(i / 10)}`;
    const k = i % 10;
    if (k === 0) m.applications.set(app, { name: app, ref });
    const ms = `ms-${k}`;
    m.microservices.set(microserviceKey(app, ms), {
      application: app,
      name: ms,
      agent: name,
      ports: k === 0 ? [{ internal: 80, external: 8080, protocol: 'tcp', public: { enabled: true, protocol: 'tcp' } }] : [],
      ref,
    });
    if (k === 0) {
      m.publicPorts.push({ application: app, microservice: ms, agent: name, external: 8080, publicPort: 6000 + i / 10, protocol: 'tcp', requested: false });
    } else {
      const r = `r-${k}`;
      m.routes.set(microserviceKey(app, r), { application: app, name: r, from: `ms-${k - 1}`, to: ms, ref });
    }
  }
  return m;
}
