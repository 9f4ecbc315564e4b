/**
 * The interior router's replicas, as Kubernetes sees them: the ready endpoints of its Service, from the
 * discovery.k8s.io/v1 EndpointSlices labelled `kubernetes.io/service-name=<service>` (list and watch through the
 * supervised informer). Each ready endpoint becomes `{ key, url }`: the key is the pod (targetRef) name, else the
 * address; the url is `amqp://ADDRESS:PORT` with the slice's port named for the router's message listener (`amqp`,
 * the Service port name src/kube/controlplane.ts gives it). The set is emitted whenever it changes.
 *
 * `followRouterReplicas` feeds the manager: the Service of the model's ControlPlane (`<cp>-router`), followed across
 * model changes, its endpoint sets handed to `manager.setReplicas` (src/manager/interior-replicas.ts).
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { EcnModel } from '../model/ecn.js';
import type { KubeApi } from './kube-api.js';
import { SupervisedInformer, type KubeObject, type SupervisedInformerOptions } from './supervised-informer.js';

/** The label the EndpointSlice controller puts on the slices of a Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** The Service port (and so the slices' port) of the interior router's normal listener. */
export const MESSAGE_PORT_NAME = 'amqp';

/** One ready replica of the interior router. */
export interface RouterEndpoint {
  /** the pod's name (the endpoint's targetRef), else its address */
  key: string;
  /** amqp://ADDRESS:PORT of its normal listener */
  url: string;
}

const obj = (v: unknown): Record<string, any> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {});

/**
 * The ready endpoints of the slices, by key, sorted. An endpoint is ready unless its `conditions.ready` is false (the
 * API says an unset ready means ready) or it is terminating; a slice without the named port contributes nothing.
 */
