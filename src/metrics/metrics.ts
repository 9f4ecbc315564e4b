/**
 * The manager's Prometheus metrics (prom-client), in a registry of their own (never the global default, so two
 * managers in one process, as in tests, do not collide). Names start with `ecn_`.
 *
 * Events that happen once are counted as they happen (router writes, sync passes, sync failures); everything that
 * is a state (routers by sync state, graph nodes and edges, WebSocket clients, model issues) is read at scrape time
 * by collect() callbacks, so a busy manager pays nothing for them between scrapes.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Manager } from '../manager/manager.js';
import type { AuditEntry, RouterSyncStatus, SyncResult } from '../sync/index.js';
import type { EcnError } from '../errors.js';

export interface ManagerMetricsOptions {
  manager: Manager;
  /** WebSocket clients of the graph stream (read at scrape time) */
  streamClients?: () => number;
  /** process metrics (CPU, memory, event loop lag, GC…); default true */
  defaultMetrics?: boolean;
}

export interface ManagerMetrics {
  readonly registry: Registry;
  /** the Content-Type of render()'s text */
  readonly contentType: string;
  /** the exposition text */
  render(): Promise<string>;
  /** stops listening to the manager */
  close(): void;
}

export const METRIC_PREFIX = 'ecn_';

/** seconds; a pass is one to a few management round trips per owned type, up to many writes on a first sync */
const PASS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createManagerMetrics(opts: ManagerMetricsOptions): ManagerMetrics {
  const { manager } = opts;
  const scheduler = manager.scheduler;
  const registry = new Registry();
  const registers = [registry];
  const name = (n: string): string => METRIC_PREFIX + n;

  const operations = new Counter({
    name: name('router_operations_total'),
    help: 'Management writes to routers (CREATE/UPDATE/DELETE) by entity type, operation, result and reason',
    labelNames: ['type', 'op', 'result', 'reason'] as const,
    registers,
  });
  // writes made before these metrics existed (the manager may have started first) are in the scheduler's counters
  for (const w of scheduler.counters.snapshot().writes) operations.inc({ type: w.type, op: w.op, result: w.result, reason: w.reason }, w.count);

  new Counter({
    name: name('sync_queries_total'),
    help: 'Management QUERY requests made by sync passes',
    registers,
    collect() { this.reset(); this.inc(scheduler.counters.queries); },
  });

  new Counter({
    name: name('management_requests_total'),
    help: 'Management requests over the connection to the interior router, by operation and result',
    labelNames: ['operation', 'result'] as const,
    registers,
    collect() {
      this.reset();
      for (const [operation, byResult] of Object.entries(manager.client.stats().requests)) {
        for (const [result, n] of Object.entries(byResult)) if (n) this.inc({ operation, result }, n);
      }
    },
  });

  new Counter({
    name: name('router_restarts_detected_total'),
    help: 'Router restarts detected by sync passes (owned entities vanished, uptime dropped)',
    registers,
    collect() { this.reset(); this.inc(scheduler.counters.restartsDetected); },
  });

  const passes = new Histogram({
    name: name('sync_pass_duration_seconds'),
    help: 'Duration of sync passes by result (ok, failed) and mode (full: read the router; delta: a model change applied to a confirmed state)',
    labelNames: ['result', 'mode'] as const,
    buckets: PASS_BUCKETS,
    registers,
  });

  const failures = new Counter({
    name: name('sync_failures_total'),
    help: 'Failed sync passes by error code',
    labelNames: ['code'] as const,
    registers,
  });

  new Gauge({
    name: name('routers'),
    help: 'Routers of the plan by sync state',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const counts: Record<string, number> = { 'in-sync': 0, pending: 0, syncing: 0, backoff: 0 };
      for (const s of scheduler.status()) counts[s.state] = (counts[s.state] ?? 0) + 1;
      this.reset();
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });

  new Gauge({
    name: name('interior_connected'),
    help: '1 while the management connection to the interior router is ready',
    registers,
    collect() { this.set(manager.client.state === 'ready' ? 1 : 0); },
  });

  new Gauge({
    name: name('graph_nodes'),
    help: 'Nodes of the link graph by kind and state',
    labelNames: ['kind', 'state'] as const,
    registers,
    collect() {
      const counts = new Map<string, { kind: string; state: string; n: number }>();
      manager.graph.graph.forEachNode((_k, a) => tally(counts, a.kind, a.state));
      this.reset();
      for (const c of counts.values()) this.set({ kind: c.kind, state: c.state }, c.n);
    },
  });

  new Gauge({
    name: name('graph_edges'),
    help: 'Edges of the link graph by kind and state',
    labelNames: ['kind', 'state'] as const,
    registers,
    collect() {
      const counts = new Map<string, { kind: string; state: string; n: number }>();
      manager.graph.graph.forEachEdge((_k, a) => tally(counts, a.kind, a.state));
      this.reset();
      for (const c of counts.values()) this.set({ kind: c.kind, state: c.state }, c.n);
    },
  });

  new Gauge({
    name: name('graph_stream_clients'),
    help: 'WebSocket clients of the graph stream',
    registers,
    collect() { this.set(opts.streamClients ? opts.streamClients() : 0); },
  });

  new Gauge({
    name: name('model_issues'),
    help: 'Problems found in the manifests of the current model, by severity',
    labelNames: ['severity'] as const,
    registers,
    collect() {
      const counts: Record<string, number> = { error: 0, warning: 0 };
      for (const i of manager.currentModel().issues) counts[i.severity] = (counts[i.severity] ?? 0) + 1;
      for (const [severity, n] of Object.entries(counts)) this.set({ severity }, n);
    },
  });

  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });

  const onWrite = (e: AuditEntry): void => { operations.inc({ type: e.type, op: e.op, result: e.result, reason: e.reason }); };
  const observePass = (r: SyncResult): void => {
    passes.observe({ result: r.ok ? 'ok' : 'failed', mode: r.mode }, Math.max(0, r.finishedAt - r.startedAt) / 1000);
  };
  const onSynced = (_s: RouterSyncStatus, r: SyncResult): void => observePass(r);
  const onFailed = (_s: RouterSyncStatus, err: EcnError, r: SyncResult): void => {
    observePass(r);
    failures.inc({ code: err.code });
  };
  scheduler.on('write', onWrite);
  scheduler.on('synced', onSynced);
  scheduler.on('sync-failed', onFailed);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close() {
      scheduler.off('write', onWrite);
      scheduler.off('synced', onSynced);
      scheduler.off('sync-failed', onFailed);
    },
  };
}

function tally(counts: Map<string, { kind: string; state: string; n: number }>, kind: string, state: string): void {
  const k = `${kind}|${state}`;
  const c = counts.get(k);
  if (c) c.n++;
  else counts.set(k, { kind, state, n: 1 });
}
