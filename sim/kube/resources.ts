/**
 * The resource table: which group/version/plural the server serves, with kind, scope, verbs and short names.
 * Built-in resources are listed here; custom resources come from CustomResourceDefinition objects (crdResourceTypes).
 */
import { KubeApiError } from './status.js';

export type KubeObject = Record<string, any> & { metadata?: Record<string, any> };

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  verbs: string[];
  /** has a /status subresource: status is written there only, spec and metadata only on the main resource */
  statusSubresource: boolean;
  /** metadata.generation is kept and bumped when the spec (anything but metadata and status) changes */
  generation: boolean;
  /** set for custom resources: the CRD that defines them */
  crd?: string;
  categories?: string[];
  /** a CRD version's additionalPrinterColumns (kubectl get columns) */
  printerColumns?: { name: string; type: string; jsonPath: string; description?: string; priority?: number; format?: string }[];
  /** a CRD version's openAPIV3Schema */
  schema?: Record<string, unknown>;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** `apps/v1` or `v1` */
export function groupVersion(rt: Pick<ResourceType, 'group' | 'version'>): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

/** The store key: one store per group and plural, whatever the version (versions share storage). */
export function resourceKey(rt: Pick<ResourceType, 'group' | 'plural'>): string {
  return rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
}

interface BuiltinSpec {
  group: string;
  version: string;
  kind: string;
  plural?: string;
  namespaced?: boolean;
  shortNames?: string[];
  status?: boolean;
  generation?: boolean;
  categories?: string[];
}

