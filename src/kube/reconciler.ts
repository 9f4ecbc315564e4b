/**
 * The Kubernetes side of the manager: the six kinds' CRs are the model source and get a status.
 *
 *   informers (6 kinds, supervised) ─► keys ─► work queue ─► finalizers, status, ControlPlane children
 *            └─► rebuild (debounced) ─► buildFromCrs ─► manager.setModel ─► routers
 *   scheduler synced / sync-failed, observer ─► requeue the statuses of the CRs those routers carry
 *
 * Deleting an Agent or Microservice: the object leaves the model at once (the next rebuild); the finalizer stays
 * until every router that carried it has synced the new plan (a router whose agent was deleted is cleaned by a
 * decommission pass: its links stay, its addresses and tcp bridges go); then the finalizer is removed.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { errorMessage, isEcnError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Manager } from '../manager/manager.js';
import type { Kind } from '../model/schemas.js';
import { touchedRouters } from '../plan/planner.js';
import type { NetworkPlan, RouterPlan } from '../plan/types.js';
import type { RouterSyncStatus } from '../sync/scheduler.js';
import { RouterSyncer } from '../sync/syncer.js';
import { uplinkKey } from '../graph/keys.js';
import { buildFromCrs, footprints, statusFields, type CrFootprint, type CrModel, type CrObject } from './cr-source.js';
import { EventRecorder } from './events.js';
import { addFinalizer, decommissionPlan, hasFinalizer, isTerminating, needsFinalizer, removeFinalizer } from './finalizers.js';
import type { KubeApi } from './kube-api.js';
import { statusOf } from './kube-errors.js';
import { collectionPath, crKey, parseCrKey, PLURALS, WATCHED_KINDS } from './kinds.js';
import { computeStatus, conditionOf, type UplinkState } from './status.js';
import { StatusWriter } from './status-writer.js';
import { SupervisedInformer, type KubeObject, type SupervisedInformerOptions } from './supervised-informer.js';
import { WorkQueue } from './work-queue.js';

/** The ControlPlane's Kubernetes children (src/kube/controlplane.ts), if the reconciler manages them. */
export interface ControlPlaneChildren {
  /** applies the children; resolves with extra status fields (e.g. endpoints) */
  reconcile(cp: KubeObject): Promise<Record<string, unknown>>;
}

export interface ReconcilerOptions {
  api: KubeApi;
  namespace: string;
  manager: Manager;
  clock?: Clock;
  logger?: Logger;
  /** wait this long after a CR change before rebuilding the model (default 100 ms) */
  debounceMs?: number;
  /** informer tuning (stall watchdog, relist interval, backoff) */
  informer?: Partial<Pick<SupervisedInformerOptions<KubeObject>, 'stallTimeoutMs' | 'relistIntervalMs' | 'initialBackoffMs' | 'maxBackoffMs' | 'minWatchMs' | 'timeoutSeconds' | 'random'>>;
  /** keys worked on at once (default 4) */
  concurrency?: number;
  controlPlane?: ControlPlaneChildren;
  /** a decommission pass that keeps failing with the router unreachable gives up after this many tries (default 3) */
  decommissionAttempts?: number;
}

export interface ReconcilerEvents {
  /** the model was rebuilt from the CRs and given to the manager */
  rebuilt: [crModel: CrModel];
  /** a status was written */
  status: [key: string];
  /** a finalizer was removed */
  finalized: [key: string];
}

interface PendingFinalization {
  /**
   * routers that must finish a pass of the new plan: one that started after `since`, or the n-th successful pass
   * from now (n = 2 when a pass of the old plan was in flight at the change, else 1)
   */
  waitFor: Map<string, number>;
  since: number;
  /** routers removed from the plan: decommission pass needed */
  decommission: Set<string>;
  failures: number;
}

