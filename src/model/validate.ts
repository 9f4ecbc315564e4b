/**
 * Runtime validation against the kind schemas (src/model/schemas.ts): ajv compiled once per kind with `allErrors`,
 * errors turned into field paths (`spec.config.routerConfig.messagingPort`) with a sentence that says what to do.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { KIND_SCHEMAS, PublicSpecSchema, type Kind } from './schemas.js';
import { PRESERVE_UNKNOWN } from './schema-kit.js';

export type PathSegment = string | number;

export interface SchemaProblem {
  /** dotted path with `[i]` indexes, e.g. `spec.container.ports[0].external` */
  path: string;
  segments: PathSegment[];
  message: string;
  fix: string;
}

export interface ValidationResult {
  /** the document does not match (the object must be skipped) */
  errors: SchemaProblem[];
  /** fields the schema does not declare, where the schema is not free-form (warnings) */
  unknownFields: SchemaProblem[];
}

const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
ajv.addVocabulary([PRESERVE_UNKNOWN, 'x-kubernetes-int-or-string']);

const compiled = new Map<Kind, ValidateFunction>();
let publicValidator: ValidateFunction | undefined;

function validatorFor(kind: Kind): ValidateFunction {
  let fn = compiled.get(kind);
  if (!fn) {
    fn = ajv.compile(KIND_SCHEMAS[kind]);
    compiled.set(kind, fn);
  }
  return fn;
}

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

function pointerSegments(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function describe(err: ErrorObject, path: string): { message: string; fix: string } {
  const p = err.params as Record<string, unknown>;
  const at = path === '' ? 'the document' : `\`${path}\``;
  switch (err.keyword) {
    case 'required':
      return { message: `${at} is required`, fix: `Add ${at} to the document.` };
    case 'type':
      return { message: `${at} must be ${String(p.type)}`, fix: `Set ${at} to ${articled(String(p.type))}.` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => String(v)).join(', ');
      return { message: `${at} must be one of: ${allowed}`, fix: `Set ${at} to one of: ${allowed}.` };
    }
    case 'minimum':
    case 'maximum':
      return { message: `${at} ${err.message ?? 'is out of range'}`, fix: `Set ${at} to a value ${String(p.comparison)} ${String(p.limit)} (ports are 1–65535).` };
    case 'minLength':
      return { message: `${at} must not be empty`, fix: `Give ${at} a non-empty value.` };
    case 'maxLength':
      return { message: `${at} is longer than ${String(p.limit)} characters`, fix: `Shorten ${at} to at most ${String(p.limit)} characters.` };
    default:
      return { message: `${at} ${err.message ?? 'is invalid'}`, fix: `Correct ${at} (${err.message ?? 'invalid'}).` };
  }
}

function articled(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function toProblems(errors: ErrorObject[] | null | undefined, prefix: readonly PathSegment[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const err of errors ?? []) {
    const segments = [...prefix, ...pointerSegments(err.instancePath)];
    if (err.keyword === 'required') segments.push(String((err.params as { missingProperty: string }).missingProperty));
    const path = formatPath(segments);
    const { message, fix } = describe(err, path);
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, segments, message, fix });
  }
  return out;
}

/** Fields present in `value` that `schema` does not declare (skipping free-form nodes), as warnings. */
export function unknownFields(schema: TSchema, value: unknown, prefix: readonly PathSegment[] = []): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  walk(schema as Record<string, unknown>, value, [...prefix], out);
  return out;
}

function walk(schema: Record<string, unknown>, value: unknown, at: PathSegment[], out: SchemaProblem[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const items = schema.items as Record<string, unknown> | undefined;
    if (schema.type === 'array' && items) value.forEach((v, i) => walk(items, v, [...at, i], out));
    return;
  }
  const props = schema.properties as Record<string, Record<string, unknown>> | undefined;
  if (schema.type !== 'object' || !props) return;
  const free = schema[PRESERVE_UNKNOWN] === true;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const sub = props[key];
    if (sub) walk(sub, v, [...at, key], out);
    else if (!free) {
      const segments = [...at, key];
      const path = formatPath(segments);
      out.push({ path, segments, message: `unknown field \`${path}\` is ignored`, fix: `Remove \`${path}\` or check its spelling against the ${formatPath(at) || 'document'} fields: ${Object.keys(props).join(', ')}.` });
    }
  }
}

/** Validate one document of a known kind. */
export function validateDocument(kind: Kind, doc: unknown): ValidationResult {
  const fn = validatorFor(kind);
  const ok = fn(doc);
  return { errors: ok ? [] : toProblems(fn.errors, []), unknownFields: unknownFields(KIND_SCHEMAS[kind], doc) };
}

/** Validate the object form of `ports[].public`; `prefix` is where it sits in the document. */
export function validatePublicSpec(value: unknown, prefix: readonly PathSegment[]): ValidationResult {
  publicValidator ??= ajv.compile(PublicSpecSchema);
  const ok = publicValidator(value);
  return { errors: ok ? [] : toProblems(publicValidator.errors, prefix), unknownFields: [] };
}
