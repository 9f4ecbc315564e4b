/**
 * `ecn status`: per router in-sync / pending / unreachable, per agent uplink up / down — read from the routers.
 */
import type { Command } from 'commander';
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
    .requiredOption('--router <url>', "amqp://HOST:PORT of the control plane's interior router", parseRouterUrl)
    .requiredOption('--manifests <path...>', 'ECN manifest files or directories')
    .option('--json', 'print JSON')
    .action(async (o: { router: string; manifests: string[]; json?: boolean }) => {
      await withPlannedNetwork(o, ctx, async ({ model, client, plan }) => {
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
        writeLine(ctx.io.stdout, 'ROUTER'.padEnd(24) + 'STATE'.padEnd(13) + 'DETAIL');
        for (const r of routers) {
          writeLine(ctx.io.stdout, r.router.padEnd(24) + r.state.padEnd(13) + (r.error ?? (r.pendingOps ? `${r.pendingOps} operation(s) to apply` : '')));
        }
        writeLine(ctx.io.stdout, '');
        writeLine(ctx.io.stdout, 'AGENT'.padEnd(24) + 'UPLINK TO'.padEnd(24) + 'STATE');
        for (const u of uplinks) writeLine(ctx.io.stdout, u.agent.padEnd(24) + u.upstream.padEnd(24) + u.state);
      });
    });
}
