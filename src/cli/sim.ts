/**
 * `ecn sim`: a whole local ECN in one command — a simulated interior router, simulated Agents whose routers start
 * from their bootstrap config, simulated microservices, and the manager configuring it all over AMQP management.
 * It prints what runs where, and reads fault commands on standard input.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { startSimEcn } from '../../sim/ecn.js';
import { applySimulatorHeapPolicy } from '../../sim/heap-policy.js';
import { Manager } from '../manager/manager.js';
import type { Flavor } from '../router/protocol.js';
import { parseFlavor, parsePositiveInt } from './args.js';
import { EcnError } from '../errors.js';
import { syntheticEcn } from '../../sim/synthetic-ecn.js';
import { freePorts } from '../../sim/free-ports.js';
import { InProcessTransport } from '../../sim/router/in-process-transport.js';
import { tcpTransport } from '../../sim/router/transport.js';
import type { EcnModel, ModelIssue } from '../model/ecn.js';
import { loadForCommand } from './manifests.js';
import { writeLine } from './io.js';
import { attachFaultConsole } from './fault-console.js';
import type { CommandContext } from './main.js';
import { httpAddressArgument, type HttpAddress } from '../http/address.js';
import { describeHttp, startManagerHttp } from '../http/server.js';

/** deploy/examples/ecn, found from the sources (src/cli) or the build (dist/src/cli). */
export function exampleManifests(): string {
  for (const up of ['../../deploy/examples/ecn', '../../../deploy/examples/ecn']) {
    const p = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(p)) return p;
  }
  return 'deploy/examples/ecn';
}

/** A generated ECN whose interior listens for the manager on a free TCP port. */
async function syntheticForSim(agents: number): Promise<{ model: EcnModel; issues: ModelIssue[] }> {
  const model = syntheticEcn(agents);
  const [port] = await freePorts(1);
  model.controlPlane!.router.messagePort = port!;
  return { model, issues: [] };
}

const cp0 = (m: EcnModel): string => m.controlPlane?.routerId ?? '?';

