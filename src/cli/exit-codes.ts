/**
 * Exit codes of `ecn`, stable for scripts:
 *   0 success; 1 the router answered with an error status; 2 bad usage; 3 router unreachable (connect failure,
 *   released delivery, timeout, disconnect); 4 the router's reply broke the protocol; 70 an internal error.
 */
import { EcnError } from '../errors.js';

export const EXIT = { OK: 0, STATUS: 1, USAGE: 2, UNREACHABLE: 3, BAD_RESPONSE: 4, INTERNAL: 70 } as const;

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof EcnError)) return EXIT.INTERNAL;
  switch (err.code) {
    case 'ECN_MGMT_STATUS':
    case 'ECN_MGMT_REJECTED':
    case 'ECN_MGMT_UNKNOWN_TYPE':
      return EXIT.STATUS;
    case 'ECN_CLI_USAGE':
    case 'ECN_MGMT_BAD_REQUEST':
    case 'ECN_CONFIG':
      return EXIT.USAGE;
    case 'ECN_MGMT_UNREACHABLE':
    case 'ECN_MGMT_TIMEOUT':
    case 'ECN_MGMT_DISCONNECTED':
    case 'ECN_MGMT_CLOSED':
    case 'ECN_CONNECT':
      return EXIT.UNREACHABLE;
    case 'ECN_MGMT_BAD_RESPONSE':
      return EXIT.BAD_RESPONSE;
    default:
      return EXIT.INTERNAL;
  }
}

/** One or two lines for a person: what happened, then what to do. */
export function describeError(err: unknown): string {
  if (err instanceof EcnError) {
    return `error ${err.code}: ${err.message}${err.hint ? `\n  hint: ${err.hint}` : ''}`;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return `internal error: ${e.stack ?? e.message}\n  hint: this is a bug in ecn; please report it with the command you ran.`;
}
