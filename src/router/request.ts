/**
 * Management requests: what a caller asks for, its checks, and the wire message it becomes. The wire rules
 * (router-management §2): fully qualified types; upper-case operations; `type` and `name`/`identity` as
 * application properties (only `identity` when both are known); QUERY and GET-* addressed to the node itself
 * (`type: org.amqp.management`, `name: self`, `entityType`); always a map body; a string correlation id.
 */
import type { Message } from 'rhea';
import { describeRequest, ManagementError, type RequestCoordinates } from './management-error.js';
import { isNodeOperation, longType, MANAGEMENT_NODE_TYPE, type Flavor } from './protocol.js';
import { isMap } from './response.js';

/** The low-level request: everything the wire message carries, before type names are qualified. */
export interface ManagementRequest {
  operation: string;
  /** entity type, short (`listener`) or fully qualified; for QUERY/GET-* it defaults to `org.amqp.management` */
  type?: string;
  name?: string;
  identity?: string;
  /** QUERY/GET-* filter, short or fully qualified */
  entityType?: string;
  /** defaults to an empty map */
  body?: unknown;
  /** more application properties (e.g. `offset`, `count`); the standard keys above win over these */
  applicationProperties?: Record<string, unknown>;
  /**
   * send exactly what is given: no upper-casing, no type qualification, no node defaults, the body as is (even
   * null). For conformance tests of agents; normal code never needs it.
   */
  verbatim?: boolean;
}

export interface CallOptions {
  /** how long to wait for the reply once the request is sent (default: the client's timeoutMs) */
  timeoutMs?: number;
}

const ENTITY_OPERATIONS = new Set(['CREATE', 'READ', 'UPDATE', 'DELETE']);

function bad(c: RequestCoordinates, what: string, hint?: string): ManagementError {
  return new ManagementError('ECN_MGMT_BAD_REQUEST', `${describeRequest(c)}: ${what}`, { ...c, hint });
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

/** Checks a request before anything is sent; throws ECN_MGMT_BAD_REQUEST naming the field. */
export function validateRequest(req: ManagementRequest, c: RequestCoordinates): void {
  if (typeof req !== 'object' || req === null) throw bad(c, 'the request is not an object');
  if (!isNonEmptyString(req.operation)) throw bad(c, 'operation must be a non-empty string');
  for (const k of ['type', 'name', 'identity', 'entityType'] as const) {
    if (req[k] !== undefined && !isNonEmptyString(req[k])) throw bad(c, `${k} must be a non-empty string when given, not ${JSON.stringify(req[k])}`);
  }
  if (req.applicationProperties !== undefined && !isMap(req.applicationProperties)) {
    throw bad(c, 'applicationProperties must be a map');
  }
  if (req.verbatim) return;
  const op = req.operation.toUpperCase();
  if (ENTITY_OPERATIONS.has(op)) {
    if (req.type === undefined) throw bad(c, `${op} needs an entity type`);
    if (op !== 'CREATE' && req.name === undefined && req.identity === undefined) {
      throw bad(c, `${op} needs a name or an identity`);
    }
  }
  if ((op === 'CREATE' || op === 'UPDATE') && req.body !== undefined && !isMap(req.body)) {
    throw bad(c, `the ${op} body must be a map of attributes`);
  }
}

/** The coordinates of a request for errors, logs and metrics. */
export function coordinatesOf(req: ManagementRequest, target: string, router: string): RequestCoordinates {
  const c: RequestCoordinates = { operation: typeof req?.operation === 'string' ? req.operation : undefined, target, router };
  const op = c.operation?.toUpperCase();
  const type = op !== undefined && isNodeOperation(op) ? req?.entityType : req?.type;
  if (typeof type === 'string') c.type = type;
  if (typeof req?.name === 'string' && !(op !== undefined && isNodeOperation(op))) c.name = req.name;
  if (typeof req?.identity === 'string') c.identity = req.identity;
  return c;
}

/**
 * The AMQP message for a request. `flavor` may be undefined only for requests that name no entity type (the
 * connect-time GET-TYPES probe that learns the flavor).
 */
export function buildMessage(
  req: ManagementRequest,
  flavor: Flavor | undefined,
  to: string,
  replyTo: string,
  correlationId: string,
): Message {
  const ap: Record<string, unknown> = {};
  if (req.applicationProperties) {
    for (const k in req.applicationProperties) {
      const v = req.applicationProperties[k];
      if (v !== undefined) ap[k] = v;
    }
  }
  let body: unknown;
  if (req.verbatim) {
    ap.operation = req.operation;
    if (req.type !== undefined) ap.type = req.type;
    if (req.identity !== undefined) ap.identity = req.identity;
    if (req.name !== undefined) ap.name = req.name;
    if (req.entityType !== undefined) ap.entityType = req.entityType;
    body = 'body' in req ? req.body : {};
  } else {
    const op = req.operation.toUpperCase();
    ap.operation = op;
    if (isNodeOperation(op)) {
      ap.type = req.type === undefined ? MANAGEMENT_NODE_TYPE : qualify(req.type, flavor);
      ap.name = req.name ?? 'self';
      if (req.entityType !== undefined) ap.entityType = qualify(req.entityType, flavor);
    } else {
      if (req.type !== undefined) ap.type = qualify(req.type, flavor);
      // Both agents look up by identity first; sending both only invites a mismatch.
      if (req.identity !== undefined) ap.identity = req.identity;
      else if (req.name !== undefined) ap.name = req.name;
    }
    body = req.body === undefined || req.body === null ? {} : req.body;
  }
  return { to, reply_to: replyTo, correlation_id: correlationId, application_properties: ap, body };
}

function qualify(type: string, flavor: Flavor | undefined): string {
  if (type === MANAGEMENT_NODE_TYPE) return type;
  if (flavor === undefined) {
    // Only reachable if a request naming a type were sent before the flavor is known, which the client prevents.
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', `cannot qualify type '${type}' before the router flavor is known`);
  }
  return longType(flavor, type);
}

/** Attributes without `undefined` values (rhea would encode them as AMQP nulls, which means something else). */
export function definedAttributes(attrs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in attrs) if (attrs[k] !== undefined) out[k] = attrs[k];
  return out;
}