export class Reconciler extends EventEmitter<ReconcilerEvents> {
  readonly informers = new Map<Kind, SupervisedInformer<KubeObject>>();
  readonly queue: WorkQueue;
  readonly events: EventRecorder;
  private readonly opts: ReconcilerOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly writer: StatusWriter;
  private crModel: CrModel | undefined;
  private prints = new Map<string, CrFootprint>();
  /** router id → CR keys it carries */
  private routerCrs = new Map<string, Set<string>>();
  private readonly pending = new Map<string, PendingFinalization>();
  private readonly cpExtra = new Map<string, Record<string, unknown>>();
  private rebuildTimer: TimerHandle | undefined;
  private started = false;
  private stopped = false;
  rebuilds = 0;

  constructor(opts: ReconcilerOptions) {
    super();
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'kube' });
    this.writer = new StatusWriter(opts.api);
    this.events = new EventRecorder({ api: opts.api, clock: this.clock, logger: this.log });
    this.queue = new WorkQueue({
      handler: (key) => this.work(key),
      clock: this.clock,
      concurrency: opts.concurrency ?? 4,
      onError: (key, err, n) => this.log.warn({ key, failures: n, err: errorMessage(err) }, 'reconcile failed; retrying'),
    });
    for (const kind of WATCHED_KINDS) {
      const inf = new SupervisedInformer<KubeObject>({
        name: `${PLURALS[kind]}.iofog.org`,
        path: collectionPath(kind, opts.namespace),
        list: () => opts.api.listCustom(kind, opts.namespace),
        watch: opts.api.watch,
        clock: this.clock,
        ...opts.informer,
      });
      const changed = (obj: KubeObject): void => this.onChange(kind, obj);
      inf.on('add', changed);
      inf.on('update', changed);
      inf.on('delete', (obj) => {
        const key = crKey(kind, obj.metadata.namespace ?? opts.namespace, obj.metadata.name);
        this.writer.forget(key);
        this.pending.delete(key);
        for (const k of [...this.decommissionPlans.keys()]) if (k.startsWith(`${key}|`)) this.decommissionPlans.delete(k);
        this.scheduleRebuild();
      });
      inf.on('listed', () => this.scheduleRebuild());
      inf.on('failure', (err, retryInMs) => this.log.warn({ informer: inf.name, retryInMs, err: errorMessage(err) }, 'watch failed; restarting'));
      inf.on('restart', (reason) => { if (reason !== 'closed') this.log.info({ informer: inf.name, reason }, 'informer restarted'); });
      this.informers.set(kind, inf);
    }
  }

  /** Lists every kind (retrying on its own when the API fails), builds the first model, and starts watching. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const m = this.opts.manager;
    m.scheduler.on('synced', this.onRouterEvent);
    m.scheduler.on('sync-failed', this.onRouterEvent);
    m.on('observed', this.onObserved);
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    this.rebuild();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.rebuildTimer?.cancel();
    for (const i of this.informers.values()) i.stop();
    this.queue.stop();
    const m = this.opts.manager;
    m.scheduler.off('synced', this.onRouterEvent);
    m.scheduler.off('sync-failed', this.onRouterEvent);
    m.off('observed', this.onObserved);
    await this.queue.idle();
  }

  /** The model built from the CRs last (undefined before the first rebuild). */
  current(): CrModel | undefined { return this.crModel; }

  /** Every informer has listed once. */
  hasSynced(): boolean { return [...this.informers.values()].every((i) => i.hasSynced()); }

  /** CR keys waiting for their router config to be removed before their finalizer goes. */
  pendingFinalizations(): string[] { return [...this.pending.keys()]; }

  private onChange(kind: Kind, obj: KubeObject): void {
    this.queue.add(crKey(kind, obj.metadata.namespace ?? this.opts.namespace, obj.metadata.name));
    this.scheduleRebuild();
  }

  private scheduleRebuild(): void {
    if (this.stopped || !this.started) return;
    if (this.rebuildTimer) return;
    this.rebuildTimer = this.clock.setTimeout(() => {
      this.rebuildTimer = undefined;
      this.rebuild();
    }, this.opts.debounceMs ?? 100);
  }

  private allCrs(): CrObject[] {
    const out: CrObject[] = [];
    for (const [kind, inf] of this.informers) for (const obj of inf.list()) out.push({ kind, obj });
    return out;
  }

  /** Rebuilds the model from the informers' caches and hands it to the manager. */
  rebuild(): void {
    if (this.stopped) return;
    this.rebuildTimer?.cancel();
    this.rebuildTimer = undefined;
    // a model from some kinds only would drop everything that depends on the missing ones (and their router config):
    // wait until every kind has been listed once (a later list failure keeps the last cache, never empties it)
    if (!this.hasSynced()) return;
    const m = this.opts.manager;
    const before = m.currentModel();
    const crs = this.allCrs();
    const next = buildFromCrs(crs, { previous: before.model.publicPorts });
    const since = this.clock.now();
    const syncingBefore = new Set(m.syncStatus().filter((s) => s.state === 'syncing').map((s) => s.router));
    m.setModel(next.model, next.issues);
    const plan = m.currentModel().plan;
    this.crModel = next;
    const oldPrints = this.prints;
    this.prints = footprints(next.model, plan);
    this.routerCrs = new Map();
    for (const [key, f] of this.prints) {
      for (const r of f.routers) {
        let s = this.routerCrs.get(r);
        if (!s) { s = new Set(); this.routerCrs.set(r, s); }
        s.add(key);
      }
    }
    this.syncCache = undefined;
    this.trackDeletions(crs, oldPrints, before.plan, plan, since, syncingBefore);
    this.rebuilds++;
    for (const c of crs) this.queue.add(crKey(c.kind, c.obj.metadata.namespace ?? this.opts.namespace, c.obj.metadata.name));
    this.emit('rebuilt', next);
  }

  /** For terminating CRs with our finalizer, what must happen before the finalizer can go. */
  private trackDeletions(crs: CrObject[], oldPrints: Map<string, CrFootprint>, oldPlan: NetworkPlan, plan: NetworkPlan, since: number, syncingBefore: Set<string>): void {
    const touched = touchedRouters(oldPlan, plan);
    for (const { kind, obj } of crs) {
      if (!isTerminating(obj) || !hasFinalizer(obj)) continue;
      const key = crKey(kind, obj.metadata.namespace ?? this.opts.namespace, obj.metadata.name);
      const p = this.pending.get(key) ?? { waitFor: new Map<string, number>(), since, decommission: new Set<string>(), failures: 0 };
      const was = oldPrints.get(key);
      // the first rebuild after the deletion knows what the object had; later rebuilds only re-check the routers
      for (const r of was?.routers ?? []) {
        if (!plan.routers.has(r)) {
          const old = oldPlan.routers.get(r);
          if (old) p.decommission.add(r);
        } else if (touched.has(r)) {
          p.waitFor.set(r, syncingBefore.has(r) ? 2 : 1);
          p.since = since;
        }
      }
      this.pending.set(key, p);
      for (const r of p.decommission) {
        const old = oldPlan.routers.get(r);
        if (old && !this.decommissionPlans.has(`${key}|${r}`)) this.decommissionPlans.set(`${key}|${r}`, old);
      }
    }
  }

  /** router plans kept for decommission passes, by `${crKey}|${router}` */
  private readonly decommissionPlans = new Map<string, RouterPlan>();

  /** the routers' sync status by id, taken once per change (a router's status changes with its scheduler events) */
  private syncCache: Map<string, RouterSyncStatus> | undefined;

  private syncIndex(): Map<string, RouterSyncStatus> {
    this.syncCache ??= new Map(this.opts.manager.syncStatus().map((s) => [s.router, s]));
    return this.syncCache;
  }

  private readonly onRouterEvent = (ev: RouterSyncStatus): void => {
    this.syncCache = undefined;
    // a replica of the interior: what counts is the interior's status, made of all its replicas'
    const interior = this.opts.manager.interiorOf(ev.router);
    const s = interior === undefined ? ev : this.syncIndex().get(interior);
    if (!s) return;
    for (const key of this.routerCrs.get(s.router) ?? []) this.queue.add(key);
    for (const [key, p] of this.pending) {
      const n = p.waitFor.get(s.router);
      if (n === undefined || !s.lastResult?.ok) continue;
      if (n <= 1 || s.lastResult.startedAt > p.since) p.waitFor.delete(s.router);
      else p.waitFor.set(s.router, n - 1);
      this.queue.add(key);
    }
  };

  private readonly onObserved = (): void => {
    const agents = this.informers.get('Agent');
    for (const obj of agents?.list() ?? []) this.queue.add(crKey('Agent', obj.metadata.namespace ?? this.opts.namespace, obj.metadata.name));
  };

  private async work(key: string): Promise<void> {
    if (this.stopped) return;
    const { kind, namespace, name } = parseCrKey(key);
    const obj = this.informers.get(kind)?.get(namespace, name);
    if (!obj) return;
    if (isTerminating(obj)) {
      await this.finalize(key, kind, obj);
      return;
    }
    if (needsFinalizer(kind, obj)) {
      await this.tolerateConflict(() => addFinalizer(this.opts.api, kind, obj));
      return; // the update event brings the object back with the finalizer
    }
    if (kind === 'ControlPlane' && this.opts.controlPlane && this.crModel?.generations.has(key)) {
      try {
        this.cpExtra.set(key, await this.opts.controlPlane.reconcile(obj));
      } catch (err) {
        await this.events.record(kind, obj, 'Warning', 'ApplyFailed', errorMessage(err));
        throw err;
      }
    }
    // a CR the current model was not built from (new, or edited since): the rebuild it triggered requeues it
    if (this.crModel?.generations.get(key) !== obj.metadata.generation || !this.crModel?.generations.has(key)) return;
    await this.writeStatus(key, kind, obj);
  }

  private async writeStatus(key: string, kind: Kind, obj: KubeObject, terminating = false): Promise<void> {
    const cm = this.crModel;
    if (!cm) return;
    const print = this.prints.get(key);
    const byId = this.syncIndex();
    const previous = this.writer.current(key, obj) as Parameters<typeof computeStatus>[0]['previous'];
    const next = computeStatus({
      kind,
      generation: terminating ? obj.metadata.generation : cm.generations.get(key),
      previous,
      issues: terminating ? [] : cm.byCr.get(key) ?? [],
      inModel: print !== undefined,
      routers: [...(print?.routers ?? [])].sort().map((id) => ({ id, status: byId.get(id) })),
      planConditions: print?.conditions ?? [],
      ...(kind === 'Agent' && print ? { uplinks: this.uplinksOf(obj.metadata.name) } : {}),
      terminating,
      extra: terminating ? {} : { ...statusFields(key, cm.model), ...this.cpExtra.get(key) },
      now: this.clock.now(),
    });
    const before = conditionOf(previous, 'Ready');
    const ready = conditionOf(next, 'Ready');
    const wrote = await this.tolerateConflict(() => this.writer.write(key, kind, obj, next));
    if (wrote && ready && ready.status === 'False' && (ready.reason === 'InvalidSpec' || ready.reason === 'DependencyInvalid') && (before?.reason !== ready.reason || before?.message !== ready.message)) {
      await this.events.record(kind, obj, 'Warning', ready.reason, ready.message);
    }
    const synced = conditionOf(next, 'RouterSynced');
    const syncedBefore = conditionOf(previous, 'RouterSynced');
    if (wrote && synced?.reason === 'SyncFailed' && syncedBefore?.message !== synced.message) {
      await this.events.record(kind, obj, 'Warning', 'SyncFailed', synced.message);
    }
    if (wrote) this.emit('status', key);
  }

  /** the uplinks of every agent router, indexed once per graph version (not one graph scan per Agent) */
  private uplinkIndex: { seq: number; byAgent: Map<string, UplinkState[]> } | undefined;

  private uplinksOf(agent: string): UplinkState[] {
    const lg = this.opts.manager.graph;
    if (!this.uplinkIndex || this.uplinkIndex.seq !== lg.seq) {
      const byAgent = new Map<string, UplinkState[]>();
      const prefix = uplinkKey('', '').slice(0, uplinkKey('', '').indexOf('->'));
      lg.graph.forEachEdge((k, a) => {
        if (a.kind !== 'uplink' || !k.startsWith(prefix)) return;
        const arrow = k.indexOf('->', prefix.length);
        if (arrow < 0) return;
        const from = k.slice(prefix.length, arrow);
        const list = byAgent.get(from) ?? [];
        list.push({ to: k.slice(arrow + 2), state: a.state });
        byAgent.set(from, list);
      });
      for (const list of byAgent.values()) list.sort((x, y) => (x.to < y.to ? -1 : 1));
      this.uplinkIndex = { seq: lg.seq, byAgent };
    }
    return this.uplinkIndex.byAgent.get(agent) ?? [];
  }

  private async finalize(key: string, kind: Kind, obj: KubeObject): Promise<void> {
    if (!hasFinalizer(obj)) return;
    const p = this.pending.get(key);
    if (!p) {
      // not seen by a rebuild yet (the rebuild after the deletion event tracks it and requeues)
      this.scheduleRebuild();
      return;
    }
    await this.writeStatus(key, kind, obj, true).catch((err: unknown) => this.log.debug({ key, err: errorMessage(err) }, 'terminating status not written'));
    for (const router of [...p.decommission]) {
      const plan = this.decommissionPlans.get(`${key}|${router}`);
      if (!plan) { p.decommission.delete(router); continue; }
      const syncer = new RouterSyncer(router, { client: this.opts.manager.client, plan: () => decommissionPlan(plan), clock: this.clock, probeUptime: false });
      const res = await syncer.sync('change');
      if (res.ok) {
        p.decommission.delete(router);
        this.decommissionPlans.delete(`${key}|${router}`);
        this.log.info({ key, router, deletes: res.deletes }, 'router config of a deleted object removed');
        continue;
      }
      p.failures++;
      const unreachable = res.error && (isEcnError(res.error, 'ECN_MGMT_UNREACHABLE') || isEcnError(res.error, 'ECN_MGMT_TIMEOUT'));
      if (unreachable && p.failures >= (this.opts.decommissionAttempts ?? 3)) {
        await this.events.record(kind, obj, 'Warning', 'RouterUnreachable', `router ${router} is unreachable (${res.error!.message}); its config could not be removed, the finalizer is removed anyway`);
        p.decommission.delete(router);
        this.decommissionPlans.delete(`${key}|${router}`);
        continue;
      }
      throw res.error ?? new Error(`decommission of router ${router} failed`);
    }
    // routers still in the plan: wait for a pass of the new plan (re-checked now in case the event came first)
    const byId = this.syncIndex();
    for (const r of [...p.waitFor.keys()]) {
      const s = byId.get(r);
      if (!s) p.waitFor.delete(r); // left the plan meanwhile
      else if (s.lastResult?.ok && s.lastResult.startedAt > p.since) p.waitFor.delete(r);
    }
    if (p.waitFor.size > 0) return; // requeued by the routers' synced events
    await this.tolerateConflict(() => removeFinalizer(this.opts.api, kind, obj));
    this.pending.delete(key);
    this.emit('finalized', key);
  }

  /** A 409 (someone changed the object meanwhile) or 404 (it is gone) is not a failure: the informer brings news. */
  private async tolerateConflict<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      const s = statusOf(err);
      if (s === 409 || s === 404) return undefined;
      throw err;
    }
  }
}
