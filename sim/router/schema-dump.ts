/**
 * GET-SCHEMA / GET-JSON-SCHEMA bodies: the schema as the Python agent dumps it (schema.py `Schema.dump`). Every item
 * whose value is falsy is dropped (`_dump_dict`), so a default of 0 or false does not appear, and the per-attribute
 * `create`/`update` flags are not part of the dump at all.
 */
import { pyJsonDumps, pyTruthy } from './python-repr.js';
import type { AttributeDef, EntityTypeDef, RouterSchema } from './schema.js';

type Dumped = Record<string, unknown>;

function dumpDict(items: Array<[string, unknown]>): Dumped {
  const out: Dumped = {};
  for (const [k, v] of items) if (pyTruthy(v)) out[k] = v;
  return out;
}

function dumpAttribute(a: AttributeDef): Dumped {
  return dumpDict([
    ['type', Array.isArray(a.type) ? [...a.type] : a.type],
    ['default', a.default],
    ['required', a.required],
    ['unique', a.unique],
    ['deprecated', a.deprecated],
    ['description', a.description],
    ['graph', a.graph],
  ]);
}

function dumpType(t: EntityTypeDef): Dumped {
  const attributes: Dumped = {};
  for (const [k, a] of t.attributes) if (k !== 'type') attributes[k] = dumpAttribute(a);
  return dumpDict([
    ['attributes', attributes],
    ['operations', [...t.operations]],
    ['description', t.description || null],
    ['fullyQualifiedType', t.name || null],
    ['references', []],
    ['deprecated', t.deprecated],
    ['singleton', t.singleton],
  ]);
}

/** The GET-SCHEMA body: `{prefix, entityTypes: {<short name>: {...}}}`. */
export function dumpSchema(schema: RouterSchema): Dumped {
  const entityTypes: Dumped = {};
  for (const t of schema.types.values()) entityTypes[t.shortName] = dumpType(t);
  return { prefix: schema.prefix, entityTypes };
}

/** The GET-JSON-SCHEMA body: the same dump as a Python `json.dumps` string. */
export function dumpSchemaJson(schema: RouterSchema, indent?: number): string {
  return pyJsonDumps(dumpSchema(schema), indent);
}
