/**
 * Text fault commands for a running fake API server (`ecn sim-kube` reads them from standard input):
 *   gone RESOURCE [N]          the next N watches answer 410 Gone
 *   stall RESOURCE [N]         the next N watches stall;  stall-open RESOURCE: the open ones stall now
 *   drop RESOURCE              open watches end now (clients reconnect)
 *   fail RESOURCE N [CODE]     the next N requests answer CODE (default 500)
 *   compact                    forget the watch history: every resume from an older resourceVersion gets 410
 *   clear | help
 * RESOURCE: plural, plural.group, kind or short name (agents, deployments.apps, svc).
 */
import type { KubeApiServer } from './api-server.js';

export const KUBE_FAULT_HELP = [
  'gone RESOURCE [N]      next N watches answer 410 Gone',
  'stall RESOURCE [N]     next N watches stall (open, silent)',
  'stall-open RESOURCE    open watches stall now',
  'drop RESOURCE          open watches end now',
  'fail RESOURCE N [CODE] next N requests answer CODE (500)',
  'compact                forget watch history (old resourceVersions get 410)',
  'clear                  remove pending faults',
].join('\n');

function count(v: string | undefined, what: string, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw new Error(`${what} must be a positive integer, got ${JSON.stringify(v ?? '')}`);
  return Number(v);
}

/** Applies one command line; returns the answer line (or undefined for a blank line). Throws with a usage hint. */
export function runKubeFaultCommand(server: KubeApiServer, line: string): string | undefined {
  const [cmd, ...args] = line.trim().split(/\s+/).filter((w) => w !== '');
  if (!cmd) return undefined;
  const resource = () => {
    const r = args[0];
    if (!r) throw new Error(`'${cmd}' needs a resource, e.g. '${cmd} agents'`);
    if (!server.cluster.registry.resolve(r)) throw new Error(`the server does not serve '${r}': use a plural, kind or short name it serves (see /apis)`);
    return r;
  };
  switch (cmd) {
    case 'help': return KUBE_FAULT_HELP;
    case 'gone': { const r = resource(); const n = count(args[1], 'N', 1); server.faults.goneOnNextWatch(r, n); return `fault: next ${n} watch(es) on ${r} answer 410`; }
    case 'stall': { const r = resource(); const n = count(args[1], 'N', 1); server.faults.stallNextWatch(r, n); return `fault: next ${n} watch(es) on ${r} stall`; }
    case 'stall-open': { const r = resource(); server.faults.stallOpenWatches(r); return `fault: open watches on ${r} stalled`; }
    case 'drop': { const r = resource(); server.faults.dropOpenWatches(r); return `fault: open watches on ${r} ended`; }
    case 'fail': {
      const r = resource();
      const n = count(args[1], 'N');
      const code = count(args[2], 'CODE', 500);
      server.faults.failNextRequests(r, n, { code });
      return `fault: next ${n} request(s) on ${r} answer ${code}`;
    }
    case 'compact': server.cluster.store.compact(); return 'fault: watch history forgotten';
    case 'clear': server.faults.clear(); return 'fault: pending faults cleared';
    default: throw new Error(`unknown command '${cmd}': type 'help' for the list`);
  }
}
