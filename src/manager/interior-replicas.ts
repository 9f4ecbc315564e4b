/**
 * One management connection per replica of the control plane's interior router. Kubernetes runs the interior as a
 * Deployment of N replicas meshed with each other; the manager's primary connection goes through the Service to
 * whichever replica it routes to, so every replica gets its own connection here: one ManagementClient per ready
 * endpoint (src/kube/router-replicas.ts), connected as a replica appears and closed as it goes. Each replica's real
 * router id is read from its `router` entity over its own connection (never derived from the pod name).
 *
 * It is also the SyncClient and ObserverClient the scheduler and observer use: a target of a replica reach
 * (`{ kind: 'replica', key }`, src/plan/types.ts) goes to that replica's connection; every other target (edges,
 * interior-mode agents, the local agent) goes through the primary connection, as before (the mesh routes
 * `_edge/<id>` to whichever replica the edge is attached to).
 *
 * `replicaPlans` adds the per-replica router plans (`<interiorId>@<key>`, each a copy of the interior's local plan)
 * to a network plan: replicas are runtime facts, so the planner stays pure and the manager adds them.
 */
import { EventEmitter } from 'node:events';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { REPLICA_TARGET_PREFIX, type NetworkPlan, type RouterPlan } from '../plan/types.js';
import type { ClientState, ManagementClient, ConnectedEvent } from '../router/client.js';
import { ManagementError } from '../router/management-error.js';
import type { Flavor } from '../router/protocol.js';
import type { QueryOptions, ManagementOps, TargetSpec } from '../router/target.js';
import { ManagementTarget } from '../router/target.js';
import type { Attributes } from '../router/response.js';

/** A replica's endpoint: the pod (or address) and its normal listener. */
export interface ReplicaEndpoint {
  key: string;
  url: string;
}

export interface ReplicaStatus {
  /** the pod name (or address) */
  key: string;
  url: string;
  /** its router id, as its `router` entity says; undefined until read */
  routerId: string | undefined;
  state: ClientState;
}

/** A replica with the key of its router plan (what the manager reports). */
export interface ManagerReplicaStatus extends ReplicaStatus {
  /** its router plan in the scheduler and the status (`<interiorId>@<key>`) */
  plan: string;
}

export interface InteriorReplicasEvents {
  /** the primary connection (re)connected (forwarded: the scheduler resyncs everything on a reconnect) */
  connected: [ev: ConnectedEvent];
  /** a replica's connection is up (reconnected: not the first time) and its router id was read */
  'replica-connected': [key: string, reconnected: boolean];
  /** the set of replicas, or a replica's router id, changed */
  changed: [];
}

export interface InteriorReplicasOptions {
  primary: ManagementClient;
  /** a client for a replica's url, with the options the primary has (the Manager makes them) */
  makeClient: (url: string) => ManagementClient;
  logger?: Logger;
  /** timeout of the router id query */
  timeoutMs?: number;
}

interface Replica {
  key: string;
  url: string;
  client: ManagementClient;
  routerId: string | undefined;
  /** bumped when the replica's id is read again, so a late answer of an older read is dropped */
  reads: number;
}

/** The key of a replica's router plan. */
export const replicaPlanId = (interiorId: string, key: string): string => `${interiorId}@${key}`;

/** Requests to a replica with no connection (gone, or never discovered) fail as unreachable. */
function unreachableTarget(key: string): ManagementOps {
  const exec = {
    router: `replica ${key}`,
    execute: (): Promise<never> => Promise.reject(new ManagementError('ECN_MGMT_UNREACHABLE', `interior router replica ${key} has no connection (not a ready endpoint of the router Service)`, {
      hint: 'the replica went away or is not ready; the manager connects when the Service lists it again',
    })),
  };
  return new ManagementTarget(exec, '$management');
}

export class InteriorReplicas extends EventEmitter<InteriorReplicasEvents> {
  readonly primary: ManagementClient;
  private readonly opts: InteriorReplicasOptions;
  private readonly log: Logger;
  private readonly replicas = new Map<string, Replica>();
  private closed = false;

  constructor(opts: InteriorReplicasOptions) {
    super();
    this.opts = opts;
    this.primary = opts.primary;
    this.log = (opts.logger ?? silentLogger).child({ component: 'interior-replicas' });
    this.primary.on('connected', (ev) => this.emit('connected', ev));
  }

  /** the primary connection's flavor (a network runs one router generation) */
  get flavor(): Flavor | undefined { return this.primary.flavor; }

  /**
   * Whether the interior is managed replica by replica: with two or more ready endpoints. With one (or none, or no
   * discovery) the primary connection reaches the only replica there is, and nothing changes.
   */
  get active(): boolean { return this.replicas.size > 1; }

