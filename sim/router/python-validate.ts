/**
 * The Python agent's schema validation (schema.py `EntityType.validate`, `create_check`, `update_check`,
 * `AttributeType.validate` and the builtin types), applied to plain attribute maps. Maps are mutated in place with
 * Python dict semantics: assigning an existing key keeps its position, a new key goes to the end, which is why the
 * attribute order of the real agent's replies comes out the same.
 */
import type { Attributes } from './contract.js';
import { PyException, PyValidationError } from './agent-errors.js';
import { isPlainObject, pyRepr, pyStr, pyTruthy, pyTypeName } from './python-repr.js';
import { findAttribute, schemaLongName, type AttributeDef, type EntityTypeDef, type RouterSchema } from './schema.js';

/** What `str(sys.exc_info()[2])` prints in the real agent's "value:<traceback>" messages (the address varies). */
export const TRACEBACK_TEXT = '<traceback object at 0x7f0a4c3b2d80>';

/** Python `int(v)`; TypeError/ValueError/OverflowError as PyException. */
export function pyInt(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new PyException('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(v)) throw new PyException('OverflowError', 'cannot convert float infinity to integer');
    return Math.trunc(v);
  }
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const s = typeof v === 'string' ? v : v.toString('utf8');
    const t = s.trim();
    if (/^[+-]?\d+(_\d+)*$/.test(t)) return Number(t.replace(/_/g, ''));
    throw new PyException('ValueError', `invalid literal for int() with base 10: ${pyRepr(v)}`);
  }
  throw new PyException('TypeError', `int() argument must be a string, a bytes-like object or a number, not '${pyTypeName(v)}'`);
}

const BOOLEAN_WORDS: Record<string, number> = { yes: 1, true: 1, on: 1, no: 0, false: 0, off: 0 };

/** The enum type's name as Python prints it: `enum['a', 'b']`. */
export function enumTypeName(tags: readonly string[]): string {
  return `enum${pyRepr([...tags])}`;
}

/** Python `Type.validate` for the schema's builtin types and enums. */
function coerce(type: AttributeDef['type'], value: unknown): unknown {
  if (Array.isArray(type)) {
    const tags = type as readonly string[];
    if (typeof value === 'string' && tags.includes(value)) return value;
    let i: number;
    try {
      i = pyInt(value);
    } catch (e) {
      if (e instanceof PyException && e.pyType === 'ValueError') throw new PyValidationError(`Invalid value for ${enumTypeName(tags)}: ${pyRepr(value)}`);
      throw e;
    }
    const idx = i < 0 ? tags.length + i : i;
    if (idx < 0 || idx >= tags.length) throw new PyValidationError(`Invalid value for ${enumTypeName(tags)}: ${pyRepr(value)}`);
    return tags[idx];
  }
  switch (type) {
    case 'string':
    case 'path':
    case 'entityId':
      return pyStr(value);
    case 'integer':
      return pyInt(value);
    case 'boolean':
      if (typeof value === 'string') {
        const w = BOOLEAN_WORDS[value.toLowerCase()];
        if (w === undefined) throw new PyValidationError(`Invalid Boolean value '${pyRepr(value)}'`);
        return w;
      }
      return pyTruthy(value);
    case 'list':
      if (Array.isArray(value)) return [...value];
      if (typeof value === 'string') return [...value];
      if (isPlainObject(value)) return Object.keys(value);
      throw new PyException('TypeError', `'${pyTypeName(value)}' object is not iterable`);
    case 'map':
    case 'dict':
      if (isPlainObject(value)) return { ...value };
      throw new PyException(typeof value === 'string' ? 'ValueError' : 'TypeError', typeof value === 'string'
        ? 'dictionary update sequence element #0 has length 1; 2 is required'
        : `'${pyTypeName(value)}' object is not iterable`);
    case 'properties':
      if (!isPlainObject(value)) throw new PyValidationError('Properties must be a map');
      for (const k of Object.keys(value)) if (/[^\x00-\x7f]/.test(k)) throw new PyValidationError('Property keys must be ASCII encoded');
      return value;
    default:
      return value;
  }
}

/** Python AttributeType.validate: coerce, turning TypeError/ValueError into a ValidationError with the traceback text. */
export function validateValue(attr: AttributeDef, value: unknown): unknown {
  try {
    return coerce(attr.type, value);
  } catch (e) {
    if (e instanceof PyException && (e.pyType === 'TypeError' || e.pyType === 'ValueError')) {
      throw new PyValidationError(`${e.message}:${TRACEBACK_TEXT}`);
    }
    throw e;
  }
}

function requireAttribute(type: EntityTypeDef, name: string): AttributeDef {
  const a = findAttribute(type, name);
  if (!a) throw new PyValidationError(`Unknown attribute '${name}' for '${type.name}'`);
  return a;
}

/** Python AttributeType.missing_value: the default, or an error for a required attribute. */
export function missingValue(attr: AttributeDef): unknown {
  if (attr.default !== undefined) return attr.default;
  if (attr.required) throw new PyValidationError(`Missing required attribute '${attr.name}'`);
  return undefined;
}

const isNone = (v: unknown): boolean => v === null || v === undefined;

/**
 * Python EntityType.validate: fill defaults (and move deprecated names), then coerce every value.
 * Errors come out as "<type>: <message>".
 */
export function validateEntityAttributes(schema: RouterSchema, type: EntityTypeDef, attrs: Attributes): Attributes {
  try {
    for (const attr of type.attributes.values()) {
      const dep = attr.deprecationName;
      if (isNone(attrs[attr.name])) {
        let value: unknown;
        if (dep) {
          value = attrs[dep];
          if (!isNone(value)) delete attrs[dep];
        }
        if (isNone(value)) value = missingValue(attr);
        if (!isNone(value)) attrs[attr.name] = value;
        else if (attr.name in attrs) delete attrs[attr.name];
      } else if (dep && !isNone(attrs[dep])) {
        throw new PyValidationError(`Both '${dep}' and '${attr.name}' cannot be specified for entity '${type.shortName}'`);
      }
    }
    for (const name of Object.keys(attrs)) {
      let value = attrs[name];
      if (name === 'type' && typeof value === 'string') value = schemaLongName(schema, value);
      attrs[name] = validateValue(requireAttribute(type, name), value);
    }
  } catch (e) {
    if (e instanceof PyValidationError) throw new PyValidationError(`${type.name}: ${e.message}`);
    throw e;
  }
  return attrs;
}

/** Python EntityType.create_check. */
export function createCheck(type: EntityTypeDef, attrs: Attributes): void {
  for (const a of Object.keys(attrs)) {
    if (!requireAttribute(type, a).create) throw new PyValidationError(`Cannot set attribute '${a}' in CREATE`);
  }
}

/** Python EntityType.update_check: a non-updatable attribute may be resent only with its current value. */
export function updateCheck(type: EntityTypeDef, changes: Attributes, old: Attributes, equals: (a: unknown, b: unknown) => boolean): void {
  for (const [a, v] of Object.entries(changes)) {
    if (!requireAttribute(type, a).update && !(a in old && equals(old[a], v))) {
      throw new PyValidationError(`Cannot update attribute '${a}' in UPDATE`);
    }
  }
}
