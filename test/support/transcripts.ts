/**
 * The recorded management transcripts (../shared/fixtures/router-transcripts): loading the cases, putting concrete
 * ports into a recorded request, and normalising an observed response with the placeholder rules of the
 * transcripts' README so that it can be compared with the recording. Independent of who answered: the agent-level
 * replay and the end-to-end conformance test over AMQP both use it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Flavor } from '../../src/router/protocol.js';

export interface TranscriptCorrelationId {
  type: string;
  value: unknown;
}

export interface TranscriptRequest {
  connectedTo: string;
  to: string;
  applicationProperties: Record<string, unknown>;
  body: unknown;
  correlationId: TranscriptCorrelationId;
  replyTo: boolean;
}

export interface TranscriptResponse {
  applicationProperties: Record<string, unknown>;
  applicationPropertyTypes: Record<string, string>;
  correlationIdEchoed: boolean;
  correlationId: TranscriptCorrelationId | null;
  bodyType: string;
  body: unknown;
}

export interface TranscriptCase {
  case: string;
  request: TranscriptRequest;
  delivery: { state: string; settled: boolean };
  response?: TranscriptResponse;
  outcome?: string;
}

export const TRANSCRIPT_FILES = ['qdrouterd-1.19.0.json', 'qdrouterd-1.18.0.json'] as const;
export type TranscriptFile = (typeof TRANSCRIPT_FILES)[number];

/** ../shared/fixtures/router-transcripts next to the repository (ECN_TRANSCRIPTS_DIR overrides). */
export function transcriptsDir(): string {
  const env = process.env.ECN_TRANSCRIPTS_DIR;
  if (env) return env;
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', '..', 'shared', 'fixtures', 'router-transcripts');
}

export function transcriptsAvailable(): boolean {
  return existsSync(join(transcriptsDir(), TRANSCRIPT_FILES[0]));
}

export function loadTranscript(file: string): TranscriptCase[] {
  return JSON.parse(readFileSync(join(transcriptsDir(), file), 'utf8')) as TranscriptCase[];
}

/** The router generation a transcript was recorded from, from its file name. */
export function transcriptRouter(file: string): { flavor: Flavor; version: string } {
  const m = /^(qdrouterd|skrouterd|skupper-router)-(\d+\.\d+\.\d+)\.json$/.exec(file);
  if (!m) throw new Error(`not a transcript file name: ${file}`);
  return { flavor: m[1] === 'qdrouterd' ? 'qdrouterd' : 'skupper', version: m[2]! };
}

// ---------------------------------------------------------------------------------------------------------------
// ports

/** NAME → port number, for the `<port:NAME>` placeholders. */
export type PortMap = ReadonlyMap<string, number>;

const PORT_PLACEHOLDER = /<port:([^>]+)>/g;

function walkStrings(v: unknown, f: (s: string) => void): void {
  if (typeof v === 'string') f(v);
  else if (Array.isArray(v)) v.forEach((x) => walkStrings(x, f));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { f(k); walkStrings(x, f); }
}

/** Every port name used in the cases (requests and responses), in first-seen order. */
export function portNames(cases: readonly TranscriptCase[]): string[] {
  const names: string[] = [];
  for (const c of cases) {
    walkStrings([c.request, c.response], (s) => {
      for (const m of s.matchAll(PORT_PLACEHOLDER)) if (!names.includes(m[1]!)) names.push(m[1]!);
    });
  }
  return names;
}

/** Distinct fixed ports for the names (for replays where nothing really listens). */
export function assignPorts(names: readonly string[], base = 41001): Map<string, number> {
  return new Map(names.map((n, i) => [n, base + i]));
}

function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = mapStrings(x, f);
    return out;
  }
  return v;
}

/** Puts the concrete ports into a value ("<port:test.L1>" → "41001"; in longer strings as well). */
export function substitutePorts<T>(value: T, ports: PortMap): T {
  return mapStrings(value, (s) =>
    s.replace(PORT_PLACEHOLDER, (whole, name: string) => {
      const p = ports.get(name);
      return p === undefined ? whole : String(p);
    }),
  ) as T;
}

/** The request with concrete ports, ready to be sent. */
export function substituteRequest(req: TranscriptRequest, ports: PortMap): TranscriptRequest {
  return { ...req, applicationProperties: substitutePorts(req.applicationProperties, ports), body: substitutePorts(req.body, ports) };
}

