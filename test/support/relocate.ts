/**
 * Moves every port of an ECN model to free ports on this machine, so tests can run the example ECN (which uses
 * fixed, readable port numbers) next to anything else.
 */
import type { EcnModel } from '../../src/model/ecn.js';
import { freePorts } from './free-ports.js';

export async function relocatePorts(model: EcnModel): Promise<EcnModel> {
  const cp = model.controlPlane;
  const wanted: number[] = [];
  if (cp) wanted.push(cp.router.messagePort, cp.router.interiorPort, cp.router.edgePort);
  for (const a of model.agents.values()) wanted.push(a.messagingPort, ...(a.edgeRouterPort ? [a.edgeRouterPort] : []), ...(a.interRouterPort ? [a.interRouterPort] : []));
  for (const ms of model.microservices.values()) for (const p of ms.ports) wanted.push(p.external);
  for (const p of model.publicPorts) wanted.push(p.publicPort);
  const distinct = [...new Set(wanted)];
  const free = await freePorts(distinct.length);
  const map = new Map(distinct.map((p, i) => [p, free[i]!]));
  const m = (p: number): number => map.get(p) ?? p;
  return {
    ...model,
    controlPlane: cp && { ...cp, router: { ...cp.router, messagePort: m(cp.router.messagePort), interiorPort: m(cp.router.interiorPort), edgePort: m(cp.router.edgePort) } },
    agents: new Map([...model.agents].map(([k, a]) => [k, {
      ...a,
      messagingPort: m(a.messagingPort),
      ...(a.edgeRouterPort ? { edgeRouterPort: m(a.edgeRouterPort) } : {}),
      ...(a.interRouterPort ? { interRouterPort: m(a.interRouterPort) } : {}),
    }])),
    microservices: new Map([...model.microservices].map(([k, ms]) => [k, { ...ms, ports: ms.ports.map((p) => ({ ...p, external: m(p.external) })) }])),
    publicPorts: model.publicPorts.map((p) => ({ ...p, external: m(p.external), publicPort: m(p.publicPort) })),
  };
}
