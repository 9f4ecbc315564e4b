/**
 * Runtime checks of the stream's messages: what a client sends the server (parseClientMessage, parseFilter,
 * filterFromQuery) and what the server sends a client (parseServerMessage). Strict: unknown keys and wrong types
 * are refused with a StreamError whose message names the field and whose hint says what to send instead.
 */
import { EDGE_KINDS, GRAPH_PROTOCOL_VERSION, NODE_KINDS, SNAPSHOT_ENCODINGS, type ClientMessage, type GraphFilter, type ServerMessage, type SnapshotEncoding, type StreamErrorCode } from './protocol.js';
import type { NodeKind } from '../graph/types.js';

/** The codes a server sends, and those a client raises itself. */
export type StreamClientErrorCode =
  | StreamErrorCode
  | 'ECN_STREAM_UNREACHABLE' // no server answered at the URL (refused, reset, DNS, timeout)
  | 'ECN_STREAM_REFUSED' // the server answered the upgrade with another HTTP status
  | 'ECN_STREAM_CLOSED'; // the connection closed before the first snapshot, or the client was closed

export class StreamError extends Error {
  readonly code: StreamClientErrorCode;
  readonly hint: string | undefined;
  /** the HTTP status when the server refused the upgrade */
  readonly status: number | undefined;
  constructor(code: StreamClientErrorCode, message: string, hint?: string, status?: number) {
    super(message);
    this.name = 'StreamError';
    this.code = code;
    this.hint = hint;
    this.status = status;
  }
}

const bad = (message: string, hint?: string) => new StreamError('ECN_STREAM_BAD_MESSAGE', message, hint);
const badFilter = (message: string, hint?: string) => new StreamError('ECN_STREAM_BAD_FILTER', message, hint);

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Json, allowed: readonly string[], where: string, err: (m: string, h?: string) => StreamError): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw err(`${where}: unknown field '${k}'`, `allowed fields: ${allowed.join(', ')}`);
  }
}

const FILTER_HINT = `a filter is {"application"?: string, "agent"?: string, "kinds"?: [${NODE_KINDS.join(', ')}]}`;

/** A filter object from a client message (`where` names it in errors, e.g. "filter"). */
export function parseFilter(v: unknown, where = 'filter'): GraphFilter {
  if (!isObject(v)) throw badFilter(`${where} must be an object`, FILTER_HINT);
  onlyKeys(v, ['application', 'agent', 'kinds'], where, badFilter);
  const out: GraphFilter = {};
  for (const k of ['application', 'agent'] as const) {
    const x = v[k];
    if (x === undefined) continue;
    if (typeof x !== 'string' || x.length === 0) throw badFilter(`${where}.${k} must be a non-empty string`, `leave ${k} out to keep every ${k}`);
    out[k] = x;
  }
  if (v.kinds !== undefined) out.kinds = parseKinds(v.kinds, `${where}.kinds`);
  return out;
}

function parseKinds(v: unknown, where: string): NodeKind[] {
  if (!Array.isArray(v) || v.length === 0) throw badFilter(`${where} must be a non-empty list of node kinds`, `choose from: ${NODE_KINDS.join(', ')}`);
  return v.map((k, i) => {
    if (typeof k !== 'string' || !(NODE_KINDS as readonly string[]).includes(k)) {
      throw badFilter(`${where}[${i}]: '${String(k)}' is not a node kind`, `choose from: ${NODE_KINDS.join(', ')}`);
    }
    return k as NodeKind;
  });
}

/** The filter of a connection URL: ?application=A&agent=N&kinds=k1,k2 (and token and encoding, which are not filters). */
export function filterFromQuery(params: URLSearchParams): GraphFilter {
  const out: GraphFilter = {};
  const seen = new Set<string>();
  for (const [k, value] of params) {
    if (seen.has(k)) throw badFilter(`query parameter '${k}' is given twice`, 'give it once');
    seen.add(k);
    if (k === 'token' || k === 'encoding') continue;
    if (k === 'application' || k === 'agent') {
      if (value === '') throw badFilter(`query parameter '${k}' is empty`, `leave ${k} out to keep every ${k}`);
      out[k] = value;
    } else if (k === 'kinds') {
      out.kinds = parseKinds(value === '' ? [] : value.split(','), 'query parameter kinds');
    } else {
      throw badFilter(`unknown query parameter '${k}'`, 'allowed: application, agent, kinds (comma-separated), token, encoding');
    }
  }
  return out;
}

