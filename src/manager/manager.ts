/**
 * The manager: one connection to the control plane's interior router, and through it every router of the ECN.
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
  'observed': [observed: ObservedNetwork];
  'error': [err: Error];
}

export class Manager extends EventEmitter<ManagerEvents> {
  readonly client: ManagementClient;
  readonly scheduler: SyncScheduler;
  readonly graph = new LinkGraph();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly observeIntervalMs: number;
  private model: EcnModel = emptyModel();
  private issues: ModelIssue[] = [];
  private plan: NetworkPlan = { routers: new Map() };
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
    this.client = new ManagementClient({
      url: opts.router,
      ...(opts.flavor ? { flavor: opts.flavor } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.sasl ? { sasl: opts.sasl } : {}),
      clock: this.clock,
      logger: opts.logger ?? silentLogger,
      timeoutMs: opts.timeoutMs ?? 5000,
      retryInitialConnect: true,
      window: 256,
    });
    this.scheduler = new SyncScheduler({
      client: this.client,
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

  syncStatus(): RouterSyncStatus[] { return this.scheduler.status(); }

  /** Runs one observation pass now (also the periodic one) and updates the graph. */
  async observeNow(): Promise<ObservedNetwork | undefined> {
    if (this.observing) await this.observing;
    const pass = (async () => {
      try {
        const observed = await observeNetwork(this.client, this.plan, { previous: this.observed, clock: this.clock, ...(this.client.flavor ? { flavor: this.client.flavor } : {}) });
        this.observed = observed;
        for (const r of observed.restarts) this.scheduler.trigger(r.routerId, 'restart');
        this.graph.update({ model: this.model, plan: this.plan, observed });
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
    this.scheduler.setPlan(plan, touched);
    this.plannedWith = this.planConditions();
    this.scheduleGraphUpdate();
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
      this.graph.update({ model: this.model, plan: this.plan, observed: this.observed });
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
