/**
 * Small TypeBox builders that stay inside the Kubernetes structural-schema subset: every node typed, no `$ref`,
 * no `const`/`patternProperties`, free-form only through `x-kubernetes-preserve-unknown-fields`.
 */
import { Type, type TInteger, type TUnsafe, type ObjectOptions, type TProperties, type TObject } from '@sinclair/typebox';

/** The Kubernetes extension keywords the schemas use; ajv is told about them (src/model/validate.ts). */
export const PRESERVE_UNKNOWN = 'x-kubernetes-preserve-unknown-fields';

/** A string restricted to a few values (`enum`, which CRDs support; TypeBox unions would become `anyOf`/`const`). */
export function StringEnum<T extends string[]>(values: [...T], options: { description?: string; default?: T[number] } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...options });
}

/** A TCP/UDP port number. */
export function Port(description?: string): TInteger {
  return Type.Integer({ minimum: 1, maximum: 65535, ...(description ? { description } : {}) });
}

/** A free-form object (kept as is, never checked field by field). */
export function FreeFormObject(description?: string): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', [PRESERVE_UNKNOWN]: true, ...(description ? { description } : {}) });
}

/** Any JSON value (no `type`: allowed in a structural schema only with preserve-unknown-fields). */
export function AnyValue(description?: string): TUnsafe<unknown> {
  return Type.Unsafe<unknown>({ [PRESERVE_UNKNOWN]: true, ...(description ? { description } : {}) });
}

/** A map of strings (labels). */
export function StringMap(description?: string): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, ...(description ? { description } : {}) });
}

/** An object whose declared fields are checked and whose other fields are kept (ioFog has many we do not use). */
export function OpenObject<T extends TProperties>(properties: T, options: ObjectOptions = {}): TObject<T> {
  return Type.Object(properties, { ...options, [PRESERVE_UNKNOWN]: true });
}
