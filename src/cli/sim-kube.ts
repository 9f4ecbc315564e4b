/**
 * `ecn sim-kube`: the fake Kubernetes API server in the foreground. Prints one JSON line when ready: its URL and the
 * path of a kubeconfig it wrote to a temporary directory (removed on exit), for kubectl and client libraries.
 * Fault commands (sim/kube/fault-commands.ts) are read from standard input.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { KubeApiError, KubeApiServer } from '../../sim/kube/index.js';
import type { KubeObject } from '../../sim/kube/resources.js';
import { EcnError, errorMessage } from '../errors.js';
import { runKubeFaultCommand } from '../../sim/kube/fault-commands.js';
import { parsePort } from './args.js';
import { writeLine } from './io.js';
import type { CommandContext } from './main.js';

interface SimKubeOpts {
  port: number;
  host: string;
  iofogCrds: boolean;
  crds: string[];
  namespace: string;
  stages: boolean;
}

/** A path given with --crds: a YAML file, or a directory whose *.yaml and *.yml files are read (in name order). */
function crdFiles(path: string): string[] {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new EcnError('ECN_CONFIG', `cannot read the CRD path ${path}: ${(err as Error).message}`, { hint: 'give a YAML file with CustomResourceDefinition documents, or a directory of them (e.g. deploy/base/crds)', cause: err });
  }
  if (!isDir) return [path];
  const files = readdirSync(path, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
    .map((e) => join(path, e.name))
    .sort();
  if (files.length === 0) {
    throw new EcnError('ECN_CONFIG', `the CRD directory ${path} has no .yaml or .yml file`, { hint: 'give a directory of CustomResourceDefinition YAML files (e.g. deploy/base/crds), or one such file' });
  }
  return files;
}

function readCrds(paths: string[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const file of paths.flatMap(crdFiles)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new EcnError('ECN_CONFIG', `cannot read the CRD file ${file}: ${(err as Error).message}`, { hint: 'give the path of a YAML file with CustomResourceDefinition documents', cause: err });
    }
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) {
        throw new EcnError('ECN_CONFIG', `${file}: ${doc.errors[0]!.message}`, { hint: 'fix the YAML syntax at that position' });
      }
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition') out.push(obj);
    }
  }
  return out;
}

export function registerSimKube(program: Command, ctx: CommandContext): void {
  program
    .command('sim-kube')
    .description('run a fake Kubernetes API server in the foreground (for kubectl, client libraries and tests)')
    .option('--port <n>', 'port to listen on; 0 picks a free one', parsePort, 0)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--iofog-crds', 'create the six iofog.org/v3 CRDs at start', false)
    .option('--crds <path>', 'YAML file, or directory of YAML files, with CustomResourceDefinitions to create at start (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--namespace <ns>', 'default namespace of the kubeconfig', 'default')
    .option('--stages', 'act as a cluster\'s controllers: LoadBalancer Services get an IP after 1 s, Deployments become ready after 0.5 s', false)
    .action(async (opts: SimKubeOpts) => {
      let server: KubeApiServer;
      try {
        server = new KubeApiServer({
          host: opts.host,
          port: opts.port,
          preloadIofogCrds: opts.iofogCrds,
          ...(opts.stages ? { stages: { loadBalancer: { delayMs: 1000 }, deployments: { delayMs: 500 } } } : {}),
          crds: readCrds(opts.crds),
          logger: ctx.io.logger.child({ component: 'sim-kube' }),
        });
      } catch (err) {
        if (!(err instanceof KubeApiError)) throw err;
        throw new EcnError('ECN_CONFIG', `a CRD given with --crds was refused: ${err.message}`, {
          hint: 'fix the CustomResourceDefinition (the message names the field), or leave that file out', cause: err,
        });
      }
      try {
        await server.start();
      } catch (err) {
        throw new EcnError('ECN_SIM', `the fake API server cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`, {
          hint: 'choose another --port (0 picks a free one)', cause: err,
        });
      }
      const dir = mkdtempSync(join(tmpdir(), 'ecn-sim-kube-'));
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, server.kubeconfigYaml(opts.namespace), { mode: 0o600 });
      writeLine(ctx.io.stdout, JSON.stringify({ url: server.url, port: server.port, kubeconfig }));
      // fault commands on standard input, one per line ('help' lists them)
      const rl = ctx.io.stdin ? createInterface({ input: ctx.io.stdin, terminal: false }) : undefined;
      rl?.on('line', (line) => {
        try {
          const answer = runKubeFaultCommand(server, line);
          if (answer !== undefined) writeLine(ctx.io.stdout, answer);
        } catch (err) {
          writeLine(ctx.io.stdout, `fault: ${errorMessage(err)}`);
        }
      });
      rl?.on('error', () => rl.close());
      await ctx.io.stopSignal;
      rl?.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });
}
