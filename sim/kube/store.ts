/**
 * The object store: objects per resource key, one global resourceVersion counter (as etcd's revision), a bounded
 * history of change events per resource (as the real server's watch cache) for watches to resume from, and live
 * subscribers. No semantics here (see cluster.ts).
 */
import type { KubeObject } from './resources.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  key: string; // resource key (plural.group)
  rv: number;
  object: KubeObject;
  /** the object before a MODIFIED, for selector transitions */
  previous?: KubeObject;
}

export type StoreListener = (ev: StoreEvent) => void;

export class ObjectStore {
  private rv = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  /** per resource key: retained events, and the resourceVersion up to which events were dropped */
  private readonly history = new Map<string, { events: StoreEvent[]; compactedRv: number }>();
  /** set by compact(): no watch resumes from before it, whatever the resource */
  private floorRv = 0;
  private readonly listeners = new Set<StoreListener>();
  /** uid → where the object is */
  private readonly byUid = new Map<string, { key: string; namespace: string | undefined; name: string }>();
  /** owner uid → `key\0namespace/name` of the objects whose ownerReferences name it */
  private readonly byOwner = new Map<string, Set<string>>();

  constructor(private readonly historyLimit = 1000) {}

  static objectKey(namespace: string | undefined, name: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  currentRv(): number { return this.rv; }

  /** The oldest resourceVersion a watch on `key` can resume from. */
  oldestResumableRv(key: string): number {
    return Math.max(this.floorRv, this.history.get(key)?.compactedRv ?? 0);
  }

  get(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(key)?.get(ObjectStore.objectKey(namespace, name));
  }

  /** Objects of a resource, sorted by namespace and name; all namespaces when namespace is undefined. */
  list(key: string, namespace?: string): KubeObject[] {
    const m = this.objects.get(key);
    if (!m) return [];
    const out: KubeObject[] = [];
    for (const [k, obj] of m) if (namespace === undefined || k.startsWith(`${namespace}/`)) out.push(obj);
    return out.sort((a, b) => ObjectStore.objectKey(a.metadata?.namespace, a.metadata?.name).localeCompare(ObjectStore.objectKey(b.metadata?.namespace, b.metadata?.name)));
  }

  keys(): string[] { return [...this.objects.keys()]; }

  /** Stores an object under a new resourceVersion (written into it) and emits ADDED or MODIFIED. */
  put(key: string, obj: KubeObject): KubeObject {
    const rv = ++this.rv;
    obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(rv) };
    let m = this.objects.get(key);
    if (!m) { m = new Map(); this.objects.set(key, m); }
    const k = ObjectStore.objectKey(obj.metadata.namespace, obj.metadata.name);
    const previous = m.get(k);
    m.set(k, obj);
    if (previous) this.unindex(key, previous);
    this.index(key, obj);
    this.emit({ type: previous ? 'MODIFIED' : 'ADDED', key, rv, object: obj, ...(previous ? { previous } : {}) });
    return obj;
  }

  /** Removes an object; the DELETED event carries it (or `last`, its final state) with a new resourceVersion. */
  remove(key: string, namespace: string | undefined, name: string, last?: KubeObject): KubeObject | undefined {
    const m = this.objects.get(key);
    const k = ObjectStore.objectKey(namespace, name);
    const obj = m?.get(k);
    if (!m || !obj) return undefined;
    m.delete(k);
    this.unindex(key, obj);
    const rv = ++this.rv;
    const final = last ?? obj;
    const gone = { ...final, metadata: { ...final.metadata, resourceVersion: String(rv) } };
    this.emit({ type: 'DELETED', key, rv, object: gone });
    return gone;
  }

  /** Forgets a resource key's objects and history (its CRD went away: its watches are closed). */
  dropAll(key: string): void {
    for (const obj of this.objects.get(key)?.values() ?? []) this.unindex(key, obj);
    this.objects.delete(key);
    this.history.set(key, { events: [], compactedRv: this.rv });
  }

  /** Where the object with this uid is stored. */
  locate(uid: string): { key: string; object: KubeObject } | undefined {
    const at = this.byUid.get(uid);
    if (!at) return undefined;
    const object = this.get(at.key, at.namespace, at.name);
    return object ? { key: at.key, object } : undefined;
  }

  /** Objects whose ownerReferences name this uid, with their resource keys. */
  dependents(ownerUid: string): { key: string; object: KubeObject }[] {
    const out: { key: string; object: KubeObject }[] = [];
    for (const ref of this.byOwner.get(ownerUid) ?? []) {
      const [key, rest] = ref.split('\0') as [string, string];
      const slash = rest.indexOf('/');
      const object = this.get(key, slash === 0 ? undefined : rest.slice(0, slash), rest.slice(slash + 1));
      if (object) out.push({ key, object });
    }
    return out;
  }

  private index(key: string, obj: KubeObject): void {
    const md = obj.metadata ?? {};
    if (md.uid) this.byUid.set(md.uid, { key, namespace: md.namespace, name: md.name });
    for (const r of Array.isArray(md.ownerReferences) ? md.ownerReferences : []) {
      if (!r?.uid) continue;
      let set = this.byOwner.get(r.uid);
      if (!set) { set = new Set(); this.byOwner.set(r.uid, set); }
      set.add(`${key}\0${ObjectStore.objectKey(md.namespace, md.name)}`);
    }
  }

  private unindex(key: string, obj: KubeObject): void {
    const md = obj.metadata ?? {};
    if (md.uid && this.byUid.get(md.uid)?.key === key) this.byUid.delete(md.uid);
    for (const r of Array.isArray(md.ownerReferences) ? md.ownerReferences : []) {
      const set = r?.uid ? this.byOwner.get(r.uid) : undefined;
      if (!set) continue;
      set.delete(`${key}\0${ObjectStore.objectKey(md.namespace, md.name)}`);
      if (set.size === 0) this.byOwner.delete(r.uid);
    }
  }

  /**
   * Events of `key` after `sinceRv`, or 'gone' when the history no longer reaches back that far.
   */
  eventsSince(key: string, sinceRv: number): StoreEvent[] | 'gone' {
    if (sinceRv < this.oldestResumableRv(key)) return 'gone';
    return (this.history.get(key)?.events ?? []).filter((e) => e.rv > sinceRv);
  }

  /** Forgets all history up to now: every watch from an older resourceVersion answers 410 Gone (tests, faults). */
  compact(): void {
    this.history.clear();
    this.floorRv = this.rv;
  }

  subscribe(fn: StoreListener): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  private emit(ev: StoreEvent): void {
    let h = this.history.get(ev.key);
    if (!h) { h = { events: [], compactedRv: 0 }; this.history.set(ev.key, h); }
    h.events.push(ev);
    while (h.events.length > this.historyLimit) h.compactedRv = h.events.shift()!.rv;
    for (const fn of [...this.listeners]) fn(ev);
  }
}