  /** Installs the ready endpoints (undefined: no discovery). Connects new replicas, closes the ones gone. */
  setEndpoints(endpoints: readonly ReplicaEndpoint[] | undefined): void {
    if (this.closed) return;
    const want = new Map((endpoints ?? []).map((e) => [e.key, e]));
    // one endpoint: the Service has nowhere else to send the primary connection; no second connection to it
    if (want.size < 2) want.clear();
    let changed = false;
    for (const [key, r] of [...this.replicas]) {
      const w = want.get(key);
      if (w && w.url === r.url) continue;
      this.replicas.delete(key);
      void r.client.close();
      this.log.info({ replica: key, url: r.url }, 'interior router replica gone: connection closed');
      changed = true;
    }
    for (const [key, e] of want) {
      if (this.replicas.has(key)) continue;
      this.add(e);
      changed = true;
    }
    if (changed) this.emit('changed');
  }

  /** The replicas, by key. */
  status(): ReplicaStatus[] {
    return [...this.replicas.values()]
      .map((r) => ({ key: r.key, url: r.url, routerId: r.routerId, state: r.client.state }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  keys(): string[] { return [...this.replicas.keys()].sort(); }

  /** The connection of a replica (tests, status). */
  client(key: string): ManagementClient | undefined { return this.replicas.get(key)?.client; }

  /** Real router id → replica key, for the replicas whose id is known. */
  routerIds(): Map<string, string> {
    const out = new Map<string, string>();
    for (const r of this.replicas.values()) if (r.routerId !== undefined) out.set(r.routerId, r.key);
    return out;
  }

  /** SyncClient / ObserverClient: a replica's own agent, or a target through the primary connection. */
  target(spec: TargetSpec): ManagementOps {
    if (typeof spec === 'object' && spec !== null && 'address' in spec && typeof spec.address === 'string' && spec.address.startsWith(REPLICA_TARGET_PREFIX)) {
      const key = spec.address.slice(REPLICA_TARGET_PREFIX.length);
      return this.replicas.get(key)?.client.local ?? unreachableTarget(key);
    }
    return this.primary.target(spec);
  }

  /** ObserverClient: the primary connection's own agent. */
  query(type: string, attributeNames?: string[], opts?: QueryOptions): Promise<Attributes[]> {
    return this.primary.query(type, attributeNames, opts);
  }

  /** Closes every replica connection (not the primary: the Manager owns it). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.replicas.values()];
    this.replicas.clear();
    await Promise.allSettled(all.map((r) => r.client.close()));
  }

  private add(e: ReplicaEndpoint): void {
    const client = this.opts.makeClient(e.url);
    const r: Replica = { key: e.key, url: e.url, client, routerId: undefined, reads: 0 };
    this.replicas.set(e.key, r);
    client.on('connected', (ev) => { void this.learnId(r, ev.reconnected); });
    client.on('disconnected', (ev) => this.log.warn({ replica: r.key, err: errorMessage(ev.error) }, 'lost an interior router replica'));
    this.log.info({ replica: e.key, url: e.url }, 'interior router replica: connecting');
    client.connect().catch((err: unknown) => {
      if (this.replicas.get(r.key) === r) this.log.warn({ replica: r.key, err: errorMessage(err) }, 'interior router replica: cannot connect');
    });
  }

  /** Reads the replica's router id from its `router` entity (the id envsubst gave it, whatever that is). */
  private async learnId(r: Replica, reconnected: boolean): Promise<void> {
    const n = ++r.reads;
    let id: string | undefined;
    try {
      const rows = await r.client.query('router', ['id'], this.opts.timeoutMs === undefined ? {} : { timeoutMs: this.opts.timeoutMs });
      id = typeof rows[0]?.id === 'string' ? rows[0].id : undefined;
    } catch (err) {
      this.log.warn({ replica: r.key, err: errorMessage(err) }, 'could not read the router id of an interior router replica');
    }
    if (this.replicas.get(r.key) !== r || n !== r.reads) return;
    const changed = id !== r.routerId;
    r.routerId = id;
    const twin = id === undefined ? undefined : [...this.replicas.values()].find((o) => o !== r && o.routerId === id);
    if (twin) {
      this.log.warn({ replica: r.key, other: twin.key, routerId: id }, 'two interior router replicas report the same router id: they cannot mesh (does the image substitute ${HOSTNAME} in its config?)');
    }
    this.log.info({ replica: r.key, routerId: id, reconnected }, 'interior router replica connected');
    if (changed) this.emit('changed');
    this.emit('replica-connected', r.key, reconnected);
  }
}

/**
 * The plan the scheduler runs: the network plan with the interior's local plan replaced by one copy per replica
 * (`<interiorId>@<key>`, reach `{ kind: 'replica', key }`). Unchanged without replicas.
 */
export function replicaPlans(plan: NetworkPlan, localId: string | undefined, keys: readonly string[]): { plan: NetworkPlan; local: RouterPlan | undefined } {
  const local = localId === undefined ? undefined : plan.routers.get(localId);
  if (!local || local.reach.kind !== 'local' || keys.length === 0) return { plan, local };
  const routers = new Map(plan.routers);
  routers.delete(local.routerId);
  for (const key of keys) {
    const id = replicaPlanId(local.routerId, key);
    routers.set(id, { ...local, routerId: id, reach: { kind: 'replica', key } });
  }
  return { plan: { routers }, local };
}
