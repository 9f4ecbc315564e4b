/** Kubernetes API failures as EcnError ECN_KUBE, and their HTTP status (no client-node import: cheap to load). */
import { EcnError, errorMessage } from '../errors.js';

/** The HTTP status of a failed call (undefined: no answer). */
export function statusOf(err: unknown): number | undefined {
  if (err instanceof EcnError) return typeof err.details.status === 'number' ? err.details.status : undefined;
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export function kubeError(what: string, err: unknown): EcnError {
  if (err instanceof EcnError) return err;
  const status = statusOf(err);
  const body = (err as { body?: unknown }).body;
  let detail = errorMessage(err);
  if (typeof body === 'string') {
    try { detail = (JSON.parse(body) as { message?: string }).message ?? detail; } catch { /* not JSON */ }
  } else if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
    detail = (body as { message: string }).message;
  }
  const hint = status === 403 ? 'Grant the manager the permissions of deploy/base/rbac.yaml (src/kube/permissions.ts).'
    : status === 404 ? 'Install the CRDs (deploy/) and check the namespace.'
      : status === undefined ? 'Check that the API server is reachable (--kubeconfig, KUBECONFIG or the in-cluster service account).'
        : 'See the message; the manager retries.';
  return new EcnError('ECN_KUBE', `${what}: ${status !== undefined ? `HTTP ${status}: ` : ''}${detail}`, { hint, details: { ...(status !== undefined ? { status } : {}) }, cause: err });
}
