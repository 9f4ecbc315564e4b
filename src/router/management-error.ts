/**
 * The one error type of the management client. Whatever went wrong with a request (the router said no, the
 * delivery could not be routed, nothing came back, the connection dropped, the reply made no sense, the caller's
 * arguments were wrong), callers get a ManagementError whose `code` tells them which, plus the request's
 * coordinates (operation, entity type, name/identity, target agent, router URL) so log lines are self-explanatory.
 */
import { EcnError, type EcnErrorCode } from '../errors.js';
import { shortType } from './protocol.js';

/** Where a request was going and what it was about. Every field is optional: errors can happen before all are known. */
export interface RequestCoordinates {
  operation?: string;
  /** entity type as the caller gave it (short or long) */
  type?: string;
  name?: string;
  identity?: string;
  /** the management address the request was sent to (`$management`, `amqp:/_edge/E1/$management`, …) */
  target?: string;
  /** the router connection, `host:port` */
  router?: string;
}

export interface ManagementErrorInit extends RequestCoordinates {
  statusCode?: number;
  statusDescription?: string;
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

// Status descriptions can embed whole entity dumps (duplicate-name errors do); keep messages readable.
const MAX_DESCRIPTION_IN_MESSAGE = 300;

export class ManagementError extends EcnError {
  readonly statusCode: number | undefined;
  readonly statusDescription: string | undefined;
  readonly operation: string | undefined;
  readonly type: string | undefined;
  readonly entityName: string | undefined;
  readonly identity: string | undefined;
  readonly target: string | undefined;
  readonly router: string | undefined;

  constructor(code: EcnErrorCode, message: string, init: ManagementErrorInit = {}) {
    const details: Record<string, unknown> = { ...init.details };
    for (const k of ['operation', 'type', 'name', 'identity', 'target', 'router', 'statusCode', 'statusDescription'] as const) {
      if (init[k] !== undefined) details[k] = init[k];
    }
    super(code, message, { hint: init.hint, details, cause: init.cause });
    this.name = 'ManagementError';
    this.statusCode = init.statusCode;
    this.statusDescription = init.statusDescription;
    this.operation = init.operation;
    this.type = init.type;
    this.entityName = init.name;
    this.identity = init.identity;
    this.target = init.target;
    this.router = init.router;
  }
}

export function isManagementError(err: unknown, code?: EcnErrorCode): err is ManagementError {
  return err instanceof ManagementError && (code === undefined || err.code === code);
}

/** True for a router answer with this statusCode (e.g. `isStatus(err, 404)` before creating what is missing). */
export function isStatus(err: unknown, statusCode: number): boolean {
  return err instanceof ManagementError && err.statusCode === statusCode;
}

/** `READ listener 'l1' via amqp:/_edge/E1/$management on 127.0.0.1:5672` — the subject of every message. */
export function describeRequest(c: RequestCoordinates): string {
  const parts: string[] = [];
  if (c.operation) parts.push(c.operation);
  if (c.type) parts.push(shortType(c.type));
  if (c.name !== undefined) parts.push(`'${c.name}'`);
  else if (c.identity !== undefined) parts.push(`identity '${c.identity}'`);
  let s = parts.join(' ') || 'management request';
  if (c.target && c.target !== '$management') s += ` via ${c.target}`;
  if (c.router) s += ` on ${c.router}`;
  return s;
}

const UNKNOWN_TYPE_TEXT = /no such entity type/i;

/** The error for a non-2xx statusCode. 400 "No such entity type" gets its own code so callers can branch on it. */
export function statusError(c: RequestCoordinates, statusCode: number, statusDescription: string): ManagementError {
  const unknownType = statusCode === 400 && UNKNOWN_TYPE_TEXT.test(statusDescription);
  const desc = statusDescription.length > MAX_DESCRIPTION_IN_MESSAGE
    ? `${statusDescription.slice(0, MAX_DESCRIPTION_IN_MESSAGE)}…`
    : statusDescription;
  return new ManagementError(
    unknownType ? 'ECN_MGMT_UNKNOWN_TYPE' : 'ECN_MGMT_STATUS',
    `${describeRequest(c)} failed: ${statusCode} ${desc}`,
    { ...c, statusCode, statusDescription, hint: statusHint(c, statusCode, unknownType) },
  );
}

function statusHint(c: RequestCoordinates, statusCode: number, unknownType: boolean): string {
  const op = c.operation ?? 'the operation';
  const type = c.type ? shortType(c.type) : 'this type';
  if (unknownType) {
    return `this router version has no entity type '${type}' (GET-TYPES lists the types it has; some were renamed or removed between qdrouterd 1.x and skupper-router 3.x)`;
  }
  switch (statusCode) {
    case 400:
      return 'the router rejected the request as invalid: check for unknown or create-only attributes, a duplicate name (names are unique across all listener/connector/sslProfile/tcp* entities), a missing name/identity, or a referenced sslProfile that does not exist';
    case 401:
      return 'the management connection is not authorised: check the SASL user and the router\'s policy';
    case 403:
      return `the router forbids ${op} on ${type} (e.g. qd 1.x answers 403 to READ of 'router' and skupper 3.x to READ of 'routerMetrics': use QUERY; 'router.link' UPDATE is forbidden since skupper-router 3.3)`;
    case 404:
      return op === 'QUERY'
        ? `the router does not know one of the requested attribute names of ${type}`
        : `the entity does not exist (${type} names are looked up exactly; it may have been deleted or never created)`;
    case 500:
      return 'the router\'s management agent failed internally; the statusDescription names the cause (a retry will fail the same way until it is fixed)';
    case 501:
      return op === 'UPDATE'
        ? `this router cannot UPDATE ${type}: DELETE it and CREATE it again with the new attributes (for connectors and listeners this drops their connections)`
        : `this router does not implement ${op} for ${type} (GET-OPERATIONS lists what each type supports)`;
    default:
      return `unexpected statusCode ${statusCode}: see the statusDescription`;
  }
}
