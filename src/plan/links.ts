/**
 * The entities that make a router reachable and linked: its sslProfile (control plane with TLS), its listeners and its
 * connectors to upstream routers. Both the planner and the bootstrap config take them from here, so a router that boots
 * from its bootstrap config already has exactly what the plan wants for them and the first sync changes nothing.
 *
 * Wiring follows ioFog (iofog.md §2.1/§2.2): the interior has normal/inter-router/edge listeners; every agent a normal
 * listener on messagingPort; interior-mode agents also inter-router and edge listeners; one connector per upstream,
 * role edge → the upstream's edge port for edge-mode agents, role inter-router → its inter-router port otherwise.
 *
 * Attributes are only ones both flavors (qdrouterd 1.18/1.19, skupper-router 3.5) accept on CREATE and report back
 * unchanged: ports as strings (the Python agent stores `string` attributes with str()), hosts explicit (defaults differ
 * between versions), booleans as booleans.
 */
import type { Agent, ControlPlane, EcnModel } from '../model/ecn.js';
import { listenerName, ownerOf, tlsProfileName, uplinkName, type ListenerRole } from './naming.js';
import type { DesiredEntity, PlanCondition } from './types.js';

/** Where listeners bind: all interfaces, as ioFog's routers do (`host 0.0.0.0`). */
export const LISTEN_ALL = '0.0.0.0';

export interface RouterLinks {
  mode: 'interior' | 'edge';
  entities: DesiredEntity[];
  conditions: PlanCondition[];
}

function listener(role: ListenerRole, port: number, owner: string, sslProfile?: string): DesiredEntity {
  const attributes: Record<string, unknown> = { host: LISTEN_ALL, port: String(port), role };
  // The agents have no client certificates in the model, so TLS on the interior is server-side only: no peer
  // authentication, SASL ANONYMOUS, and requireSsl left at its default (false) so plain uplinks still connect.
  if (sslProfile !== undefined) attributes.sslProfile = sslProfile;
  attributes.authenticatePeer = false;
  attributes.saslMechanisms = 'ANONYMOUS';
  return { type: 'listener', name: listenerName(role), attributes, owner };
}

/** Entities of the control plane's interior router. */
export function controlPlaneLinks(cp: ControlPlane): RouterLinks {
  const owner = ownerOf.controlPlane(cp.name);
  const entities: DesiredEntity[] = [];
  let profile: string | undefined;
  if (cp.tls !== undefined) {
    profile = tlsProfileName();
    entities.push({
      type: 'sslProfile',
      name: profile,
      attributes: { caCertFile: cp.tls.caCertFile, certFile: cp.tls.certFile, privateKeyFile: cp.tls.privateKeyFile },
      owner,
    });
  }
  entities.push(listener('normal', cp.router.messagePort, owner, profile));
  entities.push(listener('inter-router', cp.router.interiorPort, owner, profile));
  entities.push(listener('edge', cp.router.edgePort, owner, profile));
  return { mode: 'interior', entities, conditions: [] };
}

/** Entities of an agent's router: listeners, then one connector per (distinct) upstream. */
export function agentLinks(model: EcnModel, agent: Agent): RouterLinks {
  const owner = ownerOf.agent(agent.name);
  const entities: DesiredEntity[] = [listener('normal', agent.messagingPort, owner)];
  const conditions: PlanCondition[] = [];
  const missingPort = (what: string): void => {
    conditions.push({ code: 'ECN_PLAN_MISSING_PORT', object: owner, message: `interior-mode agent ${agent.name} has no ${what}; that listener is not planned` });
  };
  if (agent.routerMode === 'interior') {
    if (agent.interRouterPort !== undefined) entities.push(listener('inter-router', agent.interRouterPort, owner));
    else missingPort('interRouterPort');
    if (agent.edgeRouterPort !== undefined) entities.push(listener('edge', agent.edgeRouterPort, owner));
    else missingPort('edgeRouterPort');
  }
  const role = agent.routerMode === 'edge' ? 'edge' : 'inter-router';
  const cp = model.controlPlane;
  const seen = new Set<string>();
  for (const up of agent.upstreamRouters) {
    if (seen.has(up)) continue; // one link per upstream: a duplicate would collide on the connector name
    seen.add(up);
    let host: string | undefined;
    let port: number | undefined;
    let problem: string | undefined;
    if (cp !== undefined && up === cp.routerId) {
      host = cp.router.address;
      port = role === 'edge' ? cp.router.edgePort : cp.router.interiorPort;
    } else {
      const u = up === agent.name ? undefined : model.agents.get(up);
      if (u === undefined) problem = up === agent.name ? 'is the agent itself' : 'is not a known router';
      else if (u.routerMode !== 'interior') problem = 'is an edge router (an edge cannot be an upstream)';
      else {
        host = u.host;
        port = role === 'edge' ? u.edgeRouterPort : u.interRouterPort;
        if (port === undefined) problem = `has no ${role === 'edge' ? 'edgeRouterPort' : 'interRouterPort'}`;
      }
    }
    if (problem !== undefined || host === undefined || port === undefined) {
      conditions.push({ code: 'ECN_PLAN_BAD_UPSTREAM', object: owner, message: `upstream router ${up} ${problem ?? 'is unreachable'}; no connector planned for it` });
      continue;
    }
    entities.push({ type: 'connector', name: uplinkName(up), attributes: { host, port: String(port), role, saslMechanisms: 'ANONYMOUS' }, owner });
  }
  return { mode: agent.routerMode, entities, conditions };
}

/** The links of any router in the model, or undefined when the id names no router. */
export function routerLinks(model: EcnModel, routerId: string): RouterLinks | undefined {
  const cp = model.controlPlane;
  if (cp !== undefined && cp.routerId === routerId) return controlPlaneLinks(cp);
  const agent = model.agents.get(routerId);
  return agent === undefined ? undefined : agentLinks(model, agent);
}
