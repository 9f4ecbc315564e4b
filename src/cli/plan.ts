/**
 * `ecn plan`: the operations the manager would apply to every router to reach the manifests' ECN, and nothing else.
 * After convergence it says there is nothing to do.
 */
import type { Command } from 'commander';
import { previewNetwork } from '../manager/preview.js';
import { parseRouterUrl } from './args.js';
import { withPlannedNetwork } from './planned-network.js';
import { writeLine } from './io.js';
import type { CommandContext } from './main.js';
import { EXIT } from './exit-codes.js';

export function registerPlan(program: Command, ctx: CommandContext): void {
  program
    .command('plan')
    .description('print the operations that would bring every router to the manifests (applies nothing)')
    .requiredOption('--router <url>', "amqp://HOST:PORT of the control plane's interior router", parseRouterUrl)
    .requiredOption('--manifests <path...>', 'ECN manifest files or directories')
    .option('--json', 'print JSON')
    .action(async (o: { router: string; manifests: string[]; json?: boolean }) => {
      await withPlannedNetwork(o, ctx, async ({ client, plan }) => {
        const previews = await previewNetwork(client, plan);
        if (o.json) {
          writeLine(ctx.io.stdout, JSON.stringify(previews, null, 2));
        } else {
          let total = 0;
          for (const p of previews) {
            if (p.error) { writeLine(ctx.io.stdout, `${p.router}: cannot read it: ${p.error}`); continue; }
            for (const c of p.conditions) writeLine(ctx.io.stdout, `${p.router}: note ${c.code}: ${c.message}`);
            if (p.ops.length === 0) continue;
            writeLine(ctx.io.stdout, `${p.router}:`);
            for (const op of p.ops) {
              writeLine(ctx.io.stdout, `  ${op.op.padEnd(6)} ${op.type} ${op.name}  (${op.reason}${op.detail ? `: ${op.detail}` : ''})`);
            }
            total += p.ops.length;
          }
          const unreadable = previews.filter((p) => p.error).length;
          writeLine(ctx.io.stdout, total === 0 && unreadable === 0
            ? `Nothing to do: all ${previews.length} routers match the manifests.`
            : `${total} operation(s) on ${previews.filter((p) => p.ops.length > 0).length} router(s)${unreadable ? `; ${unreadable} router(s) could not be read` : ''}.`);
        }
        if (previews.some((p) => p.error)) ctx.setExit(EXIT.UNREACHABLE);
      });
    });
}
