/**
 * The CustomResourceDefinitions of the six kinds, generated from the model's schemas (src/model/schemas.ts
 * KIND_SCHEMAS): one source for the manifest types, their validation and the CRDs. Pure: no I/O.
 *
 * Each CRD: group `iofog.org`, version `v3` (served, storage), namespaced, status subresource, printer columns,
 * short names, category `iofog`. `spec` is the model's spec schema made structural (see `toStructural` for every
 * conversion); `status` is ours (observedGeneration, conditions and a few fields per kind, written by the reconciler).
 */
import type { TSchema } from '@sinclair/typebox';
import { EcnError } from '../errors.js';
import { KIND_SCHEMAS, KINDS, type Kind } from '../model/schemas.js';
import { PRESERVE_UNKNOWN } from '../model/schema-kit.js';

export const CRD_GROUP = 'iofog.org';
export const CRD_VERSION = 'v3';
export const CRD_CATEGORY = 'iofog';

/** An OpenAPI v3 schema node as the CRD carries it (JSONSchemaProps). */
export type JsonSchema = { [keyword: string]: unknown };

export interface CrdNames {
  plural: string;
  singular: string;
  kind: Kind;
  listKind: string;
  shortNames: string[];
  categories: string[];
}

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    group: string;
    names: CrdNames;
    scope: 'Namespaced';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: JsonSchema };
    }>;
  };
}

const SHORT_NAMES: Record<Kind, string> = {
  ControlPlane: 'iocp',
  Agent: 'ioag',
  Application: 'ioapp',
  Microservice: 'ioms',
  Route: 'iort',
  EdgeResource: 'iores',
};

export function pluralOf(kind: Kind): string {
  return `${kind.toLowerCase()}s`;
}

export function crdName(kind: Kind): string {
  return `${pluralOf(kind)}.${CRD_GROUP}`;
}

// ---- status ---------------------------------------------------------------------------------------------------------

/** One entry of `status.conditions` (the shape of metav1.Condition; `type` is the list's map key). */
export const CONDITION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: { type: 'string', maxLength: 316, description: 'condition type, e.g. Ready' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string', maxLength: 1024, description: 'CamelCase reason for the last transition' },
    message: { type: 'string', maxLength: 32768, description: 'human-readable details' },
    lastTransitionTime: { type: 'string', format: 'date-time', description: 'when status last changed' },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'metadata.generation the condition was computed from' },
  },
};

/**
 * Status fields per kind, beside `observedGeneration` and `conditions` (Ready, RouterSynced, Degraded: src/kube/status.ts),
 * written by the reconciler through the status subresource. The API server prunes status fields not declared here,
 * so a new field goes here (then `npm run gen:deploy`) in the same change as the code that writes it.
 * Printer columns read `routerAddress`, `mode`, `uplinks` and `microservices`.
 */
export const KIND_STATUS_FIELDS: Record<Kind, Record<string, JsonSchema>> = {
  ControlPlane: {
    routerId: { type: 'string', description: 'router id of the interior router' },
    routerAddress: { type: 'string', description: 'address agents reach the interior router at (the load balancer or the ingress address)' },
    endpoints: {
      type: 'object',
      [PRESERVE_UNKNOWN]: true,
      description: "the interior router's endpoints as the ControlPlane reconciler reports them (free-form: their shape is the reconciler's)",
    },
  },
  Agent: {
    mode: { type: 'string', enum: ['edge', 'interior'], description: "the agent's router mode (defaults applied)" },
    uplinks: {
      type: 'array',
      description: "the agent router's links to its upstream routers, from the link graph",
      items: {
        type: 'object',
        required: ['to', 'state'],
        properties: {
          to: { type: 'string', description: 'upstream router id' },
          state: { type: 'string', description: 'up, down or unknown' },
        },
      },
    },
  },
  Application: {
    microservices: { type: 'integer', minimum: 0, description: 'microservices of the application (inline and Microservice objects)' },
    routes: { type: 'integer', minimum: 0, description: 'routes of the application (inline and Route objects)' },
  },
  Microservice: {
    publicPorts: {
      type: 'array',
      description: 'public ports allocated on the interior router',
      items: {
        type: 'object',
        required: ['external', 'publicPort'],
        properties: {
          external: { type: 'integer', minimum: 1, maximum: 65535, description: "the microservice's port on its agent's host" },
          publicPort: { type: 'integer', minimum: 1, maximum: 65535, description: 'the port on the interior router' },
          protocol: { type: 'string', enum: ['tcp', 'http'] },
        },
      },
    },
  },
  Route: {},
  EdgeResource: {},
};

export function statusSchema(kind: Kind): JsonSchema {
  return {
    type: 'object',
    description: 'observed state, written by the manager',
    properties: {
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0, description: 'metadata.generation last reconciled' },
      conditions: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['type'],
        items: CONDITION_SCHEMA,
      },
      ...KIND_STATUS_FIELDS[kind],
    },
  };
}

