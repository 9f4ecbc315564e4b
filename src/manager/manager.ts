/**
 * The manager: one connection to the control plane's interior router, and through it every router of the ECN; when
 * the interior runs as several replicas (Kubernetes tells which: setReplicas), one more connection per replica, and
 * the interior's plan is applied to every replica (src/manager/interior-replicas.ts).
 * It turns a model into a plan (pure), keeps every router converged to its part of the plan (the sync scheduler),
 * observes what is really there on an interval (the observer) and keeps the link graph (desired ⊕ observed).
 *
 *   setModel(model) ─► planNetwork ─► scheduler.setPlan(plan, touched) ─► per-router syncers ─► routers
 *                                        └► graph.update ◄── observeNetwork (every observeIntervalMs)
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { EcnModel, ModelIssue } from '../model/ecn.js';
import { emptyModel } from '../model/ecn.js';
import type { NetworkPlan } from '../plan/types.js';
import { replanNetwork } from '../plan/replan.js';
import { ManagementClient, type SaslOptions, type TlsOptions } from '../router/index.js';
import type { Flavor } from '../router/protocol.js';
import { SyncScheduler, type RouterSyncStatus } from '../sync/index.js';
import { observeNetwork, type ObservedNetwork } from '../observe/index.js';
import { LinkGraph } from '../graph/index.js';
import { InteriorReplicas, replicaPlanId, replicaPlans, type ManagerReplicaStatus, type ReplicaEndpoint } from './interior-replicas.js';
import { aggregateStatus } from './replica-status.js';

export type { ManagerReplicaStatus } from './interior-replicas.js';

/** how long the graph waits for more model changes before following them (the observer refreshes it anyway) */
const GRAPH_DEBOUNCE_MS = 250;

export interface ManagerOptions {
  /** amqp://host:port of the control plane's interior router */
  router: string;
  flavor?: Flavor;
  tls?: TlsOptions;
  sasl?: SaslOptions;
  clock?: Clock;
  logger?: Logger;
  /** periodic resync of every router (default 30 s) */
  syncIntervalMs?: number;
  /** observation pass interval (default 2 s; 0: never observe on its own, only on observeNow()) */
  observeIntervalMs?: number;
  /** syncs in flight across routers (default 32) */
  concurrency?: number;
  /** management request timeout (default 5 s) */
  timeoutMs?: number;
}

export interface ManagerEvents {
  'model': [issues: ModelIssue[]];
  /** the interior router's replicas changed (or one's router id was read) */
  'replicas': [replicas: ManagerReplicaStatus[]];
  'observed': [observed: ObservedNetwork];
  'error': [err: Error];
}

export class Manager extends EventEmitter<ManagerEvents> {
  readonly client: ManagementClient;
  /** a connection per replica of the interior (none unless setReplicas gives two or more) */
  readonly replicas: InteriorReplicas;
  readonly scheduler: SyncScheduler;
  readonly graph = new LinkGraph();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly observeIntervalMs: number;
  private model: EcnModel = emptyModel();
  private issues: ModelIssue[] = [];
  private plan: NetworkPlan = { routers: new Map() };
  /** the plan the scheduler runs: `plan` with the interior's plan copied to each replica */
  private runPlan: NetworkPlan = { routers: new Map() };
  private observed: ObservedNetwork | undefined;
  private observeTimer: TimerHandle | undefined;
  private observing: Promise<void> | undefined;
  private stopped = false;
  private tcpBridges = true;
  private graphUpdate: TimerHandle | undefined;
  /** the flavor and tcp-bridge facts the current plan was made under (undefined: no plan yet) */
  private plannedWith: string | undefined;