/** How the client wants its snapshots: ?encoding=gzip or json (the default when absent). */
export function encodingFromQuery(params: URLSearchParams): SnapshotEncoding {
  const all = params.getAll('encoding');
  if (all.length === 0) return 'json';
  const v = all[0]!;
  if (all.length > 1 || !(SNAPSHOT_ENCODINGS as readonly string[]).includes(v)) {
    const what = all.length > 1 ? 'is given twice' : v === '' ? 'is empty' : `'${v}' is not a snapshot encoding`;
    throw new StreamError('ECN_STREAM_BAD_ENCODING', `query parameter 'encoding' ${what}`, `give encoding=gzip (snapshots as gzipped binary frames) or encoding=json (text frames, the default), once`);
  }
  return v as SnapshotEncoding;
}

/** One text frame from a client. */
export function parseClientMessage(text: string): ClientMessage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('the message is not JSON', 'send one JSON object per text frame, e.g. {"type":"resync"}');
  }
  if (!isObject(v)) throw bad('the message must be a JSON object', 'e.g. {"type":"resync"}');
  if (v.type === 'resync') {
    onlyKeys(v, ['type'], 'resync', bad);
    return { type: 'resync' };
  }
  if (v.type === 'filter') {
    onlyKeys(v, ['type', 'filter'], 'filter message', bad);
    if (v.filter === undefined) throw badFilter("filter message: field 'filter' is missing", FILTER_HINT);
    return { type: 'filter', filter: parseFilter(v.filter) };
  }
  const t = v.type === undefined ? "field 'type' is missing" : `type ${JSON.stringify(v.type)} is not a client message`;
  throw bad(t, 'send {"type":"resync"} or {"type":"filter","filter":{…}}');
}

// ------------------------------------------------------------------ server messages (checked by clients)

const ELEMENT_KEYS = ['kind', 'label', 'state', 'desired', 'observed', 'counters', 'details'];
const STATES = ['up', 'down', 'pending', 'unexpected'];

function checkAttributes(a: unknown, where: string, partial: boolean, kinds: readonly string[]): void {
  if (!isObject(a)) throw bad(`${where} must be an object`);
  onlyKeys(a, ELEMENT_KEYS, where, bad);
  for (const k of ELEMENT_KEYS) {
    const x = a[k];
    if (x === undefined) {
      if (partial) continue;
      throw bad(`${where}.${k} is missing`);
    }
    const ok =
      k === 'kind' ? typeof x === 'string' && kinds.includes(x)
      : k === 'label' ? typeof x === 'string'
      : k === 'state' ? typeof x === 'string' && STATES.includes(x)
      : k === 'desired' || k === 'observed' ? typeof x === 'boolean'
      : isObject(x);
    if (!ok) throw bad(`${where}.${k} has an invalid value ${JSON.stringify(x)}`);
  }
}

function str(o: Json, k: string, where: string): string {
  const x = o[k];
  if (typeof x !== 'string') throw bad(`${where}.${k} must be a string`);
  return x;
}

function seqOf(o: Json, k: string, where: string): number {
  const x = o[k];
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw bad(`${where}.${k} must be a whole number`);
  return x;
}

function checkOp(op: unknown, where: string): void {
  if (!isObject(op)) throw bad(`${where} must be an object`);
  str(op, 'key', where);
  switch (op.op) {
    case 'dropNode':
    case 'dropEdge':
      onlyKeys(op, ['op', 'key'], where, bad);
      return;
    case 'mergeNode':
    case 'mergeNodeAttributes':
      onlyKeys(op, ['op', 'key', 'attributes'], where, bad);
      checkAttributes(op.attributes, `${where}.attributes`, op.op === 'mergeNodeAttributes', NODE_KINDS);
      return;
    case 'mergeEdgeAttributes':
      onlyKeys(op, ['op', 'key', 'attributes'], where, bad);
      checkAttributes(op.attributes, `${where}.attributes`, true, EDGE_KINDS);
      return;
    case 'mergeEdgeWithKey':
      onlyKeys(op, ['op', 'key', 'source', 'target', 'attributes'], where, bad);
      str(op, 'source', where);
      str(op, 'target', where);
      checkAttributes(op.attributes, `${where}.attributes`, false, EDGE_KINDS);
      return;
    default:
      throw bad(`${where}.op ${JSON.stringify(op.op)} is not a graph op`);
  }
}

