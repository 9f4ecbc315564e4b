/**
 * Errors of the fake API server, answered as Kubernetes `Status` objects (kind Status, code, reason, details).
 */
export type StatusReason =
  | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone' | 'Invalid' | 'BadRequest' | 'MethodNotAllowed'
  | 'Forbidden' | 'InternalError' | 'UnsupportedMediaType' | 'NotAcceptable' | 'Expired';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message: string; field?: string }[];
}

export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails;

  constructor(code: number, reason: StatusReason, message: string, details: StatusDetails = {}) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): KubeStatus {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export function failureStatus(code: number, reason: string, message: string, details: StatusDetails = {}): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

export function successStatus(details: StatusDetails): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

/** `deployments.apps "x" not found`, as the real server words it. */
export function resourceLabel(plural: string, group: string): string {
  return group ? `${plural}.${group}` : plural;
}

export const notFound = (plural: string, group: string, name: string, kind?: string) =>
  new KubeApiError(404, 'NotFound', `${resourceLabel(plural, group)} "${name}" not found`, { name, group, kind: kind ?? plural });

export const alreadyExists = (plural: string, group: string, name: string) =>
  new KubeApiError(409, 'AlreadyExists', `${resourceLabel(plural, group)} "${name}" already exists`, { name, group, kind: plural });

export const conflict = (plural: string, group: string, name: string, why: string) =>
  new KubeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resourceLabel(plural, group)} "${name}": ${why}`, { name, group, kind: plural });

export const badRequest = (message: string) => new KubeApiError(400, 'BadRequest', message);

export const invalid = (kind: string, group: string, name: string, causes: { field: string; message: string }[]) =>
  new KubeApiError(422, 'Invalid',
    `${kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
    { name, group, kind, causes: causes.map((c) => ({ reason: 'FieldValueInvalid', ...c })) });
