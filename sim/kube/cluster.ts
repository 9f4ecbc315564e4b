/**
 * The API semantics, independent of HTTP: create/get/list/update/patch/delete with uid, creationTimestamp,
 * resourceVersion preconditions (409), generation bumped on spec changes, the status subresource, finalizers and
 * deletionTimestamp, namespaces that must exist, CRDs that register their resources, and no-op writes that change
 * nothing (no new resourceVersion, no event).
 */
import { randomUUID, randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { systemClock, type Clock } from '../../src/clock.js';
import {
  BUILTIN_RESOURCES, ResourceRegistry, crdResourceTypes, groupVersion, resourceKey, type KubeObject, type ResourceType,
} from './resources.js';
import { ObjectStore } from './store.js';
import { selectorMatcher } from './selectors.js';
import {
  KubeApiError, alreadyExists, badRequest, conflict, invalid, notFound, successStatus, type KubeStatus,
} from './status.js';
import { recordUpdate } from './fields.js';
import {
  conflictError, jsonPatch, mergePatch, serverSideApply, strategicMergePatch, type PatchType,
} from './patch.js';
import { applyCreateDefaults, applyWriteHooks, crdStatus } from './defaults.js';
import { checkCustomResource, type FieldValidation } from './schema.js';

export interface WriteOptions {
  /** the field manager: ?fieldManager=, else derived from the User-Agent */
  manager?: string;
  subresource?: 'status';
  dryRun?: boolean;
  /** unknown fields of custom resources: Strict rejects (400), Warn (default) and Ignore prune */
  fieldValidation?: FieldValidation;
  /** collects warnings for the response's Warning headers */
  warnings?: string[];
}

export interface PatchOptions extends WriteOptions {
  force?: boolean;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

export interface ClusterOptions {
  clock?: Clock;
  /** change events kept per resource for watches to resume from (older resourceVersions get 410 Gone) */
  historyLimit?: number;
  /** namespaces that exist from the start (default: default, kube-system, kube-public, kube-node-lease) */
  namespaces?: string[];
  /** CustomResourceDefinition objects created at start */
  crds?: KubeObject[];
  /** when false, namespaced objects may be created in namespaces that do not exist (default true: as the real one) */
  requireNamespaces?: boolean;
}

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const clone = <T>(v: T): T => structuredClone(v);
const NAMESPACES = resourceKey({ group: '', plural: 'namespaces' });
/** the finalizer of a foreground deletion: the owner stays until its blocking dependents are gone */
export const FOREGROUND = 'foregroundDeletion';
const CRDS = resourceKey({ group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions' });

function isPlainObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The object without the fields that change on every write, for no-op detection. */
function comparable(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, managedFields: _mf, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

function withoutMetaStatus(obj: KubeObject, dropStatus: boolean): KubeObject {
  const { metadata: _m, ...rest } = obj;
  if (dropStatus) delete rest.status;
  return rest;
}

export class KubeCluster {
  readonly registry = new ResourceRegistry(BUILTIN_RESOURCES);
  readonly store: ObjectStore;
  readonly clock: Clock;
  private readonly requireNamespaces: boolean;
  private readonly removedListeners = new Set<(rt: ResourceType) => void>();

  constructor(opts: ClusterOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.store = new ObjectStore(opts.historyLimit ?? 1000);
    this.requireNamespaces = opts.requireNamespaces ?? true;
    const nsType = this.type('', 'v1', 'namespaces');
    for (const ns of opts.namespaces ?? ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.create(nsType, undefined, { metadata: { name: ns } }, { manager: 'ecn-sim-kube' });
    }
    const crdType = this.type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    for (const crd of opts.crds ?? []) this.create(crdType, undefined, clone(crd), { manager: 'ecn-sim-kube' });
  }

  /** A served resource type, or 404 as the real server answers unknown resources. */
  type(group: string, version: string, plural: string): ResourceType {
    const rt = this.registry.find(group, version, plural);
    if (!rt) throw new KubeApiError(404, 'NotFound', `the server could not find the requested resource (${plural}${group ? `.${group}` : ''} ${version})`);
    return rt;
  }

  /** Called when a CRD goes away with its resource types (the watch layer closes their streams). */
  onResourceRemoved(fn: (rt: ResourceType) => void): () => void {
    this.removedListeners.add(fn);
    return () => { this.removedListeners.delete(fn); };
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private scope(rt: ResourceType, namespace: string | undefined): string | undefined {
    if (!rt.namespaced) return undefined;
    if (!namespace) throw badRequest(`${rt.kind} is namespaced: the request needs a namespace (/namespaces/NAME/${rt.plural})`);
    return namespace;
  }

  get(rt: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.store.get(resourceKey(rt), this.scope(rt, namespace), name);
    if (!obj) throw notFound(rt.plural, rt.group, name, rt.kind);
    return this.present(rt, obj);
  }

  /** A copy of a stored object in the requested version. */
  present(rt: ResourceType, obj: KubeObject): KubeObject {
    return { ...clone(obj), apiVersion: groupVersion(rt), kind: rt.kind };
  }

  list(rt: ResourceType, namespace: string | undefined, opts: ListOptions = {}): KubeList {
    const match = selectorMatcher(opts.labelSelector, opts.fieldSelector);
    let items = this.store.list(resourceKey(rt), rt.namespaced ? namespace : undefined).filter(match);
    const rv = String(this.store.currentRv());
    const meta: KubeList['metadata'] = { resourceVersion: rv };
    if (opts.continue) {
      let after: string;
      try {
        after = JSON.parse(Buffer.from(opts.continue, 'base64url').toString('utf8')).after;
      } catch {
        throw new KubeApiError(410, 'Expired', 'the provided continue parameter is invalid or too old: list again without it');
      }
      items = items.filter((o) => ObjectStore.objectKey(o.metadata?.namespace, o.metadata?.name) > after);
    }
    if (opts.limit && opts.limit > 0 && items.length > opts.limit) {
      const rest = items.length - opts.limit;
      items = items.slice(0, opts.limit);
      const last = items[items.length - 1]!;
      meta.continue = Buffer.from(JSON.stringify({ after: ObjectStore.objectKey(last.metadata?.namespace, last.metadata?.name) })).toString('base64url');
      meta.remainingItemCount = rest;
    }
    return { apiVersion: groupVersion(rt), kind: rt.listKind, metadata: meta, items: items.map((o) => this.present(rt, o)) };
  }

  private checkNamespace(rt: ResourceType, namespace: string | undefined): void {
    if (!rt.namespaced || !this.requireNamespaces) return;
    const ns = this.store.get(NAMESPACES, undefined, namespace!);
    if (!ns) throw notFound('namespaces', '', namespace!, 'Namespace');
    if (ns.metadata?.deletionTimestamp) {
      throw new KubeApiError(403, 'Forbidden', `${rt.plural} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { name: namespace, kind: 'namespaces' });
    }
  }

  private validateName(rt: ResourceType, name: unknown): string {
    if (typeof name !== 'string' || name === '') {
      throw invalid(rt.kind, rt.group, '', [{ field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    if (name.length > 253 || !NAME_RE.test(name)) {
      throw invalid(rt.kind, rt.group, name, [{
        field: 'metadata.name',
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      }]);
    }
    return name;
  }

  /** The object as sent, checked against the URL and normalized (apiVersion, kind, namespace). */
  private normalize(rt: ResourceType, namespace: string | undefined, body: unknown): KubeObject {
    if (!isPlainObject(body)) throw badRequest(`the body must be a ${rt.kind} object (JSON), got ${Array.isArray(body) ? 'a list' : typeof body}`);
    const obj = clone(body) as KubeObject;
    if (obj.kind !== undefined && obj.kind !== rt.kind) {
      throw badRequest(`the kind of the object (${obj.kind}) does not match the resource (${rt.plural}: ${rt.kind})`);
    }
    if (obj.metadata !== undefined && !isPlainObject(obj.metadata)) throw badRequest('metadata must be an object');
    obj.metadata = { ...(obj.metadata ?? {}) };
    obj.apiVersion = groupVersion(rt);
    obj.kind = rt.kind;
    if (rt.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== namespace) {
        throw badRequest(`the namespace of the provided object (${obj.metadata.namespace}) does not match the namespace sent on the request (${namespace})`);
      }
      obj.metadata.namespace = namespace;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  create(rt: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): KubeObject {
    const ns = this.scope(rt, namespace);
    const obj = this.normalize(rt, ns, body);
    const md = obj.metadata!;
    if (!md.name && typeof md.generateName === 'string' && md.generateName !== '') {
      md.name = md.generateName + randomBytes(4).toString('hex').slice(0, 5);
    }
    const name = this.validateName(rt, md.name);
    if (md.resourceVersion !== undefined && md.resourceVersion !== '') {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    this.checkNamespace(rt, ns);
    const key = resourceKey(rt);
    if (this.store.get(key, ns, name)) throw alreadyExists(rt.plural, rt.group, name);
    const applied = (opts.manager ?? '').endsWith('\0apply');
    const appliedFields = md.managedFields;
    for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields', 'selfLink']) delete md[k];
    md.uid = randomUUID();
    md.creationTimestamp = this.now();
    if (rt.generation) md.generation = 1;
    if (rt.statusSubresource) delete obj.status;
    applyCreateDefaults(rt, obj, this.store);
    applyWriteHooks(rt, obj);
    if (rt.crd) opts.warnings?.push(...checkCustomResource(rt, obj, opts.fieldValidation));
    if (key === CRDS) {
      crdResourceTypes(obj);
      if (!opts.dryRun) this.registry.registerCrd(obj);
      obj.status = crdStatus(obj, this.now());
    }
    if (applied) md.managedFields = appliedFields;
    else recordUpdate(undefined, obj, opts.manager ?? 'unknown', groupVersion(rt), this.now(), { skipStatus: rt.statusSubresource });
    if (opts.dryRun) return this.present(rt, obj);
    return this.present(rt, this.store.put(key, obj));
  }

  /** PUT: replaces the object (or its status), with the resourceVersion as a precondition when given. */
  update(rt: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): KubeObject {
    const ns = this.scope(rt, namespace);
    const obj = this.normalize(rt, ns, body);
    if (obj.metadata!.name !== undefined && obj.metadata!.name !== name) {
      throw badRequest(`the name of the object (${obj.metadata!.name}) does not match the name on the URL (${name})`);
    }
    const current = this.store.get(resourceKey(rt), ns, name);
    if (!current) throw notFound(rt.plural, rt.group, name, rt.kind);
    const rv = obj.metadata!.resourceVersion;
    if ((rv === undefined || rv === '') && rt.crd) {
      // custom resources do not allow unconditional updates (built-ins do)
      throw invalid(rt.kind, rt.group, name, [{ field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
    }
    if (rv !== undefined && rv !== '' && rv !== current.metadata?.resourceVersion) {
      throw conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    obj.metadata!.name = name;
    return this.commit(rt, current, obj, opts);
  }

  /** PATCH of any type; apply creates the object when absent. */
  patch(rt: ResourceType, namespace: string | undefined, name: string, type: PatchType, patchBody: unknown, opts: PatchOptions = {}): { object: KubeObject; created: boolean } {
    const ns = this.scope(rt, namespace);
    const key = resourceKey(rt);
    const current = this.store.get(key, ns, name);
    const manager = opts.manager;
    if (type === 'apply') {
      if (!manager) throw badRequest('PATCH with application/apply-patch+yaml requires ?fieldManager=NAME (the name of the applier)');
      const config = this.normalize(rt, ns, patchBody);
      if (config.metadata!.name !== undefined && config.metadata!.name !== name) {
        throw badRequest(`the name of the object (${config.metadata!.name}) does not match the name on the URL (${name})`);
      }
      config.metadata!.name = name;
      const rv = config.metadata!.resourceVersion;
      if (current && rv !== undefined && rv !== '' && rv !== current.metadata?.resourceVersion) {
        throw conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      delete config.metadata!.resourceVersion;
      delete config.metadata!.managedFields;
      const statusOnly = opts.subresource === 'status';
      const result = serverSideApply(current, config, manager, groupVersion(rt), this.now(),
        { force: opts.force ?? false, skipStatus: rt.statusSubresource && !statusOnly, ...(statusOnly ? { subresource: 'status' } : {}) });
      if (result.conflicts.length > 0) throw conflictError(result.conflicts, rt.plural, rt.group, name);
      if (!current) {
        if (statusOnly) throw notFound(rt.plural, rt.group, name, rt.kind);
        return { object: this.create(rt, ns, result.object, { ...opts, manager: `${manager}\0apply` }), created: true };
      }
      return { object: this.commit(rt, current, result.object, { ...opts, manager: `${manager}\0apply` }), created: false };
    }
    if (!current) throw notFound(rt.plural, rt.group, name, rt.kind);
    const base = this.present(rt, current);
    let patched: unknown;
    if (type === 'json') patched = jsonPatch(base, patchBody);
    else if (type === 'strategic') patched = strategicMergePatch(base, patchBody);
    else patched = mergePatch(base, patchBody);
    const obj = this.normalize(rt, ns, patched);
    if (obj.metadata!.name !== name) throw badRequest(`a patch cannot change metadata.name (${name} → ${obj.metadata!.name})`);
    const rv = obj.metadata!.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata?.resourceVersion) {
      throw conflict(rt.plural, rt.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return { object: this.commit(rt, current, obj, opts), created: false };
  }

  /**
   * Writes `incoming` over `current`: system metadata kept, status or spec ignored per subresource, generation,
   * managed fields, CRD registration; no-op writes return the current object untouched; an object being deleted
   * whose last finalizer went away is removed.
   */
  private commit(rt: ResourceType, current: KubeObject, incoming: KubeObject, opts: WriteOptions): KubeObject {
    const key = resourceKey(rt);
    const cur = current.metadata!;
    let next: KubeObject;
    if (opts.subresource === 'status') {
      if (!rt.statusSubresource) throw new KubeApiError(404, 'NotFound', `the server could not find the requested resource: ${rt.plural} has no status subresource`);
      next = { ...clone(current), status: clone(incoming.status) };
      if (incoming.status === undefined) delete next.status;
    } else {
      next = clone(incoming);
      if (rt.statusSubresource) {
        if (current.status === undefined) delete next.status; else next.status = clone(current.status);
      }
    }
    const md = next.metadata = { ...(next.metadata ?? {}) };
    md.name = cur.name;
    if (rt.namespaced) md.namespace = cur.namespace;
    md.uid = cur.uid;
    md.creationTimestamp = cur.creationTimestamp;
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds']) {
      if (cur[k] !== undefined) md[k] = cur[k]; else delete md[k];
    }
    if (cur.generation !== undefined) md.generation = cur.generation; else delete md.generation;
    const [rawManager, how] = (opts.manager ?? 'unknown').split('\0');
    if (how !== 'apply') md.managedFields = cur.managedFields;
    if (md.deletionTimestamp && Array.isArray(md.finalizers) && Array.isArray(cur.finalizers)) {
      const added = md.finalizers.filter((f: string) => !cur.finalizers.includes(f));
      if (added.length > 0) {
        throw new KubeApiError(422, 'Invalid', `${rt.kind} "${cur.name}" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`);
      }
    }
    applyWriteHooks(rt, next, current);
    if (rt.crd) opts.warnings?.push(...checkCustomResource(rt, next, opts.fieldValidation));
    if (rt.generation && !isDeepStrictEqual(withoutMetaStatus(current, rt.statusSubresource), withoutMetaStatus(next, rt.statusSubresource))) {
      md.generation = (cur.generation ?? 0) + 1;
    }
    const isCrd = key === CRDS;
    if (isCrd && opts.subresource !== 'status' && !opts.dryRun) {
      const specChanged = !isDeepStrictEqual(current.spec, next.spec);
      if (specChanged) {
        this.registry.unregisterCrd(cur.name);
        try {
          this.registry.registerCrd(next);
        } catch (err) {
          this.registry.registerCrd(current);
          throw err;
        }
        next.status = crdStatus(next, this.now());
      }
    }
    if (how !== 'apply') {
      recordUpdate(current, next, rawManager!, groupVersion(rt), this.now(),
        { skipStatus: rt.statusSubresource && opts.subresource !== 'status', ...(opts.subresource ? { subresource: opts.subresource } : {}) });
    }
    if (isDeepStrictEqual(comparable(current), comparable(next))) return this.present(rt, current);
    if (opts.dryRun) return this.present(rt, next);
    if (md.deletionTimestamp && (!Array.isArray(md.finalizers) || md.finalizers.length === 0) && !this.waitsForNamespaceContent(key, next)) {
      // removing the last finalizer deletes: one DELETED event carrying the final state, as the real server does
      return this.present(rt, this.removeNow(rt, next));
    }
    return this.present(rt, this.store.put(key, next));
  }

  private waitsForNamespaceContent(key: string, obj: KubeObject): boolean {
    return key === NAMESPACES && this.namespaceHasContent(obj.metadata!.name);
  }

  namespaceHasContent(namespace: string): boolean {
    for (const rt of this.registry.all()) {
      if (rt.namespaced && this.store.list(resourceKey(rt), namespace).length > 0) return true;
    }
    return false;
  }

  /**
   * DELETE: an object with finalizers (or a namespace with content) gets a deletionTimestamp and stays until they
   * are gone; otherwise it is removed at once. Returns the object when it stays, a Status (built-ins) or the
   * object (custom resources) when removed.
   */
  delete(rt: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): { body: KubeObject | KubeStatus; removed: boolean } {
    const ns = this.scope(rt, namespace);
    const key = resourceKey(rt);
    let current = this.store.get(key, ns, name);
    if (!current) throw notFound(rt.plural, rt.group, name, rt.kind);
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== current.metadata!.uid) {
      throw conflict(rt.plural, rt.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata!.uid}`);
    }
    if (pre.resourceVersion && pre.resourceVersion !== current.metadata!.resourceVersion) {
      throw conflict(rt.plural, rt.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata!.resourceVersion}`);
    }
    if (opts.dryRun) return { body: this.present(rt, current), removed: false };
    if (opts.propagationPolicy === 'Orphan') this.orphanDependents(current.metadata!.uid);
    let finalizers: string[] = Array.isArray(current.metadata!.finalizers) ? current.metadata!.finalizers : [];
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes(FOREGROUND) && this.dependentsOf(current.metadata!.uid).length > 0) {
      // the garbage collector deletes the dependents, then removes this finalizer
      finalizers = [...finalizers, FOREGROUND];
      const next = clone(current);
      next.metadata!.finalizers = finalizers;
      if (current.metadata!.deletionTimestamp) {
        return { body: this.present(rt, this.store.put(key, next)), removed: false };
      }
      current = next;
    }
    const isNamespace = key === NAMESPACES;
    if (finalizers.length > 0 || (isNamespace && this.namespaceHasContent(name)) || isNamespace) {
      if (!current.metadata!.deletionTimestamp) {
        const next = clone(current);
        next.metadata!.deletionTimestamp = this.now();
        next.metadata!.deletionGracePeriodSeconds = 0;
        if (rt.generation) next.metadata!.generation = (current.metadata!.generation ?? 0) + 1;
        if (isNamespace) next.status = { ...(next.status ?? {}), phase: 'Terminating' };
        const stored = this.store.put(key, next);
        if (isNamespace && finalizers.length === 0 && !this.namespaceHasContent(name)) {
          this.removeNow(rt, stored);
          return { body: this.present(rt, stored), removed: true };
        }
        return { body: this.present(rt, stored), removed: false };
      }
      return { body: this.present(rt, current), removed: false };
    }
    const gone = this.removeNow(rt, current);
    if (rt.crd) return { body: this.present(rt, gone), removed: true };
    return { body: successStatus({ name, group: rt.group, kind: rt.plural, uid: current.metadata!.uid }), removed: true };
  }

  /** Removes from the store (DELETED event); a CRD takes its resources and their objects with it. */
  removeNow(rt: ResourceType, obj: KubeObject): KubeObject {
    // `obj` is the final state (it may not be stored yet)
    const key = resourceKey(rt);
    if (key === CRDS) {
      const types = this.registry.unregisterCrd(obj.metadata!.name);
      const storageKeys = new Set(types.map(resourceKey));
      for (const sk of storageKeys) {
        for (const o of this.store.list(sk)) this.store.remove(sk, o.metadata?.namespace, o.metadata!.name);
        this.store.dropAll(sk);
      }
      for (const t of types) for (const fn of [...this.removedListeners]) fn(t);
    }
    return this.store.remove(key, obj.metadata!.namespace, obj.metadata!.name, obj) ?? obj;
  }

  /** deletecollection: deletes every matching object (each with its own finalizer semantics). */
  deleteCollection(rt: ResourceType, namespace: string | undefined, list: ListOptions, opts: DeleteOptions = {}): KubeList {
    const found = this.list(rt, namespace, { ...(list.labelSelector ? { labelSelector: list.labelSelector } : {}), ...(list.fieldSelector ? { fieldSelector: list.fieldSelector } : {}) });
    const items: KubeObject[] = [];
    for (const o of found.items) {
      const r = this.delete(rt, o.metadata?.namespace, o.metadata!.name, opts);
      items.push(r.body.kind === 'Status' ? o : (r.body as KubeObject));
    }
    return { ...found, items };
  }

  /** The object with this uid, wherever it is (for the garbage collector). */
  findByUid(uid: string): { rt: ResourceType; obj: KubeObject } | undefined {
    const at = this.store.locate(uid);
    const rt = at && this.storageType(at.key);
    return at && rt ? { rt, obj: at.object } : undefined;
  }

  /** One served type per storage key. */
  servedStorage(): ResourceType[] {
    const seen = new Map<string, ResourceType>();
    for (const rt of this.registry.all()) if (!seen.has(resourceKey(rt))) seen.set(resourceKey(rt), rt);
    return [...seen.values()];
  }

  private storageType(key: string): ResourceType | undefined {
    return this.servedStorage().find((rt) => resourceKey(rt) === key);
  }

  /** Objects whose ownerReferences name this uid. */
  dependentsOf(uid: string): { rt: ResourceType; obj: KubeObject }[] {
    const out: { rt: ResourceType; obj: KubeObject }[] = [];
    for (const { key, object } of this.store.dependents(uid)) {
      const rt = this.storageType(key);
      if (rt) out.push({ rt, obj: object });
    }
    return out;
  }

  private orphanDependents(uid: string): void {
    for (const { rt, obj } of this.dependentsOf(uid)) {
      const next = clone(obj);
      next.metadata!.ownerReferences = obj.metadata!.ownerReferences.filter((r: any) => r?.uid !== uid);
      if (next.metadata!.ownerReferences.length === 0) delete next.metadata!.ownerReferences;
      this.commit(rt, obj, next, { manager: 'generic-garbage-collector' });
    }
  }

  /** Internal write used by the garbage collector (no preconditions). */
  systemUpdate(rt: ResourceType, current: KubeObject, next: KubeObject): KubeObject {
    return this.commit(rt, current, next, { manager: 'generic-garbage-collector' });
  }
}
