/**
 * Names of the entities the manager owns on routers.
 *
 * Rules (router-management.md §2.5, §7.3):
 * - every name starts with OWNER_PREFIX, so the syncer can tell its entities from anything else on a router;
 * - a name is unique on its router across ALL entity types: the Python agent checks `name` globally, so a tcpListener
 *   and a tcpConnector must not share one (skupper #2058). Each kind therefore has its own second token
 *   (`listener`, `uplink`, `route`, `port`, `tls`) and the public-port pair ends in `.listener` / `.connector`;
 * - names are derived from model names only (never from ports or hosts, except the public port's external port, which
 *   is part of its identity), so a changed port replaces the entity under the same name instead of leaking a new one.
 *
 * Model names may contain '.' (Kubernetes names do), which would make `ecn.route.a.b.c` ambiguous; each component is
 * escaped ('%' → '%25', '.' → '%2E') so the dotted form stays unambiguous and ordinary names stay readable.
 */
import { OWNER_PREFIX } from './types.js';

/** Escapes one model name so that '.' can separate components unambiguously. */
export function nameComponent(s: string): string {
  return s.includes('%') || s.includes('.') ? s.replace(/%/g, '%25').replace(/\./g, '%2E') : s;
}

export type ListenerRole = 'normal' | 'inter-router' | 'edge';

/** The listener of a role; a router has at most one per role, so the role is the whole identity. */
export function listenerName(role: ListenerRole): string {
  return `${OWNER_PREFIX}listener.${role}`;
}

/** The connector to an upstream router (edge uplink or inter-router link), by the upstream's router id. */
export function uplinkName(upstreamRouterId: string): string {
  return `${OWNER_PREFIX}uplink.${nameComponent(upstreamRouterId)}`;
}

/** The sslProfile the control plane's interior listeners use. One per router is enough: the model has one TLS spec. */
export function tlsProfileName(): string {
  return `${OWNER_PREFIX}tls`;
}

/** router.config.address for a route's address. */
export function routeConfigName(application: string, route: string): string {
  return `${OWNER_PREFIX}route.${nameComponent(application)}.${nameComponent(route)}`;
}

/** Base of a public port's bridge pair; see publicPortListenerName / publicPortConnectorName. */
function publicPortBase(application: string, microservice: string, external: number): string {
  return `${OWNER_PREFIX}port.${nameComponent(application)}.${nameComponent(microservice)}.${external}`;
}

/** The interior's tcpListener for a public port. */
export function publicPortListenerName(application: string, microservice: string, external: number): string {
  return `${publicPortBase(application, microservice, external)}.listener`;
}

/** The microservice agent's tcpConnector for a public port (never the same name as the listener: skupper #2058). */
export function publicPortConnectorName(application: string, microservice: string, external: number): string {
  return `${publicPortBase(application, microservice, external)}.connector`;
}

/** `owner` strings of DesiredEntity (types.ts documents the forms). */
export const ownerOf = {
  controlPlane: (name: string): string => `ControlPlane ${name}`,
  agent: (name: string): string => `Agent ${name}`,
  route: (application: string, route: string): string => `Route ${application}/${route}`,
  publicPort: (application: string, microservice: string, external: number): string => `PublicPort ${application}/${microservice}:${external}`,
};