  constructor(opts: ManagerOptions) {
    super();
    this.clock = opts.clock ?? systemClock;
    this.log = (opts.logger ?? silentLogger).child({ component: 'manager' });
    this.observeIntervalMs = opts.observeIntervalMs ?? 2000;
    const clientFor = (url: string): ManagementClient => new ManagementClient({
      url,
      ...(opts.flavor ? { flavor: opts.flavor } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.sasl ? { sasl: opts.sasl } : {}),
      clock: this.clock,
      logger: opts.logger ?? silentLogger,
      timeoutMs: opts.timeoutMs ?? 5000,
      retryInitialConnect: true,
      window: 256,
    });
    this.client = clientFor(opts.router);
    this.replicas = new InteriorReplicas({ primary: this.client, makeClient: clientFor, logger: opts.logger ?? silentLogger, timeoutMs: opts.timeoutMs ?? 5000 });
    this.replicas.on('changed', () => this.replicasChanged());
    this.replicas.on('replica-connected', (key, reconnected) => {
      const id = this.replicaPlanId(key);
      if (id === undefined) return;
      // (a first connection: the plan's first pass is already owed; a reconnect: the replica may have restarted)
      if (reconnected) this.scheduler.syncer(id)?.resetCapabilities();
      this.scheduler.trigger(id, 'connect');
    });
    this.scheduler = new SyncScheduler({
      // replica targets go to the replica's own connection, everything else through the primary one
      client: this.replicas,
      clock: this.clock,
      ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
      ...(opts.syncIntervalMs ? { intervalMs: opts.syncIntervalMs } : {}),
      timeoutMs: opts.timeoutMs ?? 5000,
      // restarts are detected from the observer's passes (instance and uptime changes) and from owned entities
      // vanishing; an uptime probe in every sync pass would cost one more query per router per pass
      probeUptime: false,
      shareCapabilities: true,
    });
    this.scheduler.on('write', (e) => this.log.info(e, 'router write'));
    this.scheduler.on('sync-failed', (s, err) => this.log.warn({ router: s.router, code: err.code, err: err.message }, 'sync failed'));
    // (the scheduler itself resyncs every router when the client reconnects)
    this.client.on('connected', (e) => this.log.info({ router: e.router, flavor: e.flavor, reconnected: e.reconnected }, 'connected to the interior router'));
    this.client.on('disconnected', (e) => this.log.warn({ err: errorMessage(e.error) }, 'lost the interior router'));
  }

  /** Connects (retrying until the router answers), learns what the routers can do, and starts syncing and observing. */
  async start(): Promise<void> {
    await this.client.connect();
    this.tcpBridges = await this.detectTcpBridges();
    this.replan();
    this.scheduler.start();
    if (this.observeIntervalMs > 0) this.scheduleObserve(0);
  }

  /** Installs a new model: only the routers whose desired entities change are resynced. */
  setModel(model: EcnModel, issues: ModelIssue[] = []): void {
    const previous = this.model;
    this.model = model;
    this.issues = issues;
    this.replan(previous);
    this.emit('model', issues);
  }

  currentModel(): { model: EcnModel; issues: ModelIssue[]; plan: NetworkPlan } {
    return { model: this.model, issues: this.issues, plan: this.plan };
  }

  lastObserved(): ObservedNetwork | undefined { return this.observed; }

  /** stop() was called (the health endpoint reports it) */
  get isStopped(): boolean { return this.stopped; }

  /**
   * Every planned router's sync status. With replicas, each replica's plan is listed (`<interiorId>@<key>`), and the
   * interior itself too, as the aggregate of its replicas (the ControlPlane's status and finalizers follow it).
   */
  syncStatus(): RouterSyncStatus[] {
    const all = this.scheduler.status();
    const local = this.localRouterId();
    if (local === undefined || !this.replicas.active || this.runPlan.routers.has(local)) return all;
    const prefix = `${local}@`;
    const agg = aggregateStatus(local, all.filter((s) => s.router.startsWith(prefix)));
    if (!agg) return all;
    return [...all, agg].sort((a, b) => (a.router < b.router ? -1 : a.router > b.router ? 1 : 0));
  }

  /** The interior router's replicas, each with its connection state, router id and plan key ([] without replicas). */
  replicaStatus(): ManagerReplicaStatus[] {
    const local = this.localRouterId() ?? '';
    return this.replicas.active ? this.replicas.status().map((r) => ({ ...r, plan: replicaPlanId(local, r.key) })) : [];
  }

  /**
   * The ready replicas of the control plane's interior (src/kube/router-replicas.ts), or undefined when there is no
   * such discovery. With two or more, each gets a connection and a copy of the interior's plan; with fewer, the
   * primary connection is all there is. Replicas gone are dropped and their connections closed.
   */
  setReplicas(endpoints: readonly ReplicaEndpoint[] | undefined): void {
    if (this.stopped) return;
    this.replicas.setEndpoints(endpoints);
  }

  /** The scheduler's router id for a sync status or restart signal about a replica's router plan. */
  interiorOf(routerId: string): string | undefined {
    const local = this.localRouterId();
    return local !== undefined && routerId.startsWith(`${local}@`) ? local : undefined;
  }

