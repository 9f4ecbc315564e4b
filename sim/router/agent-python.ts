/**
 * The simulated router's Python management agent (agent.py `Agent`, `EntityAdapter`, `ManagementEntity`): every
 * request the C agent does not take. It holds the configuration entities (listeners, connectors, sslProfiles, tcp*,
 * logs, the router itself, the management node) and the router.node rows, but none of the C core's runtime rows,
 * which is why a QUERY of `connection` by short name finds nothing here.
 */
import { STATUS, STATUS_TEXT } from '../../src/router/protocol.js';
import type { Attributes } from './contract.js';
import type { AgentContext, AgentReply } from './agent-context.js';
import { AgentStatusError, PyException, PyValidationError, badRequest, notFound, notImplemented, pythonErrorReply } from './agent-errors.js';
import { EntityTable } from './entity-table.js';
import { IdentifierCounters, identifierOf, refreshEntity, refreshedAttributes, type PyEntity, type RefreshContext } from './python-entities.js';
import { isPlainObject, pyEquals, pyRepr, pyStr, pyTruthy, pyTypeName } from './python-repr.js';
import { createCheck, pyInt, updateCheck, validateEntityAttributes } from './python-validate.js';
import { dumpSchema, dumpSchemaJson } from './schema-dump.js';
import { isA, lookupType, schemaLongName, type EntityTypeDef, type RouterSchema } from './schema.js';

type Props = Record<string, unknown>;

/** boot entities shared by the routers of one schema (configureShared), by schema and type key */
const SHARED_BOOT_ENTITIES = new WeakMap<RouterSchema, Map<string, readonly Attributes[]>>();

/** connection-property keys a listener/connector may not set (agent.py ConnectionBaseEntity; 'scheme' 'hostname' lost a comma there) */
const RESERVED_OPEN_KEYS = ['product', 'version', 'failover-server-list', 'network-host', 'port', 'schemehostname'];
const RESERVED_OPEN_PREFIXES = ['qd.', 'x-opt-qd.'];

export class PythonAgent {
  readonly table = new EntityTable();
  private readonly counters = new IdentifierCounters();
  private readonly management: PyEntity;
  private readonly nodes = new Map<string, PyEntity>();
  private profiling = false;

  constructor(private readonly ctx: AgentContext) {
    const type = this.mustType('management');
    this.management = { type, attributes: { identity: 'self', name: 'self', type: type.name } };
    this.table.add(this.management);
  }

  private get schema(): RouterSchema {
    return this.ctx.schema;
  }

  private mustType(key: string): EntityTypeDef {
    const t = lookupType(this.schema, key);
    if (!t) throw new PyValidationError(`No such entity type '${key}'`);
    return t;
  }

