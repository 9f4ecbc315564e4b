/**
 * Background garbage collection, as kube-controller-manager's: when an object is removed, its dependents (objects
 * whose ownerReferences name its uid) are deleted once none of their owners is left, or lose the dangling
 * reference when another owner remains. Terminating namespaces are emptied and then removed.
 * Work runs on setImmediate after the write that caused it; `idle()` resolves when nothing is pending.
 */
import { resourceKey } from './resources.js';
import { FOREGROUND, type KubeCluster } from './cluster.js';
import type { StoreEvent } from './store.js';
import { KubeApiError } from './status.js';

type Job = { kind: 'owner'; uid: string } | { kind: 'namespace'; name: string } | { kind: 'foreground'; uid: string };

export class GarbageCollector {
  private readonly queue: Job[] = [];
  private scheduled = false;
  private waiters: (() => void)[] = [];
  private readonly unsubscribe: () => void;
  private stopped = false;

  constructor(private readonly cluster: KubeCluster, private readonly onError: (err: unknown) => void = () => {}) {
    this.unsubscribe = cluster.store.subscribe((ev) => this.observe(ev));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe();
    this.release();
  }

  /** Resolves when all background deletions caused so far have run. */
  idle(): Promise<void> {
    if (!this.scheduled && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private observe(ev: StoreEvent): void {
    const md = ev.object.metadata ?? {};
    if (ev.type === 'DELETED' && md.uid) this.enqueue({ kind: 'owner', uid: md.uid });
    if (ev.key === 'namespaces' && ev.type !== 'DELETED' && md.deletionTimestamp) this.enqueue({ kind: 'namespace', name: md.name });
    if (ev.type !== 'DELETED' && md.deletionTimestamp && Array.isArray(md.finalizers) && md.finalizers.includes(FOREGROUND)) {
      this.enqueue({ kind: 'foreground', uid: md.uid });
    }
    if (ev.type === 'DELETED' && Array.isArray(md.ownerReferences)) {
      for (const r of md.ownerReferences) {
        const owner = r?.uid ? this.cluster.store.locate(r.uid)?.object : undefined;
        if (owner?.metadata?.finalizers?.includes(FOREGROUND)) this.enqueue({ kind: 'foreground', uid: r.uid });
      }
    }
    if (ev.type === 'DELETED' && md.namespace) {
      const ns = this.cluster.store.get('namespaces', undefined, md.namespace);
      if (ns?.metadata?.deletionTimestamp) this.enqueue({ kind: 'namespace', name: md.namespace });
    }
  }

  private enqueue(job: Job): void {
    if (this.stopped) return;
    this.queue.push(job);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.stopped) {
      const job = this.queue.shift()!;
      try {
        if (job.kind === 'owner') this.collectDependents(job.uid);
        else if (job.kind === 'foreground') this.foreground(job.uid);
        else this.finalizeNamespace(job.name);
      } catch (err) {
        if (!(err instanceof KubeApiError && (err.code === 404 || err.code === 409))) this.onError(err);
      }
    }
    this.scheduled = false;
    if (this.queue.length === 0) this.release();
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  private collectDependents(uid: string): void {
    for (const { rt, obj } of this.cluster.dependentsOf(uid)) {
      const refs: any[] = obj.metadata!.ownerReferences;
      const alive = refs.filter((r) => r?.uid !== uid && this.cluster.findByUid(r.uid) !== undefined);
      if (alive.length > 0) {
        const next = structuredClone(obj);
        next.metadata!.ownerReferences = refs.filter((r) => r?.uid !== uid);
        this.cluster.systemUpdate(rt, obj, next);
      } else if (!obj.metadata!.deletionTimestamp || (obj.metadata!.finalizers ?? []).length === 0) {
        this.cluster.delete(rt, obj.metadata!.namespace, obj.metadata!.name, { propagationPolicy: 'Background' });
      }
    }
  }

  /** Foreground deletion: delete the dependents (in the foreground too); when no blocking one is left, let go. */
  private foreground(uid: string): void {
    const owner = this.cluster.findByUid(uid);
    if (!owner || !owner.obj.metadata?.finalizers?.includes(FOREGROUND)) return;
    const dependents = this.cluster.dependentsOf(uid);
    for (const { rt, obj } of dependents) {
      if (!obj.metadata!.deletionTimestamp) this.cluster.delete(rt, obj.metadata!.namespace, obj.metadata!.name, { propagationPolicy: 'Foreground' });
    }
    const blocking = this.cluster.dependentsOf(uid).filter(({ obj }) => (obj.metadata!.ownerReferences as any[]).some((r) => r?.uid === uid && r.blockOwnerDeletion === true));
    if (blocking.length > 0) return;
    const current = this.cluster.findByUid(uid)!;
    const next = structuredClone(current.obj);
    next.metadata!.finalizers = (next.metadata!.finalizers as string[]).filter((f) => f !== FOREGROUND);
    if (next.metadata!.finalizers.length === 0) delete next.metadata!.finalizers;
    this.cluster.systemUpdate(current.rt, current.obj, next);
  }

  private finalizeNamespace(name: string): void {
    const ns = this.cluster.store.get('namespaces', undefined, name);
    if (!ns?.metadata?.deletionTimestamp) return;
    for (const rt of this.cluster.servedStorage()) {
      if (!rt.namespaced) continue;
      for (const obj of this.cluster.store.list(resourceKey(rt), name)) {
        if (!obj.metadata!.deletionTimestamp) this.cluster.delete(rt, name, obj.metadata!.name, { propagationPolicy: 'Background' });
      }
    }
    const still = this.cluster.store.get('namespaces', undefined, name);
    if (still && !this.cluster.namespaceHasContent(name) && (still.metadata?.finalizers ?? []).length === 0) {
      this.cluster.removeNow(this.cluster.type('', 'v1', 'namespaces'), still);
    }
  }
}
