/**
 * One router's level-triggered sync pass: QUERY what it has of the owned types, diff against its plan, apply the
 * operations in order. Requests within a pass are sequential (the Python agent serialises them anyway, §6.5).
 *
 * Error policy: a transport failure (unreachable, timeout, disconnected) or a 5xx stops the pass, since later
 * requests would fail the same way; a 4xx on one write is recorded and the pass goes on, skipping later operations
 * on the same name (a failed DELETE of a replace must not be followed by a CREATE that would collide).
 */
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { EcnError, errorMessage } from '../errors.js';
import { diffRouter, isOwnedName, routerHasType } from '../plan/diff.js';
import {
  TYPE_ORDER,
  type DesiredEntity,
  type ManagedType,
  type ObservedEntity,
  type PlanOp,
  type RouterCapabilities,
  type RouterPlan,
  type RouterReach,
  replicaTargetAddress,
} from '../plan/types.js';
import { isManagementError, type CallOptions, type ManagementOps, type TargetSpec } from '../router/index.js';
import type { Flavor } from '../router/protocol.js';
import { learnCapabilities } from './capabilities.js';
import { AuditLog, SyncCounters, type AuditEntry, type WriteReason } from './audit.js';
import { RestartDetector, uptimeType, type RestartSignal } from './restart-detector.js';

/** What the syncer needs of the management client: a target per router, and the connection's flavor. */
export interface SyncClient {
  target(spec: TargetSpec): ManagementOps;
  readonly flavor?: Flavor | undefined;
}

export interface RouterSyncerOptions {
  client: SyncClient;
  /**
   * what other routers of the network were learnt to be able to do: used instead of asking this router (a network runs
   * one router generation; one GET-OPERATIONS per router costs the routers a large reply each). A router that then
   * refuses a type learns its own capabilities on the next pass.
   */
  sharedCapabilities?: { get(): RouterCapabilities | undefined; set(caps: RouterCapabilities): void };
  /** the router's current plan (read at the start of every pass) */
  plan: () => RouterPlan | undefined;
  clock?: Clock;
  audit?: AuditLog;
  counters?: SyncCounters;
  /** called for every write, after its audit entry is recorded */
  onWrite?: (e: AuditEntry) => void;
  /** per-request reply timeout (default: the client's) */
  timeoutMs?: number;
  /** probe `uptimeSeconds` each pass to detect restarts (default true; costs one QUERY) */
  probeUptime?: boolean;
}

export interface SyncResult {
  router: string;
  /** the reason the writes were recorded with ('restart' when this pass detected one) */
  reason: WriteReason;
  ok: boolean;
  /** what stopped the pass or the first failed write */
  error?: EcnError;
  queries: number;
  creates: number;
  updates: number;
  deletes: number;
  /** failed (or skipped) writes */
  errors: number;
  restart?: RestartSignal;
  /** the operations the diff asked for */
  planned: number;
  /** 'delta': a model change applied against the last confirmed state, without reading the router */
  mode: 'full' | 'delta';
  /** on success: the entities the router now has (the plan this pass converged it to) */
  converged?: DesiredEntity[];
  startedAt: number;
  finishedAt: number;
}

/**
 * The entities the manager owns on a router, of the given types: one QUERY per type, all sent at once (one round trip,
 * not one per type), unowned rows dropped; in the order of `types`.
 */
export async function readOwnedEntities(target: ManagementOps, types: readonly ManagedType[], opts?: CallOptions): Promise<ObservedEntity[]> {
  const observed: ObservedEntity[] = [];
  const tables = await Promise.all(types.map((type) => target.query(type, [], opts)));
  for (let i = 0; i < types.length; i++) {
    const type = types[i]!;
    for (const row of tables[i]!) {
      if (!isOwnedName(row.name)) continue;
      observed.push({ type, name: row.name, identity: typeof row.identity === 'string' ? row.identity : undefined, attributes: row });
    }
  }
  return observed;
}

/** A promise's outcome, never a rejection (Promise.allSettled for one promise). */
function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  return p.then((value) => ({ status: 'fulfilled', value }), (reason: unknown) => ({ status: 'rejected', reason }));
}

/** What depends on what on a router: an sslProfile before what uses it, tcp bridges last (src/plan/diff.ts orders). */
const LEVEL: Record<ManagedType, number> = { sslProfile: 0, listener: 1, connector: 1, 'router.config.address': 1, tcpConnector: 2, tcpListener: 2 };

/**
 * Splits ordered operations into batches that may run at the same time: consecutive operations of one phase (DELETE,
 * or CREATE/UPDATE) and one dependency level, on distinct names. The order between batches is the plan's.
 */