const BUILTINS: BuiltinSpec[] = [
  { group: '', version: 'v1', kind: 'Namespace', namespaced: false, shortNames: ['ns'], status: true },
  { group: '', version: 'v1', kind: 'ConfigMap', shortNames: ['cm'] },
  { group: '', version: 'v1', kind: 'Secret' },
  { group: '', version: 'v1', kind: 'Service', shortNames: ['svc'], status: true, categories: ['all'] },
  { group: '', version: 'v1', kind: 'ServiceAccount', shortNames: ['sa'] },
  { group: '', version: 'v1', kind: 'Event', shortNames: ['ev'] },
  { group: '', version: 'v1', kind: 'Pod', shortNames: ['po'], status: true, categories: ['all'] },
  { group: '', version: 'v1', kind: 'Endpoints', plural: 'endpoints', shortNames: ['ep'] },
  { group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' },
  { group: '', version: 'v1', kind: 'PersistentVolumeClaim', shortNames: ['pvc'], status: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', shortNames: ['deploy'], status: true, generation: true, categories: ['all'] },
  { group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', shortNames: ['ing'], status: true, generation: true },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding' },
  { group: 'events.k8s.io', version: 'v1', kind: 'Event', shortNames: ['ev'] },
  {
    group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', namespaced: false,
    shortNames: ['crd', 'crds'], status: true, generation: true,
  },
];

function defaultPlural(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return lower + 'es';
  if (lower.endsWith('y')) return lower.slice(0, -1) + 'ies';
  return lower + 's';
}

export const BUILTIN_RESOURCES: readonly ResourceType[] = BUILTINS.map((b) => ({
  group: b.group,
  version: b.version,
  kind: b.kind,
  listKind: `${b.kind}List`,
  plural: b.plural ?? defaultPlural(b.kind),
  singular: b.kind.toLowerCase(),
  namespaced: b.namespaced ?? true,
  shortNames: b.shortNames ?? [],
  verbs: ALL_VERBS,
  statusSubresource: b.status ?? false,
  generation: b.generation ?? false,
  ...(b.categories ? { categories: b.categories } : {}),
}));

/** The resource types a CRD object defines (one per served version), or a 422 Invalid naming the bad field. */
export function crdResourceTypes(crd: KubeObject): ResourceType[] {
  const name = String(crd.metadata?.name ?? '');
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const causes: { field: string; message: string }[] = [];
  const need = (v: unknown, field: string) => {
    if (typeof v !== 'string' || v === '') causes.push({ field, message: 'Required value' });
  };
  need(spec.group, 'spec.group');
  need(names.plural, 'spec.names.plural');
  need(names.kind, 'spec.names.kind');
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({ field: 'spec.scope', message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"` });
  }
  if (!Array.isArray(spec.versions) || spec.versions.length === 0) {
    causes.push({ field: 'spec.versions', message: 'Required value: must have exactly one version marked as storage version' });
  } else {
    spec.versions.forEach((v: any, i: number) => need(v?.name, `spec.versions[${i}].name`));
    if (spec.versions.filter((v: any) => v?.storage === true).length !== 1) {
      causes.push({ field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
    }
  }
  if (typeof names.plural === 'string' && typeof spec.group === 'string' && name !== `${names.plural}.${spec.group}`) {
    causes.push({ field: 'metadata.name', message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group` });
  }
  if (causes.length > 0) {
    throw new KubeApiError(422, 'Invalid',
      `CustomResourceDefinition.apiextensions.k8s.io "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      { name, group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', causes: causes.map((c) => ({ reason: 'FieldValueInvalid', ...c })) });
  }
  return (spec.versions as any[]).filter((v) => v.served !== false).map((v) => ({
    group: spec.group,
    version: v.name,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    plural: names.plural,
    singular: names.singular ?? String(names.kind).toLowerCase(),
    namespaced: spec.scope === 'Namespaced',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames : [],
    categories: Array.isArray(names.categories) ? names.categories : undefined,
    verbs: ALL_VERBS,
    statusSubresource: v.subresources?.status !== undefined && v.subresources?.status !== null,
    generation: true,
    crd: name,
    ...(Array.isArray(v.additionalPrinterColumns) ? { printerColumns: v.additionalPrinterColumns } : {}),
    ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}),
  }));
}

/** What the server serves right now: the built-ins plus the resources of established CRDs. */
export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceType>(); // `${gv}/${plural}`
  private readonly crdTypes = new Map<string, ResourceType[]>();

  constructor(builtins: readonly ResourceType[] = BUILTIN_RESOURCES) {
    for (const rt of builtins) this.byPath.set(`${groupVersion(rt)}/${rt.plural}`, rt);
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${groupVersion({ group, version })}/${plural}`);
  }

  /** Any version of a group's plural (the storage key); undefined when none is served. */
  findAnyVersion(group: string, plural: string): ResourceType | undefined {
    for (const rt of this.byPath.values()) if (rt.group === group && rt.plural === plural) return rt;
    return undefined;
  }

  /** Resolves 'agents', 'agents.iofog.org', 'deploy', 'Deployment' to a resource type (for faults and tools). */
  resolve(name: string): ResourceType | undefined {
    const lower = name.toLowerCase();
    for (const rt of this.byPath.values()) {
      if (resourceKey(rt) === lower || rt.plural === lower || rt.singular === lower || rt.shortNames.includes(lower) || rt.kind.toLowerCase() === lower) return rt;
    }
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  /** Group → versions served, in registration order. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const rt of this.byPath.values()) {
      const versions = out.get(rt.group) ?? [];
      if (!versions.includes(rt.version)) versions.push(rt.version);
      out.set(rt.group, versions);
    }
    return out;
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all().filter((rt) => rt.group === group && rt.version === version);
  }

  registerCrd(crd: KubeObject): ResourceType[] {
    const types = crdResourceTypes(crd);
    this.unregisterCrd(String(crd.metadata?.name));
    for (const rt of types) {
      const key = `${groupVersion(rt)}/${rt.plural}`;
      const existing = this.byPath.get(key);
      if (existing && !existing.crd) {
        throw new KubeApiError(422, 'Invalid', `CustomResourceDefinition "${crd.metadata?.name}" is invalid: spec.group: ${rt.group}/${rt.plural} is a built-in resource`);
      }
      this.byPath.set(key, rt);
    }
    this.crdTypes.set(String(crd.metadata?.name), types);
    return types;
  }

  unregisterCrd(name: string): ResourceType[] {
    const types = this.crdTypes.get(name) ?? [];
    for (const rt of types) this.byPath.delete(`${groupVersion(rt)}/${rt.plural}`);
    this.crdTypes.delete(name);
    return types;
  }
}