export function registerSim(program: Command, ctx: CommandContext): void {
  program
    .command('sim')
    .description('run a local simulated ECN (routers, agents, microservices) and the manager configuring it')
    .option('--manifests <path...>', 'ECN manifest files or directories (default: the example ECN in deploy/examples/ecn)')
    .option('--agents <n>', 'instead of manifests: a generated ECN of N edge agents (two microservices, two routes and a public port each), all in this process', parsePositiveInt)
    // skupper-router 3.x by default: qdrouterd 1.19 has no tcp bridges, so public ports would not carry bytes
    .option('--flavor <flavor>', 'skupper (3.x) or qdrouterd (1.x)', parseFlavor, 'skupper' as Flavor)
    .addOption(new Option('--http <host:port>', 'where to serve the viewer, /graph, /metrics, /healthz, /readyz and /api').argParser(httpAddressArgument).default({ host: '127.0.0.1', port: 0 } as HttpAddress, '127.0.0.1:0, a free port'))
    .option('--token <token>', 'token required by /graph and /api (default: $ECN_TOKEN; none: open)')
    .option('--observe-interval <ms>', 'how often the manager observes the routers for the link graph', parsePositiveInt, 1000)
    .option('--kube', 'drive the ECN from custom resources: a fake Kubernetes API server (kubeconfig printed), routers started as Agent CRs appear')
    .option('--apply <path...>', 'with --kube: create the custom resources of these YAML files or directories at start (e.g. deploy/examples/kube)')
    .option('--namespace <ns>', 'with --kube: the namespace the manager watches', 'ecn-system')
    .action(async (o: { manifests?: string[]; agents?: number; flavor: Flavor; http: HttpAddress; token?: string; observeInterval: number; kube?: boolean; apply?: string[]; namespace: string }) => {
      applySimulatorHeapPolicy();
      if (o.agents !== undefined && o.manifests) throw new EcnError('ECN_CLI_USAGE', '--agents and --manifests both given', { hint: 'choose one: a generated ECN or your manifests' });
      if (o.kube && (o.agents !== undefined || o.manifests)) throw new EcnError('ECN_CLI_USAGE', `--kube and ${o.manifests ? '--manifests' : '--agents'} both given`, { hint: 'with --kube the ECN comes from custom resources: give them with --apply DIR or kubectl apply' });
      if (o.apply && !o.kube) throw new EcnError('ECN_CLI_USAGE', '--apply needs --kube', { hint: 'ecn sim --kube --apply DIR' });
      if (o.kube) {
        const { runSimKubeEcn } = await import('../kube/sim-kube-ecn.js');
        const { apply, ...rest } = o;
        return runSimKubeEcn({ ...rest, ...(apply ? { apply } : {}) }, ctx.io);
      }
      const paths = o.manifests ?? [exampleManifests()];
      const { model, issues } = o.agents !== undefined ? await syntheticForSim(o.agents) : await loadForCommand(paths, ctx.io.stderr, { freePorts: true });
      const out = ctx.io.stdout;
      // a generated ECN runs its routers on the in-process network (thousands of them do not fit in file descriptors);
      // only the interior's normal listener is on TCP, for the manager and for you
      const inProcess = o.agents !== undefined ? { transport: new InProcessTransport(), managementTransport: tcpTransport, microservices: o.agents <= 500 } : {};
      const ecn = await startSimEcn(model, { flavor: o.flavor, logger: ctx.io.logger, readyTimeoutMs: 600_000, ...inProcess });
      const manager = new Manager({ router: ecn.url, flavor: o.flavor, logger: ctx.io.logger, syncIntervalMs: 30_000, observeIntervalMs: o.observeInterval });
      manager.setModel(model, issues);
      let http: Awaited<ReturnType<typeof startManagerHttp>> | undefined;
      try {
        http = await startManagerHttp({ manager, host: o.http.host, port: o.http.port, token: o.token ?? process.env.ECN_TOKEN, logger: ctx.io.logger });
        await manager.start();
      } catch (err) {
        await http?.close();
        await manager.stop();
        await ecn.stop();
        throw err;
      }
      const httpLines = describeHttp(http);
      const cp = model.controlPlane!;
      writeLine(out, `Simulated ECN running (${o.flavor}), from ${o.agents !== undefined ? `a generated ECN of ${o.agents} agents` : paths.join(', ')}:`);
      if (o.agents !== undefined && o.agents > 20) {
        writeLine(out, `  control plane interior router '${cp0(model)}' at ${ecn.url}; ${model.agents.size} edge agents, ${model.routes.size} routes, ${model.publicPorts.length} public ports (in process)`);
        for (const line of httpLines) writeLine(out, line);
        writeLine(out, 'Press Ctrl-C to stop.');
        await ctx.io.stopSignal;
        await http.close();
        await manager.stop();
        await ecn.stop();
        return;
      }
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
      for (const line of httpLines) writeLine(out, line);
      writeLine(out, '');
      writeLine(out, 'The manager is configuring the routers. Look at them with, for example:');
      writeLine(out, `  npx ecn graph --url ${http.graphUrl}${o.token ?? process.env.ECN_TOKEN ? ' --token …' : ''}`);
      writeLine(out, `  npx ecn status --manager ${http.url}${o.token ?? process.env.ECN_TOKEN ? ' --token …' : ''}`);
      writeLine(out, `  npx ecn plan --router ${ecn.url} --manifests ${paths.join(' ')}`);
      writeLine(out, `  npx ecn mgmt --router ${ecn.url} query --type connection --attributes container,role,dir`);
      writeLine(out, 'Type a fault command to break something on purpose (help lists them). Press Ctrl-C to stop.');
      const faults = ctx.io.stdin ? attachFaultConsole(ctx.io.stdin, [ecn.interior, ...ecn.routers.values()], out) : undefined;
      await ctx.io.stopSignal;
      faults?.close();
      await http.close();
      await manager.stop();
      await ecn.stop();
      writeLine(out, 'stopped.');
    });
}
