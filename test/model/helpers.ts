/** Builders of raw manifest documents for the model tests. */
import type { ManifestDocument } from '../../src/model/collect.js';
import type { ModelIssue } from '../../src/model/ecn.js';

export type Doc = Record<string, unknown>;

export const cp = (spec: Doc = {}, name = 'iofog'): Doc => ({
  apiVersion: 'iofog.org/v3',
  kind: 'ControlPlane',
  metadata: { name },
  spec: { ingresses: { router: { address: '127.0.0.1' } }, ...spec },
});

export const agent = (name: string, routerConfig: Doc = {}, upstreamRouters?: string[], host = '127.0.0.1'): Doc => ({
  apiVersion: 'iofog.org/v3',
  kind: 'Agent',
  metadata: { name },
  spec: { host, config: { routerConfig, ...(upstreamRouters ? { upstreamRouters } : {}) } },
});

export const ms = (name: string, agentName: string, ports: Doc[] = []): Doc => ({ name, agent: { name: agentName }, images: { x86: `img/${name}` }, container: { ports } });

export const app = (name: string, microservices: Doc[] = [], routes: Doc[] = []): Doc => ({
  apiVersion: 'iofog.org/v3',
  kind: 'Application',
  metadata: { name },
  spec: { microservices, routes },
});

export const microservice = (application: string, name: string, agentName: string, ports: Doc[] = []): Doc => ({
  apiVersion: 'iofog.org/v3',
  kind: 'Microservice',
  metadata: { name },
  spec: { application, agent: { name: agentName }, container: { ports } },
});

export const route = (application: string, name: string, from: string, to: string): Doc => ({
  apiVersion: 'iofog.org/v3',
  kind: 'Route',
  metadata: { name },
  spec: { application, from, to },
});

export const edgeResource = (name: string, version: string, agents?: string[]): Doc => ({
  apiVersion: 'iofog.org/v3',
  kind: 'EdgeResource',
  metadata: { name },
  spec: { version, ...(agents ? { agents } : {}) },
});

export const docs = (...objects: unknown[]): ManifestDocument[] => objects.map((doc, document) => ({ doc, ref: { source: 'test.yaml', document } }));

/** A small valid ECN: control plane, interior fog-1, edge-1 behind it, edge-2 under the control plane. */
export const baseEcn = (): Doc[] => [
  cp(),
  agent('fog-1', { routerMode: 'interior', messagingPort: 5701, edgeRouterPort: 45701, interRouterPort: 55701 }),
  agent('edge-1', { messagingPort: 5711 }, ['fog-1']),
  agent('edge-2', { messagingPort: 5712 }),
];

export const errorsOf = (issues: ModelIssue[]): ModelIssue[] => issues.filter((i) => i.severity === 'error');
export const codes = (issues: ModelIssue[]): string[] => issues.map((i) => i.code);
export const only = (issues: ModelIssue[], code: string): ModelIssue => {
  const found = issues.filter((i) => i.code === code);
  if (found.length !== 1) throw new Error(`expected one ${code}, got ${JSON.stringify(issues, null, 1)}`);
  return found[0]!;
};