export function opBatches(ops: readonly PlanOp[]): PlanOp[][] {
  const batches: PlanOp[][] = [];
  let current: PlanOp[] = [];
  let key = '';
  const names = new Set<string>();
  for (const op of ops) {
    const k = `${op.op === 'DELETE' ? 'd' : 'w'}${LEVEL[op.type] ?? op.type}`;
    if (current.length > 0 && (k !== key || names.has(op.name))) {
      batches.push(current);
      current = [];
      names.clear();
    }
    key = k;
    current.push(op);
    names.add(op.name);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function targetSpecOf(reach: RouterReach): TargetSpec {
  if (reach.kind === 'local') return 'local';
  if (reach.kind === 'interior') return { router: reach.id };
  if (reach.kind === 'replica') return { address: replicaTargetAddress(reach.key) };
  return { edge: reach.id };
}

/** A failure that says nothing about the next request to the same router is a per-op error; the rest stop a pass. */
export function isOpLevelError(err: unknown): boolean {
  if (!isManagementError(err)) return false;
  if (err.code === 'ECN_MGMT_UNKNOWN_TYPE' || err.code === 'ECN_MGMT_BAD_REQUEST') return true;
  return err.code === 'ECN_MGMT_STATUS' && err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500;
}

function asEcnError(err: unknown): EcnError {
  return err instanceof EcnError ? err : new EcnError('ECN_MGMT_BAD_RESPONSE', errorMessage(err), { cause: err });
}

function describeError(err: EcnError): string {
  const status = isManagementError(err) && err.statusCode !== undefined ? ` ${err.statusCode}` : '';
  return `${err.code}${status}: ${err.message}`;
}

export class RouterSyncer {
  readonly routerId: string;
  private readonly opts: RouterSyncerOptions;
  private readonly clock: Clock;
  readonly audit: AuditLog;
  readonly counters: SyncCounters;
  private readonly detector = new RestartDetector();
  private caps: RouterCapabilities | undefined;
  /** owned types seen or written on this router since the capabilities were learnt ("possibly owned") */
  private readonly touchedTypes = new Set<ManagedType>();
  /** false until one pass has queried every owned type (after connect we do not know what earlier runs left) */
  private fullyQueried = false;
  private probe: boolean;
  private running = false;

  constructor(routerId: string, opts: RouterSyncerOptions) {
    this.routerId = routerId;
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.audit = opts.audit ?? new AuditLog();
    this.counters = opts.counters ?? new SyncCounters();
    this.probe = opts.probeUptime ?? true;
  }

  get capabilities(): RouterCapabilities | undefined { return this.caps; }

  /** false once this router refused a type the shared capabilities promised */
  private trustShared = true;

  /** Forget what was learnt about the router (call on reconnect: it may now be another version). */
  resetCapabilities(): void {
    this.caps = undefined;
    this.fullyQueried = false;
    this.touchedTypes.clear();
    this.probe = this.opts.probeUptime ?? true;
  }

  /**
   * One pass. With `from` (the entities the router was confirmed to have after its last good pass) and known
   * capabilities, a model change is applied as the difference between `from` and the plan, without reading the router
   * first: one write per changed entity instead of a QUERY of every owned type (which costs the router O(entities)).
   * Drift since then is the periodic full pass's job; any failure makes the scheduler fall back to a full pass.
   */
  async sync(reason: WriteReason, opts: { from?: readonly DesiredEntity[] } = {}): Promise<SyncResult> {
    if (this.running) throw new EcnError('ECN_CONFIG', `router ${this.routerId}: a sync pass is already running`, { hint: 'the scheduler serialises passes per router' });
    this.running = true;
    const r: SyncResult = {
      router: this.routerId, reason, ok: true, queries: 0, creates: 0, updates: 0, deletes: 0, errors: 0, planned: 0,
      mode: opts.from && this.caps ? 'delta' : 'full', startedAt: this.clock.now(), finishedAt: 0,
    };
    try {
      await this.pass(r, r.mode === 'delta' ? opts.from : undefined);
    } catch (err) {
      r.ok = false;
      r.error ??= asEcnError(err);
      if (r.error.code === 'ECN_MGMT_UNKNOWN_TYPE') {
        // this router is not of the network's generation: learn its own capabilities next time
        this.caps = undefined;
        this.trustShared = false;
      }
    } finally {
      this.running = false;
      r.finishedAt = this.clock.now();
      if (r.ok) this.counters.passesOk++;
      else this.counters.passesFailed++;
    }
    return r;
  }

  private call(): { timeoutMs: number } | undefined {
    return this.opts.timeoutMs === undefined ? undefined : { timeoutMs: this.opts.timeoutMs };
  }

  private async pass(r: SyncResult, from?: readonly DesiredEntity[]): Promise<void> {
    const plan = this.opts.plan();
    if (!plan) return; // not (or no longer) planned: nothing to converge to, and never delete blindly
    const target = this.opts.client.target(targetSpecOf(plan.reach));
    if (from && this.caps) {
      const confirmed: ObservedEntity[] = from.map((e) => ({ type: e.type, name: e.name, attributes: e.attributes }));
      await this.applyOps(r, target, plan, this.caps, diffRouter(plan.entities, confirmed, this.caps), confirmed.length);
      return;
    }

    if (!this.caps) {
      const shared = this.trustShared ? this.opts.sharedCapabilities?.get() : undefined;
      if (shared) this.caps = shared;
      else {
        this.caps = await learnCapabilities(target, this.opts.client.flavor, this.call());
        this.opts.sharedCapabilities?.set(this.caps);
      }
    }
    const caps = this.caps;

    let uptimeSeconds: number | undefined;
    if (this.probe) {
      r.queries++;
      this.counters.queries++;
      try {
        const rows = await target.query(uptimeType(caps.flavor), ['uptimeSeconds'], this.call());
        const v = Number(rows[0]?.uptimeSeconds);
        if (Number.isFinite(v)) uptimeSeconds = v;
      } catch (err) {
        if (!isOpLevelError(err)) throw err;
        this.probe = false; // this router has no such counter: rely on the vanished signal
      }
    }

    const types = this.typesToQuery(plan, caps);
    r.queries += types.length;
    this.counters.queries += types.length;
    const observed = await readOwnedEntities(target, types, this.call());
    for (const e of observed) this.touchedTypes.add(e.type);
    if (types.length === TYPE_ORDER.filter((t) => routerHasType(t, caps)).length) this.fullyQueried = true;

    const signal = this.detector.observe({ uptimeSeconds, ownedNow: observed.length });
    if (signal) {
      r.restart = signal;
      r.reason = 'restart';
      this.counters.restartsDetected++;
    }

    await this.applyOps(r, target, plan, caps, diffRouter(plan.entities, observed, caps), observed.length);
  }

  /**
   * Applies a pass's operations in dependency order; on success records what the router now has. Operations of one
   * dependency level and phase (deletes, then writes) are independent and go out together (opBatches): a pass costs
   * a round trip per level instead of one per operation. Results are recorded in plan order.
   */
  private async applyOps(r: SyncResult, target: ManagementOps, plan: RouterPlan, caps: RouterCapabilities, ops: PlanOp[], ownedBefore: number): Promise<void> {
    r.planned = ops.length;
    let owned = ownedBefore;
    const failedNames = new Set<string>();
    for (const batch of opBatches(ops)) {
      // undefined: skipped, an operation of an earlier batch on the same name failed
      const settled = await Promise.all(batch.map((op) => (failedNames.has(op.name) ? undefined : settle(this.apply(target, op)))));
      let fatal: EcnError | undefined;
      for (const [i, op] of batch.entries()) {
        const outcome = settled[i];
        if (outcome === undefined) {
          this.record(op, r.reason, 'skipped', 'an earlier operation on this name failed');
          r.errors++;
          continue;
        }
        if (outcome.status === 'rejected') {
          const err: unknown = outcome.reason;
          const e = asEcnError(err);
          this.record(op, r.reason, 'error', describeError(e));
          r.errors++;
          r.ok = false;
          r.error ??= e;
          if (op.op === 'UPDATE' && isManagementError(err) && err.statusCode === 501) {
            // the router cannot UPDATE this type after all: the next pass replaces instead
            const updatable = new Set((this.caps ?? caps).updatable);
            updatable.delete(op.type);
            this.caps = { ...(this.caps ?? caps), updatable };
          } else if (!isOpLevelError(err)) fatal ??= e;
          failedNames.add(op.name);
          continue;
        }
        this.record(op, r.reason, 'ok');
        this.touchedTypes.add(op.type);
        if (op.op === 'CREATE') { r.creates++; owned++; }
        else if (op.op === 'DELETE') { r.deletes++; owned--; }
        else r.updates++;
      }
      if (fatal) throw fatal;
    }
    this.detector.settled(owned);
    if (r.ok && r.errors === 0) r.converged = plan.entities;
  }

  /** Owned types present in the plan or possibly owned; every type the router has on the first pass after connect. */
  private typesToQuery(plan: RouterPlan, caps: RouterCapabilities): ManagedType[] {
    const wanted = new Set<ManagedType>(this.touchedTypes);
    for (const e of plan.entities) wanted.add(e.type);
    return TYPE_ORDER.filter((t) => routerHasType(t, caps) && (!this.fullyQueried || wanted.has(t)));
  }

  private async apply(target: ManagementOps, op: PlanOp): Promise<void> {
    const call = this.call();
    switch (op.op) {
      case 'CREATE': await target.create(op.type, op.name, op.attributes ?? {}, call); return;
      case 'UPDATE': await target.update(op.type, op.name, op.attributes ?? {}, call); return;
      case 'DELETE': await target.delete(op.type, op.name, call); return;
    }
  }

  private record(op: PlanOp, reason: WriteReason, result: AuditEntry['result'], error?: string): void {
    const e: AuditEntry = {
      time: this.clock.now(), router: this.routerId, op: op.op, type: op.type, name: op.name, reason,
      detail: op.detail ? `${op.reason}: ${op.detail}` : op.reason, result,
      ...(error === undefined ? {} : { error }),
    };
    this.audit.add(e);
    this.counters.write(op.op, op.type, result, reason);
    this.opts.onWrite?.(e);
  }
}
