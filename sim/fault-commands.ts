/**
 * Fault injection on command: the line protocol that `ecn sim-router` and `ecn sim` read on standard input, so a
 * person (or a test) can break a running simulated router on purpose. One command per line:
 *
 *   restart [ROUTER]                 the router restarts: connections drop, runtime-created entities are lost
 *   drop-uplinks [ROUTER]            an edge's uplink connections drop (its connectors dial again)
 *   cut-uplinks MS [ROUTER]          the same, and every dial of the router's connectors fails for MS milliseconds
 *   replies normal|silent [ROUTER]   management replies as usual / never answered
 *   replies delay MS [ROUTER]        management replies held back MS milliseconds
 *   replies fail [CODE] [ROUTER]     every management request answered with CODE (default 500)
 *   help                             this list
 *
 * ROUTER is a router id; it may be omitted when only one router runs.
 */
export type FaultCommand =
  | { kind: 'restart'; router?: string }
  | { kind: 'drop-uplinks'; router?: string }
  | { kind: 'cut-uplinks'; ms: number; router?: string }
  | { kind: 'replies'; mode: { kind: 'normal' } | { kind: 'silent' } | { kind: 'delay'; ms: number } | { kind: 'fail'; statusCode: number }; router?: string }
  | { kind: 'help' };

export const FAULT_HELP = [
  'restart [ROUTER]                 restart the router (runtime config lost, connections dropped)',
  'drop-uplinks [ROUTER]            drop the edge uplink connections (they reconnect)',
  'cut-uplinks MS [ROUTER]          drop them and let every reconnect attempt fail for MS milliseconds (a partition)',
  'replies normal|silent [ROUTER]   answer management requests as usual / never',
  'replies delay MS [ROUTER]        hold management replies back MS milliseconds',
  'replies fail [CODE] [ROUTER]     answer every management request with status CODE (default 500)',
].join('\n');

export type ParseResult = { ok: true; command: FaultCommand } | { ok: false; error: string };

export function parseFaultCommand(line: string): ParseResult | undefined {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  const [verb, ...rest] = words as [string, ...string[]];
  const router = (args: string[], max: number): string | undefined | Error => {
    if (args.length > max) return new Error(`too many words after '${verb}': ${args.join(' ')}`);
    return args[0];
  };
  switch (verb) {
    case 'help':
      return { ok: true, command: { kind: 'help' } };
    case 'restart':
    case 'drop-uplinks': {
      const r = router(rest, 1);
      if (r instanceof Error) return { ok: false, error: `${r.message}; usage: ${verb} [ROUTER]` };
      return { ok: true, command: { kind: verb, ...(r ? { router: r } : {}) } };
    }
    case 'cut-uplinks': {
      const [ms, ...tail] = rest;
      if (!ms || !/^\d+$/.test(ms)) return { ok: false, error: 'cut-uplinks needs a whole number of milliseconds: cut-uplinks MS [ROUTER]' };
      const r = router(tail, 1);
      if (r instanceof Error) return { ok: false, error: `${r.message}; usage: cut-uplinks MS [ROUTER]` };
      return { ok: true, command: { kind: 'cut-uplinks', ms: Number(ms), ...(r ? { router: r } : {}) } };
    }
    case 'replies': {
      const [mode, ...more] = rest;
      if (mode === 'normal' || mode === 'silent') {
        const r = router(more, 1);
        if (r instanceof Error) return { ok: false, error: `${r.message}; usage: replies ${mode} [ROUTER]` };
        return { ok: true, command: { kind: 'replies', mode: { kind: mode }, ...(r ? { router: r } : {}) } };
      }
      if (mode === 'delay') {
        const [ms, ...tail] = more;
        if (!ms || !/^\d+$/.test(ms)) return { ok: false, error: 'replies delay needs a whole number of milliseconds: replies delay MS [ROUTER]' };
        const r = router(tail, 1);
        if (r instanceof Error) return { ok: false, error: `${r.message}; usage: replies delay MS [ROUTER]` };
        return { ok: true, command: { kind: 'replies', mode: { kind: 'delay', ms: Number(ms) }, ...(r ? { router: r } : {}) } };
      }
      if (mode === 'fail') {
        let code = 500;
        let tail = more;
        if (more[0] && /^\d+$/.test(more[0])) {
          code = Number(more[0]);
          tail = more.slice(1);
          if (code < 400 || code > 599) return { ok: false, error: `status ${code} is not an error status: give 400-599 (default 500)` };
        }
        const r = router(tail, 1);
        if (r instanceof Error) return { ok: false, error: `${r.message}; usage: replies fail [CODE] [ROUTER]` };
        return { ok: true, command: { kind: 'replies', mode: { kind: 'fail', statusCode: code }, ...(r ? { router: r } : {}) } };
      }
      return { ok: false, error: `'replies ${mode ?? ''}' is not a reply mode: use normal, silent, delay MS or fail [CODE]` };
    }
    default:
      return { ok: false, error: `unknown command '${verb}': type help for the list` };
  }
}
