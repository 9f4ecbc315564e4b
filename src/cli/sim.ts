/**
 * `ecn sim`: a whole local ECN in one command — a simulated interior router, simulated Agents whose routers start
 * from their bootstrap config, simulated microservices, and the manager configuring it all over AMQP management.
 * It prints what runs where, and reads fault commands on standard input.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { startSimEcn } from '../../sim/ecn.js';
import { Manager } from '../manager/manager.js';
import type { Flavor } from '../router/protocol.js';
import { parseFlavor } from './args.js';
import { loadForCommand } from './manifests.js';
import { writeLine } from './io.js';
import { attachFaultConsole } from './fault-console.js';
import type { CommandContext } from './main.js';

/** deploy/examples/ecn, found from the sources (src/cli) or the build (dist/src/cli). */
export function exampleManifests(): string {
  for (const up of ['../../deploy/examples/ecn', '../../../deploy/examples/ecn']) {
    const p = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(p)) return p;
  }
  return 'deploy/examples/ecn';
}

export function registerSim(program: Command, ctx: CommandContext): void {
  program
    .command('sim')
    .description('run a local simulated ECN (routers, agents, microservices) and the manager configuring it')
    .option('--manifests <path...>', 'ECN manifest files or directories (default: the example ECN in deploy/examples/ecn)')
    // skupper-router 3.x by default: qdrouterd 1.19 has no tcp bridges, so public ports would not carry bytes
    .option('--flavor <flavor>', 'skupper (3.x) or qdrouterd (1.x)', parseFlavor, 'skupper' as Flavor)
    .action(async (o: { manifests?: string[]; flavor: Flavor }) => {
      const paths = o.manifests ?? [exampleManifests()];
      const { model, issues } = await loadForCommand(paths, ctx.io.stderr, { freePorts: true });
      const out = ctx.io.stdout;
      const ecn = await startSimEcn(model, { flavor: o.flavor, logger: ctx.io.logger });
      const manager = new Manager({ router: ecn.url, flavor: o.flavor, logger: ctx.io.logger, syncIntervalMs: 30_000, observeIntervalMs: 1000 });
      manager.setModel(model, issues);
      try {
        await manager.start();
      } catch (err) {
        await ecn.stop();
        throw err;
      }
      const cp = model.controlPlane!;
      writeLine(out, `Simulated ECN running (${o.flavor}), from ${paths.join(', ')}:`);
      writeLine(out, `  control plane '${cp.name}': interior router '${cp.routerId}' at ${ecn.url} (edge port ${cp.router.edgePort}, inter-router port ${cp.router.interiorPort})`);
      for (const a of [...model.agents.values()].sort((x, y) => (x.name < y.name ? -1 : 1))) {
        writeLine(out, `  agent '${a.name}': ${a.routerMode} router on ${a.host}:${a.messagingPort}, upstream ${a.upstreamRouters.join(', ')}`);
      }
      for (const ms of model.microservices.values()) {
        writeLine(out, `  microservice ${ms.application}/${ms.name} on '${ms.agent}'${ms.ports.length ? `, ports ${ms.ports.map((p) => `${p.external}/${p.protocol}`).join(', ')}` : ''}`);
      }
      for (const r of model.routes.values()) writeLine(out, `  route ${r.application}/${r.name}: ${r.from} → ${r.to}`);
      for (const p of model.publicPorts) {
        writeLine(out, `  public port ${cp.router.address}:${p.publicPort} (${p.protocol}) → ${p.application}/${p.microservice} on '${p.agent}' port ${p.external}`);
      }
      writeLine(out, '');
      writeLine(out, 'The manager is configuring the routers. Look at them with, for example:');
      writeLine(out, `  npx ecn status --router ${ecn.url} --manifests ${paths.join(' ')}`);
      writeLine(out, `  npx ecn mgmt --router ${ecn.url} query --type connection --attributes container,role,dir`);
      writeLine(out, 'Type a fault command to break something on purpose (help lists them). Press Ctrl-C to stop.');
      const faults = ctx.io.stdin ? attachFaultConsole(ctx.io.stdin, [ecn.interior, ...ecn.routers.values()], out) : undefined;
      await ctx.io.stopSignal;
      faults?.close();
      await manager.stop();
      await ecn.stop();
      writeLine(out, 'stopped.');
    });
}
