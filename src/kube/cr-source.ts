/**
 * Custom resources as a model source: CRs of iofog.org/v3 carry the same metadata+spec as the manifest documents, so
 * they go through the very same buildModel. Each CR is one document whose SourceRef is `kube:<ns>/<Kind>/<name>`;
 * every issue is mapped back to the CR it came from (inline microservices and routes: their Application). Pure.
 */
import { buildModel, type BuildOptions } from '../model/build.js';
import type { ManifestDocument } from '../model/collect.js';
import type { EcnModel, ModelIssue } from '../model/ecn.js';
import type { Kind } from '../model/schemas.js';
import type { NetworkPlan, PlanCondition } from '../plan/types.js';
import { ownerOf } from '../plan/naming.js';
import { crKey, crSource, parseCrSource, WATCHED_KINDS } from './kinds.js';
import type { KubeObject } from './supervised-informer.js';

export interface CrObject {
  kind: Kind;
  obj: KubeObject;
}

export interface CrModel {
  model: EcnModel;
  issues: ModelIssue[];
  /** issues by CR key (`Kind/ns/name`) */
  byCr: Map<string, ModelIssue[]>;
  /** issues that name no single CR (e.g. no ControlPlane at all) */
  global: ModelIssue[];
  /** metadata.generation of every CR that went into this model, by CR key */
  generations: Map<string, number | undefined>;
}

const isTerminating = (o: KubeObject): boolean => o.metadata.deletionTimestamp !== undefined && o.metadata.deletionTimestamp !== null;

const time = (t: string | Date | undefined): number => (t === undefined ? 0 : new Date(t).getTime() || 0);

/** Load order: by kind, then oldest first (the first of two duplicates wins, so the older one stays), then name. */
function order(a: CrObject, b: CrObject): number {
  const k = WATCHED_KINDS.indexOf(a.kind) - WATCHED_KINDS.indexOf(b.kind);
  if (k !== 0) return k;
  const t = time(a.obj.metadata.creationTimestamp) - time(b.obj.metadata.creationTimestamp);
  if (t !== 0) return t;
  return a.obj.metadata.name < b.obj.metadata.name ? -1 : a.obj.metadata.name > b.obj.metadata.name ? 1 : 0;
}

/** The manifest document of a CR: apiVersion, kind, metadata (name, namespace, labels) and spec; status dropped. */
export function crDocument(cr: CrObject): ManifestDocument {
  const md = cr.obj.metadata;
  const ns = md.namespace ?? '';
  return {
    doc: {
      apiVersion: cr.obj.apiVersion ?? 'iofog.org/v3',
      kind: cr.kind,
      metadata: { name: md.name, ...(md.namespace ? { namespace: md.namespace } : {}), ...(md.labels ? { labels: md.labels } : {}) },
      spec: cr.obj.spec ?? {},
    },
    ref: { source: crSource(cr.kind, ns, md.name) },
  };
}

/** Builds the model from the CRs. Objects being deleted (deletionTimestamp set) are left out. */
export function buildFromCrs(crs: readonly CrObject[], opts: BuildOptions = {}): CrModel {
  const live = crs.filter((c) => !isTerminating(c.obj)).sort(order);
  const { model, issues } = buildModel(live.map(crDocument), opts);
  const byCr = new Map<string, ModelIssue[]>();
  const global: ModelIssue[] = [];
  for (const i of issues) {
    const key = issueCr(i);
    if (!key) { global.push(i); continue; }
    const list = byCr.get(key);
    if (list) list.push(i);
    else byCr.set(key, [i]);
  }
  const generations = new Map<string, number | undefined>();
  for (const c of live) generations.set(crKey(c.kind, c.obj.metadata.namespace ?? '', c.obj.metadata.name), c.obj.metadata.generation);
  return { model, issues, byCr, global, generations };
}

/** The CR key an issue belongs to, from its SourceRef. */
export function issueCr(issue: ModelIssue): string | undefined {
  const p = parseCrSource(issue.ref.source);
  return p ? crKey(p.kind, p.namespace, p.name) : undefined;
}

const refCr = (ref: { source: string }): string | undefined => {
  const p = parseCrSource(ref.source);
  return p ? crKey(p.kind, p.namespace, p.name) : undefined;
};

/**
 * What each CR put into the model: the routers that carry its configuration (a CR in the map made it into the
 * model; a CR absent was skipped or is unknown) and the plan conditions that concern it.
 */
export interface CrFootprint {
  routers: Set<string>;
  conditions: PlanCondition[];
}

