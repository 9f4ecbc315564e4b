/**
 * Facts of the AMQP management protocol as qdrouterd 1.x and skupper-router 2.x/3.x implement it, shared by the
 * management client (src/router) and the simulated routers (sim/router). No I/O here.
 */

export const OPERATIONS = [
  'CREATE', 'READ', 'UPDATE', 'DELETE', 'QUERY',
  'GET-TYPES', 'GET-ATTRIBUTES', 'GET-OPERATIONS', 'GET-ANNOTATIONS', 'GET-MGMT-NODES', 'GET-SCHEMA', 'GET-JSON-SCHEMA', 'GET-LOG',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** The router generations we speak to. The prefix of fully qualified entity type names differs. */
export type Flavor = 'qdrouterd' | 'skupper';

export const TYPE_PREFIX: Record<Flavor, string> = {
  qdrouterd: 'org.apache.qpid.dispatch.',
  skupper: 'io.skupper.router.',
};

/** The management node's own type, sent with QUERY and GET-* requests (as qdmanage does). */
export const MANAGEMENT_NODE_TYPE = 'org.amqp.management';

export const STATUS = {
  OK: 200,
  CREATED: 201,
  NO_CONTENT: 204,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
} as const;

export const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

/** The statusCode a successful operation answers with. */
export function expectedStatus(op: string): number {
  if (op === 'CREATE') return STATUS.CREATED;
  if (op === 'DELETE') return STATUS.NO_CONTENT;
  return STATUS.OK;
}

export function flavorOfType(fullType: string): Flavor | undefined {
  for (const f of Object.keys(TYPE_PREFIX) as Flavor[]) if (fullType.startsWith(TYPE_PREFIX[f])) return f;
  return undefined;
}

/** `listener` → `org.apache.qpid.dispatch.listener`; a name that already has a known prefix is returned as is. */
export function longType(flavor: Flavor, type: string): string {
  if (type === MANAGEMENT_NODE_TYPE || flavorOfType(type)) return type;
  return TYPE_PREFIX[flavor] + type;
}

/** `org.apache.qpid.dispatch.listener` → `listener`; names without a known prefix are returned as is. */
export function shortType(type: string): string {
  const f = flavorOfType(type);
  return f ? type.slice(TYPE_PREFIX[f].length) : type;
}

/** Management addresses. */
export const LOCAL_MANAGEMENT = '$management';
export function interiorManagementAddress(routerId: string): string {
  return `amqp:/_topo/0/${routerId}/$management`;
}
export function edgeManagementAddress(edgeId: string): string {
  return `amqp:/_edge/${edgeId}/$management`;
}

/** Router ids: the characters the routers use in addresses without escaping (ours are stricter than the router's). */
export const ROUTER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * The `product` a router puts in its AMQP open frame's properties. The management client reads it to learn the
 * type prefix without a round trip (qdrouterd 1.x: src/amqp.c; skupper-router 2.x/3.x: the same constant, renamed).
 */
export const ROUTER_PRODUCT: Record<string, Flavor> = {
  'qpid-dispatch-router': 'qdrouterd',
  'skupper-router': 'skupper',
};

/**
 * Entity types served by the router's C core agent that can hold many rows, in short form. Only these honour the
 * QUERY `offset`/`count` application properties; the Python agent ignores them and always answers every row, so a
 * paging loop over a Python type would re-fetch the same rows forever. (Singletons served by the C agent, such as
 * qd 1.x `router` or skupper `routerMetrics`, are left out: there is nothing to page.) Types a given version lacks
 * (e.g. linkRoute on skupper-router) are answered with 400 by that router whatever we send.
 */
export const PAGEABLE_TYPES: ReadonlySet<string> = new Set([
  'connection',
  'router.link',
  'router.address',
  'router.config.address',
  'router.config.autoLink',
  'router.config.linkRoute',
  'router.config.exchange',
  'router.config.binding',
  'router.connection.linkRoute',
]);

/** Rows per QUERY page, as qdmanage uses (a cap that dates from PROTON-1846 on very large messages). */
export const DEFAULT_QUERY_PAGE_SIZE = 500;

/** Operations addressed to the management node itself rather than to one entity: QUERY and every GET-*. */
export function isNodeOperation(op: string): boolean {
  return op === 'QUERY' || op.startsWith('GET-');
}
