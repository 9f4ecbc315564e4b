/**
 * The management operations, bound to one agent address. The connected router's own agent is the `local`
 * target; any interior (`_topo/0/<id>`) or edge (`_edge/<id>`) the network can route to is another target on
 * the same connection. Every operation checks the reply: a non-2xx statusCode throws a ManagementError, a body of
 * the wrong shape an ECN_MGMT_BAD_RESPONSE.
 */
import { describeRequest, ManagementError, type RequestCoordinates } from './management-error.js';
import {
  DEFAULT_QUERY_PAGE_SIZE,
  edgeManagementAddress,
  interiorManagementAddress,
  LOCAL_MANAGEMENT,
  PAGEABLE_TYPES,
  shortType,
} from './protocol.js';
import { coordinatesOf, definedAttributes, type CallOptions, type ManagementRequest } from './request.js';
import {
  badResponse,
  checkStatus,
  expectAttributes,
  expectQueryTable,
  expectStringList,
  expectTypeMap,
  isMap,
  zipRows,
  type Attributes,
  type ManagementResponse,
} from './response.js';

/** Which agent a request goes to. */
export type TargetSpec =
  | 'local'
  /** an interior router by id: `amqp:/_topo/0/<id>/$management` */
  | { router: string }
  /** an edge router by id, reached through its interior: `amqp:/_edge/<id>/$management` */
  | { edge: string }
  /** any management address, used as the message's `to` verbatim */
  | { address: string };

/** An entity by name or by identity (identity wins when both are given). A bare string is a name. */
export type EntityRef = string | { name: string; identity?: string } | { identity: string; name?: string };

export interface QueryOptions extends CallOptions {
  /** one page from this row (sent as the `offset` property; only C-agent types honour it) */
  offset?: number;
  /** at most this many rows (sent as `count`; only C-agent types honour it) */
  count?: number;
  /** rows per page when the client pages a C-agent type itself (default 500) */
  pageSize?: number;
  /** false: never page, one request for everything (default: page the C-agent types that honour paging) */
  paging?: boolean;
}

/** What runs a request: the client. Resolves with the reply whatever its statusCode. */
export interface RequestExecutor {
  execute(target: string, req: ManagementRequest, opts?: CallOptions): Promise<ManagementResponse>;
  /** `host:port` of the connection, for error messages */
  readonly router: string;
}

/** The operations every target offers (and the client itself, for its local agent). */
export interface ManagementOps {
  /** CREATE; resolves with the new entity's attributes as the router filled them in (identity, defaults…) */
  create(type: string, name: string | undefined, attributes?: Attributes, opts?: CallOptions): Promise<Attributes>;
  read(type: string, ref: EntityRef, opts?: CallOptions): Promise<Attributes>;
  /** UPDATE (a merge on the router); resolves with all attributes after the change */
  update(type: string, ref: EntityRef, attributes: Attributes, opts?: CallOptions): Promise<Attributes>;
  delete(type: string, ref: EntityRef, opts?: CallOptions): Promise<void>;
  /** QUERY; rows become records keyed by attribute name. `[]`/omitted attributeNames means all attributes. */
  query(type: string, attributeNames?: string[], opts?: QueryOptions): Promise<Attributes[]>;
  /** GET-TYPES: fully qualified type → its base types */
  getTypes(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>>;
  /** GET-ATTRIBUTES: fully qualified type → attribute names */
  getAttributes(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>>;
  /** GET-OPERATIONS: fully qualified type → operations */
  getOperations(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>>;
  /** GET-MGMT-NODES: the management addresses of every interior (`[]` on an edge) */
  getMgmtNodes(opts?: CallOptions): Promise<string[]>;
  /** GET-SCHEMA: `{prefix, entityTypes: {shortName: {...}}}` */
  getSchema(opts?: CallOptions): Promise<Record<string, unknown>>;
  /** Any request; resolves with the reply whatever its statusCode (only transport-level failures reject). */
  request(req: ManagementRequest, opts?: CallOptions): Promise<ManagementResponse>;
}

const ADDRESS_ID = /^[^\s/]+$/;

/** The `to` address of a target; throws ECN_MGMT_BAD_REQUEST on a malformed spec. */
export function targetAddress(spec: TargetSpec): string {
  if (spec === 'local') return LOCAL_MANAGEMENT;
  if (typeof spec === 'object' && spec !== null) {
    if ('router' in spec) return interiorManagementAddress(checkId(spec.router, 'router'));
    if ('edge' in spec) return edgeManagementAddress(checkId(spec.edge, 'edge'));
    if ('address' in spec && typeof spec.address === 'string' && spec.address.length > 0) return spec.address;
  }
  throw new ManagementError('ECN_MGMT_BAD_REQUEST', `bad management target ${safeJson(spec)}`, {
    hint: "use 'local', { router: '<interior id>' }, { edge: '<edge id>' } or { address: '<management address>' }",
  });
}

function checkId(id: unknown, kind: string): string {
  if (typeof id !== 'string' || !ADDRESS_ID.test(id)) {
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', `bad ${kind} id ${safeJson(id)} in a management target`, {
      hint: 'router ids are non-empty and contain no "/" or white space',
    });
  }
  return id;
}

function safeJson(v: unknown): string {
  try { return JSON.stringify(v) ?? String(v); } catch { return String(v); }
}

export class ManagementTarget implements ManagementOps {
  constructor(
    private readonly exec: RequestExecutor,
    /** the management address requests go to */
    readonly address: string,
  ) {}

