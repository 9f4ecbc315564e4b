/**
 * The routers' own management schemas (sim/router/schemas/*.json), resolved the way the real Python agent resolves
 * them (`schema.py`): every entity type gets its own attributes followed by those of its base types, its own
 * operations followed by the bases' operations, and a short name with the prefix (and `router.config.`) removed.
 * Pure data: loading is synchronous and cached per file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EcnError } from '../../src/errors.js';
import type { Flavor } from '../../src/router/protocol.js';

/** A builtin type name (`string`, `integer`, `boolean`, `path`, `map`, `list`, `properties`, …) or enum tags. */
export type AttributeTypeSpec = string | readonly string[];

export interface AttributeDef {
  readonly name: string;
  readonly type: AttributeTypeSpec;
  /** undefined when the schema gives none (Python None) */
  readonly default: unknown;
  readonly required: boolean;
  readonly unique: boolean;
  readonly create: boolean;
  readonly update: boolean;
  readonly hidden: boolean;
  readonly graph: boolean;
  readonly deprecated: boolean;
  /** the old name this attribute was known by; a request may still use it */
  readonly deprecationName: string | undefined;
  readonly description: string;
  /** long name of the type that defines the attribute (inherited definitions are shared objects, as in Python) */
  readonly definedIn: string;
}

export interface EntityTypeDef {
  /** fully qualified: `<prefix>.<key>` */
  readonly name: string;
  /** the key in the schema file, e.g. `router.config.address` */
  readonly key: string;
  /** Python's short_name: prefix removed and `router.config.` removed (`address`, `autoLink`, `listener`) */
  readonly shortName: string;
  /** own attributes first, then those of the bases (nearest base first) */
  readonly attributes: ReadonlyMap<string, AttributeDef>;
  /** attributes reachable under their deprecated name (own attributes only, as in Python) */
  readonly deprecatedAttributes: ReadonlyMap<string, AttributeDef>;
  readonly operations: readonly string[];
  /** long names of all bases, nearest first */
  readonly bases: readonly string[];
  readonly description: string;
  readonly singleton: boolean;
  readonly referential: boolean;
  readonly deprecated: boolean;
}

export interface RouterSchema {
  readonly file: string;
  readonly flavor: Flavor;
  /** without the trailing dot, e.g. `org.apache.qpid.dispatch` */
  readonly prefix: string;
  /** by long name, in file order */
  readonly types: ReadonlyMap<string, EntityTypeDef>;
  /** every attribute name of every type, first-seen order (Python keeps a set; the order is ours) */
  readonly allAttributes: readonly string[];
}

/** Python Schema.long_name: add the prefix unless the name already has it. */
export function schemaLongName(schema: RouterSchema, name: string): string {
  if (!name) return name;
  return name.startsWith(schema.prefix + '.') ? name : `${schema.prefix}.${name}`;
}

/** Python Schema.short_name: drop the prefix if present. */
export function schemaShortName(schema: RouterSchema, name: string): string {
  return name.startsWith(schema.prefix + '.') ? name.slice(schema.prefix.length + 1) : name;
}

/** Python Schema.entity_type lookup: the name as given, else its long form. */
export function lookupType(schema: RouterSchema, name: string): EntityTypeDef | undefined {
  return schema.types.get(name) ?? schema.types.get(schemaLongName(schema, name));
}

/** Python EntityType.is_a. */
export function isA(type: EntityTypeDef, base: EntityTypeDef): boolean {
  return type.name === base.name || type.bases.includes(base.name);
}

/** Python EntityType.attribute without the error: the definition, also under a deprecated name. */
export function findAttribute(type: EntityTypeDef, name: string): AttributeDef | undefined {
  return type.attributes.get(name) ?? type.deprecatedAttributes.get(name);
}

/** Which schema file a router flavor and version reads. */
export function schemaFileFor(flavor: Flavor, version: string): string {
  if (flavor === 'skupper') return 'skrouter-3.5.1.json';
  return /^1\.18(\.|$)/.test(version) ? 'qdrouter-1.18.0.json' : 'qdrouter-1.19.0.json';
}

const cache = new Map<string, RouterSchema>();

/** The resolved schema of a router flavor/version. Throws EcnError ECN_SIM if the files cannot be found. */
export function loadSchema(flavor: Flavor, version: string): RouterSchema {
  const file = schemaFileFor(flavor, version);
  let s = cache.get(file);
  if (!s) {
    s = resolveSchema(file, flavor, JSON.parse(readFileSync(join(schemasDir(), file), 'utf8')) as RawSchema);
    cache.set(file, s);
  }
  return s;
}

