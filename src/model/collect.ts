/**
 * Step 1 of building the model: each document on its own. Kind, apiVersion, schema; then the normalised candidate
 * objects with defaults applied (inline microservices and routes split out of their Application). Duplicates are
 * dropped here (first in load order wins). Cross-object checks come later (src/model/build.ts).
 */
import type { Agent, ControlPlane, MicroservicePort, RouterMode, SourceRef } from './ecn.js';
import { IssueSink, SkipLog, label, type Locate, type Origin } from './issues.js';
import { MODEL_ISSUE_CODES as C } from './issue-codes.js';
import { DEFAULT_ROUTER_ID } from './names.js';
import {
  LEGACY_API_VERSIONS, isKind,
  type AgentDoc, type ApplicationDoc, type ControlPlaneDoc, type EdgeResourceDoc, type InlineMicroservice, type Kind, type MicroserviceDoc, type RouteDoc,
} from './schemas.js';
import { validateDocument, validatePublicSpec, type PathSegment, type SchemaProblem } from './validate.js';

/** One parsed document and where it came from. */
export interface ManifestDocument {
  doc: unknown;
  ref: SourceRef;
  /** line lookup for paths inside the document (YAML sources) */
  locate?: Locate;
}

export const DEFAULT_PORTS = { message: 5672, interior: 55672, edge: 45672 } as const;
export const DEFAULT_PUBLIC_RANGE = { start: 6000, end: 7000 } as const;

/** A ControlPlane before cross-object checks: the model's shape, with where it came from. */
export type ControlPlaneCandidate = Omit<ControlPlane, 'ref'> & { origin: Origin };

/** An Agent before its upstreams are resolved to router ids. */
export type AgentCandidate = Omit<Agent, 'ref' | 'upstreamRouters'> & {
  /** as written; empty when not given */
  upstreamNames: string[];
  origin: Origin;
};

export interface ApplicationCandidate {
  name: string;
  origin: Origin;
}

export interface MicroserviceCandidate {
  application: string;
  name: string;
  agent: string;
  ports: MicroservicePort[];
  /** true when written inside its Application */
  inline: boolean;
  origin: Origin;
}

export interface RouteCandidate {
  application: string;
  name: string;
  from: string;
  to: string;
  inline: boolean;
  origin: Origin;
}

export interface EdgeResourceCandidate {
  name: string;
  version: string;
  description?: string;
  interfaceProtocol?: string;
  agents: string[];
  origin: Origin;
}

