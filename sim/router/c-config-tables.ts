/**
 * The C core's configuration tables (router.config.address, autoLink, linkRoute, exchange, binding and
 * router.connection.linkRoute): CREATE validation with the C agent's own texts (agent_config_*.c), identities from
 * the core's counter, names unique within a type only, and the column maps READ/QUERY/CREATE answer with.
 * Unknown body attributes are ignored, as the C code only looks up the keys it knows.
 */
import type { Flavor } from '../../src/router/protocol.js';
import type { Attributes } from './contract.js';
import { cColumns, type CTypeKey } from './c-columns.js';
import { isPlainObject } from './python-repr.js';

export interface CConfigItem {
  readonly type: CTypeKey;
  readonly identity: string;
  readonly name: string | null;
  /** column values other than name, identity and type */
  readonly values: Attributes;
  /** the internal form of prefix/pattern, to detect two entries for the same address pattern */
  readonly patternKey?: string;
}

export type CreateOutcome = { ok: true; item: CConfigItem } | { ok: false; description: string };

const MAX_PRIORITY = 9;

/** qd_parse_as_long on whatever the field holds. */
function asLong(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

function asBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  return false;
}

const asText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : String(v));

/** qdra_config_address_validate_pattern_CT: a non-empty string, leading/trailing '.' and '/' stripped. */
function validatePattern(v: unknown, isPrefix: boolean): { pattern: string } | { error: string } {
  if (typeof v !== 'string' || v.length === 0) {
    return { error: isPrefix ? 'Prefix must be a non-empty string type' : 'Pattern must be a non-empty string type' };
  }
  const stripped = v.replace(/^[./]+/, '').replace(/[./]+$/, '');
  if (stripped.length === 0) return { error: isPrefix ? 'Prefix invalid - no tokens' : 'Pattern invalid - no tokens' };
  return { pattern: stripped };
}

/** The distribution text the C agent reports for a configured address (an unknown value means balanced). */
function treatment(v: unknown): string | null {
  switch (v) {
    case 'multicast': return 'multicast';
    case 'closest': return 'closest';
    case 'unavailable': return null; // the column writer has no case for it
    default: return 'balanced';
  }
}

export class CConfigTables {
  private readonly tables = new Map<CTypeKey, CConfigItem[]>();

  constructor(private readonly flavor: Flavor, private readonly prefix: string) {}

  items(type: CTypeKey): readonly CConfigItem[] {
    return this.tables.get(type) ?? [];
  }

  /** READ/DELETE lookup: by identity when one is given (the name is then ignored), else by name. */
  find(type: CTypeKey, name: string | undefined, identity: string | undefined): CConfigItem | undefined {
    if (identity !== undefined) return this.items(type).find((i) => i.identity === identity);
    if (name !== undefined) return this.items(type).find((i) => i.name !== null && i.name === name);
    return undefined;
  }

