/**
 * The status of each CR, computed (pure) from what the manager knows: the model issues that name the CR, the sync
 * state of the routers that carry it, the plan's conditions, and (Agents) the uplinks in the link graph.
 *
 * Conditions (metav1.Condition semantics; lastTransitionTime changes only when a condition's status flips):
 *   Ready         True when the CR is in the model and every router carrying it is in sync;
 *                 False InvalidSpec (the model error's message), DependencyInvalid, RouterNotSynced, Terminating.
 *   RouterSynced  (CRs that configure routers) True InSync; False Pending / SyncFailed (router and error named).
 *   Degraded      True with reason Warnings, PlanCondition, UplinkDown or SyncRetrying; False AsExpected.
 */
import type { ModelIssue } from '../model/ecn.js';
import { MODEL_ISSUE_CODES } from '../model/issue-codes.js';
import type { Kind } from '../model/schemas.js';
import type { PlanCondition } from '../plan/types.js';
import type { RouterSyncStatus } from '../sync/scheduler.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface CrStatus {
  observedGeneration?: number;
  conditions: Condition[];
  /** extra per-kind fields (e.g. the ControlPlane's router endpoints, an Agent's uplinks) */
  [field: string]: unknown;
}

export interface UplinkState {
  to: string;
  state: string;
}

export interface StatusInput {
  kind: Kind;
  /** the generation of the CR that went into the current model (undefined: it did not go in, e.g. just created) */
  generation: number | undefined;
  previous?: Partial<CrStatus> | undefined;
  /** the model issues that name this CR */
  issues: readonly ModelIssue[];
  /** false when the model skipped the CR (errors) or it is not in the model yet */
  inModel: boolean;
  /** the routers that carry its configuration, with their sync state (undefined: not planned yet) */
  routers: ReadonlyArray<{ id: string; status: RouterSyncStatus | undefined }>;
  planConditions?: readonly PlanCondition[];
  /** Agents: the state of each uplink in the link graph */
  uplinks?: readonly UplinkState[];
  terminating?: boolean;
  /** extra status fields to set */
  extra?: Record<string, unknown>;
  /** clock time (ms) for new transitions */
  now: number;
}

/** Kinds whose configuration lands on routers (RouterSynced applies). */
const ROUTER_KINDS: ReadonlySet<Kind> = new Set<Kind>(['ControlPlane', 'Agent', 'Application', 'Microservice', 'Route']);

/** Conditions messages stay readable: at most this many characters. */
const MAX_MESSAGE = 1024;

const clip = (s: string): string => (s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s);

export function issueText(i: ModelIssue): string {
  const where = i.path ? `${i.path}: ` : '';
  return `${i.object}: ${where}${i.message}${i.fix ? ` (${i.fix})` : ''}`;
}

function summarize(list: readonly string[]): string {
  if (list.length === 0) return '';
  return clip(list.length === 1 ? list[0]! : `${list[0]!} (and ${list.length - 1} more problem${list.length > 2 ? 's' : ''})`);
}

type Draft = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

function readyOf(inp: StatusInput, errors: readonly ModelIssue[]): Draft {
  if (inp.terminating) return { type: 'Ready', status: 'False', reason: 'Terminating', message: 'being deleted: its router configuration is removed before the object goes' };
  if (errors.length > 0) {
    const own = errors.filter((i) => i.code !== MODEL_ISSUE_CODES.DEPENDENCY_SKIPPED);
    const reason = own.length > 0 ? 'InvalidSpec' : 'DependencyInvalid';
    return { type: 'Ready', status: 'False', reason, message: summarize((own.length > 0 ? own : errors).map(issueText)) };
  }
  if (!inp.inModel) return { type: 'Ready', status: 'Unknown', reason: 'Pending', message: 'not in the model yet' };
  const notSynced = inp.routers.filter((r) => r.status?.state !== 'in-sync');
  if (notSynced.length > 0) {
    return { type: 'Ready', status: 'False', reason: 'RouterNotSynced', message: `waiting for router${notSynced.length > 1 ? 's' : ''} ${notSynced.map((r) => r.id).join(', ')} to be configured` };
  }
  const n = inp.routers.length;
  return { type: 'Ready', status: 'True', reason: 'Ready', message: n === 0 ? 'valid; no router configuration needed' : `configured on ${n === 1 ? 'router' : `${n} routers:`} ${inp.routers.map((r) => r.id).join(', ')}` };
}