  async create(type: string, name: string | undefined, attributes: Attributes = {}, opts?: CallOptions): Promise<Attributes> {
    const c = this.coords({ operation: 'CREATE', type, name });
    if (!isMap(attributes)) throw this.bad(c, 'attributes must be a map');
    const body = definedAttributes(attributes);
    const bodyName = body.name;
    if (bodyName !== undefined && typeof bodyName !== 'string') throw this.bad(c, 'attribute name must be a string');
    if (name !== undefined && bodyName !== undefined && bodyName !== name) {
      throw this.bad(c, `name '${name}' and attribute name '${String(bodyName)}' differ`);
    }
    // The Python agent ignores a name that is only in the body (router-management §2.5): lift it to the properties.
    const effectiveName = name ?? (bodyName as string | undefined);
    if (effectiveName !== undefined) body.name = effectiveName;
    if (body.identity !== undefined) throw this.bad(c, 'identity cannot be set on CREATE: the router assigns it');
    if (body.type !== undefined) {
      if (typeof body.type !== 'string' || shortType(body.type) !== shortType(type)) {
        throw this.bad(c, `attribute type '${String(body.type)}' contradicts type '${type}'`);
      }
      delete body.type; // it travels as a property; the agent copies it into the entity
    }
    const r = await this.exec.execute(this.address, { operation: 'CREATE', type, name: effectiveName, body }, opts);
    const rc = { ...c, name: effectiveName };
    checkStatus(r, rc);
    return expectAttributes(r.body, rc);
  }

  async read(type: string, ref: EntityRef, opts?: CallOptions): Promise<Attributes> {
    const req = this.entityRequest('READ', type, ref);
    const r = await this.exec.execute(this.address, req, opts);
    const c = this.coords(req);
    checkStatus(r, c);
    return expectAttributes(r.body, c);
  }

  async update(type: string, ref: EntityRef, attributes: Attributes, opts?: CallOptions): Promise<Attributes> {
    const req = this.entityRequest('UPDATE', type, ref);
    if (!isMap(attributes)) throw this.bad(this.coords(req), 'attributes must be a map');
    req.body = definedAttributes(attributes);
    const r = await this.exec.execute(this.address, req, opts);
    const c = this.coords(req);
    checkStatus(r, c);
    return expectAttributes(r.body, c);
  }

  async delete(type: string, ref: EntityRef, opts?: CallOptions): Promise<void> {
    const req = this.entityRequest('DELETE', type, ref);
    const r = await this.exec.execute(this.address, req, opts);
    checkStatus(r, this.coords(req));
  }

