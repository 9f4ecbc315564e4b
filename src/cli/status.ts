/**
 * `ecn status`: per router in-sync / pending / unreachable, per agent uplink up / down. Either read from the routers
 * themselves (`--router` and `--manifests`: what would have to change), or asked of a running manager (`--manager`:
 * its own view, from its HTTP port's /api/status).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { EcnError, errorMessage } from '../errors.js';
import type { StatusBody } from '../http/routes.js';
import { previewNetwork } from '../manager/preview.js';
import { observeNetwork } from '../observe/index.js';
import { LinkGraph } from '../graph/index.js';
import { parseRouterUrl } from './args.js';
import { withPlannedNetwork } from './planned-network.js';
import { writeLine } from './io.js';
import type { CommandContext } from './main.js';

export function registerStatus(program: Command, ctx: CommandContext): void {
  program
    .command('status')
    .description('per router: in-sync, pending or unreachable; per agent: uplink up or down')
    .option('--router <url>', "amqp://HOST:PORT of the control plane's interior router (with --manifests)", parseRouterUrl)
    .option('--manifests <path...>', 'ECN manifest files or directories (with --router)')
    .option('--manager <url>', 'instead: http://HOST:PORT of a running manager (ecn run / ecn sim print it)', parseManagerUrl)
    .option('--token <token>', "the manager's token, with --manager (default: $ECN_TOKEN)")
    .option('--json', 'print JSON')
    .action(async (o: { router?: string; manifests?: string[]; manager?: string; token?: string; json?: boolean }) => {
      if (o.manager !== undefined) {
        if (o.router !== undefined || o.manifests !== undefined) {
          throw new EcnError('ECN_CLI_USAGE', '--manager cannot be combined with --router or --manifests', { hint: 'ask a running manager (--manager URL) or read the routers yourself (--router URL --manifests DIR)' });
        }
        const status = await fetchManagerStatus(o.manager, o.token ?? process.env.ECN_TOKEN);
        const routers = status.routers.map((r) => ({ router: r.router, state: r.state, ...(r.lastError ? { error: `${r.lastError.code}: ${r.lastError.message}` } : {}) }));
        if (o.json) {
          writeLine(ctx.io.stdout, JSON.stringify({ routers, uplinks: status.uplinks, issues: status.issues }, null, 2));
          return;
        }
        printTables(ctx, routers.map((r) => ({ router: r.router, state: r.state, detail: r.error ?? '' })), status.uplinks);
        return;
      }
      if (o.router === undefined || o.manifests === undefined) {
        throw new EcnError('ECN_CLI_USAGE', 'ecn status needs --router and --manifests, or --manager', { hint: 'e.g. ecn status --router amqp://127.0.0.1:5672 --manifests deploy/examples/ecn, or ecn status --manager http://127.0.0.1:8080' });
      }
      await withPlannedNetwork({ router: o.router, manifests: o.manifests }, ctx, async ({ model, client, plan }) => {
        const [previews, observed] = await Promise.all([previewNetwork(client, plan), observeNetwork(client, plan)]);
        const graph = new LinkGraph();
        graph.update({ model, plan, observed });
        const routers = previews.map((p) => ({
          router: p.router,
          state: p.error ? 'unreachable' : p.ops.length === 0 ? 'in-sync' : 'pending',
          pendingOps: p.ops.length,
          ...(p.error ? { error: p.error } : {}),
        }));
        const uplinks: Array<{ agent: string; upstream: string; state: string }> = [];
        graph.graph.forEachEdge((_key, attrs, source, target) => {
          if (attrs.kind !== 'uplink') return;
          uplinks.push({ agent: source.replace(/^router:/, ''), upstream: target.replace(/^router:/, ''), state: attrs.state });
        });
        uplinks.sort((a, b) => (a.agent + a.upstream < b.agent + b.upstream ? -1 : 1));
        if (o.json) {
          writeLine(ctx.io.stdout, JSON.stringify({ routers, uplinks }, null, 2));
          return;
        }
        printTables(ctx, routers.map((r) => ({ router: r.router, state: r.state, detail: r.error ?? (r.pendingOps ? `${r.pendingOps} operation(s) to apply` : '') })), uplinks);
      });
    });
}

function printTables(ctx: CommandContext, routers: Array<{ router: string; state: string; detail: string }>, uplinks: Array<{ agent: string; upstream: string; state: string }>): void {
  // columns as wide as their longest value (replica plans are `<router>@<pod>`), at least the old 24 characters
  const width = (values: string[]): number => Math.max(24, ...values.map((v) => v.length + 2));
  const rw = width(routers.map((r) => r.router));
  writeLine(ctx.io.stdout, 'ROUTER'.padEnd(rw) + 'STATE'.padEnd(13) + 'DETAIL');
  for (const r of routers) writeLine(ctx.io.stdout, r.router.padEnd(rw) + r.state.padEnd(13) + r.detail);
  writeLine(ctx.io.stdout, '');
  const aw = width(uplinks.map((u) => u.agent));
  const uw = width(uplinks.map((u) => u.upstream));
  writeLine(ctx.io.stdout, 'AGENT'.padEnd(aw) + 'UPLINK TO'.padEnd(uw) + 'STATE');
  for (const u of uplinks) writeLine(ctx.io.stdout, u.agent.padEnd(aw) + u.upstream.padEnd(uw) + u.state);
}

function parseManagerUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a URL; expected http://HOST:PORT`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidArgumentError(`'${value}' is not an http(s) URL; expected http://HOST:PORT`);
  return u.origin;
}

/** GET /api/status of a running manager; every failure is an ECN_CONNECT error that says what to check. */
async function fetchManagerStatus(base: string, token: string | undefined): Promise<StatusBody> {
  let res: Response;
  try {
    res = await fetch(`${base}/api/status`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new EcnError('ECN_CONNECT', `cannot reach the manager at ${base}: ${errorMessage(err)}`, { hint: 'check the URL that ecn run / ecn sim printed (its "metrics:" line has the same host and port)' });
  }
  if (res.status === 401) throw new EcnError('ECN_CONNECT', `the manager at ${base} wants a token`, { hint: 'pass --token or set ECN_TOKEN' });
  if (!res.ok) throw new EcnError('ECN_CONNECT', `the manager at ${base} answered ${res.status} to /api/status`, { hint: 'is this the manager\'s HTTP port?' });
  const body = (await res.json().catch(() => undefined)) as StatusBody | undefined;
  if (!body || !Array.isArray(body.routers) || !Array.isArray(body.uplinks)) {
    throw new EcnError('ECN_CONNECT', `${base}/api/status did not answer with a manager status`, { hint: 'is this the manager\'s HTTP port?' });
  }
  return body;
}
