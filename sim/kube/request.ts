/**
 * Reading a REST request: which resource, namespace, name and subresource a path names, the verb, the field
 * manager, and DeleteOptions (query or body).
 */
import type { DeleteOptions, PropagationPolicy } from './cluster.js';
import type { FaultVerb } from './faults.js';
import type { ResourceType } from './resources.js';
import { KubeApiError, badRequest } from './status.js';

export interface Target {
  rt: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface ResourcePath {
  group: string;
  version: string;
  /** what follows /api/v1 or /apis/GROUP/VERSION (without a legacy /watch/ prefix) */
  rest: string[];
  legacyWatch: boolean;
}

/** Path segments, percent-decoded; a malformed escape is a 400. */
export function pathSegments(pathname: string): string[] {
  try {
    return pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  } catch {
    throw badRequest(`malformed percent-encoding in the path ${JSON.stringify(pathname)}`);
  }
}

/** `/api/v1/…` or `/apis/GROUP/VERSION/…` with at least a resource; undefined otherwise. */
export function resourcePath(segs: string[]): ResourcePath | undefined {
  let out: ResourcePath;
  if (segs[0] === 'api' && segs.length >= 3) out = { group: '', version: segs[1]!, rest: segs.slice(2), legacyWatch: false };
  else if (segs[0] === 'apis' && segs.length >= 4) out = { group: segs[1]!, version: segs[2]!, rest: segs.slice(3), legacyWatch: false };
  else return undefined;
  if (out.rest[0] === 'watch') { out.rest = out.rest.slice(1); out.legacyWatch = true; }
  return out;
}

/**
 * `[namespaces, NS, plural, name?, sub?]` or `[plural, name?, sub?]`; namespaces themselves are cluster-scoped
 * (`namespaces/NAME/status`).
 */
export function resolveTarget(p: ResourcePath, find: (plural: string) => ResourceType): Target {
  const rest = p.rest;
  const namespacedPath = rest[0] === 'namespaces' && rest.length >= 3 && !(p.group === '' && (rest[2] === 'status' || rest[2] === 'finalize'));
  if (namespacedPath) {
    if (rest.length > 5) throw new KubeApiError(404, 'NotFound', `the server could not find the requested resource (${rest.join('/')})`);
    return { rt: find(rest[2]!), namespace: rest[1]!, ...(rest[3] ? { name: rest[3] } : {}), ...(rest[4] ? { subresource: rest[4] } : {}) };
  }
  if (rest.length > 3) throw new KubeApiError(404, 'NotFound', `the server could not find the requested resource (${rest.join('/')})`);
  return { rt: find(rest[0]!), ...(rest[1] ? { name: rest[1] } : {}), ...(rest[2] ? { subresource: rest[2] } : {}) };
}

export function verbOf(method: string, t: Target, isWatch: boolean): FaultVerb {
  const item = t.name !== undefined;
  switch (method) {
    case 'GET': return isWatch ? 'watch' : item ? 'get' : 'list';
    case 'POST': if (!item) return 'create'; break;
    case 'PUT': if (item) return 'update'; break;
    case 'PATCH': if (item) return 'patch'; break;
    case 'DELETE': return item ? 'delete' : 'deletecollection';
  }
  throw new KubeApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method} ${item ? 'object' : 'collection'} of ${t.rt.plural})`);
}

/** The field manager of a write without ?fieldManager=: the User-Agent's product name, as the real server does. */
export function managerFromUserAgent(ua: string | undefined): string {
  if (!ua) return 'unknown';
  return ua.split('/')[0]!.trim() || 'unknown';
}

export function deleteOptions(q: URLSearchParams, body: string, dryRun: boolean): DeleteOptions {
  let parsed: Record<string, any> = {};
  if (body.trim() !== '') {
    try { parsed = JSON.parse(body); } catch (err) { throw badRequest(`DeleteOptions is not valid JSON: ${(err as Error).message}`); }
  }
  const policy = (q.get('propagationPolicy') ?? parsed.propagationPolicy ?? (parsed.orphanDependents === true ? 'Orphan' : undefined)) as PropagationPolicy | undefined;
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
    throw badRequest(`propagationPolicy ${JSON.stringify(policy)} is not one of Background, Foreground, Orphan`);
  }
  const bodyDryRun = Array.isArray(parsed.dryRun) && parsed.dryRun.includes('All');
  return {
    ...(policy ? { propagationPolicy: policy } : {}),
    ...(parsed.preconditions ? { preconditions: parsed.preconditions } : {}),
    dryRun: dryRun || bodyDryRun,
  };
}