  async query(type: string, attributeNames: string[] = [], opts: QueryOptions = {}): Promise<Attributes[]> {
    const c = this.coords({ operation: 'QUERY', entityType: type });
    if (typeof type !== 'string' || type === '') throw this.bad(c, 'QUERY needs an entity type');
    if (!Array.isArray(attributeNames) || attributeNames.some((n) => typeof n !== 'string')) {
      throw this.bad(c, 'attributeNames must be a list of strings');
    }
    for (const k of ['offset', 'count', 'pageSize'] as const) {
      const v = opts[k];
      if (v !== undefined && (!Number.isInteger(v) || v < (k === 'offset' ? 0 : 1))) {
        throw this.bad(c, `${k} must be a ${k === 'offset' ? 'non-negative' : 'positive'} integer, not ${String(v)}`);
      }
    }
    const call: CallOptions = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
    const explicit = opts.offset !== undefined || opts.count !== undefined;
    if (explicit) return this.queryPage(type, attributeNames, c, call, opts.offset, opts.count);
    const pageable = opts.paging !== false && PAGEABLE_TYPES.has(shortType(type));
    if (!pageable) return this.queryPage(type, attributeNames, c, call);

    const pageSize = opts.pageSize ?? DEFAULT_QUERY_PAGE_SIZE;
    const out: Attributes[] = [];
    for (let offset = 0; ; offset += pageSize) {
      const page = await this.queryPage(type, attributeNames, c, call, offset, pageSize);
      for (const rec of page) out.push(rec);
      // The C agent has no "more" flag: a short page is the last one. A long page means the agent ignored
      // paging and sent everything at once.
      if (page.length < pageSize) break;
      if (page.length > pageSize) {
        if (offset === 0) break;
        throw badResponse(c, `page at offset ${offset} has ${page.length} rows for count ${pageSize}`);
      }
    }
    return out;
  }

  async getTypes(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>> {
    return this.typeMapOp('GET-TYPES', entityType, opts);
  }

  async getAttributes(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>> {
    return this.typeMapOp('GET-ATTRIBUTES', entityType, opts);
  }

  async getOperations(entityType?: string, opts?: CallOptions): Promise<Record<string, string[]>> {
    return this.typeMapOp('GET-OPERATIONS', entityType, opts);
  }

  async getMgmtNodes(opts?: CallOptions): Promise<string[]> {
    const req: ManagementRequest = { operation: 'GET-MGMT-NODES' };
    const r = await this.exec.execute(this.address, req, opts);
    const c = this.coords(req);
    checkStatus(r, c);
    return expectStringList(r.body, c);
  }

  async getSchema(opts?: CallOptions): Promise<Record<string, unknown>> {
    const req: ManagementRequest = { operation: 'GET-SCHEMA' };
    const r = await this.exec.execute(this.address, req, opts);
    const c = this.coords(req);
    checkStatus(r, c);
    return expectAttributes(r.body, c);
  }

  request(req: ManagementRequest, opts?: CallOptions): Promise<ManagementResponse> {
    return this.exec.execute(this.address, req, opts);
  }

  private async queryPage(
    type: string,
    attributeNames: string[],
    c: RequestCoordinates,
    call: CallOptions,
    offset?: number,
    count?: number,
  ): Promise<Attributes[]> {
    const req: ManagementRequest = { operation: 'QUERY', entityType: type, body: { attributeNames } };
    if (offset !== undefined || count !== undefined) {
      req.applicationProperties = {};
      if (offset !== undefined) req.applicationProperties.offset = offset;
      if (count !== undefined) req.applicationProperties.count = count;
    }
    const r = await this.exec.execute(this.address, req, call);
    checkStatus(r, c);
    return zipRows(expectQueryTable(r.body, c));
  }

  private async typeMapOp(operation: string, entityType: string | undefined, opts?: CallOptions): Promise<Record<string, string[]>> {
    const req: ManagementRequest = { operation };
    if (entityType !== undefined) req.entityType = entityType;
    const r = await this.exec.execute(this.address, req, opts);
    const c = this.coords(req);
    checkStatus(r, c);
    return expectTypeMap(r.body, c);
  }

  private entityRequest(operation: string, type: string, ref: EntityRef): ManagementRequest {
    const req: ManagementRequest = { operation, type };
    if (typeof ref === 'string') req.name = ref;
    else if (typeof ref === 'object' && ref !== null) {
      if (ref.identity !== undefined) req.identity = ref.identity;
      else if (ref.name !== undefined) req.name = ref.name;
    }
    if (req.name === undefined && req.identity === undefined) {
      throw this.bad(this.coords(req), `${operation} needs a name or an identity, got ${safeJson(ref)}`);
    }
    return req;
  }

  private coords(req: ManagementRequest): RequestCoordinates {
    return coordinatesOf(req, this.address, this.exec.router);
  }

  private bad(c: RequestCoordinates, what: string): ManagementError {
    return new ManagementError('ECN_MGMT_BAD_REQUEST', `${describeRequest(c)}: ${what}`, { ...c });
  }
}
