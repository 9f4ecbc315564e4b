/**
 * `ecn sim`: a local simulated ECN in one command. For now a router network (one interior, two edges by default)
 * and how to talk to it; the manager, agents and microservices join it as they are built.
 */
import type { Command } from 'commander';
import { startSimNetwork } from '../../sim/network.js';
import type { Flavor } from '../router/protocol.js';
import { parseFlavor, parsePort, parsePositiveInt } from './args.js';
import { writeLine } from './io.js';
import { attachFaultConsole } from './fault-console.js';
import type { CommandContext } from './main.js';

export function registerSim(program: Command, ctx: CommandContext): void {
  program
    .command('sim')
    .description('run a local simulated ECN: an interior router with edge routers attached')
    .option('--edges <n>', 'number of edge routers', parsePositiveInt, 2)
    .option('--port <n>', "port of the interior router's client listener (0: a free port)", parsePort, 0)
    .option('--flavor <flavor>', 'qdrouterd (1.x) or skupper (3.x)', parseFlavor, 'qdrouterd' as Flavor)
    .action(async (opts: { edges: number; port: number; flavor: Flavor }) => {
      const edgeIds = Array.from({ length: opts.edges }, (_, i) => `edge-${i + 1}`);
      const net = await startSimNetwork({ edgeIds, port: opts.port, flavor: opts.flavor, logger: ctx.io.logger });
      const out = ctx.io.stdout;
      writeLine(out, `Simulated ECN running (${opts.flavor}):`);
      writeLine(out, `  interior router '${net.interior.id}'  ${net.url}  (edge listener on port ${net.interior.listenerPort('edge')})`);
      for (const e of net.edges) writeLine(out, `  edge router     '${e.id}'  uplink to '${net.interior.id}', own listener on port ${e.listenerPort('amqp')}`);
      writeLine(out, '');
      writeLine(out, 'Talk to it with the management CLI, for example:');
      writeLine(out, `  npx ecn mgmt --router ${net.url} query --type router.node`);
      writeLine(out, `  npx ecn mgmt --router ${net.url} query --type connection --attributes container,role,dir`);
      if (net.edges[0]) {
        writeLine(out, `  npx ecn mgmt --router ${net.url} --edge ${net.edges[0].id} query --type listener`);
        writeLine(out, `  npx ecn mgmt --router ${net.url} --edge ${net.edges[0].id} create --type listener --name demo host=127.0.0.1 port=0 role=normal`);
      }
      writeLine(out, 'Type a fault command to break something on purpose (help lists them). Press Ctrl-C to stop.');
      const faults = ctx.io.stdin ? attachFaultConsole(ctx.io.stdin, [net.interior, ...net.edges], out) : undefined;
      await ctx.io.stopSignal;
      faults?.close();
      await net.stop();
      writeLine(out, 'stopped.');
    });
}
