/**
 * PATCH bodies by Content-Type: JSON merge patch (RFC 7386), JSON patch (RFC 6902, via fast-json-patch), strategic
 * merge patch (a merge patch that also merges lists of objects by a key such as `name`, and understands the
 * `$patch: delete`, `$setElementOrder/…`, `$retainKeys` and `$deleteFromPrimitiveList/…` directives kubectl sends;
 * the key is guessed rather than read from the Go types), and server-side apply (apply-patch+yaml).
 */
import { isDeepStrictEqual } from 'node:util';
import fastJsonPatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { KubeApiError, badRequest } from './status.js';
import type { KubeObject } from './resources.js';
import {
  decodePath, deletePath, getPath, leafPaths, ownerKey, printPath, readOwnership, writeOwnership,
  type ApplyConflict,
} from './fields.js';

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const t = PATCH_CONTENT_TYPES[ct];
  if (!t) {
    throw new KubeApiError(415, 'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_CONTENT_TYPES).slice(0, 4).join(', ')}`);
  }
  return t;
}

function isPlainObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const clone = <T>(v: T): T => structuredClone(v);

/** Parses a PATCH body: JSON for every type, YAML too for apply. */
export function parsePatchBody(type: PatchType, text: string): unknown {
  try {
    return type === 'apply' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Record<string, any> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function jsonPatch(target: KubeObject, ops: unknown): KubeObject {
  if (!Array.isArray(ops)) throw badRequest('a JSON patch must be a list of operations, e.g. [{"op":"replace","path":"/spec/x","value":1}]');
  try {
    return fastJsonPatch.applyPatch(clone(target), ops as fastJsonPatch.Operation[], true, false).newDocument as KubeObject;
  } catch (err) {
    const e = err as Error & { name?: string; operation?: unknown };
    const testFailed = e.name === 'TEST_OPERATION_FAILED';
    throw new KubeApiError(testFailed ? 422 : 422, 'Invalid',
      testFailed ? `the server rejected our request due to an error in our request: test operation failed: ${JSON.stringify(e.operation)}` : `json patch: ${e.message.split('\n')[0]}`);
  }
}

const MERGE_KEYS = ['name', 'containerPort', 'port', 'mountPath', 'devicePath', 'ip', 'type', 'topologyKey'];

function mergeKeyOf(items: unknown[]): string | undefined {
  if (items.length === 0 || !items.every(isPlainObject)) return undefined;
  return MERGE_KEYS.find((k) => items.every((i) => (i as Record<string, unknown>)[k] !== undefined));
}

export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') { const { $patch: _drop, ...rest } = patch; return clone(rest); }
  const out: Record<string, any> = isPlainObject(target) ? clone(target) : {};
  const retainKeys = Array.isArray(patch.$retainKeys) ? (patch.$retainKeys as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(v)) out[field] = out[field].filter((x: unknown) => !v.some((d) => isDeepStrictEqual(d, x)));
      continue;
    }
    if (v === null) { delete out[k]; continue; }
    if (Array.isArray(v) && Array.isArray(out[k])) {
      out[k] = mergeList(out[k], v, patch[`$setElementOrder/${k}`]);
      continue;
    }
    if (Array.isArray(v)) { out[k] = v.filter((i) => !(isPlainObject(i) && i.$patch === 'delete')).map(stripDirectives); continue; }
    out[k] = strategicMergePatch(out[k], v);
  }
  if (retainKeys) for (const k of Object.keys(out)) if (!retainKeys.includes(k) && !(k in patch)) delete out[k];
  return out;
}

function stripDirectives(v: unknown): unknown {
  return isPlainObject(v) ? strategicMergePatch({}, v) : v;
}

