/** The six custom resources the manager watches (group iofog.org, version v3, namespaced, status subresource). */
import type { Kind } from '../model/schemas.js';

export const GROUP = 'iofog.org';
export const VERSION = 'v3';

export const PLURALS: Record<Kind, string> = {
  ControlPlane: 'controlplanes',
  Agent: 'agents',
  Application: 'applications',
  Microservice: 'microservices',
  Route: 'routes',
  EdgeResource: 'edgeresources',
};

/** Watch order: the control plane first (it carries the router everyone else needs). */
export const WATCHED_KINDS: readonly Kind[] = ['ControlPlane', 'Agent', 'Application', 'Microservice', 'Route', 'EdgeResource'];

/** The finalizer the manager puts on Agents and Microservices: their router config is removed before they go. */
export const ROUTER_FINALIZER = 'iofog.org/router-config';
export const FINALIZED_KINDS: ReadonlySet<Kind> = new Set<Kind>(['Agent', 'Microservice']);

/** The fieldManager of every write (server-side apply and patches). */
export const FIELD_MANAGER = 'ecn-router-manager';

export const collectionPath = (kind: Kind, namespace: string): string => `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURALS[kind]}`;

/** A work-queue key: `Kind/namespace/name`. */
export const crKey = (kind: Kind, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

export function parseCrKey(key: string): { kind: Kind; namespace: string; name: string } {
  const [kind, namespace, ...rest] = key.split('/');
  return { kind: kind as Kind, namespace: namespace ?? '', name: rest.join('/') };
}

/** The SourceRef.source of a CR (src/model/ecn.ts): `kube:<namespace>/<kind>/<name>`. */
export const crSource = (kind: Kind, namespace: string, name: string): string => `kube:${namespace}/${kind}/${name}`;

export function parseCrSource(source: string): { kind: Kind; namespace: string; name: string } | undefined {
  const m = /^kube:([^/]*)\/([^/]+)\/(.+)$/.exec(source);
  if (!m) return undefined;
  return { namespace: m[1]!, kind: m[2]! as Kind, name: m[3]! };
}