export interface Candidates {
  controlPlanes: ControlPlaneCandidate[];
  agents: Map<string, AgentCandidate>;
  applications: Map<string, ApplicationCandidate>;
  microservices: Map<string, MicroserviceCandidate>;
  routes: Map<string, RouteCandidate>;
  edgeResources: Map<string, EdgeResourceCandidate>;
  /** number of ControlPlane documents seen (valid or not) */
  controlPlaneDocuments: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function docName(doc: Record<string, unknown>, ref: SourceRef): string {
  const md = doc.metadata;
  if (isObject(md) && typeof md.name === 'string' && md.name !== '') return md.name;
  return `<unnamed #${ref.document ?? 0}>`;
}

/** Does the problem sit inside `spec.<list>[i]`? Returns i. */
function inlineIndex(p: SchemaProblem, list: 'microservices' | 'routes'): number | undefined {
  const [a, b, c] = p.segments;
  return a === 'spec' && b === list && typeof c === 'number' ? c : undefined;
}

export function collect(documents: readonly ManifestDocument[], sink: IssueSink, skips: SkipLog): Candidates {
  const out: Candidates = {
    controlPlanes: [], agents: new Map(), applications: new Map(), microservices: new Map(), routes: new Map(), edgeResources: new Map(),
    controlPlaneDocuments: 0,
  };

  const schemaErrors = (object: string, origin: Origin, problems: SchemaProblem[]): void => {
    for (const p of problems) {
      const issue = sink.error(C.SCHEMA, object, { ...origin, base: [] }, p.segments, p.message, p.fix);
      skips.skip(object, issue);
    }
  };
  const unknownWarnings = (object: string, origin: Origin, problems: SchemaProblem[]): void => {
    for (const p of problems) sink.warn(C.UNKNOWN_FIELD, object, { ...origin, base: [] }, p.segments, p.message, p.fix);
  };
  const duplicate = (object: string, origin: Origin, first: Origin, rel: PathSegment[]): void => {
    const where = `${first.ref.source}${first.ref.document !== undefined ? ` document ${first.ref.document}` : ''}`;
    sink.error(C.DUPLICATE_NAME, object, origin, rel, `${object} is defined more than once (first in ${where}); this one is skipped`, `Rename or remove one of the two definitions of ${object}.`);
  };

  for (const { doc, ref, locate } of documents) {
    const origin: Origin = { ref, base: [], ...(locate ? { locate } : {}) };
    if (!isObject(doc)) {
      sink.error(C.NOT_OBJECT, `document #${ref.document ?? 0}`, origin, [], `the document is ${doc === null ? 'empty' : Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}, not a mapping`, 'Write each document as a mapping with apiVersion, kind, metadata and spec (or remove it).');
      continue;
    }
    const kind = doc.kind;
    const name = docName(doc, ref);
    if (!isKind(kind)) {
      if (typeof kind === 'string' && kind !== '') {
        sink.warn(C.UNKNOWN_KIND, `${kind} ${name}`, origin, ['kind'], `kind \`${kind}\` is not part of the ECN model; the document is ignored`, 'Use one of ControlPlane, Agent, Application, Microservice, Route, EdgeResource, or remove the document.');
      } else {
        sink.error(C.UNKNOWN_KIND, `document #${ref.document ?? 0}`, origin, ['kind'], 'the document has no `kind`', 'Add `kind:` (ControlPlane, Agent, Application, Microservice, Route or EdgeResource).');
      }
      continue;
    }
    if (kind === 'ControlPlane') out.controlPlaneDocuments++;
    const object = kind === 'Application' ? label.application(name) : kind === 'Microservice' || kind === 'Route' ? `${kind} ${appOf(doc)}/${name}` : `${kind} ${name}`;
    if ((LEGACY_API_VERSIONS as readonly unknown[]).includes(doc.apiVersion)) {
      sink.warn(C.API_VERSION, object, origin, ['apiVersion'], `apiVersion ${String(doc.apiVersion)} is accepted but deprecated`, 'Change `apiVersion` to iofog.org/v3.');
    }
    const result = validateDocument(kind, doc);
    unknownWarnings(object, origin, result.unknownFields);

    if (kind === 'Application') {
      collectApplication(doc, name, origin, result.errors, out, sink, skips, schemaErrors, duplicate);
      continue;
    }
    if (result.errors.length > 0) {
      schemaErrors(object, origin, result.errors);
      continue;
    }
    switch (kind as Exclude<Kind, 'Application'>) {
      case 'ControlPlane':
        out.controlPlanes.push(controlPlaneOf(doc as unknown as ControlPlaneDoc, origin));
        break;
      case 'Agent': {
        const a = agentOf(doc as unknown as AgentDoc, origin);
        const first = out.agents.get(a.name);
        if (first) duplicate(object, origin, first.origin, ['metadata', 'name']);
        else out.agents.set(a.name, a);
        break;
      }
      case 'Microservice': {
        const d = doc as unknown as MicroserviceDoc;
        const ports = portsOf(d.spec, object, origin, ['spec'], sink, skips);
        if (!ports) break;
        const ms: MicroserviceCandidate = { application: d.spec.application, name: d.metadata.name, agent: d.spec.agent.name, ports, inline: false, origin };
        addMicroservice(ms, object, out, duplicate, ['metadata', 'name']);
        break;
      }
      case 'Route': {
        const d = doc as unknown as RouteDoc;
        const r: RouteCandidate = { application: d.spec.application, name: d.metadata.name, from: d.spec.from, to: d.spec.to, inline: false, origin };
        const key = `${r.application}/${r.name}`;
        const first = out.routes.get(key);
        if (first) duplicate(object, origin, first.origin, ['metadata', 'name']);
        else out.routes.set(key, r);
        break;
      }
      case 'EdgeResource': {
        const d = doc as unknown as EdgeResourceDoc;
        const er: EdgeResourceCandidate = {
          name: d.spec.name ?? d.metadata.name,
          version: d.spec.version,
          ...(d.spec.description !== undefined ? { description: d.spec.description } : {}),
          ...(d.spec.interfaceProtocol !== undefined ? { interfaceProtocol: d.spec.interfaceProtocol } : {}),
          agents: d.spec.agents ?? [],
          origin,
        };
        const key = `${er.name}@${er.version}`;
        const first = out.edgeResources.get(key);
        if (first) duplicate(label.edgeResource(er.name, er.version), origin, first.origin, ['spec', 'version']);
        else out.edgeResources.set(key, er);
        break;
      }
    }
  }
  return out;
}

function appOf(doc: Record<string, unknown>): string {
  const spec = doc.spec;
  return isObject(spec) && typeof spec.application === 'string' ? spec.application : '<no application>';
}

function addMicroservice(
  ms: MicroserviceCandidate, object: string, out: Candidates,
  duplicate: (object: string, origin: Origin, first: Origin, rel: PathSegment[]) => void, rel: PathSegment[],
): void {
  const key = `${ms.application}/${ms.name}`;
  const first = out.microservices.get(key);
  if (first) duplicate(object, ms.origin, first.origin, rel);
  else out.microservices.set(key, ms);
}

function collectApplication(
  doc: Record<string, unknown>, name: string, origin: Origin, errors: SchemaProblem[], out: Candidates, sink: IssueSink, skips: SkipLog,
  schemaErrors: (object: string, origin: Origin, problems: SchemaProblem[]) => void,
  duplicate: (object: string, origin: Origin, first: Origin, rel: PathSegment[]) => void,
): void {
  const appLabel = label.application(name);
  const spec = isObject(doc.spec) ? doc.spec : {};
  const rawMs = Array.isArray(spec.microservices) ? spec.microservices : [];
  const rawRoutes = Array.isArray(spec.routes) ? spec.routes : [];
  const inlineName = (v: unknown, i: number): string => (isObject(v) && typeof v.name === 'string' && v.name !== '' ? v.name : `<unnamed #${i}>`);

  const own = errors.filter((p) => inlineIndex(p, 'microservices') === undefined && inlineIndex(p, 'routes') === undefined);
  if (own.length > 0) {
    schemaErrors(appLabel, origin, own);
    const reason = `${appLabel} was skipped (${skips.reason(appLabel) ?? 'invalid'})`;
    rawMs.forEach((m, i) => {
      const l = label.microservice(name, inlineName(m, i));
      skips.skip(l, sink.error(C.DEPENDENCY_SKIPPED, l, { ...origin, base: ['spec', 'microservices', i] }, [], `skipped because ${reason}`, `Fix ${appLabel} first.`));
    });
    rawRoutes.forEach((r, i) => {
      const l = label.route(name, inlineName(r, i));
      skips.skip(l, sink.error(C.DEPENDENCY_SKIPPED, l, { ...origin, base: ['spec', 'routes', i] }, [], `skipped because ${reason}`, `Fix ${appLabel} first.`));
    });
    return;
  }
  const first = out.applications.get(name);
  if (first) {
    duplicate(appLabel, origin, first.origin, ['metadata', 'name']);
    return;
  }
  out.applications.set(name, { name, origin });
  const app = doc as unknown as ApplicationDoc;

  (app.spec.microservices ?? []).forEach((m: InlineMicroservice, i) => {
    const msName = inlineName(rawMs[i], i);
    const l = label.microservice(name, msName);
    const msOrigin: Origin = { ...origin, base: ['spec', 'microservices', i] };
    const mine = errors.filter((p) => inlineIndex(p, 'microservices') === i);
    if (mine.length > 0) {
      schemaErrors(l, origin, mine);
      return;
    }
    const ports = portsOf(m, l, msOrigin, [], sink, skips);
    if (!ports) return;
    addMicroservice({ application: name, name: m.name, agent: m.agent.name, ports, inline: true, origin: msOrigin }, l, out, duplicate, ['name']);
  });
  (app.spec.routes ?? []).forEach((r, i) => {
    const l = label.route(name, inlineName(rawRoutes[i], i));
    const rOrigin: Origin = { ...origin, base: ['spec', 'routes', i] };
    const mine = errors.filter((p) => inlineIndex(p, 'routes') === i);
    if (mine.length > 0) {
      schemaErrors(l, origin, mine);
      return;
    }
    const key = `${name}/${r.name}`;
    const firstRoute = out.routes.get(key);
    if (firstRoute) duplicate(l, rOrigin, firstRoute.origin, ['name']);
    else out.routes.set(key, { application: name, name: r.name, from: r.from, to: r.to, inline: true, origin: rOrigin });
  });
}

function controlPlaneOf(d: ControlPlaneDoc, origin: Origin): ControlPlaneCandidate {
  const r = d.spec.ingresses.router;
  return {
    name: d.metadata.name,
    routerId: d.spec.router?.id ?? DEFAULT_ROUTER_ID,
    router: {
      address: r.address,
      messagePort: r.messagePort ?? DEFAULT_PORTS.message,
      interiorPort: r.interiorPort ?? DEFAULT_PORTS.interior,
      edgePort: r.edgePort ?? DEFAULT_PORTS.edge,
    },
    ...(d.spec.router?.tls ? { tls: { ...d.spec.router.tls } } : {}),
    publicPortRange: { start: d.spec.publicPorts?.start ?? DEFAULT_PUBLIC_RANGE.start, end: d.spec.publicPorts?.end ?? DEFAULT_PUBLIC_RANGE.end },
    origin,
  };
}

function agentOf(d: AgentDoc, origin: Origin): AgentCandidate {
  const rc = d.spec.config?.routerConfig ?? {};
  const mode: RouterMode = rc.routerMode ?? 'edge';
  return {
    name: d.metadata.name,
    host: d.spec.host,
    routerMode: mode,
    messagingPort: rc.messagingPort ?? DEFAULT_PORTS.message,
    ...(mode === 'interior'
      ? { edgeRouterPort: rc.edgeRouterPort ?? DEFAULT_PORTS.edge, interRouterPort: rc.interRouterPort ?? DEFAULT_PORTS.interior }
      : {
          ...(rc.edgeRouterPort !== undefined ? { edgeRouterPort: rc.edgeRouterPort } : {}),
          ...(rc.interRouterPort !== undefined ? { interRouterPort: rc.interRouterPort } : {}),
        }),
    upstreamNames: d.spec.config?.upstreamRouters ?? [],
    origin,
  };
}

/**
 * The container ports with `public` parsed (a number, or {enabled, protocol, port}); undefined (and the
 * microservice skipped) when a `public` is malformed. `at` is the path of the microservice spec within `origin`.
 */
function portsOf(
  spec: { container?: { ports?: Array<{ internal: number; external: number; protocol?: 'tcp' | 'udp'; public?: unknown }> } },
  object: string, origin: Origin, at: PathSegment[], sink: IssueSink, skips: SkipLog,
): MicroservicePort[] | undefined {
  const out: MicroservicePort[] = [];
  let ok = true;
  (spec.container?.ports ?? []).forEach((p, i) => {
    const rel: PathSegment[] = [...at, 'container', 'ports', i, 'public'];
    const port: MicroservicePort = { internal: p.internal, external: p.external, protocol: p.protocol ?? 'tcp' };
    const pub = p.public;
    if (pub === undefined || pub === null) {
      // not public
    } else if (typeof pub === 'number') {
      if (Number.isInteger(pub) && pub >= 1 && pub <= 65535) port.public = { enabled: true, protocol: 'tcp', port: pub };
      else {
        ok = false;
        skips.skip(object, sink.error(C.BAD_PUBLIC, object, origin, rel, `\`public: ${pub}\` is not a port number`, 'Set `public` to a port number (1–65535) or to {enabled, protocol (tcp|http), port?}.'));
      }
    } else if (isObject(pub)) {
      const v = validatePublicSpec(pub, [...origin.base, ...rel]);
      if (v.errors.length > 0) {
        ok = false;
        for (const e of v.errors) skips.skip(object, sink.error(C.BAD_PUBLIC, object, { ...origin, base: [] }, e.segments, e.message, e.fix));
      } else {
        const o = pub as { enabled?: boolean; protocol?: 'tcp' | 'http'; port?: number };
        port.public = { enabled: o.enabled ?? true, protocol: o.protocol ?? 'tcp', ...(o.port !== undefined ? { port: o.port } : {}) };
      }
    } else {
      ok = false;
      skips.skip(object, sink.error(C.BAD_PUBLIC, object, origin, rel, `\`public\` is a ${typeof pub}`, 'Set `public` to a port number (1–65535) or to {enabled, protocol (tcp|http), port?}.'));
    }
    out.push(port);
  });
  return ok ? out : undefined;
}