function checkSerializedGraph(g: unknown, where: string): void {
  if (!isObject(g)) throw bad(`${where} must be an object`);
  if (!Array.isArray(g.nodes)) throw bad(`${where}.nodes must be a list`);
  if (!Array.isArray(g.edges)) throw bad(`${where}.edges must be a list`);
  g.nodes.forEach((n: unknown, i) => {
    if (!isObject(n)) throw bad(`${where}.nodes[${i}] must be an object`);
    str(n, 'key', `${where}.nodes[${i}]`);
    checkAttributes(n.attributes, `${where}.nodes[${i}].attributes`, false, NODE_KINDS);
  });
  g.edges.forEach((e: unknown, i) => {
    if (!isObject(e)) throw bad(`${where}.edges[${i}] must be an object`);
    for (const k of ['key', 'source', 'target']) str(e, k, `${where}.edges[${i}]`);
    checkAttributes(e.attributes, `${where}.edges[${i}].attributes`, false, EDGE_KINDS);
  });
}

const ERROR_CODES: readonly string[] = ['ECN_STREAM_BAD_MESSAGE', 'ECN_STREAM_BAD_FILTER', 'ECN_STREAM_BAD_ENCODING', 'ECN_STREAM_UNAUTHORIZED', 'ECN_STREAM_FORBIDDEN_ORIGIN', 'ECN_STREAM_TOO_LARGE', 'ECN_STREAM_SHUTDOWN'];

/** One text frame from the server; a StreamError (ECN_STREAM_BAD_MESSAGE) names what is wrong. */
export function parseServerMessage(text: string): ServerMessage {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('the server sent a frame that is not JSON');
  }
  if (!isObject(v)) throw bad('the server sent a message that is not a JSON object');
  switch (v.type) {
    case 'snapshot': {
      onlyKeys(v, ['type', 'version', 'seq', 'reason', 'filter', 'graph'], 'snapshot', bad);
      if (v.version !== GRAPH_PROTOCOL_VERSION) throw bad(`snapshot.version ${JSON.stringify(v.version)} is not ${GRAPH_PROTOCOL_VERSION}`, 'use a client for this protocol version');
      seqOf(v, 'seq', 'snapshot');
      if (!['connect', 'resync', 'filter', 'slow-client'].includes(v.reason as string)) throw bad(`snapshot.reason ${JSON.stringify(v.reason)} is unknown`);
      parseFilter(v.filter, 'snapshot.filter');
      checkSerializedGraph(v.graph, 'snapshot.graph');
      return v as unknown as ServerMessage;
    }
    case 'delta': {
      onlyKeys(v, ['type', 'from', 'seq', 'ops'], 'delta', bad);
      const from = seqOf(v, 'from', 'delta');
      const seq = seqOf(v, 'seq', 'delta');
      if (from < 1 || seq < from) throw bad(`delta range ${from}..${seq} is empty or starts before 1`);
      if (!Array.isArray(v.ops)) throw bad('delta.ops must be a list');
      v.ops.forEach((op: unknown, i) => checkOp(op, `delta.ops[${i}]`));
      return v as unknown as ServerMessage;
    }
    case 'error': {
      onlyKeys(v, ['type', 'code', 'message', 'hint'], 'error', bad);
      if (!ERROR_CODES.includes(v.code as string)) throw bad(`error.code ${JSON.stringify(v.code)} is unknown`);
      str(v, 'message', 'error');
      if (v.hint !== undefined) str(v, 'hint', 'error');
      return v as unknown as ServerMessage;
    }
    default:
      throw bad(`the server sent an unknown message type ${JSON.stringify(v.type)}`);
  }
}
