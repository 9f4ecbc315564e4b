/**
 * `ecn run`: the manager against any router, real or simulated. It loads the manifests, keeps every router
 * converged, and reloads when files in the manifest directories change.
 */
import { randomBytes } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { Manager } from '../manager/manager.js';
import { EcnError, errorMessage } from '../errors.js';
import { emptyModel } from '../model/ecn.js';
import { connectKube } from '../kube/source.js';
import { followRouterReplicas } from '../kube/router-replicas.js';
import { LEASE_NAME, LeaderElector, whenLeading } from '../kube/leader-election.js';
import type { ServiceType } from '../kube/controlplane.js';
import { parsePositiveInt, parseRouterUrl } from './args.js';
import { loadForCommand, formatIssue } from './manifests.js';
import { loadManifests } from '../model/load.js';
import { writeLine } from './io.js';
import type { CommandContext } from './main.js';
import { httpAddressArgument, type HttpAddress } from '../http/address.js';
import { describeHttp, startManagerHttp } from '../http/server.js';

export interface ManifestWatcher { close(): void }

interface RunOptions {
  router?: string; manifests?: string[]; syncInterval: number; observeInterval: number; http: HttpAddress; token?: string;
  kube?: boolean; namespace?: string; kubeconfig?: string; kubeServer?: string;
  routerServiceType?: ServiceType; routerImage?: string; routerResources: boolean; leaderElect: boolean;
}

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
    .option('--router <url>', "amqp://HOST:PORT of the control plane's interior router (with --kube, default: the ControlPlane's)", parseRouterUrl)
    .option('--manifests <path...>', 'ECN manifest files or directories')
    .option('--kube', 'take the ECN from the iofog.org/v3 custom resources of a namespace instead of --manifests, and write their status')
    .option('--namespace <ns>', 'with --kube: the namespace (default: $POD_NAMESPACE, the kubeconfig context, else default)')
    .option('--kubeconfig <path>', 'with --kube: a kubeconfig file (default: $KUBECONFIG, ~/.kube/config, else the in-cluster service account)')
    .addOption(new Option('--kube-server <url>', 'with --kube: an API server URL that needs no credentials (tests, fake servers)').hideHelp())
    .addOption(new Option('--router-service-type <type>', 'with --kube: the interior router Service type when the ControlPlane names none').choices(['LoadBalancer', 'ClusterIP', 'NodePort']))
    .option('--router-image <image>', 'with --kube: the interior router image when the ControlPlane names none')
    .option('--no-router-resources', 'with --kube: do not deploy the interior router (it runs elsewhere)')
    .option('--no-leader-elect', `with --kube: reconcile without holding the Lease ${LEASE_NAME} (then run one manager per namespace only)`)
    .option('--sync-interval <ms>', 'periodic resync of every router', parsePositiveInt, 30_000)
    .option('--observe-interval <ms>', 'how often the link graph is refreshed from the routers', parsePositiveInt, 2000)
    .addOption(new Option('--http <host:port>', 'where to serve the viewer, /graph, /metrics, /healthz, /readyz and /api (port 0: a free port)').argParser(httpAddressArgument).default({ host: '127.0.0.1', port: 8080 } as HttpAddress, '127.0.0.1:8080'))
    .option('--token <token>', 'token required by /graph and /api (default: $ECN_TOKEN; none: open)')
    .action(async (o: RunOptions) => {
      if (Boolean(o.kube) === (o.manifests !== undefined)) {
        throw new EcnError('ECN_CLI_USAGE', o.kube ? '--kube and --manifests both given' : 'no model source: give --manifests DIR… or --kube', { hint: 'choose one: manifest files, or the custom resources of a Kubernetes namespace' });
      }
      if (!o.kube && o.router === undefined) throw new EcnError('ECN_CLI_USAGE', '--router is required with --manifests', { hint: "give the control plane's interior router: --router amqp://HOST:PORT" });
      const { model, issues } = o.kube ? { model: emptyModel(), issues: [] } : await loadForCommand(o.manifests!, ctx.io.stderr);
      const kube = o.kube
        ? await connectKube({
            ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.kubeServer ? { server: o.kubeServer } : {}),
            logger: ctx.io.logger, routerResources: o.routerResources,
            ...(o.routerImage ? { routerImage: o.routerImage } : {}), ...(o.routerServiceType ? { routerServiceType: o.routerServiceType } : {}),
          })
        : undefined;
      const router = o.router ?? (await kube!.routerUrl(ctx.io.stopSignal));
      if (router === undefined) return; // stopped while waiting for a ControlPlane
      const manager = new Manager({
        router, logger: ctx.io.logger, syncIntervalMs: o.syncInterval, observeIntervalMs: o.observeInterval,
      });
      manager.setModel(model, issues);
      // with --kube, only the holder of the Lease reconciles and writes; a standby waits (ready, leader: false)
      const elector = kube?.leases && o.leaderElect ? new LeaderElector({ api: kube.leases, namespace: kube.namespace, logger: ctx.io.logger }) : undefined;
      elector?.start();
      // the port first: the probes answer (not ready) while the manager waits for the router
      const http = await startManagerHttp({
        manager, host: o.http.host, port: o.http.port, token: tokenFor(o, ctx), logger: ctx.io.logger,
        ...(elector ? { leadership: () => ({ leader: elector.isLeader, holder: elector.holder }) } : {}),
      });
      for (const line of describeHttp(http)) writeLine(ctx.io.stdout, line);
      // the stop signal, or the lease lost: then writing stops at once, and the command ends with an error
      let lost: string | undefined;
      const ended = elector ? Promise.race([ctx.io.stopSignal, new Promise<void>((resolve) => elector.once('lost', (why) => {
        lost = why;
        void manager.scheduler.stop();
        resolve();
      }))]) : ctx.io.stopSignal;
      if (elector) {
        writeLine(ctx.io.stdout, `leader election: Lease ${kube!.namespace}/${LEASE_NAME} as ${elector.identity}; waiting to hold it`);
        const leading = await whenLeading(elector, ctx.io.stopSignal);
        if (!leading) {
          await elector.stop();
          await manager.stop();
          await http.close();
          return;
        }
        writeLine(ctx.io.stdout, `leading: this manager holds the Lease ${kube!.namespace}/${LEASE_NAME}`);
      }
      const leaseLost = async (): Promise<never> => {
        await elector?.stop();
        throw new EcnError('ECN_KUBE', `lost the Lease ${kube!.namespace}/${LEASE_NAME} (${lost}): stopped writing`, { hint: 'another manager leads now; this one exits so that it restarts as a standby (check the API server connectivity if it happens often)' });
      };
      // the custom resources build the first model before the first sync
      const reconciler = kube ? await kube.start(manager) : undefined;
      // the interior's replicas (the ready endpoints of the router Service the manager deploys): a connection to each
      const replicas = kube && o.routerResources ? followRouterReplicas({ api: kube.api, namespace: kube.namespace, manager, logger: ctx.io.logger }) : undefined;
      elector?.once('lost', () => { replicas?.stop(); void reconciler?.stop(); });
      if (kube) writeLine(ctx.io.stdout, `watching iofog.org/v3 resources in namespace ${kube.namespace}`);
      // a stop while the router is still unreachable ends the command instead of waiting for it
      const started = manager.start().then(() => true);
      let go: boolean;
      try {
        go = await Promise.race([started, ended.then(() => false)]);
      } catch (err) {
        replicas?.stop();
        await reconciler?.stop();
        await manager.stop();
        await http.close();
        await elector?.stop();
        throw err;
      }
      if (!go) {
        started.catch(() => undefined);
        replicas?.stop();
        await reconciler?.stop();
        await manager.stop();
        await http.close();
        if (lost !== undefined) await leaseLost();
        await elector?.stop();
        return;
      }
      writeLine(ctx.io.stdout, `manager running against ${router}: ${manager.currentModel().model.agents.size} agents, ${manager.currentModel().plan.routers.size} routers`);
      const watcher = o.kube ? { close: () => undefined } : await watchManifests(o.manifests!, () => {
        // previous public ports keep their numbers: a new port never reshuffles the ones clients already use
        void loadManifests(o.manifests!, { previous: manager.currentModel().model.publicPorts }).then(({ model: next, issues: nextIssues }) => {
          for (const i of nextIssues) writeLine(ctx.io.stderr, formatIssue(i));
          manager.setModel(next, nextIssues);
          writeLine(ctx.io.stdout, `manifests reloaded: ${next.agents.size} agents, ${nextIssues.filter((i) => i.severity === 'error').length} error(s)`);
        }, (err: unknown) => writeLine(ctx.io.stderr, `manifests not reloaded: ${errorMessage(err)}`));
      });
      await ended;
      watcher.close();
      replicas?.stop();
      await reconciler?.stop();
      await http.close();
      await manager.stop();
      if (lost !== undefined) await leaseLost();
      await elector?.stop();
    });
}

/**
 * The token protecting /graph and /api. In a cluster one is required: without ECN_TOKEN (deploy/base reads it from
 * the Secret ecn-router-manager) they stay closed, behind a random token nobody knows, and the log says how to open
 * them. Elsewhere no token means open (a developer's machine, where the port listens on 127.0.0.1 by default).
 */
function tokenFor(o: { token?: string; kube?: boolean }, ctx: CommandContext): string | undefined {
  const token = o.token ?? process.env.ECN_TOKEN;
  if (token || !o.kube || !process.env.KUBERNETES_SERVICE_HOST) return token || undefined;
  writeLine(ctx.io.stderr, 'warning: no token configured in a cluster: /graph and /api stay closed; create the Secret ecn-router-manager with a key token (deploy/README.md), or pass --token');
  return randomBytes(24).toString('base64url');
}
