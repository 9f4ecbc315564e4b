/**
 * The simulated router's C core management agent (management_agent.c, agent.c, agent_*.c). It takes a request only
 * when the type (entityType, else type) is exactly one of its fully qualified names and the operation is exactly
 * QUERY, CREATE, READ, UPDATE or DELETE; everything else goes to the Python agent. It serves the runtime rows the
 * router supplies (connections, links, addresses), its own configuration tables and the router's counters.
 */
import { STATUS, STATUS_TEXT } from '../../src/router/protocol.js';
import type { Attributes, RuntimeType } from './contract.js';
import type { AgentContext, AgentReply } from './agent-context.js';
import { CConfigTables, type CConfigItem } from './c-config-tables.js';
import { C_CONFIG_TYPES, C_RUNTIME_TYPES, cColumns, cPlan, cTypeKeys, type COperation, type CTypeKey } from './c-columns.js';
import { isPlainObject } from './python-repr.js';

type Props = Record<string, unknown>;

/** A request the C agent takes: its type and operation. */
export interface CTarget {
  type: CTypeKey;
  op: COperation;
}

const C_OPERATIONS: readonly COperation[] = ['QUERY', 'CREATE', 'READ', 'UPDATE', 'DELETE'];

/** At most this many columns (QDR_AGENT_MAX_COLUMNS); a longer attributeNames list means "all". */
const MAX_COLUMNS = 64;

/** qd_can_handle_request: exact fully qualified type (entityType first, then type) and exact upper-case operation. */
export function cTargetOf(ctx: AgentContext, props: Props): CTarget | undefined {
  const typeValue = 'entityType' in props ? props.entityType : props.type;
  if (typeof typeValue !== 'string') return undefined;
  const prefix = `${ctx.schema.prefix}.`;
  if (!typeValue.startsWith(prefix)) return undefined;
  const key = typeValue.slice(prefix.length) as CTypeKey;
  if (!cTypeKeys(ctx.identity.flavor).includes(key)) return undefined;
  const op = props.operation;
  if (typeof op !== 'string' || !(C_OPERATIONS as readonly string[]).includes(op)) return undefined;
  return { type: key, op: op as COperation };
}

/**
 * A name or identity application property as the C code sees it: absent, or the text it compares against. A value
 * that is not a string never equals any name (its raw AMQP encoding is compared), hence the sentinel.
 */
function iterOf(props: Props, key: string): string | undefined {
  if (!(key in props)) return undefined;
  const v = props[key];
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : '\u0000not-a-string';
}