function mergeList(current: unknown[], patch: unknown[], order: unknown): unknown[] {
  const key = mergeKeyOf(patch.length > 0 ? patch : Array.isArray(order) ? order : []);
  if (!key || !current.every((i) => isPlainObject(i) && i[key] !== undefined)) {
    return patch.filter((i) => !(isPlainObject(i) && i.$patch === 'delete')).map(stripDirectives);
  }
  const out = current.map((i) => clone(i)) as Record<string, any>[];
  for (const p of patch as Record<string, any>[]) {
    const idx = out.findIndex((i) => isDeepStrictEqual(i[key], p[key]));
    if (p.$patch === 'delete') { if (idx >= 0) out.splice(idx, 1); continue; }
    if (idx >= 0) out[idx] = strategicMergePatch(out[idx], p) as Record<string, any>;
    else out.push(stripDirectives(p) as Record<string, any>);
  }
  if (Array.isArray(order) && order.every(isPlainObject)) {
    const rank = (i: Record<string, any>) => {
      const r = order.findIndex((o) => isDeepStrictEqual((o as Record<string, any>)[key], i[key]));
      return r < 0 ? Number.MAX_SAFE_INTEGER : r;
    };
    out.sort((a, b) => rank(a) - rank(b));
  }
  return out;
}

/** Deep merge for apply: objects merge, lists and scalars replace, nulls are ignored. */
function applyMerge(target: unknown, config: unknown): unknown {
  if (!isPlainObject(config)) return clone(config);
  const out: Record<string, any> = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(config)) {
    if (v === null) continue;
    out[k] = applyMerge(out[k], v);
  }
  return out;
}

export interface ApplyResult { object: KubeObject; conflicts: ApplyConflict[] }

/**
 * Server-side apply of `config` by `manager` onto `current` (undefined: create). Fields another manager owns with
 * a different value are conflicts unless `force` (then ownership moves). Fields this manager applied before and
 * left out now are removed unless someone else also owns them.
 */
export function serverSideApply(current: KubeObject | undefined, config: KubeObject, manager: string, apiVersion: string, time: string,
  opts: { force: boolean; skipStatus: boolean; subresource?: string }): ApplyResult {
  const own = readOwnership(current);
  const configLeaves = leafPaths(config, { skipStatus: opts.skipStatus });
  const myKey = ownerKey(manager, 'Apply', opts.subresource);
  const conflicts: ApplyConflict[] = [];
  for (const [p, v] of configLeaves) {
    const currentValue = current ? getPath(current, decodePath(p)) : undefined;
    if (isDeepStrictEqual(currentValue, v)) continue;
    for (const [k, o] of own) {
      if (k === myKey || !o.paths.has(p)) continue;
      conflicts.push({ manager: o.manager, apiVersion: o.apiVersion, path: p });
    }
  }
  if (conflicts.length > 0 && !opts.force) return { object: current ?? config, conflicts };
  let merged = applyMerge(current ?? {}, config) as KubeObject;
  const previous = own.get(myKey)?.paths ?? new Set<string>();
  for (const p of previous) {
    if (configLeaves.has(p)) continue;
    const ownedElsewhere = [...own].some(([k, o]) => k !== myKey && o.paths.has(p));
    if (!ownedElsewhere) deletePath(merged, decodePath(p));
  }
  // values that changed move to this manager; equal values are shared
  for (const [k, o] of own) {
    if (k === myKey) continue;
    for (const p of configLeaves.keys()) {
      const currentValue = current ? getPath(current, decodePath(p)) : undefined;
      if (!isDeepStrictEqual(currentValue, configLeaves.get(p))) o.paths.delete(p);
    }
  }
  own.set(myKey, { manager, operation: 'Apply', apiVersion, time, ...(opts.subresource ? { subresource: opts.subresource } : {}), paths: new Set(configLeaves.keys()) });
  merged = { ...merged, metadata: { ...(merged.metadata ?? {}) } };
  writeOwnership(merged, own);
  return { object: merged, conflicts: [] };
}

export function conflictError(conflicts: ApplyConflict[], plural: string, group: string, name: string): KubeApiError {
  const lines = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${printPath(c.path)}`);
  return new KubeApiError(409, 'Conflict',
    `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${lines.join('\n')}`,
    {
      name, group, kind: plural,
      causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: printPath(c.path) })),
    });
}
