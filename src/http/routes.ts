/**
 * The manager's JSON endpoints: `/healthz`, `/readyz`, `/api/status` and `/api/node?key=…` (the viewer's details
 * panel). Each is a pure function of the manager's state to a status code and a body; server.ts does the HTTP.
 */
import type { Manager } from '../manager/manager.js';
import { readiness, type Readiness } from '../manager/readiness.js';
import type { AuditEntry, RouterSyncStatus, SyncResult } from '../sync/index.js';
import type { RouterPlan } from '../plan/types.js';
import type { ModelIssue } from '../model/ecn.js';
import type { NodeAttributes } from '../graph/types.js';
import type { HttpErrorBody } from './respond.js';

export interface JsonAnswer { status: number; body: unknown }

/** audit entries shown per router in the details panel */
export const NODE_AUDIT_ENTRIES = 20;
/** routers listed by /readyz when not ready */
export const READY_LIST_LIMIT = 20;

export function health(manager: Manager): JsonAnswer {
  return manager.isStopped
    ? { status: 503, body: { status: 'stopped' } }
    : { status: 200, body: { status: 'ok' } };
}

export function ready(manager: Manager): JsonAnswer {
  const r: Readiness = readiness(manager, READY_LIST_LIMIT);
  return { status: r.ready ? 200 : 503, body: r };
}

/** A sync status for JSON: the last pass summarised (without the converged entity list). */
export interface RouterStatusView {
  router: string;
  state: RouterSyncStatus['state'];
  lastError: { code: string; message: string } | null;
  lastSyncAt: number | null;
  consecutiveFailures: number;
  retryAt: number | null;
  lastPass: Omit<SyncResult, 'converged' | 'error' | 'restart'> & { error: { code: string; message: string } | null } | null;
}

export function statusView(s: RouterSyncStatus): RouterStatusView {
  let lastPass: RouterStatusView['lastPass'] = null;
  if (s.lastResult) {
    const { converged: _c, error, restart: _r, ...rest } = s.lastResult;
    lastPass = { ...rest, error: error ? { code: error.code, message: error.message } : null };
  }
  return {
    router: s.router,
    state: s.state,
    lastError: s.lastError ?? null,
    lastSyncAt: s.lastSyncAt ?? null,
    consecutiveFailures: s.consecutiveFailures,
    retryAt: s.retryAt ?? null,
    lastPass,
  };
}

export interface StatusBody {
  interior: { router: string; state: string; flavor: string | null };
  readiness: Readiness;
  routers: RouterStatusView[];
  /** every uplink of the link graph (desired or observed), by agent */
  uplinks: UplinkView[];
  issues: ModelIssue[];
}

export interface UplinkView { agent: string; upstream: string; state: string }

/** The uplinks of the manager's link graph, sorted by agent then upstream. */
export function uplinkViews(manager: Manager): UplinkView[] {
  const out: UplinkView[] = [];
  manager.graph.graph.forEachEdge((_key, attrs, source, target) => {
    if (attrs.kind !== 'uplink') return;
    out.push({ agent: source.replace(/^router:/, ''), upstream: target.replace(/^router:/, ''), state: attrs.state });
  });
  return out.sort((a, b) => (a.agent !== b.agent ? (a.agent < b.agent ? -1 : 1) : a.upstream < b.upstream ? -1 : a.upstream > b.upstream ? 1 : 0));
}

export function apiStatus(manager: Manager): JsonAnswer {
  const stats = manager.client.stats();
  const body: StatusBody = {
    interior: { router: stats.router, state: stats.state, flavor: stats.flavor ?? null },
    readiness: readiness(manager, READY_LIST_LIMIT),
    routers: manager.syncStatus().map(statusView),
    uplinks: uplinkViews(manager),
    issues: manager.currentModel().issues,
  };
  return { status: 200, body };
}

/** What a router node (or an agent's node, for the agent's router) adds; top-level keys the viewer shows first. */
export interface RouterDetails {
  /** the router's id */
  router: string;
  /** null: the router is not in the plan (observed only) */
  sync: Omit<RouterStatusView, 'router'> | null;
  planned: Pick<RouterPlan, 'mode' | 'reach' | 'entities' | 'conditions'> & { agent: string | null } | null;
  /** the last writes to this router, oldest first */
  audit: AuditEntry[];
}

export type NodeBody = { key: string; attributes: NodeAttributes } & (RouterDetails | { router: null });

/** The router a node stands for or belongs to: `router:<id>` itself, `agent:<name>` (an agent's router id is its name). */
export function routerOfNode(key: string, attributes: NodeAttributes): string | undefined {
  if (key.startsWith('router:')) return key.slice('router:'.length);
  if (key.startsWith('agent:') && attributes.kind === 'agent') return key.slice('agent:'.length);
  return undefined;
}

export function apiNode(manager: Manager, key: string | null): JsonAnswer {
  if (key === null || key === '') {
    return errorAnswer(400, 'ECN_HTTP_BAD_REQUEST', 'the query parameter key is missing', 'give a node key, e.g. /api/node?key=router:edge-1 or ?key=agent:edge-1');
  }
  const g = manager.graph.graph;
  if (!g.hasNode(key)) {
    return errorAnswer(404, 'ECN_HTTP_NOT_FOUND', `no node '${key}' in the link graph`, 'take keys from the graph stream (/graph); node keys look like router:<id>, agent:<name>, ms:<application>/<name>');
  }
  const attributes = g.getNodeAttributes(key);
  const routerId = routerOfNode(key, attributes);
  const body: NodeBody = { key, attributes, ...(routerId === undefined ? { router: null } : routerDetails(manager, routerId)) };
  return { status: 200, body };
}

function routerDetails(manager: Manager, id: string): RouterDetails {
  const st = manager.syncStatus().find((s) => s.router === id);
  let sync: RouterDetails['sync'] = null;
  if (st) {
    const { router: _r, ...rest } = statusView(st);
    sync = rest;
  }
  const rp = manager.currentModel().plan.routers.get(id);
  const planned: RouterDetails['planned'] = rp ? { mode: rp.mode, agent: rp.agent ?? null, reach: rp.reach, entities: rp.entities, conditions: rp.conditions } : null;
  return { router: id, sync, planned, audit: manager.scheduler.audit.entries(id).slice(-NODE_AUDIT_ENTRIES) };
}

function errorAnswer(status: number, code: HttpErrorBody['error']['code'], message: string, hint: string): JsonAnswer {
  const body: HttpErrorBody = { error: { code, message, hint } };
  return { status, body };
}
