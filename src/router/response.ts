/**
 * Decoding and validating management replies. A reply that does not follow the protocol is an
 * ECN_MGMT_BAD_RESPONSE naming exactly what is wrong, never a crash later in the caller.
 */
import type { Message } from 'rhea';
import { describeRequest, ManagementError, statusError, type RequestCoordinates } from './management-error.js';
import { STATUS_TEXT } from './protocol.js';

/** One entity's attributes, as the router returns them. */
export type Attributes = Record<string, unknown>;

export interface ManagementResponse {
  statusCode: number;
  statusDescription: string;
  body: unknown;
}

export function badResponse(c: RequestCoordinates, what: string, details?: Record<string, unknown>): ManagementError {
  return new ManagementError('ECN_MGMT_BAD_RESPONSE', `${describeRequest(c)}: bad reply: ${what}`, {
    ...c,
    details,
    hint: 'the peer is not answering as a qdrouterd/skupper-router management agent does; check that the URL points at a router',
  });
}

/**
 * statusCode must be an integer of any AMQP integer type: the C agent sends an int, the Python agent a long, and
 * rhea decodes every integer type that fits into a JS number. A string, a float or a missing code is a bad reply.
 */
export function decodeReply(msg: Message, c: RequestCoordinates): ManagementResponse {
  const ap = msg.application_properties;
  if (!isMap(ap)) throw badResponse(c, 'no application-properties');
  const code = ap.statusCode;
  if (code === undefined || code === null) throw badResponse(c, 'no statusCode in application-properties');
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    throw badResponse(c, `statusCode is ${describeValue(code)}, not an integer`);
  }
  const d = ap.statusDescription;
  const statusDescription = typeof d === 'string' ? d : STATUS_TEXT[code] ?? '';
  return { statusCode: code, statusDescription, body: msg.body };
}

export function isSuccess(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/** Throws the status error for anything but 2xx. */
export function checkStatus(r: ManagementResponse, c: RequestCoordinates): void {
  if (!isSuccess(r.statusCode)) throw statusError(c, r.statusCode, r.statusDescription);
}

/** A decoded AMQP map: rhea gives plain objects for maps, other prototypes for described types and data sections. */
export function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function expectAttributes(body: unknown, c: RequestCoordinates): Attributes {
  if (!isMap(body)) throw badResponse(c, `the body is ${describeValue(body)}, not a map of attributes`);
  return body;
}

export interface QueryTable {
  attributeNames: string[];
  rows: unknown[][];
}

/** Checks a QUERY reply body: `attributeNames` a list of strings, `results` a list of lists as long as it. */
export function expectQueryTable(body: unknown, c: RequestCoordinates): QueryTable {
  if (!isMap(body)) throw badResponse(c, `the QUERY body is ${describeValue(body)}, not a map`);
  const names = body.attributeNames;
  if (!Array.isArray(names)) throw badResponse(c, `attributeNames is ${describeValue(names)}, not a list`);
  for (let i = 0; i < names.length; i++) {
    if (typeof names[i] !== 'string') throw badResponse(c, `attributeNames[${i}] is ${describeValue(names[i])}, not a string`);
  }
  const results = body.results;
  if (!Array.isArray(results)) throw badResponse(c, `results is ${describeValue(results)}, not a list`);
  for (let i = 0; i < results.length; i++) {
    const row: unknown = results[i];
    if (!Array.isArray(row)) throw badResponse(c, `results[${i}] is ${describeValue(row)}, not a list`);
    if (row.length !== names.length) {
      throw badResponse(c, `results[${i}] has ${row.length} values for ${names.length} attributeNames`);
    }
  }
  return { attributeNames: names as string[], rows: results as unknown[][] };
}

/** Rows → records keyed by attribute name. */
export function zipRows(t: QueryTable): Attributes[] {
  const n = t.attributeNames.length;
  const out: Attributes[] = new Array(t.rows.length);
  for (let r = 0; r < t.rows.length; r++) {
    const row = t.rows[r]!;
    const rec: Attributes = {};
    for (let i = 0; i < n; i++) rec[t.attributeNames[i]!] = row[i];
    out[r] = rec;
  }
  return out;
}

/** GET-TYPES / GET-ATTRIBUTES / GET-OPERATIONS: a map from fully qualified type to a list of strings. */
export function expectTypeMap(body: unknown, c: RequestCoordinates): Record<string, string[]> {
  if (!isMap(body)) throw badResponse(c, `the body is ${describeValue(body)}, not a map of types`);
  for (const [k, v] of Object.entries(body)) {
    if (!Array.isArray(v)) throw badResponse(c, `the entry for '${k}' is ${describeValue(v)}, not a list`);
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'string') throw badResponse(c, `the entry for '${k}' has ${describeValue(v[i])} at ${i}, not a string`);
    }
  }
  return body as Record<string, string[]>;
}

/** GET-MGMT-NODES: a list of management addresses. */
export function expectStringList(body: unknown, c: RequestCoordinates): string[] {
  if (!Array.isArray(body)) throw badResponse(c, `the body is ${describeValue(body)}, not a list`);
  for (let i = 0; i < body.length; i++) {
    if (typeof body[i] !== 'string') throw badResponse(c, `item ${i} is ${describeValue(body[i])}, not a string`);
  }
  return body as string[];
}

/** A short description of an unexpected value for error messages: its kind and a little of it. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${String(v)}`;
  if (Buffer.isBuffer(v)) return `binary (${v.length} bytes)`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isMap(v)) return 'a map';
  return `a ${Object.getPrototypeOf(v)?.constructor?.name ?? typeof v}`;
}
