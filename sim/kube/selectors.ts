/**
 * Label selectors (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) and field selectors (`metadata.name=x,status.phase!=y`).
 */
import { badRequest } from './status.js';
import type { KubeObject } from './resources.js';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type Matcher = (obj: KubeObject) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

function parseLabelRequirement(term: string): Requirement {
  let m = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) return { op: m[2] as 'in' | 'notin', key: m[1]!, values: m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '') };
  m = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s!=()]*)$/.exec(term);
  if (m) return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1]!, value: m[3]! };
  m = /^!\s*([^\s!=()]+)$/.exec(term);
  if (m) return { op: 'notexists', key: m[1]! };
  m = /^([^\s!=()]+)$/.exec(term);
  if (m) return { op: 'exists', key: m[1]! };
  throw badRequest(`unable to parse requirement: ${JSON.stringify(term)}: use key=value, key!=value, key in (a,b), key notin (a,b), key or !key`);
}

function matches(req: Requirement, values: Record<string, unknown>): boolean {
  const has = Object.prototype.hasOwnProperty.call(values, req.key);
  const v = has ? String(values[req.key]) : undefined;
  switch (req.op) {
    case 'eq': return has && v === req.value;
    case 'neq': return !has || v !== req.value;
    case 'in': return has && req.values.includes(v!);
    case 'notin': return !has || !req.values.includes(v!);
    case 'exists': return has;
    case 'notexists': return !has;
  }
}

export function labelMatcher(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = splitTerms(selector).map(parseLabelRequirement);
  return (obj) => reqs.every((r) => matches(r, obj.metadata?.labels ?? {}));
}

function fieldValue(obj: KubeObject, path: string): string | undefined {
  let cur: any = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[part];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** Field selectors: `=`, `==` and `!=` on any dotted path (the real server allows only a few fields per kind). */
export function fieldMatcher(selector: string | undefined): Matcher {
  if (!selector) return () => true;
  const reqs = splitTerms(selector).map((term) => {
    const m = /^([A-Za-z0-9_.\-/]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector ${JSON.stringify(term)}: use field=value or field!=value, e.g. metadata.name=x`);
    return { path: m[1]!, neq: m[2] === '!=', value: m[3]!.trim() };
  });
  return (obj) => reqs.every((r) => {
    // a missing namespace reads as "" (cluster-scoped objects)
    const v = fieldValue(obj, r.path) ?? (r.path === 'metadata.namespace' ? '' : undefined);
    return r.neq ? v !== r.value : v === r.value;
  });
}

export function selectorMatcher(labelSelector?: string, fieldSelector?: string): Matcher {
  const l = labelMatcher(labelSelector);
  const f = fieldMatcher(fieldSelector);
  return (obj) => l(obj) && f(obj);
}