  /** Runs one observation pass now (also the periodic one) and updates the graph. */
  async observeNow(): Promise<ObservedNetwork | undefined> {
    if (this.observing) await this.observing;
    const pass = (async () => {
      try {
        const local = this.localRouterId();
        const byRouterId = new Map([...this.replicas.routerIds()].map(([id, key]) => [id, replicaPlanId(local ?? '', key)] as const));
        const observed = await observeNetwork(this.replicas, this.runPlan, {
          previous: this.observed, clock: this.clock, ...(this.client.flavor ? { flavor: this.client.flavor } : {}),
          ...(this.replicas.active && local !== undefined ? { replicas: { interiorId: local, byRouterId } } : {}),
        });
        this.observed = observed;
        for (const r of observed.restarts) this.scheduler.trigger(r.routerId, 'restart');
        this.graph.update({ model: this.model, plan: this.runPlan, observed });
        this.emit('observed', observed);
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'observation failed');
      }
    })();
    this.observing = pass;
    await pass;
    this.observing = undefined;
    return this.observed;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.observeTimer?.cancel();
    this.graphUpdate?.cancel();
    this.graphUpdate = undefined;
    if (this.observing) await this.observing;
    await this.scheduler.stop();
    await this.replicas.close();
    await this.client.close();
  }

  /**
   * Re-plans after a model change: only the routers the change concerns when the previous plan was made from the
   * previous model under the same conditions (src/plan/replan.ts), the whole network otherwise.
   */
  private replan(previousModel?: EcnModel): void {
    const flavor = this.client.flavor ?? 'qdrouterd';
    const opts = { flavorOf: () => flavor, tcpBridges: () => this.tcpBridges };
    const incremental = previousModel !== undefined && this.plannedWith === this.planConditions();
    const { plan, touched } = replanNetwork(incremental ? { model: previousModel, plan: this.plan } : undefined, this.model, opts);
    if (!incremental) for (const id of this.plan.routers.keys()) if (!plan.routers.has(id)) touched.add(id);
    this.plan = plan;
    const run = replicaPlans(plan, this.localRouterId(), this.replicas.active ? this.replicas.keys() : []);
    // a change of the interior's plan is a change of every replica's
    if (run.local && run.plan !== plan && touched.has(run.local.routerId)) {
      for (const key of this.replicas.keys()) touched.add(replicaPlanId(run.local.routerId, key));
    }
    this.runPlan = run.plan;
    this.scheduler.setPlan(run.plan, touched);
    this.plannedWith = this.planConditions();
    this.scheduleGraphUpdate();
  }

  /** The replica set changed: the scheduler gets (or loses) the replicas' copies of the interior's plan. */
  private replicasChanged(): void {
    const before = this.runPlan;
    const run = replicaPlans(this.plan, this.localRouterId(), this.replicas.active ? this.replicas.keys() : []);
    this.runPlan = run.plan;
    // only routers new to the scheduler's plan get a pass; the others are unchanged
    const touched = new Set<string>();
    for (const id of run.plan.routers.keys()) if (!before.routers.has(id)) touched.add(id);
    this.scheduler.setPlan(run.plan, touched);
    this.scheduleGraphUpdate();
    this.emit('replicas', this.replicaStatus());
  }

  /** The router id of the control plane's interior (the one the plan reaches as `local`). */
  private localRouterId(): string | undefined {
    const id = this.model.controlPlane?.routerId;
    return id !== undefined && this.plan.routers.get(id)?.reach.kind === 'local' ? id : undefined;
  }

  private replicaPlanId(key: string): string | undefined {
    const local = this.localRouterId();
    return local === undefined ? undefined : replicaPlanId(local, key);
  }

  /** What a plan depends on besides the model. */
  private planConditions(): string {
    return `${this.client.flavor ?? 'qdrouterd'}|${this.tcpBridges}`;
  }

  /**
   * The graph follows the model a moment later, debounced: recomputing it is O(network) (a third of a second at 10,000
   * agents), and the router writes a change needs must not queue behind it in the event loop.
   */
  private scheduleGraphUpdate(): void {
    this.graphUpdate?.cancel();
    this.graphUpdate = this.clock.setTimeout(() => {
      this.graphUpdate = undefined;
      this.graph.update({ model: this.model, plan: this.runPlan, observed: this.observed });
    }, GRAPH_DEBOUNCE_MS);
  }

  /** Whether the interior has tcp bridges (qdrouterd 1.19 has none); the network is assumed to be one generation. */
  private async detectTcpBridges(): Promise<boolean> {
    try {
      const types = await this.client.getTypes();
      return Object.keys(types).some((t) => t.endsWith('.tcpListener'));
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'could not list entity types; assuming tcp bridges exist');
      return true;
    }
  }

  private scheduleObserve(delayMs: number): void {
    if (this.stopped) return;
    this.observeTimer = this.clock.setTimeout(() => {
      void this.observeNow().finally(() => this.scheduleObserve(this.observeIntervalMs));
    }, delayMs);
  }
}
