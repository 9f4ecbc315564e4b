/**
 * `ecn run --kube`: the CRs of a namespace as the manager's model source (the reconciler), with the ControlPlane's
 * interior router resources applied unless turned off. Started before the manager: the first lists build the first
 * model, so the manager's first sync already has the plan. Without --router the manager connects to the interior
 * router of the namespace's ControlPlane: its in-cluster Service when the manager deploys it, else
 * spec.ingresses.router.address.
 */
import { systemClock, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Manager } from '../manager/manager.js';
import { ControlPlaneResources, type ServiceType } from './controlplane.js';
import { buildFromCrs } from './cr-source.js';
import type { KubeApi } from './kube-api.js';
import type { LeaseApi } from './leader-election.js';
import type { KubeTarget } from './kubeconfig.js';
import { Reconciler, type ReconcilerOptions } from './reconciler.js';

export interface KubeConnectOptions extends KubeTarget {
  namespace?: string;
  logger?: Logger;
  clock?: Clock;
  /** apply the interior router's Deployment, ConfigMap, Service… for the ControlPlane (default true) */
  routerResources?: boolean;
  /** the router image when the ControlPlane names none */
  routerImage?: string;
  /** the router Service type when the ControlPlane names none (default LoadBalancer) */
  routerServiceType?: ServiceType;
  /** for tests: an API instead of the one the kubeconfig gives */
  api?: KubeApi;
  /** for tests: the Lease API for leader election (with `api` and without this: none) */
  leaseApi?: LeaseApi;
  /** passed to the reconciler (informer tuning, debounce) */
  reconciler?: Partial<Pick<ReconcilerOptions, 'debounceMs' | 'informer' | 'concurrency'>>;
}

export interface KubeConnection {
  api: KubeApi;
  /** the Lease calls of leader election (src/kube/leader-election.ts); undefined when `api` was injected alone */
  leases: LeaseApi | undefined;
  namespace: string;
  /** amqp://… of the namespace's interior router; waits (retrying) for a valid ControlPlane; undefined if stopped */
  routerUrl(stop?: Promise<unknown>): Promise<string | undefined>;
  /** starts the reconciler for the manager (lists every kind and hands the first model to the manager) */
  start(manager: Manager): Promise<Reconciler>;
}

/** Loads client-node on demand (it takes seconds to load; only `ecn run --kube` needs it). */
export async function connectKube(o: KubeConnectOptions): Promise<KubeConnection> {
  let api = o.api;
  let leases = o.leaseApi;
  let namespace = o.namespace ?? process.env.POD_NAMESPACE;
  if (!api) {
    const { loadKubeConfig, defaultNamespace } = await import('./kubeconfig.js');
    const { clientNodeApi } = await import('./kube-api.js');
    const { clientNodeLeaseApi } = await import('./lease-api.js');
    const kc = loadKubeConfig(o);
    api = clientNodeApi(kc);
    leases ??= clientNodeLeaseApi(kc);
    namespace ??= defaultNamespace(kc);
  }
  namespace ??= 'default';
  const kapi = api;
  const log = (o.logger ?? silentLogger).child({ component: 'kube' });
  const clock = o.clock ?? systemClock;
  const deploys = o.routerResources !== false;

  const routerUrl = async (stop?: Promise<unknown>): Promise<string | undefined> => {
    let stopped = false;
    void stop?.then(() => { stopped = true; });
    for (let attempt = 0; !stopped; attempt++) {
      try {
        const list = await kapi.listCustom('ControlPlane', namespace);
        const { model, byCr } = buildFromCrs(list.items.map((obj) => ({ kind: 'ControlPlane' as const, obj })));
        const cp = model.controlPlane;
        if (cp) {
          return deploys
            ? `amqp://${cp.name}-router.${namespace}.svc:${cp.router.messagePort}`
            : `amqp://${cp.router.address}:${cp.router.messagePort}`;
        }
        const why = [...byCr.values()].flat().filter((i) => i.severity === 'error').map((i) => `${i.object}: ${i.message}`)[0];
        log.warn({ namespace, problem: why ?? 'none in the namespace' }, 'waiting for a valid ControlPlane to learn where the interior router is');
      } catch (err) {
        log.warn({ namespace, err: errorMessage(err) }, 'could not list ControlPlanes; retrying');
      }
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
      await new Promise<void>((resolve) => {
        const t = clock.setTimeout(resolve, delay);
        void stop?.then(() => { t.cancel(); resolve(); });
      });
    }
    return undefined;
  };

  const start = async (manager: Manager): Promise<Reconciler> => {
    const reconciler = new Reconciler({
      api: kapi, namespace, manager, clock, ...(o.logger ? { logger: o.logger } : {}), ...o.reconciler,
      ...(deploys
        ? {
            controlPlane: new ControlPlaneResources({
              api: kapi, namespace, clock, model: () => manager.currentModel().model,
              ...(o.routerImage ? { image: o.routerImage } : {}),
              ...(o.routerServiceType ? { serviceType: o.routerServiceType } : {}),
            }),
          }
        : {}),
    });
    await reconciler.start();
    return reconciler;
  };

  return { api: kapi, leases, namespace, routerUrl, start };
}