// ---------------------------------------------------------------------------------------------------------------
// normalisation (the README's placeholder rules)

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const GENERATED_ID = /(?<=^|[^A-Za-z0-9]|\bL|\bM0?)(qdlink|temp)\.[A-Za-z0-9_+\-/=]+/g;
const CONNECTION_NUMBER = /\[C\d+\]/g;
const TIMESTAMP = /\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g;
const HOST_PORT = /((?:\d{1,3}\.){3}\d{1,3}|localhost|\[[0-9A-Fa-f:.]+\]):(\d{1,5})(?!\d)/g;

/** Keys whose integer values vary between runs (counters, ids, times); configuration integers are kept. */
const VOLATILE_KEYS = new Set([
  'identity', 'connectionId', 'peer', 'qd.conn-id', 'uptimeSeconds', 'lastDlvSeconds', 'memoryUsage', 'residentMemoryUsage',
  'instance', 'settleRate', 'creditAvailable', 'zeroCreditSeconds', 'linksBlocked', 'index', 'bytesIn', 'bytesOut',
  'connectionsOpened', 'connectionsClosed', 'transitOutstanding', 'lastInSeconds', 'lastOutSeconds', 'ingressHistogram',
]);

export function isVolatileKey(key: string): boolean {
  return VOLATILE_KEYS.has(key) || /Count$/.test(key) || /Deliveries$/.test(key) || /^deliveries[A-Z0-9]/.test(key);
}

function normaliseString(s: string, ports: PortMap): string {
  let out = s.replace(UUID, '<uuid>').replace(TIMESTAMP, '<timestamp>');
  const byLength = [...ports].sort((a, b) => String(b[1]).length - String(a[1]).length);
  for (const [name, port] of byLength) out = out.replace(new RegExp(`(?<![\\d.])${port}(?![\\d.])`, 'g'), `<port:${name}>`);
  out = out.replace(HOST_PORT, (_m, host: string) => `${host}:<port>`);
  return out.replace(GENERATED_ID, (_m, kind: string) => `${kind}.<id>`).replace(CONNECTION_NUMBER, '[C<int>]');
}

function volatileValue(v: unknown): unknown {
  if (typeof v === 'number' || typeof v === 'bigint') return '<int>';
  if (typeof v === 'string' && /^\d+$/.test(v)) return '<int>';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'number' ? '<int>' : x));
  return undefined;
}

/** Normalises a value found under `key` (undefined for list items and top-level values). */
function normaliseValue(v: unknown, ports: PortMap, key?: string): unknown {
  if (key !== undefined && isVolatileKey(key)) {
    const r = volatileValue(v);
    if (r !== undefined) return r;
  }
  if (typeof v === 'string') return normaliseString(v, ports);
  if (Buffer.isBuffer(v)) return { $binary: normaliseString(v.toString('utf8'), ports) };
  if (Array.isArray(v)) return v.map((x) => normaliseValue(x, ports));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normaliseValue(x, ports, k);
    return out;
  }
  return v;
}

function isQueryBody(b: unknown): b is { attributeNames: unknown[]; results: unknown[][] } {
  return !!b && typeof b === 'object' && Array.isArray((b as Record<string, unknown>).attributeNames) && Array.isArray((b as Record<string, unknown>).results);
}

/** GET-SCHEMA bodies are stored as a summary of their shape. */
export function summariseSchema(body: Record<string, unknown>): Record<string, unknown> {
  const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'map' : typeof v);
  const entityTypes = (body.entityTypes ?? {}) as Record<string, unknown>;
  return {
    $summary: 'GET-SCHEMA body reduced to its top-level shape',
    topLevelKeys: Object.keys(body).sort(),
    topLevelValueTypes: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeName(v)])),
    prefix: body.prefix,
    entityTypesKeys: Object.keys(entityTypes).sort(),
    entityTypesCount: Object.keys(entityTypes).length,
  };
}

/** The body as the transcripts store it. `operation` is the request's operation. */
export function normaliseBody(operation: unknown, body: unknown, ports: PortMap): unknown {
  if (operation === 'GET-SCHEMA' && body && typeof body === 'object' && !Array.isArray(body)) {
    return summariseSchema(body as Record<string, unknown>);
  }
  if (isQueryBody(body)) {
    const names = body.attributeNames;
    return {
      ...(normaliseValue(body, ports) as Record<string, unknown>),
      attributeNames: names.map((n) => normaliseValue(n, ports)),
      results: body.results.map((row) =>
        Array.isArray(row) ? row.map((v, i) => normaliseValue(v, ports, typeof names[i] === 'string' ? (names[i] as string) : undefined)) : normaliseValue(row, ports),
      ),
    };
  }
  return normaliseValue(body, ports);
}

