/**
 * When is an entity read back from a router "the same" as the desired one? Only the attributes the desired entity
 * sets are compared (the router fills in defaults on read-back, router-management §7), and values are compared the
 * way the router's schema coerces them (§2.6): the Python agent stores ports as strings, accepts `yes/on/true` for
 * booleans and `"10"` for integers, and a listening host of `""` means the same as `0.0.0.0` / `::`.
 */
import type { ManagedType } from './types.js';

/** Keys that identify an entity rather than configure it; never compared. */
const IDENTITY_KEYS = new Set(['name', 'identity', 'type']);

/** Attributes whose value is a listening address: `""`, `0.0.0.0` and `::` all mean "every interface". */
const WILDCARD_HOST_TYPES: ReadonlySet<ManagedType> = new Set(['listener', 'tcpListener']);
const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::']);

/**
 * Per type, the only attributes an UPDATE may change (everything else needs a replace). Undefined: any attribute the
 * caller's capabilities allow. tcpListener lists UPDATE on skupper 3.2+, but only `observer` is `update:true`.
 */
export const UPDATABLE_ATTRIBUTES: Partial<Record<ManagedType, ReadonlySet<string>>> = {
  tcpListener: new Set(['observer']),
};

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/** A canonical form for comparison: scalars become strings (so 5672 ≡ "5672", true ≡ "yes"), maps sort their keys. */
export function canonical(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') {
    const lower = v.trim().toLowerCase();
    if (TRUE_WORDS.has(lower) && lower !== '1') return 'true';
    if (FALSE_WORDS.has(lower) && lower !== '0') return 'false';
    // "0010" and 10 are the same integer once the schema has coerced them; keep other strings verbatim
    if (/^-?\d+$/.test(v.trim())) return String(Number(v.trim()));
    return v;
  }
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return String(v);
}

/** The C agent stores address prefixes/patterns without leading or trailing `.` and `/` (`app/x/` reads back `app/x`). */
function addressPattern(v: unknown): unknown {
  return typeof v === 'string' ? v.replace(/^[./]+/, '').replace(/[./]+$/, '') : v;
}

/** True when the router's stored `observed` is what `desired` would have been stored as. */
export function sameValue(type: ManagedType, attr: string, desired: unknown, observed: unknown): boolean {
  if (type === 'router.config.address' && (attr === 'prefix' || attr === 'pattern')) {
    return canonical(addressPattern(desired)) === canonical(addressPattern(observed));
  }
  if (attr === 'host' && WILDCARD_HOST_TYPES.has(type)) {
    const d = canonical(desired);
    const o = canonical(observed);
    if (WILDCARD_HOSTS.has(d) && WILDCARD_HOSTS.has(o)) return true;
    return d === o;
  }
  // booleans: 1/0 are only booleans when one side is a real boolean (for integers 1 must stay 1)
  if (typeof desired === 'boolean' || typeof observed === 'boolean') {
    return toBool(desired) === toBool(observed);
  }
  return canonical(desired) === canonical(observed);
}

function toBool(v: unknown): boolean | string {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const l = v.trim().toLowerCase();
    if (TRUE_WORDS.has(l)) return true;
    if (FALSE_WORDS.has(l)) return false;
  }
  return canonical(v);
}

export interface AttributeDiff {
  /** desired values of the attributes that differ */
  changed: Record<string, unknown>;
  /** `port 5672 → 5673` per differing attribute (observed → desired) */
  details: string[];
}

/** The desired attributes whose observed value differs (only attributes the desired entity sets; undefined = unset). */
export function diffAttributes(type: ManagedType, desired: Record<string, unknown>, observed: Record<string, unknown>): AttributeDiff {
  const changed: Record<string, unknown> = {};
  const details: string[] = [];
  for (const key of Object.keys(desired).sort()) {
    if (IDENTITY_KEYS.has(key)) continue;
    const d = desired[key];
    if (d === undefined) continue;
    const o = observed[key];
    if (sameValue(type, key, d, o)) continue;
    changed[key] = d;
    details.push(`${key} ${show(o)} → ${show(d)}`);
  }
  return { changed, details };
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (typeof v === 'string') return JSON.stringify(v);
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}