/** qd_parse_as_long */
function asLong(v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

const reply = (status: number, body: unknown, description?: string): AgentReply => ({
  status,
  description: description ?? STATUS_TEXT[status] ?? String(status),
  body,
});

export class CAgent {
  readonly tables: CConfigTables;
  private lastIdentity = 0;

  /** `routerAttributes` gives the router entity's configuration (workerThreads, metadata, area) as the core holds it. */
  constructor(private readonly ctx: AgentContext, private readonly routerAttributes: () => Attributes) {
    this.tables = new CConfigTables(ctx.identity.flavor, ctx.schema.prefix);
  }

  private get flavor() {
    return this.ctx.identity.flavor;
  }

  private longType(type: CTypeKey): string {
    return `${this.ctx.schema.prefix}.${type}`;
  }

  /** The core's identifier counter is shared with connections and links: never hand out one they already use. */
  nextIdentity(): string {
    const shared = this.ctx.runtime.nextIdentity?.();
    if (shared !== undefined) return shared;
    let max = this.lastIdentity;
    for (const t of ['connection', 'router.link'] as const) {
      for (const r of this.ctx.runtime.rows(t)) {
        const n = Number(r.identity);
        if (Number.isInteger(n) && n > max) max = n;
      }
    }
    this.lastIdentity = max + 1;
    return String(this.lastIdentity);
  }

  /** The reply, or 'silent' where agent.c breaks out of its switch without answering. */
  handle(target: CTarget, props: Props, body: unknown): AgentReply | 'silent' {
    const plan = cPlan(this.flavor, this.ctx.identity.version, target.type, target.op);
    if (plan === 'silent') return 'silent';
    if (plan === 'forbidden') {
      if (target.op === 'QUERY') return reply(STATUS.FORBIDDEN, { attributeNames: [], results: [] });
      return reply(STATUS.FORBIDDEN, target.op === 'DELETE' ? {} : null);
    }
    const name = iterOf(props, 'name');
    const identity = iterOf(props, 'identity');
    switch (target.op) {
      case 'QUERY': return this.query(target.type, props, body);
      case 'READ': return this.read(target.type, name, identity);
      case 'CREATE': return this.create(target.type, name, body);
      case 'DELETE': return this.remove(target.type, name, identity);
      case 'UPDATE': return target.type === 'connection' ? this.updateConnection(identity, body) : this.updateLink(name, identity, body);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** Every row of a type as column maps (all columns). */
  private rowsOf(type: CTypeKey): Attributes[] {
    if (C_CONFIG_TYPES.has(type)) return this.tables.items(type).map((i) => this.configMap(i));
    if (C_RUNTIME_TYPES.has(type)) return this.ctx.runtime.rows(type as RuntimeType).map((r) => this.runtimeMap(type, r));
    if (type === 'router' || type === 'routerMetrics') return [this.routerMap(type)];
    return [];
  }

  private configMap(item: CConfigItem): Attributes {
    const live = item.name !== null ? this.ctx.runtime.liveAttributes(item.type, item.name) : undefined;
    return this.tables.columnsMap(item, live);
  }

  private runtimeMap(type: CTypeKey, row: Attributes): Attributes {
    const out: Attributes = {};
    for (const col of cColumns(this.flavor, type)) {
      if (col === 'type') out[col] = this.longType(type);
      else if (col in row) out[col] = row[col];
      else if (type === 'router.address' && (col === 'name' || col === 'identity')) out[col] = row.key ?? null;
      else out[col] = null;
    }
    return out;
  }

  /** qd 1.x `router` (agent_router.c) or skupper `routerMetrics` (agent_router_metrics.c): one row. */
  private routerMap(type: CTypeKey): Attributes {
    const { id, mode, version } = this.ctx.identity;
    const cfg = this.routerAttributes();
    const counters = this.ctx.routerCounters();
    const out: Attributes = {};
    for (const col of cColumns(this.flavor, type)) {
      switch (col) {
        case 'name': out[col] = id; break;
        // there is only one router: agent_router.c gives it identity "1"
        case 'identity': out[col] = '1'; break;
        case 'id': out[col] = id; break;
        case 'type': out[col] = this.longType(type); break;
        case 'mode': out[col] = mode; break;
        case 'area': out[col] = typeof cfg.area === 'string' ? cfg.area : '0'; break;
        case 'version': out[col] = version; break;
        case 'metadata': out[col] = cfg.metadata ?? null; break;
        case 'workerThreads': out[col] = cfg.workerThreads ?? 4; break;
        case 'connectionCounters': out[col] = counters[col] ?? {}; break;
        case 'memoryUsage':
        case 'residentMemoryUsage': out[col] = col in counters ? counters[col] : null; break;
        default: out[col] = col in counters ? counters[col] : 0;
      }
    }
    return out;
  }

  /** agent.c qdr_agent_set_columns + the paging of management_agent.c (count ≤ 0 means all rows). */
  private query(type: CTypeKey, props: Props, body: unknown): AgentReply {
    const all = cColumns(this.flavor, type).slice(0, MAX_COLUMNS - 1);
    const names = isPlainObject(body) ? body.attributeNames : undefined;
    let cols: string[];
    if (!Array.isArray(names) || names.length === 0 || names.length >= MAX_COLUMNS) {
      cols = [...all];
    } else {
      // an unknown name leaves its column at 0 (`name`); a non-string entry is skipped
      cols = names.filter((n): n is string => typeof n === 'string').map((n) => (all.includes(n) ? n : all[0]!));
    }
    const offset = Math.max(0, asLong(props.offset, 0));
    const count = asLong(props.count, -1);
    const rows = this.rowsOf(type).slice(offset);
    const page = count > 0 ? rows.slice(0, count) : rows;
    return reply(STATUS.OK, { attributeNames: cols, results: page.map((r) => cols.map((c) => r[c] ?? null)) });
  }

  private read(type: CTypeKey, name: string | undefined, identity: string | undefined): AgentReply {
    if (type === 'connection') {
      if (identity === undefined) return reply(STATUS.BAD_REQUEST, {}, 'Name not supported. Identity required');
      const row = this.rowsOf(type).find((r) => String(r.identity) === identity);
      return row ? reply(STATUS.OK, row) : reply(STATUS.NOT_FOUND, {});
    }
    if (name === undefined && identity === undefined) return reply(STATUS.BAD_REQUEST, {}, 'No name or identity provided');
    if (type === 'router.address') {
      const key = identity ?? name;
      const row = this.rowsOf(type).find((r) => r.key === key);
      return row ? reply(STATUS.OK, row) : reply(STATUS.NOT_FOUND, {});
    }
    const item = this.tables.find(type, name, identity);
    return item ? reply(STATUS.OK, this.configMap(item)) : reply(STATUS.NOT_FOUND, {});
  }

  private create(type: CTypeKey, name: string | undefined, body: unknown): AgentReply {
    const out = this.tables.create(type, name, body, () => this.nextIdentity());
    if (!out.ok) return reply(STATUS.BAD_REQUEST, null, out.description);
    const map = this.configMap(out.item);
    this.ctx.hooks.created(type, { ...map });
    return reply(STATUS.CREATED, map);
  }

  /** A configuration entity from the router's config file. */
  configure(type: CTypeKey, name: string | undefined, attributes: Attributes): string | undefined {
    const out = this.tables.create(type, name, attributes, () => this.nextIdentity());
    return out.ok ? undefined : out.description;
  }

  private remove(type: CTypeKey, name: string | undefined, identity: string | undefined): AgentReply {
    if (name === undefined && identity === undefined) return reply(STATUS.BAD_REQUEST, {}, 'No name or identity provided');
    const item = this.tables.find(type, name, identity);
    if (!item) return reply(STATUS.NOT_FOUND, {});
    const map = this.configMap(item);
    this.tables.remove(item);
    this.ctx.hooks.deleted(type, map);
    return reply(STATUS.NO_CONTENT, {});
  }

  /** agent_connection.c qdra_connection_update_CT: adminStatus (deleted closes) and enableProtocolTrace. */
  private updateConnection(identity: string | undefined, body: unknown): AgentReply {
    const bad = (): AgentReply => reply(STATUS.BAD_REQUEST, {});
    if (!isPlainObject(body) || identity === undefined) return bad();
    const hasAdmin = 'adminStatus' in body;
    const hasTrace = 'enableProtocolTrace' in body;
    if (!hasAdmin && !hasTrace) return bad();
    const row = this.rowsOf('connection').find((r) => String(r.identity) === identity);
    if (!row) return bad();
    if (hasAdmin) {
      const admin = body.adminStatus;
      if (admin === 'deleted') {
        // inter-router and edge connections may not be force-closed, whatever the policy
        if (row.role === 'inter-router' || row.role === 'edge') {
          return reply(STATUS.FORBIDDEN, {}, 'You are not allowed to perform this operation.');
        }
        if (!this.ctx.hooks.closeConnection(identity)) return bad();
        return reply(STATUS.OK, { ...row, adminStatus: 'deleted', operStatus: 'closing' });
      }
      if (admin !== 'enabled') return bad();
    }
    const trace = hasTrace ? body.enableProtocolTrace === true || body.enableProtocolTrace === 1 : row.enableProtocolTrace;
    return reply(STATUS.OK, { ...row, enableProtocolTrace: trace ?? false });
  }

  /** agent_link.c qdra_link_update_CT (qd 1.x, skupper before 3.3): only adminStatus, and it changes nothing. */
  private updateLink(name: string | undefined, identity: string | undefined, body: unknown): AgentReply {
    if (!isPlainObject(body)) return reply(STATUS.BAD_REQUEST, null);
    if (!('adminStatus' in body)) return reply(STATUS.BAD_REQUEST, {});
    const rows = this.rowsOf('router.link');
    let row: Attributes | undefined;
    if (identity !== undefined) row = rows.find((r) => String(r.identity) === identity);
    else if (name !== undefined) row = rows.find((r) => r.name === name);
    else return reply(STATUS.BAD_REQUEST, {});
    return row ? reply(STATUS.OK, row) : reply(STATUS.NOT_FOUND, {});
  }
}