/** The AMQP body type name the transcripts use. */
export function bodyTypeOf(body: unknown): string {
  if (body === null || body === undefined) return 'null';
  if (Array.isArray(body)) return 'list';
  if (typeof body === 'string') return 'string';
  if (typeof body === 'number') return 'number';
  if (typeof body === 'boolean') return 'boolean';
  if (Buffer.isBuffer(body)) return 'binary';
  return 'map';
}

/** A reply reduced to what the comparison looks at. */
export interface ComparableReply {
  statusCode: number;
  statusDescription: string;
  bodyType: string;
  body: unknown;
}

/** Normalises an observed reply (whatever produced it) for comparison with a recorded one. */
export function normaliseReply(
  request: TranscriptRequest,
  observed: { statusCode: number; statusDescription: string; body: unknown; bodyType?: string },
  ports: PortMap,
): ComparableReply {
  return {
    statusCode: observed.statusCode,
    statusDescription: normaliseString(observed.statusDescription, ports),
    bodyType: observed.bodyType ?? bodyTypeOf(observed.body),
    body: normaliseBody(request.applicationProperties.operation, observed.body, ports),
  };
}

/** The recorded reply in the same shape. */
export function recordedReply(c: TranscriptCase): ComparableReply | undefined {
  const r = c.response;
  if (!r) return undefined;
  return {
    statusCode: Number(r.applicationProperties.statusCode),
    statusDescription: String(r.applicationProperties.statusDescription),
    bodyType: r.bodyType,
    body: r.body,
  };
}

/** The differences between a recorded and a (normalised) observed reply, empty when they match (key order included). */
export function replyDifferences(expected: ComparableReply, actual: ComparableReply): string[] {
  const diffs: string[] = [];
  if (expected.statusCode !== actual.statusCode) diffs.push(`statusCode: expected ${expected.statusCode}, got ${actual.statusCode}`);
  if (expected.statusDescription !== actual.statusDescription) {
    diffs.push(`statusDescription:\n    expected ${JSON.stringify(expected.statusDescription)}\n    got      ${JSON.stringify(actual.statusDescription)}`);
  }
  if (expected.bodyType !== actual.bodyType) diffs.push(`bodyType: expected ${expected.bodyType}, got ${actual.bodyType}`);
  const e = JSON.stringify(expected.body);
  const a = JSON.stringify(actual.body);
  if (e !== a) diffs.push(`body: ${firstDifference(expected.body, actual.body, '$')}`);
  return diffs;
}

function firstDifference(e: unknown, a: unknown, path: string): string {
  if (JSON.stringify(e) === JSON.stringify(a)) return '';
  if (e && a && typeof e === 'object' && typeof a === 'object' && Array.isArray(e) === Array.isArray(a)) {
    const ek = Object.keys(e);
    const ak = Object.keys(a);
    if (JSON.stringify(ek) !== JSON.stringify(ak)) {
      return `${path}: keys differ\n    expected ${JSON.stringify(ek)}\n    got      ${JSON.stringify(ak)}`;
    }
    for (const k of ek) {
      const d = firstDifference((e as Record<string, unknown>)[k], (a as Record<string, unknown>)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: expected ${JSON.stringify(e)?.slice(0, 300)}, got ${JSON.stringify(a)?.slice(0, 300)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// addressing

/**
 * Which router's agent a recorded request reaches, given the routers of the topology: `$management` and `_local`
 * stay on the router the client is connected to, `_topo/0/<id>` reaches an interior, `_edge/<id>` an edge.
 * undefined when the network cannot route it (the recording shows a RELEASED delivery).
 */
export function managementTarget(req: TranscriptRequest, routers: ReadonlyArray<{ id: string; mode: string }>): string | undefined {
  const to = req.to.replace(/^amqp:\//, '');
  if (to === '$management' || to === '_local/$management') return req.connectedTo;
  const topo = /^_topo\/0\/([^/]+)\/\$management$/.exec(to);
  if (topo) return routers.find((r) => r.id === topo[1] && r.mode === 'interior')?.id;
  const edge = /^_edge\/([^/]+)\/\$management$/.exec(to);
  if (edge) return routers.find((r) => r.id === edge[1] && r.mode === 'edge')?.id;
  return undefined;
}