  private refreshContext(): RefreshContext {
    return { flavor: this.ctx.identity.flavor, version: this.ctx.identity.version, routerCounters: () => this.ctx.routerCounters() };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // entity life cycle (agent.py Agent._create, EntityAdapter.validate, EntityCache.add)

  /** EntityAdapter.validate: identity and name defaults, schema validation, then the class's own checks. */
  private adapterValidate(e: PyEntity): void {
    const a = e.attributes;
    if (pyTruthy(a.identity)) {
      if (!pyTruthy(a.name)) {
        const id = identifierOf(e, this.counters);
        a.name = `${e.type.shortName}/${id}`;
      }
    } else {
      const id = identifierOf(e, this.counters);
      a.identity = `${e.type.shortName}/${id}`;
      if (!pyTruthy(a.name) && !('name' in a)) a.name = a.identity;
    }
    validateEntityAttributes(this.schema, e.type, a);
    if (e.type.shortName === 'listener' || e.type.shortName === 'connector') checkOpenProperties(a);
  }

  /** Schema.validate_add: validate again (idempotent) and check uniqueness against every entity held. */
  private validateAdd(e: PyEntity): void {
    if (typeof e.attributes.type === 'string') e.attributes.type = schemaLongName(this.schema, e.attributes.type);
    validateEntityAttributes(this.schema, e.type, e.attributes);
    this.table.checkUnique(e);
  }

  /** Agent._create: build, check, run the implementation's create, refresh, add. */
  private createEntity(attrs: Attributes): PyEntity {
    if (attrs.identity !== undefined && attrs.identity !== null) {
      throw badRequest(`'identity' attribute cannot be specified ${pyRepr(attrs)}`);
    }
    if (attrs.type === undefined || attrs.type === null) throw badRequest(`No 'type' attribute in ${pyRepr(attrs)}`);
    const type = this.mustType(String(attrs.type));
    if (type.shortName === 'log' && attrs.module === 'DEFAULT') {
      // LogEntity: the DEFAULT module has its own defaults, placed before the given attributes
      attrs = { enable: 'info+', includeTimestamp: true, includeSource: false, outputFile: 'stderr', ...attrs };
    }
    const e: PyEntity = { type, attributes: attrs };
    if (!('type' in attrs)) attrs.type = type.name;
    // RouterEntity and PolicyEntity skip validation at construction
    if (type.shortName !== 'router' && type.shortName !== 'policy') this.adapterValidate(e);
    this.validateAdd(e);
    this.implementationCreate(e);
    const ctx = this.refreshContext();
    // an implementation object is refreshed as soon as it is attached; router and policy get theirs on the next request
    if (type.shortName !== 'router' && type.shortName !== 'policy' && refreshedAttributes(ctx.flavor, type.shortName).length > 0) {
      refreshEntity(e, ctx, this.ctx.runtime.liveAttributes(type.key, String(attrs.name ?? '')));
    }
    this.adapterValidate(e);
    this.validateAdd(e);
    this.table.add(e);
    return e;
  }

  /** What the C functions behind `entity.create()` check or set before the entity is kept. */
  private implementationCreate(e: PyEntity): void {
    const a = e.attributes;
    const short = e.type.shortName;
    const profileMissing = typeof a.sslProfile === 'string' && a.sslProfile !== '' &&
      !this.ofTypeKey('sslProfile').some((p) => p.attributes.name === a.sslProfile);
    if (short === 'router') {
      a.hostName = 'localhost';
    } else if (short === 'listener' || short === 'connector') {
      // tls.c: qd_error(QD_ERROR_NOT_FOUND, ...) surfaces in Python as a CError carrying "<error name>: <text>"
      if (profileMissing) throw new PyException('CError', `Not found: sslProfile '${String(a.sslProfile)}' not found`);
    } else if (short === 'tcpListener' || short === 'tcpConnector' || short === 'httpListener' || short === 'httpConnector') {
      if (profileMissing) throw new PyValidationError(`Invalid ${short} configuration: see logs for details.`);
    } else if (short === 'listenerAddress') {
      const listeners = this.ofTypeKey('tcpListener');
      if (!listeners.some((l) => l.attributes.name === a.listener)) {
        throw new PyValidationError('Invalid listenerAddress configuration: see logs for details.');
      }
    }
  }

  /**
   * An entity from the router's configuration file: config.py validates it against the schema first (defaults
   * filled), then configures it, so its identity comes after the defaults.
   */
  configure(typeKey: string, attributes: Attributes): PyEntity {
    const type = this.mustType(typeKey);
    const attrs: Attributes = { type: type.name, ...attributes };
    validateEntityAttributes(this.schema, type, attrs);
    return this.createEntity(attrs);
  }

  /**
   * Boot entities that come out the same on every router of a schema (the per-module `log` entities): the first
   * router builds them the normal way, later ones hold the same frozen attribute objects. Safe because nothing
   * changes such an entity's attributes in place (UPDATE replaces the object; log has no refreshed attributes), and
   * it spares thousands of simulated routers in one process the time and memory of ~40 validated entities each.
   */
  configureShared(typeKey: string, attributeSets: Attributes[]): void {
    const type = this.mustType(typeKey);
    if (refreshedAttributes(this.ctx.identity.flavor, type.shortName).length > 0) {
      // refreshed in place before every request: every router needs its own
      for (const a of attributeSets) this.configure(type.key, { ...a });
      return;
    }
    let shared = SHARED_BOOT_ENTITIES.get(this.schema)?.get(type.key);
    if (!shared || shared.length !== attributeSets.length) {
      shared = attributeSets.map((a) => Object.freeze(this.configure(type.key, { ...a }).attributes) as Attributes);
      let bySchema = SHARED_BOOT_ENTITIES.get(this.schema);
      if (!bySchema) { bySchema = new Map(); SHARED_BOOT_ENTITIES.set(this.schema, bySchema); }
      bySchema.set(type.key, shared);
      return;
    }
    for (const attributes of shared) this.table.add({ type, attributes });
  }

  /** Entities of exactly a type (long name or schema key); none for a type this schema lacks. */
  entitiesOf(typeKey: string): PyEntity[] {
    const t = lookupType(this.schema, typeKey);
    return t ? this.table.ofType(t).filter((e) => e.type.name === t.name) : [];
  }

  /** Entities of a type and its subtypes (Python `map_type` by name); none for a type this schema lacks. */
  private ofTypeKey(typeKey: string): PyEntity[] {
    const t = lookupType(this.schema, typeKey);
    return t ? this.table.ofType(t) : [];
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the C side's view, pulled before every request (EntityCache.refresh_from_c)

  refreshFromC(): void {
    this.syncRouterNodes();
    const ctx = this.refreshContext();
    for (const e of this.table.entities) {
      if (refreshedAttributes(ctx.flavor, e.type.shortName).length === 0) continue;
      refreshEntity(e, ctx, this.ctx.runtime.liveAttributes(e.type.key, String(e.attributes.name ?? '')));
    }
  }

  /** router.node entities follow the runtime's rows; edge and standalone routers have none. */
  private syncRouterNodes(): void {
    const type = lookupType(this.schema, 'router.node');
    if (!type) return;
    const rows = this.ctx.identity.mode === 'interior' ? this.ctx.runtime.rows('router.node') : [];
    const seen = new Set<string>();
    for (const row of rows) {
      const id = pyStr(row.id ?? null);
      seen.add(id);
      const values = Object.entries(row).filter(([k]) => k !== 'name' && k !== 'identity' && k !== 'type');
      const existing = this.nodes.get(id);
      if (existing) {
        for (const [k, v] of values) existing.attributes[k] = v;
        continue;
      }
      const e: PyEntity = { type, attributes: { type: type.name, ...Object.fromEntries(values) } };
      this.adapterValidate(e);
      this.nodes.set(id, e);
      this.table.add(e);
    }
    for (const [id, e] of this.nodes) {
      if (!seen.has(id)) {
        this.nodes.delete(id);
        this.table.remove(e);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // requests (Agent.receive / Agent.handle)

  handle(props: Props, body: unknown): AgentReply {
    try {
      // The real agent refreshes every entity's C-backed attributes (counters, status) before each request. Only
      // replies that show existing entities can reveal it, so CREATE and DELETE skip that walk over every entity:
      // with thousands of tcp bridges on one interior it would make each write cost O(entities) for nothing.
      const op = typeof props.operation === 'string' ? props.operation.toUpperCase() : '';
      if (op === 'CREATE' || op === 'DELETE') this.syncRouterNodes();
      else this.refreshFromC();
      const { status, body: out } = this.dispatch(props, body);
      return { status, description: STATUS_TEXT[status] ?? String(status), body: out ?? {} };
    } catch (err) {
      const { status, description } = pythonErrorReply(err);
      return { status, description, body: {} };
    }
  }

  private dispatch(props: Props, body: unknown): { status: number; body: unknown } {
    if (!('operation' in props)) throw badRequest(`No 'operation' property: ${messageRepr(props, body)}`);
    const operation = props.operation;
    if (typeof operation !== 'string') throw new PyException('AttributeError', `'${pyTypeName(operation)}' object has no attribute 'lower'`);
    if (operation.toLowerCase() === 'create') return this.create(props, body);
    const target = this.findEntity(props);
    const op = operation.toUpperCase();
    if (!target.type.operations.includes(op)) {
      throw notImplemented(`Operation '${op}' not implemented for '${target.type.name}' ${pyRepr([...target.type.operations])}`);
    }
    const method = operation.toLowerCase().replace(/-/g, '_');
    const isManagement = target === this.management;
    switch (method) {
      case 'read': return this.read(target, props);
      case 'update': return this.update(target, body);
      case 'delete': return this.remove(target);
      case 'callme': if (target.type.shortName === 'dummy') return { status: STATUS.OK, body: { ...props } }; break;
      default:
        if (isManagement) {
          const r = this.managementOperation(method, props, body);
          if (r) return r;
        }
    }
    throw notImplemented(`Operation '${operation}' not implemented on ${pyStr(target.attributes.type ?? null)}`);
  }

  /** Agent.find_entity: by name or identity across all entities, then the type check. */
  private findEntity(props: Props): PyEntity {
    let requested: EntityTypeDef | undefined;
    if (pyTruthy(props.type)) requested = this.lookupRequested(props.type);
    const ids: Array<[string, unknown]> = [];
    for (const k of ['name', 'identity']) if (k in props) ids.push([k, props[k] ?? null]);
    if (ids.length === 0) {
      if (!requested || isA(this.management.type, requested)) return this.management;
      throw badRequest(`${requested.name}: No name or identity provided`);
    }
    const attrvals = (): string => ids.map(([k, v]) => `${k}=${pyStr(v)}`).join(' ');
    const [k, v] = ids[0]!;
    const found = this.table.findBy(k, v);
    if (found.length > 1) throw new AgentStatusError(STATUS.INTERNAL_SERVER_ERROR, `Duplicate (${found.length}) entities with ${k}=${pyStr(v)}`);
    const entity = found[0];
    if (!entity) throw notFound(`No entity with ${attrvals()}`);
    for (const [key, val] of ids) {
      if (!pyEquals(entity.attributes[key] ?? null, val)) throw badRequest(`Conflicting ${attrvals()}`);
    }
    if (requested && !isA(entity.type, requested)) {
      throw badRequest(`Entity type '${entity.type.name}' does not extend requested type '${requested.name}'`);
    }
    return entity;
  }

  /** Schema.entity_type on a value from the request (a non-string name fails the way Python's string calls do). */
  private lookupRequested(name: unknown): EntityTypeDef {
    if (typeof name !== 'string') throw new PyException('AttributeError', `'${pyTypeName(name)}' object has no attribute 'startswith'`);
    return this.mustType(name);
  }

  private create(props: Props, body: unknown): { status: number; body: unknown } {
    if (!isPlainObject(body)) {
      // agent.py: attributes = request.body; attributes.setdefault(...) / attributes[a] = prop
      if (pyTruthy(props.type) || pyTruthy(props.name)) {
        throw new PyException('AttributeError', `'${pyTypeName(body)}' object has no attribute 'setdefault'`);
      }
      throw Array.isArray(body)
        ? new PyException('TypeError', 'list indices must be integers or slices, not str')
        : new PyException('TypeError', `'${pyTypeName(body)}' object does not support item assignment`);
    }
    const attrs: Attributes = { ...body };
    for (const a of ['type', 'name']) {
      const prop = props[a] ?? null;
      if (pyTruthy(prop)) {
        if (!(a in attrs)) attrs[a] = prop;
        const old = attrs[a] ?? null;
        if (old !== null && !pyEquals(old, prop)) throw badRequest(`Conflicting values for '${a}'`);
      }
      // the property value wins unconditionally, even when it is absent (None)
      attrs[a] = prop;
    }
    if (attrs.type === null || attrs.type === undefined) throw badRequest(`No 'type' attribute in ${pyRepr(attrs)}`);
    const type = this.lookupRequested(attrs.type);
    if (!type.operations.includes('CREATE')) {
      throw notImplemented(`Operation 'CREATE' not implemented for '${type.name}' ${pyRepr([...type.operations])}`);
    }
    createCheck(type, attrs);
    const e = this.createEntity(attrs);
    this.ctx.hooks.created(type.key, { ...e.attributes });
    return { status: STATUS.CREATED, body: { ...e.attributes } };
  }

  private read(e: PyEntity, props: Props): { status: number; body: unknown } {
    const requested = typeof props.type === 'string' && props.type ? schemaLongName(this.schema, props.type) : undefined;
    if (requested && e.attributes.type !== requested) {
      throw notFound(`Entity type '${pyStr(e.attributes.type ?? null)}' does match requested type '${requested}'`);
    }
    return { status: STATUS.OK, body: { ...e.attributes } };
  }

  private update(e: PyEntity, body: unknown): { status: number; body: unknown } {
    if (!isPlainObject(body)) throw new PyException('AttributeError', `'${pyTypeName(body)}' object has no attribute 'items'`);
    updateCheck(e.type, body, e.attributes, pyEquals);
    const merged: Attributes = { ...e.attributes, ...body };
    validateEntityAttributes(this.schema, e.type, merged);
    e.attributes = merged;
    this.table.reindex(e);
    this.ctx.hooks.updated(e.type.key, { ...merged });
    return { status: STATUS.OK, body: { ...merged } };
  }

  private remove(e: PyEntity): { status: number; body: unknown } {
    if (e.type.shortName === 'listener' && this.ctx.identity.flavor === 'qdrouterd' && pyTruthy(e.attributes.http)) {
      throw badRequest('HTTP listeners cannot be deleted');
    }
    this.table.remove(e);
    this.ctx.hooks.deleted(e.type.key, { ...e.attributes });
    return { status: STATUS.NO_CONTENT, body: {} };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // the management node's own operations (ManagementEntity)

  private managementOperation(method: string, props: Props, body: unknown): { status: number; body: unknown } | undefined {
    const requestedType = (): EntityTypeDef | undefined => (pyTruthy(props.entityType) ? this.lookupRequested(props.entityType) : undefined);
    const types = [...this.schema.types.values()];
    switch (method) {
      case 'query': return { status: STATUS.OK, body: this.query(requestedType(), body) };
      case 'get_types': {
        const t = requestedType();
        return { status: STATUS.OK, body: Object.fromEntries(types.filter((x) => !t || isA(x, t)).map((x) => [x.name, [...x.bases]])) };
      }
      case 'get_annotations': return { status: STATUS.OK, body: {} };
      case 'get_operations': {
        const t = requestedType();
        return { status: STATUS.OK, body: Object.fromEntries(types.filter((x) => !t || x.name === t.name).map((x) => [x.name, [...x.operations]])) };
      }
      case 'get_attributes': {
        const t = requestedType();
        return { status: STATUS.OK, body: Object.fromEntries(types.filter((x) => !t || x.name === t.name).map((x) => [x.name, [...x.attributes.keys()]])) };
      }
      case 'get_mgmt_nodes': {
        const router = this.ofTypeKey('router')[0];
        if (!router) throw new PyException('IndexError', 'list index out of range');
        const area = pyStr(router.attributes.area ?? null);
        const nodes = this.ofTypeKey('router.node');
        return { status: STATUS.OK, body: nodes.map((n) => `amqp:/_topo/${area}/${pyStr(n.attributes.id ?? null)}/$management`) };
      }
      case 'get_schema': return { status: STATUS.OK, body: dumpSchema(this.schema) };
      case 'get_json_schema': return { status: STATUS.OK, body: dumpSchemaJson(this.schema, intProp(props, 'indent')) };
      case 'get_log': intProp(props, 'limit'); return { status: STATUS.OK, body: [] };
      case 'profile': return this.profile(props, body);
      default: return undefined;
    }
  }

  /** ManagementEntity.query: all attributes when none are named, unknown names are 404, all-null rows dropped. */
  private query(type: EntityTypeDef | undefined, body: unknown): { attributeNames: unknown[]; results: unknown[][] } {
    const all = type ? [...type.attributes.keys()] : [...this.schema.allAttributes];
    if (!isPlainObject(body)) throw new PyException('AttributeError', `'${pyTypeName(body)}' object has no attribute 'get'`);
    let names = body.attributeNames ?? null;
    if (pyTruthy(names)) {
      const list: unknown[] = Array.isArray(names) ? names : typeof names === 'string' ? [...names] : [];
      if (!Array.isArray(names) && typeof names !== 'string') throw new PyException('TypeError', `'${pyTypeName(names)}' object is not iterable`);
      const unknown: unknown[] = [];
      for (const n of list) if (!(typeof n === 'string' && all.includes(n)) && !unknown.some((u) => pyEquals(u, n))) unknown.push(n);
      if (unknown.length > 0) throw notFound(`Unknown attributes ${pyRepr(unknown)}${type ? ` for type ${type.name}` : ''}.`);
      names = list;
    } else {
      names = all;
    }
    const cols = names as unknown[];
    const results: unknown[][] = [];
    for (const e of this.table.ofType(type)) {
      const row = cols.map((n) => (typeof n === 'string' && n in e.attributes ? e.attributes[n] ?? null : null));
      if (row.some((v) => v !== null)) results.push(row);
    }
    return { attributeNames: cols, results };
  }

  private profile(props: Props, body: unknown): { status: number; body: unknown } {
    if ('start' in props) {
      this.profiling = true;
      return { status: STATUS.OK, body: null };
    }
    if (!this.profiling) throw badRequest('Profiler not started');
    if ('stop' in props) return { status: STATUS.OK, body: '' };
    throw badRequest(`Bad profile request ${messageRepr(props, body)}`);
  }
}

/** ManagementEntity._intprop. */
function intProp(props: Props, name: string): number | undefined {
  const v = props[name];
  return v === undefined || v === null ? undefined : pyInt(v);
}

/** ConnectionBaseEntity.validate: reserved openProperties keys, and none at all on router-to-router roles. */
function checkOpenProperties(a: Attributes): void {
  const op = a.openProperties;
  if (!pyTruthy(op) || !isPlainObject(op)) return;
  for (const key of Object.keys(op)) {
    if (RESERVED_OPEN_KEYS.includes(key) || RESERVED_OPEN_PREFIXES.some((p) => key.startsWith(p))) {
      throw new PyValidationError(`Reserved key '${key}' not allowed in openProperties`);
    }
  }
  const role = a.role ?? 'normal';
  if (role === 'inter-router' || role === 'edge') throw new PyValidationError(`openProperties not allowed for role ${pyStr(role)}`);
}

/**
 * An approximation of proton's `repr(Message)` for the two descriptions that embed the request; the real text also
 * holds the reply address and correlation id, which the agent does not see.
 */
function messageRepr(props: Props, body: unknown): string {
  const parts: string[] = [];
  if (pyTruthy(props)) parts.push(`properties=${pyRepr(props)}`);
  if (pyTruthy(body)) parts.push(`body=${pyRepr(body)}`);
  return `Message(${parts.join(', ')})`;
}
