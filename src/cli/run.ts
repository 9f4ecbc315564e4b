/**
 * `ecn run`: the manager against any router, real or simulated. It loads the manifests, keeps every router
 * converged, and reloads when files in the manifest directories change.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { Manager } from '../manager/manager.js';
import { errorMessage } from '../errors.js';
import { parsePositiveInt, parseRouterUrl } from './args.js';
import { loadForCommand, formatIssue } from './manifests.js';
import { loadManifests } from '../model/load.js';
import { writeLine } from './io.js';
import type { CommandContext } from './main.js';
import { httpAddressArgument, type HttpAddress } from '../http/address.js';
import { describeHttp, startManagerHttp } from '../http/server.js';

export interface ManifestWatcher { close(): void }

/** Calls `onChange` (debounced) when a file in one of the paths (or a watched file itself) changes. */
export async function watchManifests(paths: string[], onChange: () => void, debounceMs = 200): Promise<ManifestWatcher> {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  for (const p of paths) {
    await stat(p); // a missing path is an error worth reporting at start
    const w = watch(p, { persistent: true }, fire);
    w.on('error', () => undefined);
    watchers.push(w);
  }
  return { close: () => { if (timer) clearTimeout(timer); for (const w of watchers) w.close(); } };
}

export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .description('run the manager: keep every router converged to the manifests (reloads when they change)')
    .requiredOption('--router <url>', "amqp://HOST:PORT of the control plane's interior router", parseRouterUrl)
    .requiredOption('--manifests <path...>', 'ECN manifest files or directories')
    .option('--sync-interval <ms>', 'periodic resync of every router', parsePositiveInt, 30_000)
    .option('--observe-interval <ms>', 'how often the link graph is refreshed from the routers', parsePositiveInt, 2000)
    .addOption(new Option('--http <host:port>', 'where to serve the viewer, /graph, /metrics, /healthz, /readyz and /api (port 0: a free port)').argParser(httpAddressArgument).default({ host: '127.0.0.1', port: 8080 } as HttpAddress, '127.0.0.1:8080'))
    .option('--token <token>', 'token required by /graph and /api (default: $ECN_TOKEN; none: open)')
    .action(async (o: { router: string; manifests: string[]; syncInterval: number; observeInterval: number; http: HttpAddress; token?: string }) => {
      const { model, issues } = await loadForCommand(o.manifests, ctx.io.stderr);
      const manager = new Manager({
        router: o.router, logger: ctx.io.logger, syncIntervalMs: o.syncInterval, observeIntervalMs: o.observeInterval,
      });
      manager.setModel(model, issues);
      // the port first: the probes answer (not ready) while the manager waits for the router
      const http = await startManagerHttp({ manager, host: o.http.host, port: o.http.port, token: o.token ?? process.env.ECN_TOKEN, logger: ctx.io.logger });
      for (const line of describeHttp(http)) writeLine(ctx.io.stdout, line);
      // a stop while the router is still unreachable ends the command instead of waiting for it
      const started = manager.start().then(() => true);
      let go: boolean;
      try {
        go = await Promise.race([started, ctx.io.stopSignal.then(() => false)]);
      } catch (err) {
        await manager.stop();
        await http.close();
        throw err;
      }
      if (!go) {
        started.catch(() => undefined);
        await manager.stop();
        await http.close();
        return;
      }
      writeLine(ctx.io.stdout, `manager running against ${o.router}: ${model.agents.size} agents, ${manager.currentModel().plan.routers.size} routers`);
      const watcher = await watchManifests(o.manifests, () => {
        // previous public ports keep their numbers: a new port never reshuffles the ones clients already use
        void loadManifests(o.manifests, { previous: manager.currentModel().model.publicPorts }).then(({ model: next, issues: nextIssues }) => {
          for (const i of nextIssues) writeLine(ctx.io.stderr, formatIssue(i));
          manager.setModel(next, nextIssues);
          writeLine(ctx.io.stdout, `manifests reloaded: ${next.agents.size} agents, ${nextIssues.filter((i) => i.severity === 'error').length} error(s)`);
        }, (err: unknown) => writeLine(ctx.io.stderr, `manifests not reloaded: ${errorMessage(err)}`));
      });
      await ctx.io.stopSignal;
      watcher.close();
      await http.close();
      await manager.stop();
    });
}