/**
 * The folder holding the JSON files. From sources this module sits next to it; from a compiled build
 * (dist/sim/router/schema.js) the JSON files are not copied, so look for them in the source tree.
 */
function schemasDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'schemas'), join(here, '..', '..', '..', 'sim', 'router', 'schemas')];
  for (const c of candidates) if (existsSync(join(c, 'qdrouter-1.19.0.json'))) return c;
  throw new EcnError('ECN_SIM', `router management schemas not found (looked in ${candidates.join(', ')})`, {
    hint: 'run from the repository checkout; sim/router/schemas must be present',
  });
}

interface RawAttribute {
  type?: string | string[];
  default?: unknown;
  value?: unknown;
  required?: boolean;
  unique?: boolean;
  create?: boolean;
  update?: boolean;
  hidden?: boolean;
  graph?: boolean;
  deprecated?: boolean;
  deprecationName?: string;
  description?: string;
}

interface RawType {
  extends?: string;
  attributes?: Record<string, RawAttribute>;
  operations?: string[];
  description?: string;
  singleton?: boolean;
  referential?: boolean;
  deprecated?: boolean;
}

interface RawSchema {
  prefix: string;
  entityTypes: Record<string, RawType>;
}

function resolveSchema(file: string, flavor: Flavor, raw: RawSchema): RouterSchema {
  const prefix = raw.prefix.replace(/^\.+|\.+$/g, '');
  const longName = (k: string): string => (k.startsWith(prefix + '.') ? k : `${prefix}.${k}`);
  const resolved = new Map<string, EntityTypeDef>();
  const ownAttrs = new Map<string, Map<string, AttributeDef>>();

  for (const [key, t] of Object.entries(raw.entityTypes)) {
    const name = longName(key);
    const own = new Map<string, AttributeDef>();
    for (const [an, a] of Object.entries(t.attributes ?? {})) own.set(an, attributeDef(an, a, name));
    ownAttrs.set(name, own);
  }

  const resolve = (key: string): EntityTypeDef => {
    const name = longName(key);
    const done = resolved.get(name);
    if (done) return done;
    const t = raw.entityTypes[key] ?? raw.entityTypes[name.slice(prefix.length + 1)];
    if (!t) throw new EcnError('ECN_SIM', `schema ${file}: unknown base type '${key}'`);
    const base = t.extends ? resolve(t.extends) : undefined;
    const own = ownAttrs.get(name)!;
    const attributes = new Map(own);
    if (base) for (const [k, v] of base.attributes) attributes.set(k, v);
    const deprecatedAttributes = new Map<string, AttributeDef>();
    for (const a of own.values()) {
      if (a.deprecationName || a.deprecated) {
        const alias = a.deprecationName ?? a.name;
        deprecatedAttributes.set(alias, { ...a, name: alias, deprecated: true, deprecationName: undefined, description: `(DEPRECATED) ${a.description}` });
      }
    }
    let shortName = name.slice(prefix.length + 1);
    if (shortName.startsWith('router.config.')) shortName = shortName.slice('router.config.'.length);
    const def: EntityTypeDef = {
      name,
      key,
      shortName,
      attributes,
      deprecatedAttributes,
      operations: [...(t.operations ?? []), ...(base?.operations ?? [])],
      bases: base ? [base.name, ...base.bases] : [],
      description: t.description ?? '',
      singleton: t.singleton ?? false,
      referential: t.referential ?? false,
      deprecated: t.deprecated ?? false,
    };
    resolved.set(name, def);
    return def;
  };

  const types = new Map<string, EntityTypeDef>();
  const all: string[] = [];
  const seen = new Set<string>();
  for (const key of Object.keys(raw.entityTypes)) {
    const def = resolve(key);
    types.set(def.name, def);
    for (const a of def.attributes.keys()) if (!seen.has(a)) { seen.add(a); all.push(a); }
  }
  return { file, flavor, prefix, types, allAttributes: all };
}

function attributeDef(name: string, a: RawAttribute, definedIn: string): AttributeDef {
  return {
    name,
    type: a.type ?? 'string',
    default: a.default ?? undefined,
    required: a.required ?? false,
    unique: a.unique ?? false,
    create: a.create ?? false,
    update: a.update ?? false,
    hidden: a.hidden ?? false,
    graph: a.graph ?? false,
    deprecated: a.deprecated ?? false,
    deprecationName: a.deprecationName,
    description: a.description ?? '',
    definedIn,
  };
}
