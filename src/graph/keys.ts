/**
 * Deterministic node and edge keys. Model names never contain '/' (src/plan/addresses.ts), and router ids contain
 * no '/' or white space, so these keys are unambiguous and stable across passes and restarts of the manager.
 */
export const routerKey = (id: string): string => `router:${id}`;
export const agentKey = (name: string): string => `agent:${name}`;
export const msKey = (application: string, name: string): string => `ms:${application}/${name}`;
export const portKey = (application: string, ms: string, external: number): string => `port:${application}/${ms}/${external}`;
export const resourceKey = (name: string, version: string): string => `resource:${name}@${version}`;

export const uplinkKey = (from: string, to: string): string => `uplink:${from}->${to}`;
/** inter-router links are undirected on the wire; the key orders the ends so either direction finds it */
export const interRouterKey = (a: string, b: string): string => (a <= b ? `link:${a}<->${b}` : `link:${b}<->${a}`);
export const routeKey = (application: string, name: string): string => `route:${application}/${name}`;
export const exposureKey = (application: string, ms: string, external: number): string => `expose:${application}/${ms}/${external}`;
export const hostsKey = (application: string, ms: string): string => `hosts:${application}/${ms}`;
export const runsKey = (agent: string): string => `runs:${agent}`;
export const advertisesKey = (agent: string, name: string, version: string): string => `advertises:${agent}->${name}@${version}`;
