/**
 * Custom resources against their CRD's openAPIV3Schema, as the real server treats them: unknown fields are pruned
 * (unless `x-kubernetes-preserve-unknown-fields`), then the object is validated (ajv, all errors, formats not
 * checked) and rejected with 422 Invalid naming each field. metadata is the server's, not the schema's.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { KubeApiError } from './status.js';
import type { KubeObject, ResourceType } from './resources.js';

type Schema = Record<string, any>;

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, validateSchema: false });
const compiled = new WeakMap<ResourceType, ValidateFunction | 'invalid-schema'>();

function isPlainObject(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Drops fields the schema does not declare (in place); returns their paths (`spec.junk`, `spec.list[0].x`). */
export function prune(value: unknown, schema: Schema | undefined, path = '', pruned: string[] = []): string[] {
  if (!schema || !isPlainObject(schema)) return pruned;
  if (Array.isArray(value)) {
    value.forEach((item, i) => prune(item, schema.items, `${path}[${i}]`, pruned));
    return pruned;
  }
  if (!isPlainObject(value)) return pruned;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const props: Record<string, Schema> | undefined = isPlainObject(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  for (const key of Object.keys(value)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (props && key in props) prune(value[key], props[key], at, pruned);
    else if (isPlainObject(additional)) prune(value[key], additional, at, pruned);
    else if (additional === true || preserve || schema['x-kubernetes-int-or-string'] === true) continue;
    else if (props || schema.type === 'object') {
      delete value[key];
      pruned.push(at);
    }
  }
  return pruned;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

function validatorFor(rt: ResourceType): ValidateFunction | undefined {
  if (!rt.schema) return undefined;
  let fn = compiled.get(rt);
  if (fn === undefined) {
    try {
      fn = ajv.compile(rt.schema);
    } catch {
      fn = 'invalid-schema'; // a schema ajv cannot compile validates nothing (the CRD was accepted as given)
    }
    compiled.set(rt, fn);
  }
  return fn === 'invalid-schema' ? undefined : fn;
}

function fieldPath(err: ErrorObject): string {
  const parts = err.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  if (err.keyword === 'required') out += `${out === '' ? '' : '.'}${(err.params as { missingProperty: string }).missingProperty}`;
  return out || '<root>';
}

function describe(err: ErrorObject, value: unknown): string {
  const field = fieldPath(err);
  switch (err.keyword) {
    case 'required': return 'Required value';
    case 'type': return `Invalid value: "${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}": ${field} in body must be of type ${(err.params as { type: string }).type}`;
    case 'enum': return `Unsupported value: ${JSON.stringify(value)}: supported values: ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    default: return `Invalid value: ${JSON.stringify(value)}: ${field} in body ${err.message ?? 'is invalid'}`;
  }
}

function valueAt(obj: unknown, instancePath: string): unknown {
  let cur: any = obj;
  for (const p of instancePath.split('/').slice(1)) cur = cur?.[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

/**
 * Prunes and validates a custom resource in place; throws 422 Invalid with one cause per problem. Unknown fields
 * are a 400 with fieldValidation=Strict (kubectl's default), warnings otherwise (returned).
 */
export function checkCustomResource(rt: ResourceType, obj: KubeObject, fieldValidation: FieldValidation = 'Warn'): string[] {
  if (!rt.schema) return [];
  const { apiVersion, kind, metadata, ...rest } = obj;
  const pruned = prune(rest, rt.schema);
  if (pruned.length > 0 && fieldValidation === 'Strict') {
    throw new KubeApiError(400, 'BadRequest', `${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(', ')}`);
  }
  const warnings = fieldValidation === 'Ignore' ? [] : pruned.map((p) => `unknown field "${p}"`);
  for (const k of Object.keys(obj)) if (!['apiVersion', 'kind', 'metadata'].includes(k) && !(k in rest)) delete obj[k];
  const validate = validatorFor(rt);
  if (!validate) return warnings;
  const candidate = { ...rest, apiVersion, kind, metadata: {} };
  if (validate(candidate)) return warnings;
  const seen = new Set<string>();
  const causes: { field: string; message: string; reason: string }[] = [];
  for (const err of validate.errors ?? []) {
    if (err.keyword === 'anyOf' || err.keyword === 'oneOf' || err.keyword === 'if') continue;
    const field = fieldPath(err);
    const message = describe(err, valueAt(candidate, err.instancePath));
    const key = `${field}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    causes.push({ field, message, reason: err.keyword === 'required' ? 'FieldValueRequired' : 'FieldValueInvalid' });
  }
  const name = String(metadata?.name ?? '');
  throw new KubeApiError(422, 'Invalid',
    `${rt.kind}.${rt.group} "${name}" is invalid: ${causes.length === 1 ? '' : '['}${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}${causes.length === 1 ? '' : ']'}`,
    { name, group: rt.group, kind: rt.kind, causes });
}
