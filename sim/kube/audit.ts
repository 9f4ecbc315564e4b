/**
 * An opt-in request audit for the fake API server: every resource request it handles, as RBAC sees it (API group,
 * resource with `/subresource`, verb, namespace, name). Tests compare it with a Role: which grants the code under
 * test needed, and which it never used. Discovery, OpenAPI, /version and health paths are not resource requests and
 * are not recorded.
 *
 * Verbs follow the Kubernetes authorizer: GET of one object → get, of a collection → list, with watch=true (or a
 * /watch/ path) → watch; POST → create; PUT → update; PATCH of any type (merge, JSON, strategic, apply) → patch;
 * DELETE of one object → delete, of a collection → deletecollection.
 *
 *   const server = new KubeApiServer({ audit: true });   // or server.audit.enabled = true
 *   …
 *   server.audit.entries();                              // what was asked, in order
 *   server.audit.clear();
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultVerb } from './faults.js';
import { patchTypeOf, type PatchType } from './patch.js';
import type { Target } from './request.js';

export interface AuditEntry {
  /** API group; `''` is the core group */
  apiGroup: string;
  /** plural, or `plural/subresource` (e.g. `agents/status`) */
  resource: string;
  verb: FaultVerb;
  namespace?: string;
  name?: string;
  /** the client's User-Agent header, to tell apart who made the request */
  userAgent?: string;
  /** the patch type of a PATCH request */
  patchType?: PatchType;
  /** the HTTP status of the answer, once it is complete (a watch still open has none) */
  code?: number;
}

export class RequestAudit {
  /** record requests (off unless the server was made with `audit: true`) */
  enabled: boolean;
  private readonly list: AuditEntry[] = [];

  constructor(enabled = false) {
    this.enabled = enabled;
  }

  /** Records one request (when enabled); its status code is filled in when the answer is complete. */
  record(req: IncomingMessage, res: ServerResponse, target: Target, verb: FaultVerb): AuditEntry | undefined {
    if (!this.enabled) return undefined;
    const { rt, namespace, name, subresource } = target;
    const ua = req.headers['user-agent'];
    let patchType: PatchType | undefined;
    if (verb === 'patch') {
      try { patchType = patchTypeOf(req.headers['content-type']); } catch { patchType = undefined; }
    }
    const entry: AuditEntry = {
      apiGroup: rt.group,
      resource: subresource ? `${rt.plural}/${subresource}` : rt.plural,
      verb,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(ua ? { userAgent: ua } : {}),
      ...(patchType ? { patchType } : {}),
    };
    this.list.push(entry);
    res.once('finish', () => { entry.code = res.statusCode; });
    return entry;
  }

  /** The requests recorded so far, oldest first (optionally only those `filter` keeps). */
  entries(filter?: (e: AuditEntry) => boolean): AuditEntry[] {
    return filter ? this.list.filter(filter) : [...this.list];
  }

  get size(): number { return this.list.length; }

  /** Forgets what was recorded (e.g. around a test's own requests). */
  clear(): void {
    this.list.length = 0;
  }
}

/**
 * The verbs the authorizer checks for a request: its verb, and `create` as well for a server-side apply that created
 * the object (the real API server authorizes that create separately: apiserver/pkg/endpoints/handlers/patch.go).
 */
export function authorizedVerbs(e: AuditEntry): FaultVerb[] {
  return e.verb === 'patch' && e.patchType === 'apply' && e.code === 201 ? ['patch', 'create'] : [e.verb];
}