// ---- printer columns ----------------------------------------------------------------------------------------------

const READY: PrinterColumn = { name: 'READY', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const AGE: PrinterColumn = { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const PRINTER_COLUMNS: Record<Kind, PrinterColumn[]> = {
  ControlPlane: [{ name: 'ROUTER', type: 'string', jsonPath: '.status.routerAddress', description: 'where agents reach the interior router' }, READY, AGE],
  Agent: [
    { name: 'MODE', type: 'string', jsonPath: '.status.mode', description: 'router mode' },
    { name: 'UPLINK', type: 'string', jsonPath: '.status.uplinks[*].state', description: 'state of the link to the (first) upstream router; all in status.uplinks' },
    READY,
    AGE,
  ],
  Application: [{ name: 'MICROSERVICES', type: 'integer', jsonPath: '.status.microservices' }, READY, AGE],
  Microservice: [
    { name: 'AGENT', type: 'string', jsonPath: '.spec.agent.name' },
    { name: 'APPLICATION', type: 'string', jsonPath: '.spec.application' },
    READY,
    AGE,
  ],
  Route: [{ name: 'FROM', type: 'string', jsonPath: '.spec.from' }, { name: 'TO', type: 'string', jsonPath: '.spec.to' }, READY, AGE],
  EdgeResource: [{ name: 'VERSION', type: 'string', jsonPath: '.spec.version' }, AGE],
};

// ---- model schema → structural schema -------------------------------------------------------------------------------

/** Keywords copied as they are: all allowed in a structural CRD schema. */
const KEPT = new Set([
  'type',
  'description',
  'properties',
  'required',
  'items',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'pattern',
  'format',
  'nullable',
  'additionalProperties',
  PRESERVE_UNKNOWN,
  'x-kubernetes-int-or-string',
]);

/** Keywords dropped without changing what a valid document means (annotations only). */
const ANNOTATIONS = new Set(['title', 'examples', '$comment']);

/**
 * The model's schema for one node, as a structural CRD schema. Conversions (each keeps what the model accepts and
 * means; the difference is only in how the API server treats extra input):
 *
 * 1. `additionalProperties: false` is dropped: structural schemas cannot forbid fields; the API server prunes
 *    unknown fields instead of rejecting them (the model ignores them with a warning anyway).
 * 2. A non-free-form object (TypeBox `Type.Object`) gets no `x-kubernetes-preserve-unknown-fields`: the API server
 *    prunes fields the schema does not declare; the model ignores them (src/model/validate.ts `unknownFields`).
 *    `OpenObject`/`FreeFormObject` nodes keep theirs, so those fields are stored as written.
 * 3. `const: X` becomes `enum: [X]` (structural schemas have no `const`).
 * 4. `anyOf`/`oneOf` of constants of one type (a TypeBox union of literals) becomes `{type, enum}`.
 * 5. `default` is dropped: the model builder applies defaults (and reports them); API-server defaulting would write
 *    them into stored objects and make every object look user-set.
 * 6. A numeric `exclusiveMinimum`/`exclusiveMaximum` (JSON Schema 2019) becomes `minimum`/`maximum` with the
 *    boolean OpenAPI v3.0 form.
 * 7. `$id`, `$schema`, `title`, `examples` and `$comment` are dropped (annotations).
 * 8. Only `spec` is taken from the document schema (`openApiSchema`): `metadata` is the API server's (a CRD may not
 *    constrain it beyond name), and `apiVersion`/`kind` are fixed by the CRD's group, version and names, so the
 *    model's apiVersion enum (which also admits `iofog.org/v2` with a warning) has no CRD counterpart.
 * Anything else (`$ref`, `allOf`, `not`, `patternProperties`, a mixed union, `properties` beside a schema-valued
 * `additionalProperties`, a node with no `type` that is not free-form) cannot be expressed and throws, naming the path.
 */
export function toStructural(schema: TSchema | JsonSchema, path = 'spec'): JsonSchema {
  // JSON round trip: drops TypeBox's symbol-keyed markers (Kind, Optional) and undefined values.
  return convert(JSON.parse(JSON.stringify(schema)) as JsonSchema, path);
}

function unsupported(path: string, what: string): EcnError {
  return new EcnError('ECN_CONFIG', `cannot express ${what} at \`${path}\` in a structural CRD schema`, {
    hint: 'Change src/model/schemas.ts to use the builders of src/model/schema-kit.ts, or add the conversion to src/kube/crds.ts (toStructural) and document it.',
    details: { path },
  });
}

function convert(node: JsonSchema, path: string): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (KEPT.has(key)) continue; // copied below, in a fixed order
    if (ANNOTATIONS.has(key) || key === '$id' || key === '$schema' || key === 'default') continue; // conversions 5, 7
    if (key === 'const' || key === 'anyOf' || key === 'oneOf' || key === 'exclusiveMinimum' || key === 'exclusiveMaximum') continue; // handled below
    throw unsupported(path, `\`${key}\``);
  }

  const union = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
  if (union !== undefined) {
    const literals = literalUnion(union);
    if (!literals) throw unsupported(path, 'a union that is not a set of constants of one type');
    Object.assign(out, literals); // conversion 4
  }
  if ('const' in node) {
    out.type = node.type ?? typeOfConst(node.const, path);
    out.enum = [node.const]; // conversion 3
  }

  for (const key of KEPT) {
    if (!(key in node)) continue;
    const value = node[key];
    switch (key) {
      case 'properties': {
        const props: Record<string, JsonSchema> = {};
        for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) props[name] = convert(sub, `${path}.${name}`);
        out.properties = props;
        break;
      }
      case 'items':
        if (Array.isArray(value)) throw unsupported(path, 'a tuple (`items` as an array)');
        out.items = convert(value as JsonSchema, `${path}[]`);
        break;
      case 'additionalProperties':
        if (value === false || value === true) break; // conversion 1 (true: see the preserve check below)
        if ('properties' in node) throw unsupported(path, '`properties` beside a schema-valued `additionalProperties`');
        out.additionalProperties = convert(value as JsonSchema, `${path}.*`);
        break;
      default:
        out[key] = value;
    }
  }

  if (typeof node.exclusiveMinimum === 'number') Object.assign(out, { minimum: node.exclusiveMinimum, exclusiveMinimum: true }); // conversion 6
  if (typeof node.exclusiveMaximum === 'number') Object.assign(out, { maximum: node.exclusiveMaximum, exclusiveMaximum: true });
  if (node.exclusiveMinimum === true || node.exclusiveMaximum === true) Object.assign(out, pick(node, ['exclusiveMinimum', 'exclusiveMaximum']));

  if (node.additionalProperties === true && out[PRESERVE_UNKNOWN] !== true) {
    if ('properties' in node) throw unsupported(path, '`additionalProperties: true` beside `properties` (use OpenObject)');
    out[PRESERVE_UNKNOWN] = true; // any fields kept: the structural spelling of a free-form object
  }
  if (out.type === undefined && out[PRESERVE_UNKNOWN] !== true && out['x-kubernetes-int-or-string'] !== true) {
    throw unsupported(path, 'a node without `type` (only free-form nodes may omit it)');
  }
  if (out.type === 'object' && out.properties === undefined && out.additionalProperties === undefined && out[PRESERVE_UNKNOWN] !== true) {
    out[PRESERVE_UNKNOWN] = true; // an object with nothing declared is free-form in the model (ajv keeps every field)
  }
  return out;
}

