/**
 * managedFields, simply: an object is flattened into leaf paths (objects recurse, lists and scalars are atomic
 * leaves); each manager owns a set of paths, kept in metadata.managedFields in the real FieldsV1 shape
 * (`{"f:spec":{"f:replicas":{}}}`) and read back from there; empty maps own nothing. Real server-side apply also merges lists by key
 * (listType=map); here a list is owned as a whole.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from './resources.js';

export type FieldPath = string[];

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

const enc = (p: FieldPath) => JSON.stringify(p);
const dec = (s: string) => JSON.parse(s) as FieldPath;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Leaf paths of an object's user fields (not apiVersion/kind/system metadata; not status when skipStatus). */
export function leafPaths(obj: KubeObject, opts: { skipStatus: boolean }): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (v: unknown, path: FieldPath) => {
    if (isPlainObject(v)) {
      // an empty map owns nothing (its fields may be someone else's)
      for (const [k, child] of Object.entries(v)) walk(child, [...path, k]);
    } else {
      out.set(enc(path), v);
    }
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    if (k === 'status' && opts.skipStatus) continue;
    walk(v, [k]);
  }
  const md = obj.metadata ?? {};
  for (const k of ['labels', 'annotations']) {
    if (isPlainObject(md[k])) for (const [lk, lv] of Object.entries(md[k])) out.set(enc(['metadata', k, lk]), lv);
  }
  for (const k of ['finalizers', 'ownerReferences']) if (md[k] !== undefined) out.set(enc(['metadata', k]), md[k]);
  return out;
}

export function getPath(obj: unknown, path: FieldPath): unknown {
  let cur: any = obj;
  for (const p of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export function deletePath(obj: KubeObject, path: FieldPath): void {
  let cur: any = obj;
  for (const p of path.slice(0, -1)) {
    if (!isPlainObject(cur)) return;
    cur = cur[p];
  }
  if (isPlainObject(cur)) delete cur[path[path.length - 1]!];
}

export function toFieldsV1(paths: Iterable<string>): Record<string, unknown> {
  const root: Record<string, any> = {};
  for (const s of paths) {
    let cur = root;
    for (const part of dec(s)) cur = cur[`f:${part}`] ??= {};
  }
  return root;
}

export function fromFieldsV1(fv1: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, path: FieldPath) => {
    const keys = isPlainObject(node) ? Object.keys(node).filter((k) => k.startsWith('f:')) : [];
    if (keys.length === 0) { if (path.length > 0) out.add(enc(path)); return; }
    for (const k of keys) walk((node as Record<string, unknown>)[k], [...path, k.slice(2)]);
  };
  walk(fv1, []);
  return out;
}

/** A manager's paths by `manager\0operation\0subresource`. */
export type Ownership = Map<string, { manager: string; operation: 'Apply' | 'Update'; apiVersion: string; time: string; subresource?: string; paths: Set<string> }>;

export function readOwnership(obj: KubeObject | undefined): Ownership {
  const out: Ownership = new Map();
  for (const e of (obj?.metadata?.managedFields ?? []) as ManagedFieldsEntry[]) {
    if (!e || typeof e.manager !== 'string') continue;
    out.set(ownerKey(e.manager, e.operation, e.subresource), {
      manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time,
      ...(e.subresource ? { subresource: e.subresource } : {}), paths: fromFieldsV1(e.fieldsV1),
    });
  }
  return out;
}

export function ownerKey(manager: string, operation: string, subresource?: string): string {
  return `${manager}\0${operation}\0${subresource ?? ''}`;
}

export function writeOwnership(obj: KubeObject, own: Ownership): void {
  const entries: ManagedFieldsEntry[] = [];
  for (const o of own.values()) {
    if (o.paths.size === 0) continue;
    entries.push({
      manager: o.manager, operation: o.operation, apiVersion: o.apiVersion, time: o.time, fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(o.paths), ...(o.subresource ? { subresource: o.subresource } : {}),
    });
  }
  obj.metadata ??= {};
  if (entries.length > 0) obj.metadata.managedFields = entries; else delete obj.metadata.managedFields;
}

function dropPathAndBelow(paths: Set<string>, path: string): void {
  const p = dec(path);
  for (const s of [...paths]) {
    const q = dec(s);
    const below = q.length >= p.length && p.every((x, i) => q[i] === x);
    const above = q.length < p.length && q.every((x, i) => p[i] === x);
    if (below || above) paths.delete(s);
  }
}

/** An Update (create, PUT, non-apply PATCH) by `manager`: it takes the fields it changed; removed fields are freed. */
export function recordUpdate(before: KubeObject | undefined, after: KubeObject, manager: string, apiVersion: string, time: string,
  opts: { skipStatus: boolean; subresource?: string }): void {
  const own = readOwnership(before ?? after);
  const oldLeaves = before ? leafPaths(before, opts) : new Map<string, unknown>();
  const newLeaves = leafPaths(after, opts);
  const changed: string[] = [];
  for (const [p, v] of newLeaves) if (!oldLeaves.has(p) || !isDeepStrictEqual(oldLeaves.get(p), v)) changed.push(p);
  for (const p of oldLeaves.keys()) if (!newLeaves.has(p)) for (const o of own.values()) dropPathAndBelow(o.paths, p);
  if (changed.length > 0) {
    for (const o of own.values()) for (const p of changed) dropPathAndBelow(o.paths, p);
    const key = ownerKey(manager, 'Update', opts.subresource);
    const mine = own.get(key) ?? { manager, operation: 'Update' as const, apiVersion, time, ...(opts.subresource ? { subresource: opts.subresource } : {}), paths: new Set<string>() };
    mine.time = time;
    mine.apiVersion = apiVersion;
    for (const p of changed) mine.paths.add(p);
    own.set(key, mine);
  }
  writeOwnership(after, own);
}

export interface ApplyConflict { manager: string; apiVersion: string; path: string }

/** `.spec.replicas`, as the real conflict messages print a field. */
export function printPath(path: string): string {
  return dec(path).map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('');
}

export { enc as encodePath, dec as decodePath };