  remove(item: CConfigItem): void {
    const list = this.tables.get(item.type);
    const i = list ? list.indexOf(item) : -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  /** The entity as a map in column order; `live` overrides runtime-dependent columns (operStatus, linkRef, lastError). */
  columnsMap(item: CConfigItem, live?: Attributes): Attributes {
    const out: Attributes = {};
    for (const col of cColumns(this.flavor, item.type)) out[col] = this.column(item, col, live);
    return out;
  }

  column(item: CConfigItem, col: string, live?: Attributes): unknown {
    if (col === 'name') return item.name;
    if (col === 'identity') return item.identity;
    if (col === 'type') return `${this.prefix}.${item.type}`;
    if (live && col in live && (col === 'operStatus' || col === 'linkRef' || col === 'lastError')) return live[col] ?? null;
    return item.values[col] ?? null;
  }

  create(type: CTypeKey, name: string | undefined, body: unknown, nextIdentity: () => string): CreateOutcome {
    if (name !== undefined && this.items(type).some((i) => i.name === name)) {
      return { ok: false, description: 'Name conflicts with an existing entity' };
    }
    if (!isPlainObject(body)) return { ok: false, description: 'Body of request must be a map' };
    const built = this.build(type, body);
    if ('error' in built) return { ok: false, description: built.error };
    const item: CConfigItem = { type, identity: nextIdentity(), name: name ?? null, values: built.values, patternKey: built.patternKey };
    const list = this.tables.get(type) ?? [];
    list.push(item);
    this.tables.set(type, list);
    return { ok: true, item };
  }

  private build(type: CTypeKey, body: Attributes): { values: Attributes; patternKey?: string } | { error: string } {
    switch (type) {
      case 'router.config.address': return this.buildAddress(body);
      case 'router.config.autoLink': return this.buildAutoLink(body);
      case 'router.config.linkRoute': return this.buildLinkRoute(body);
      default: {
        // exchange, binding, connection link route: kept as given (their validation is not modelled)
        const values: Attributes = {};
        for (const col of cColumns(this.flavor, type)) if (col in body && !['name', 'identity', 'type'].includes(col)) values[col] = body[col];
        return { values };
      }
    }
  }

  private buildAddress(body: Attributes): { values: Attributes; patternKey: string } | { error: string } {
    const hasPrefix = 'prefix' in body;
    const hasPattern = 'pattern' in body;
    const priority = 'priority' in body ? asLong(body.priority) : -1;
    if (!hasPrefix && !hasPattern) return { error: "Either a 'prefix' or 'pattern' attribute must be provided" };
    if (hasPrefix && hasPattern) return { error: "Cannot specify both a 'prefix' and a 'pattern' attribute" };
    const p = validatePattern(hasPrefix ? body.prefix : body.pattern, hasPrefix);
    if ('error' in p) return p;
    if (priority > MAX_PRIORITY) return { error: 'Priority value, if present, must be between 0 and QDR_MAX_PRIORITY' };
    const patternKey = hasPrefix ? `${p.pattern}/#` : p.pattern;
    if (this.items('router.config.address').some((i) => i.patternKey === patternKey)) return { error: 'Already exists' };
    const values: Attributes = {
      prefix: hasPrefix ? p.pattern : null,
      pattern: hasPrefix ? null : p.pattern,
      distribution: treatment(body.distribution),
      priority,
    };
    if (this.flavor === 'qdrouterd') {
      const ingress = 'ingressPhase' in body ? asLong(body.ingressPhase) : 0;
      const egress = 'egressPhase' in body ? asLong(body.egressPhase) : 0;
      // the qd 1.x text for a phase out of range is not at hand; this one names the rule
      if (ingress < 0 || ingress > 9 || egress < 0 || egress > 9) return { error: 'Address phase values must be between 0 and 9' };
      values.waypoint = asBool(body.waypoint);
      values.ingressPhase = ingress;
      values.egressPhase = egress;
      values.fallback = asBool(body.fallback ?? body.enableFallback);
    }
    return { values, patternKey };
  }

  private buildAutoLink(body: Attributes): { values: Attributes } | { error: string } {
    const qd = this.flavor === 'qdrouterd';
    const addrKey = 'address' in body ? 'address' : qd && 'addr' in body ? 'addr' : undefined;
    const dirKey = 'direction' in body ? 'direction' : qd && 'dir' in body ? 'dir' : undefined;
    const extKey = 'externalAddress' in body ? 'externalAddress' : qd && 'externalAddr' in body ? 'externalAddr' : undefined;
    const hasConnection = 'connection' in body;
    const hasContainer = 'containerId' in body;
    if (hasConnection && hasContainer) return { error: 'Both connection and containerId cannot be specified. Specify only one' };
    const fallback = qd && 'fallback' in body ? asBool(body.fallback) : false;
    if (!addrKey || !dirKey) return { error: 'address and direction fields are mandatory' };
    const dir = body[dirKey];
    if (dir !== 'in' && dir !== 'out') return { error: "Invalid value for 'direction'" };
    const address = asText(body[addrKey]);
    const external = extKey ? asText(body[extKey]) : null;
    const values: Attributes = {
      address,
      direction: dir,
      connection: hasConnection ? asText(body.connection) : null,
      containerId: hasContainer ? asText(body.containerId) : null,
      externalAddress: external,
      linkRef: null,
      operStatus: 'inactive',
      lastError: null,
    };
    if (qd) {
      const phase = 'phase' in body ? asLong(body.phase) : dir === 'out' || fallback ? 0 : 1;
      if (phase < 0 || phase > 9) return { error: 'autoLink phase must be between 0 and 9' };
      Object.assign(values, { addr: address, dir, phase, externalAddr: external, fallback });
    }
    return { values };
  }

  private buildLinkRoute(body: Attributes): { values: Attributes } | { error: string } {
    const dirKey = 'direction' in body ? 'direction' : 'dir' in body ? 'dir' : undefined;
    const hasPrefix = 'prefix' in body;
    const hasPattern = 'pattern' in body;
    if ('connection' in body && 'containerId' in body) return { error: 'Both connection and containerId cannot be specified. Specify only one' };
    if (!dirKey) return { error: "No 'direction' attribute provided - it is mandatory" };
    if (!hasPrefix && !hasPattern) return { error: "Either a 'prefix' or 'pattern' attribute must be provided" };
    if (hasPrefix && hasPattern) return { error: "Cannot specify both a 'prefix' and a 'pattern' attribute" };
    const p = validatePattern(hasPrefix ? body.prefix : body.pattern, hasPrefix);
    if ('error' in p) return p;
    if ('distribution' in body && body.distribution !== 'linkBalanced') return { error: "Invalid value for 'distribution'" };
    const dir = body[dirKey];
    if (dir !== 'in' && dir !== 'out') return { error: "Invalid value for 'direction'" };
    return {
      values: {
        prefix: hasPrefix ? p.pattern : null,
        pattern: hasPrefix ? null : p.pattern,
        distribution: 'linkBalanced',
        connection: 'connection' in body ? asText(body.connection) : null,
        containerId: 'containerId' in body ? asText(body.containerId) : null,
        direction: dir,
        dir,
        operStatus: 'inactive',
        addExternalPrefix: asText(body.addExternalPrefix),
        delExternalPrefix: asText(body.delExternalPrefix),
      },
    };
  }
}