export function endpointsFromSlices(slices: readonly KubeObject[], portName = MESSAGE_PORT_NAME): RouterEndpoint[] {
  const byKey = new Map<string, RouterEndpoint>();
  for (const slice of slices) {
    const s = slice as KubeObject & { addressType?: string; endpoints?: unknown; ports?: unknown };
    if (s.addressType === 'FQDN') continue;
    const port = (Array.isArray(s.ports) ? s.ports : []).map(obj).find((p) => p.name === portName)?.port;
    if (!Number.isInteger(port) || port <= 0) continue;
    for (const e of (Array.isArray(s.endpoints) ? s.endpoints : []).map(obj)) {
      const c = obj(e.conditions);
      if (c.ready === false || c.terminating === true) continue;
      const address = (Array.isArray(e.addresses) ? e.addresses : []).find((a: unknown): a is string => typeof a === 'string' && a !== '');
      if (!address) continue;
      const ref = obj(e.targetRef);
      const key = typeof ref.name === 'string' && ref.name !== '' ? ref.name : address;
      if (byKey.has(key)) continue;
      byKey.set(key, { key, url: `amqp://${address.includes(':') ? `[${address}]` : address}:${port}` });
    }
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const sameSet = (a: readonly RouterEndpoint[], b: readonly RouterEndpoint[]): boolean =>
  a.length === b.length && a.every((e, i) => e.key === b[i]!.key && e.url === b[i]!.url);

export type InformerTuning = Partial<Pick<SupervisedInformerOptions<KubeObject>, 'stallTimeoutMs' | 'relistIntervalMs' | 'initialBackoffMs' | 'maxBackoffMs' | 'minWatchMs' | 'timeoutSeconds' | 'random'>>;

export interface RouterReplicaDiscoveryOptions {
  api: Pick<KubeApi, 'watch'> & Required<Pick<KubeApi, 'listEndpointSlices'>>;
  namespace: string;
  /** the interior router's Service */
  service: string;
  /** the slices' port of the normal listener (default `amqp`) */
  portName?: string;
  clock?: Clock;
  logger?: Logger;
  informer?: InformerTuning;
}

export interface RouterReplicaDiscoveryEvents {
  /** the set of ready endpoints changed (also once after the first list) */
  change: [endpoints: RouterEndpoint[]];
}

export class RouterReplicaDiscovery extends EventEmitter<RouterReplicaDiscoveryEvents> {
  readonly informer: SupervisedInformer<KubeObject>;
  readonly service: string;
  private readonly portName: string;
  private last: RouterEndpoint[] | undefined;

  constructor(o: RouterReplicaDiscoveryOptions) {
    super();
    this.service = o.service;
    this.portName = o.portName ?? MESSAGE_PORT_NAME;
    const selector = `${SERVICE_NAME_LABEL}=${o.service}`;
    const log = (o.logger ?? silentLogger).child({ component: 'router-replicas', service: o.service });
    this.informer = new SupervisedInformer<KubeObject>({
      name: 'endpointslices.discovery.k8s.io',
      path: `/apis/discovery.k8s.io/v1/namespaces/${o.namespace}/endpointslices`,
      list: () => o.api.listEndpointSlices(o.namespace, selector),
      watch: o.api.watch,
      labelSelector: selector,
      clock: o.clock ?? systemClock,
      ...o.informer,
    });
    const changed = (): void => this.recompute();
    this.informer.on('add', changed);
    this.informer.on('update', changed);
    this.informer.on('delete', changed);
    this.informer.on('listed', changed);
    this.informer.on('failure', (err, retryInMs) => log.warn({ retryInMs, err: errorMessage(err) }, 'endpoint slice watch failed; restarting'));
  }

  /** The ready endpoints now (undefined before the first list). */
  current(): RouterEndpoint[] | undefined { return this.last; }

  /** Lists (resolves after the first attempt) and watches. */
  start(): Promise<void> { return this.informer.start(); }

  stop(): void { this.informer.stop(); }

  private recompute(): void {
    const next = endpointsFromSlices(this.informer.list(), this.portName);
    if (this.last && sameSet(this.last, next)) return;
    this.last = next;
    this.emit('change', next);
  }
}

/** What followRouterReplicas needs of the manager. */
export interface ReplicaSink {
  currentModel(): { model: EcnModel };
  on(event: 'model', fn: () => void): unknown;
  off(event: 'model', fn: () => void): unknown;
  /** the ready replicas (undefined: discovery stopped, use the one connection) */
  setReplicas(endpoints: readonly RouterEndpoint[] | undefined): void;
}

export interface FollowRouterReplicasOptions extends Omit<RouterReplicaDiscoveryOptions, 'service' | 'api'> {
  api: KubeApi;
  manager: ReplicaSink;
}

/**
 * Discovers the replicas of the interior router of the manager's ControlPlane (its Service `<cp>-router`) and hands
 * every change to the manager; follows a renamed ControlPlane. Undefined when the API cannot list EndpointSlices.
 */
export function followRouterReplicas(o: FollowRouterReplicasOptions): { stop(): void } | undefined {
  const api = o.api;
  if (!api.listEndpointSlices) return undefined;
  const listEndpointSlices = api.listEndpointSlices.bind(api);
  let discovery: RouterReplicaDiscovery | undefined;
  let stopped = false;
  const follow = (): void => {
    if (stopped) return;
    const cp = o.manager.currentModel().model.controlPlane;
    const service = cp ? `${cp.name}-router` : undefined;
    if (discovery?.service === service) return;
    discovery?.stop();
    discovery = undefined;
    // a ControlPlane gone or renamed: the old Service's replicas are not this one's
    o.manager.setReplicas(undefined);
    if (!service) return;
    const d = new RouterReplicaDiscovery({ ...o, api: { watch: api.watch, listEndpointSlices }, service });
    d.on('change', (endpoints) => { if (discovery === d) o.manager.setReplicas(endpoints); });
    discovery = d;
    void d.start();
  };
  o.manager.on('model', follow);
  follow();
  return {
    stop: () => {
      stopped = true;
      o.manager.off('model', follow);
      discovery?.stop();
      discovery = undefined;
    },
  };
}