function routerSyncedOf(inp: StatusInput): Draft | undefined {
  if (!ROUTER_KINDS.has(inp.kind) || !inp.inModel) return undefined;
  const failed = inp.routers.filter((r) => r.status?.lastError && r.status.state !== 'in-sync');
  if (failed.length > 0) {
    return { type: 'RouterSynced', status: 'False', reason: 'SyncFailed', message: summarize(failed.map((r) => `router ${r.id}: ${r.status!.lastError!.code}: ${r.status!.lastError!.message}`)) };
  }
  const pending = inp.routers.filter((r) => r.status?.state !== 'in-sync');
  if (pending.length > 0) return { type: 'RouterSynced', status: 'False', reason: 'Pending', message: `sync pending on ${pending.map((r) => r.id).join(', ')}` };
  return { type: 'RouterSynced', status: 'True', reason: 'InSync', message: inp.routers.length === 0 ? 'no router configuration' : `in sync: ${inp.routers.map((r) => r.id).join(', ')}` };
}

function degradedOf(inp: StatusInput): Draft {
  const warnings = inp.issues.filter((i) => i.severity === 'warning');
  if (inp.uplinks && inp.inModel) {
    const down = inp.uplinks.filter((u) => u.state === 'down');
    if (down.length > 0) return { type: 'Degraded', status: 'True', reason: 'UplinkDown', message: `uplink to ${down.map((u) => u.to).join(', ')} is down` };
  }
  const retrying = inp.routers.filter((r) => r.status?.state === 'backoff');
  if (retrying.length > 0) return { type: 'Degraded', status: 'True', reason: 'SyncRetrying', message: summarize(retrying.map((r) => `router ${r.id} retries after ${r.status!.consecutiveFailures} failure(s)`)) };
  if (inp.planConditions && inp.planConditions.length > 0) {
    return { type: 'Degraded', status: 'True', reason: 'PlanCondition', message: summarize(inp.planConditions.map((c) => `${c.code}: ${c.message}`)) };
  }
  if (warnings.length > 0) return { type: 'Degraded', status: 'True', reason: 'Warnings', message: summarize(warnings.map(issueText)) };
  return { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' };
}

/** The status to write. Previous transition times are kept for conditions whose status did not change. */
export function computeStatus(inp: StatusInput): CrStatus {
  const errors = inp.issues.filter((i) => i.severity === 'error');
  const drafts = [readyOf(inp, errors), routerSyncedOf(inp), degradedOf(inp)].filter((d): d is Draft => d !== undefined);
  const prev = new Map((inp.previous?.conditions ?? []).map((c) => [c.type, c]));
  const nowIso = new Date(inp.now).toISOString();
  const conditions = drafts.map((d): Condition => {
    const p = prev.get(d.type);
    const lastTransitionTime = p && p.status === d.status && p.lastTransitionTime ? p.lastTransitionTime : nowIso;
    return { ...d, lastTransitionTime, ...(inp.generation !== undefined ? { observedGeneration: inp.generation } : {}) };
  });
  const observedGeneration = inp.generation ?? inp.previous?.observedGeneration;
  const status: CrStatus = { ...(observedGeneration !== undefined ? { observedGeneration } : {}), conditions };
  if (inp.uplinks) status.uplinks = inp.uplinks.map((u) => ({ to: u.to, state: u.state }));
  if (inp.extra) Object.assign(status, inp.extra);
  return status;
}

/** Whether writing `next` would change what `current` says (ignoring key order and transition-time formatting). */
export function statusChanged(current: unknown, next: CrStatus): boolean {
  const cur = (current ?? {}) as Partial<CrStatus>;
  if (cur.observedGeneration !== next.observedGeneration) return true;
  const a = cur.conditions ?? [];
  if (a.length !== next.conditions.length) return true;
  for (const n of next.conditions) {
    const c = a.find((x) => x.type === n.type);
    if (!c || c.status !== n.status || c.reason !== n.reason || (c.message ?? '') !== n.message || c.observedGeneration !== n.observedGeneration) return true;
    if (new Date(c.lastTransitionTime).getTime() !== new Date(n.lastTransitionTime).getTime()) return true;
  }
  for (const [k, v] of Object.entries(next)) {
    if (k === 'conditions' || k === 'observedGeneration') continue;
    if (canonical((cur as Record<string, unknown>)[k]) !== canonical(v)) return true;
  }
  return false;
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : x)) ?? 'undefined';
}

/** For a condition type, the previous status (for Events on transitions). */
export function conditionOf(status: unknown, type: string): Condition | undefined {
  return ((status as Partial<CrStatus> | undefined)?.conditions ?? []).find((c) => c.type === type);
}
