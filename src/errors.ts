/**
 * Coded errors. Every error the product raises on purpose is an EcnError: a stable `code` (ECN_…), a message that
 * names the object and the field, and a `hint` that says what to do. Callers branch on `code`, never on text.
 */
export type EcnErrorCode =
  // management client
  | 'ECN_MGMT_STATUS' // the router answered with a non-2xx statusCode
  | 'ECN_MGMT_UNREACHABLE' // the request delivery was RELEASED/MODIFIED: no route to the target agent
  | 'ECN_MGMT_REJECTED' // the request delivery was REJECTED
  | 'ECN_MGMT_TIMEOUT' // no reply within the request timeout
  | 'ECN_MGMT_DISCONNECTED' // the connection went away with the request pending
  | 'ECN_MGMT_BAD_RESPONSE' // a reply that does not follow the management protocol
  | 'ECN_MGMT_CLOSED' // the client was closed
  | 'ECN_MGMT_BAD_REQUEST' // the caller asked for something malformed (before anything was sent)
  | 'ECN_MGMT_UNKNOWN_TYPE' // an entity type the router does not have
  | 'ECN_CONNECT' // could not connect to a router
  // command line
  | 'ECN_CLI_USAGE'
  // configuration / simulator
  | 'ECN_CONFIG'
  | 'ECN_SIM'
  // Kubernetes
  | 'ECN_KUBE'; // the Kubernetes API refused or failed a request (the message names the object and the status)

export class EcnError extends Error {
  readonly code: EcnErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: EcnErrorCode, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EcnError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details ?? {};
  }

  /** A plain object for logs and JSON output. */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), ...this.details };
  }
}

export function isEcnError(err: unknown, code?: EcnErrorCode): err is EcnError {
  return err instanceof EcnError && (code === undefined || err.code === code);
}

/** The message of anything thrown, for logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
