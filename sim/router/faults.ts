/**
 * Fault injection on management replies. The request is always handled as usual first (so a CREATE still creates):
 * the fault only changes what goes back. `fail` is the exception: the request is not handed to the agent at all,
 * and the error reply echoes the correlation id whatever its type, so a client can match it.
 */

export type ReplyMode =
  | { kind: 'normal' }
  | { kind: 'delay'; ms: number }
  | { kind: 'silent' }
  | { kind: 'fail'; statusCode?: number; description?: string };

export const NORMAL_REPLIES: ReplyMode = { kind: 'normal' };

/** Checks a reply mode from outside (CLI, tests); throws a TypeError naming the problem. */
export function validateReplyMode(mode: ReplyMode): ReplyMode {
  switch (mode.kind) {
    case 'normal':
    case 'silent':
      return mode;
    case 'delay':
      if (!Number.isFinite(mode.ms) || mode.ms < 0) throw new TypeError(`replies delay: ms must be a non-negative number, got ${mode.ms}`);
      return mode;
    case 'fail': {
      const code = mode.statusCode ?? 500;
      if (!Number.isInteger(code) || code < 100 || code > 599) throw new TypeError(`replies fail: statusCode must be an HTTP-style status, got ${code}`);
      return mode;
    }
    default:
      throw new TypeError(`unknown reply mode ${JSON.stringify(mode)}`);
  }
}
