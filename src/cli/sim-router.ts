/**
 * `ecn sim-router`: one simulated router in the foreground, so simulated routers can run as separate processes and
 * be mixed with real clients and tools. Prints one JSON line with the bound ports when ready.
 */
import { Command, Option } from 'commander';
import { SimRouter } from '../../sim/router/router.js';
import { routerBootConfig } from '../../sim/boot-config.js';
import type { Flavor } from '../router/protocol.js';
import { parseFlavor, parseHostPort, parsePort, parseRouterId, type HostPort } from './args.js';
import { writeLine } from './io.js';
import { attachFaultConsole } from './fault-console.js';
import { EcnError } from '../errors.js';
import type { CommandContext } from './main.js';

interface SimRouterOpts {
  mode: 'interior' | 'edge';
  id: string;
  port: number;
  edgePort?: number;
  interRouterPort?: number;
  connect: HostPort[];
  flavor: Flavor;
  version?: string;
  host: string;
}

export function registerSimRouter(program: Command, ctx: CommandContext): void {
  program
    .command('sim-router')
    .description('run one simulated router (interior or edge) in the foreground')
    .addOption(new Option('--mode <mode>', 'router mode').choices(['interior', 'edge']).makeOptionMandatory())
    .requiredOption('--id <id>', 'router id (unique in the network)', parseRouterId)
    .requiredOption('--port <n>', 'port of the normal (client/management) listener; 0 picks a free one', parsePort)
    .option('--edge-port <n>', 'interior: port of the listener for edge uplinks (default: a free port)', parsePort)
    .option('--inter-router-port <n>', 'interior: port of the inter-router listener (default: a free port)', parsePort)
    .option('--connect <host:port>', 'edge: uplink to an interior edge listener; interior: inter-router connector (repeatable)',
      (v: string, prev: HostPort[]) => [...prev, parseHostPort(v)], [] as HostPort[])
    .option('--flavor <flavor>', 'management generation: qdrouterd (1.x) or skupper (3.x)', parseFlavor, 'qdrouterd' as Flavor)
    .option('--router-version <v>', 'router version to report (default 1.19.0 for qdrouterd, 3.5.1 for skupper)')
    .option('--host <host>', 'address the listeners bind to', '127.0.0.1')
    .action(async (opts: SimRouterOpts & { routerVersion?: string }) => {
      if (opts.mode === 'edge' && (opts.edgePort !== undefined || opts.interRouterPort !== undefined)) {
        throw new EcnError('ECN_CLI_USAGE', '--edge-port and --inter-router-port are for interior routers only.', {
          hint: 'drop them, or use --mode interior',
        });
      }
      if (opts.mode === 'edge' && opts.connect.length === 0) {
        ctx.io.logger.warn('edge router started without --connect: it has no uplink and is reachable only directly');
      }
      const config = routerBootConfig({
        mode: opts.mode,
        host: opts.host,
        port: opts.port,
        edgePort: opts.mode === 'interior' ? opts.edgePort ?? 0 : undefined,
        interRouterPort: opts.mode === 'interior' ? opts.interRouterPort ?? 0 : undefined,
        connect: opts.connect,
      });
      const router = new SimRouter({
        id: opts.id,
        mode: opts.mode,
        flavor: opts.flavor,
        ...(opts.routerVersion ? { version: opts.routerVersion } : {}),
        config,
        host: opts.host,
        logger: ctx.io.logger.child({ router: opts.id }),
      });
      await router.start();
      const ports: Record<string, number> = {};
      for (const name of ['amqp', 'edge', 'inter-router']) {
        const p = router.listenerPort(name);
        if (p !== undefined) ports[name] = p;
      }
      writeLine(ctx.io.stdout, JSON.stringify({ id: opts.id, mode: opts.mode, flavor: opts.flavor, host: opts.host, ports }));
      const faults = ctx.io.stdin ? attachFaultConsole(ctx.io.stdin, [router], ctx.io.stdout) : undefined;
      await ctx.io.stopSignal;
      faults?.close();
      await router.stop();
    });
}
