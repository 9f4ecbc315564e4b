/**
 * Optional lifecycle stages (KWOK's idea): what controllers of a real cluster would do, after a delay on the
 * injected clock. A LoadBalancer Service gets an ingress IP; a Deployment reports its replicas ready for its
 * current generation. Off unless configured.
 */
import type { Clock, TimerHandle } from '../../src/clock.js';
import type { KubeCluster } from './cluster.js';
import type { StoreEvent } from './store.js';
import { KubeApiError } from './status.js';

export interface StagesOptions {
  /** LoadBalancer Services get status.loadBalancer.ingress[0].ip = `${ipPrefix}N` after delayMs */
  loadBalancer?: { delayMs?: number; ipPrefix?: string };
  /** Deployments get status.readyReplicas = spec.replicas and observedGeneration after delayMs */
  deployments?: { delayMs?: number };
}

const MANAGER = 'ecn-sim-stages';

export class Stages {
  private readonly pending = new Map<string, TimerHandle>();
  private readonly unsubscribe: () => void;
  private nextIp = 1;

  constructor(private readonly cluster: KubeCluster, private readonly clock: Clock, private readonly opts: StagesOptions) {
    this.unsubscribe = cluster.store.subscribe((ev) => this.observe(ev));
  }

  stop(): void {
    this.unsubscribe();
    for (const t of this.pending.values()) t.cancel();
    this.pending.clear();
  }

  private observe(ev: StoreEvent): void {
    if (ev.type === 'DELETED') return;
    const obj = ev.object;
    const md = obj.metadata ?? {};
    if (md.deletionTimestamp) return;
    const id = `${ev.key}/${md.namespace}/${md.name}`;
    if (ev.key === 'services' && this.opts.loadBalancer && obj.spec?.type === 'LoadBalancer' && !(obj.status?.loadBalancer?.ingress?.length > 0)) {
      const lb = this.opts.loadBalancer;
      this.schedule(id, lb.delayMs ?? 0, () => {
        const ip = `${lb.ipPrefix ?? '192.0.2.'}${this.nextIp++}`;
        return { rt: this.cluster.type('', 'v1', 'services'), ns: md.namespace, name: md.name, status: { loadBalancer: { ingress: [{ ip }] } } };
      });
    }
    if (ev.key === 'deployments.apps' && this.opts.deployments) {
      const replicas = obj.spec?.replicas ?? 1;
      const st = obj.status ?? {};
      if (st.observedGeneration === md.generation && st.readyReplicas === replicas && st.replicas === replicas) return;
      this.schedule(id, this.opts.deployments.delayMs ?? 0, () => {
        const cur = this.cluster.store.get('deployments.apps', md.namespace, md.name);
        const r = cur?.spec?.replicas ?? replicas;
        return {
          rt: this.cluster.type('apps', 'v1', 'deployments'), ns: md.namespace, name: md.name,
          status: {
            observedGeneration: cur?.metadata?.generation ?? md.generation, replicas: r, updatedReplicas: r, readyReplicas: r, availableReplicas: r,
            conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }],
          },
        };
      });
    }
  }

  private schedule(id: string, delayMs: number, change: () => { rt: any; ns: string | undefined; name: string; status: Record<string, unknown> }): void {
    this.pending.get(id)?.cancel();
    this.pending.set(id, this.clock.setTimeout(() => {
      this.pending.delete(id);
      const c = change();
      try {
        this.cluster.patch(c.rt, c.ns, c.name, 'merge', { status: c.status }, { subresource: 'status', manager: MANAGER });
      } catch (err) {
        if (!(err instanceof KubeApiError && err.code === 404)) throw err;
      }
    }, delayMs));
  }
}
