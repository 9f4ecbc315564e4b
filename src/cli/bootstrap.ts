/**
 * `ecn bootstrap ROUTER`: the configuration a router must start from so the manager can reach it (mode, id, its
 * listeners and, for an edge, its uplinks), as qdrouterd.conf or skrouterd.json.
 */
import { Command, Option } from 'commander';
import { bootstrapEntities, renderQdrouterdConf, renderSkupperJson } from '../plan/bootstrap.js';
import { EcnError } from '../errors.js';
import { loadForCommand } from './manifests.js';
import { writeLine } from './io.js';
import type { CommandContext } from './main.js';

export function registerBootstrap(program: Command, ctx: CommandContext): void {
  program
    .command('bootstrap')
    .description("print a router's bootstrap configuration (an agent's name, or the control plane's router id)")
    .argument('<router>', 'agent name or the control plane router id')
    .requiredOption('--manifests <path...>', 'ECN manifest files or directories')
    .addOption(new Option('--format <format>', 'qdrouterd (.conf) or skupper (skrouterd.json)').choices(['qdrouterd', 'skupper']).default('qdrouterd'))
    .action(async (router: string, o: { manifests: string[]; format: 'qdrouterd' | 'skupper' }) => {
      const { model } = await loadForCommand(o.manifests, ctx.io.stderr);
      const known = [model.controlPlane?.routerId, ...model.agents.keys()].filter((x): x is string => !!x);
      if (!known.includes(router)) {
        throw new EcnError('ECN_CLI_USAGE', `no router '${router}' in the manifests`, { hint: `choose one of: ${known.join(', ')}` });
      }
      const entities = bootstrapEntities(model, router);
      writeLine(ctx.io.stdout, o.format === 'skupper' ? renderSkupperJson(entities) : renderQdrouterdConf(entities));
    });
}