function pick(node: JsonSchema, keys: string[]): JsonSchema {
  const out: JsonSchema = {};
  for (const k of keys) if (k in node) out[k] = node[k];
  return out;
}

function typeOfConst(value: unknown, path: string): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  throw unsupported(path, 'a `const` that is not a string, number or boolean');
}

function literalUnion(members: JsonSchema[]): JsonSchema | undefined {
  const values: unknown[] = [];
  const types = new Set<string>();
  for (const m of members) {
    const vals = 'const' in m ? [m.const] : Array.isArray(m.enum) ? m.enum : undefined;
    if (!vals) return undefined;
    for (const v of vals) {
      if (!['string', 'number', 'boolean'].includes(typeof v)) return undefined;
      types.add(typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);
      values.push(v);
    }
  }
  if (types.size === 2 && types.has('integer') && types.has('number')) return { type: 'number', enum: values };
  const [type] = [...types];
  return types.size === 1 ? { type, enum: values } : undefined;
}

// ---- the CRDs -------------------------------------------------------------------------------------------------------

/** The whole-object schema of one kind's CR: apiVersion, kind, metadata (owned by the API server), spec, status. */
export function openApiSchema(kind: Kind): JsonSchema {
  const doc = KIND_SCHEMAS[kind] as unknown as { properties: { spec: TSchema } };
  return {
    type: 'object',
    description: `${kind} (${CRD_GROUP}/${CRD_VERSION}), iofogctl-style: the same spec as the manifest files`,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: toStructural(doc.properties.spec, 'spec'),
      status: statusSchema(kind),
    },
  };
}

export function crdFor(kind: Kind): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(kind), labels: { 'app.kubernetes.io/part-of': 'ecn-router-manager' } },
    spec: {
      group: CRD_GROUP,
      names: {
        plural: pluralOf(kind),
        singular: kind.toLowerCase(),
        kind,
        listKind: `${kind}List`,
        shortNames: [SHORT_NAMES[kind]],
        categories: [CRD_CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: CRD_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS[kind],
          schema: { openAPIV3Schema: openApiSchema(kind) },
        },
      ],
    },
  };
}

/** The six CRDs, in the model's kind order. */
export function allCrds(): CustomResourceDefinition[] {
  return KINDS.map(crdFor);
}