export function footprints(model: EcnModel, plan?: NetworkPlan): Map<string, CrFootprint> {
  const out = new Map<string, CrFootprint>();
  const at = (key: string | undefined): CrFootprint | undefined => {
    if (!key) return undefined;
    let f = out.get(key);
    if (!f) { f = { routers: new Set(), conditions: [] }; out.set(key, f); }
    return f;
  };
  const byLabel = new Map<string, string>();
  const cp = model.controlPlane;
  if (cp) {
    at(refCr(cp.ref))?.routers.add(cp.routerId);
    const k = refCr(cp.ref);
    if (k) byLabel.set(ownerOf.controlPlane(cp.name), k);
  }
  for (const a of model.agents.values()) {
    at(refCr(a.ref))?.routers.add(a.name);
    const k = refCr(a.ref);
    if (k) byLabel.set(ownerOf.agent(a.name), k);
  }
  for (const app of model.applications.values()) at(refCr(app.ref));
  const msRouters = new Map<string, Set<string>>();
  for (const [key, ms] of model.microservices) msRouters.set(key, new Set([ms.agent]));
  for (const pp of model.publicPorts) {
    const key = `${pp.application}/${pp.microservice}`;
    if (cp) msRouters.get(key)?.add(cp.routerId);
    const ms = model.microservices.get(key);
    const k = ms && refCr(ms.ref);
    if (k) byLabel.set(ownerOf.publicPort(pp.application, pp.microservice, pp.external), k);
  }
  for (const [key, ms] of model.microservices) {
    const f = at(refCr(ms.ref));
    for (const r of msRouters.get(key) ?? []) f?.routers.add(r);
    const app = model.applications.get(ms.application);
    const af = app && at(refCr(app.ref));
    for (const r of msRouters.get(key) ?? []) af?.routers.add(r);
  }
  for (const r of model.routes.values()) {
    const f = at(refCr(r.ref));
    const k = refCr(r.ref);
    if (k) byLabel.set(ownerOf.route(r.application, r.name), k);
    for (const end of [r.from, r.to]) {
      const ms = model.microservices.get(`${r.application}/${end}`);
      if (ms) f?.routers.add(ms.agent);
    }
  }
  for (const er of model.edgeResources.values()) at(refCr(er.ref));
  if (plan) {
    for (const rp of plan.routers.values()) {
      for (const c of rp.conditions) {
        const k = byLabel.get(c.object);
        const f = k ? out.get(k) : undefined;
        if (f && !f.conditions.some((x) => x.code === c.code && x.message === c.message)) f.conditions.push(c);
      }
    }
  }
  return out;
}

/**
 * The per-kind status fields besides the conditions (declared in src/kube/crds.ts KIND_STATUS_FIELDS: the API server
 * prunes anything else): ControlPlane routerId and routerAddress; Agent mode; Application microservice and route
 * counts; Microservice public ports. Empty for a CR the model skipped.
 */
export function statusFields(key: string, model: EcnModel): Record<string, unknown> {
  const p = parseCrKeyLoose(key);
  if (!p) return {};
  const src = crSource(p.kind, p.namespace, p.name);
  switch (p.kind) {
    case 'ControlPlane': {
      const cp = model.controlPlane;
      return cp && cp.ref.source === src ? { routerId: cp.routerId, routerAddress: cp.router.address } : {};
    }
    case 'Agent': {
      const a = model.agents.get(p.name);
      return a && a.ref.source === src ? { mode: a.routerMode } : {};
    }
    case 'Application': {
      const app = model.applications.get(p.name);
      if (!app || app.ref.source !== src) return {};
      let microservices = 0;
      let routes = 0;
      for (const ms of model.microservices.values()) if (ms.application === p.name) microservices++;
      for (const r of model.routes.values()) if (r.application === p.name) routes++;
      return { microservices, routes };
    }
    case 'Microservice': {
      for (const ms of model.microservices.values()) {
        if (ms.ref.source !== src) continue;
        const publicPorts = model.publicPorts.filter((pp) => pp.application === ms.application && pp.microservice === ms.name)
          .map((pp) => ({ external: pp.external, publicPort: pp.publicPort, protocol: pp.protocol }));
        return { publicPorts };
      }
      return {};
    }
    default:
      return {};
  }
}

function parseCrKeyLoose(key: string): { kind: Kind; namespace: string; name: string } | undefined {
  const [kind, namespace, ...rest] = key.split('/');
  if (!kind || namespace === undefined || rest.length === 0) return undefined;
  return { kind: kind as Kind, namespace, name: rest.join('/') };
}
