/**
 * `ecn sim --kube`: the whole local ECN driven from custom resources. A fake Kubernetes API server with the iofog.org
 * CRDs (sim/kube), a kubeconfig for kubectl, the manager reconciling from it exactly as `ecn run --kube` does
 * (src/kube/source.ts; no router resources: the simulator is the interior router), and a simulated ECN that follows
 * the manager's model (sim/live-ecn.ts): the interior router once a ControlPlane is valid, a router per Agent from
 * its bootstrap config (stopped when the Agent goes), the microservices. `--apply DIR…` creates the CRs of YAML
 * files at start.
 *
 * The ControlPlane's spec.replicas.router is honoured: that many simulated interior routers, meshed, each with its
 * own normal listener on 127.0.0.1; the fake API server holds an EndpointSlice per replica for the router Service
 * (`<cp>-router`, port `amqp`), as the EndpointSlice controller would, and the manager follows them with one
 * connection per replica (src/kube/router-replicas.ts), exactly as `ecn run --kube` does in a cluster.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { KubeApiServer, KubeApiError, type KubeObject } from '../../sim/kube/index.js';
import { LiveSimEcn, type SimReplica } from '../../sim/live-ecn.js';
import { freePorts } from '../../sim/free-ports.js';
import { EcnError, errorMessage } from '../errors.js';
import { Manager } from '../manager/manager.js';
import type { Flavor } from '../router/protocol.js';
import type { Kind } from '../model/schemas.js';
import { describeHttp, startManagerHttp } from '../http/server.js';
import type { HttpAddress } from '../http/address.js';
import { writeLine, type CliIo } from '../cli/io.js';
import { GROUP, PLURALS, VERSION } from './kinds.js';
import { connectKube } from './source.js';
import { routerDeploymentSpec } from './controlplane.js';
import { followRouterReplicas, MESSAGE_PORT_NAME, SERVICE_NAME_LABEL } from './router-replicas.js';

export interface SimKubeEcnOptions {
  flavor: Flavor;
  http: HttpAddress;
  token?: string;
  observeInterval: number;
  /** directories or files of CR YAML to create at start */
  apply?: string[];
  /** the namespace the manager watches (default ecn-system, the examples') */
  namespace?: string;
}

const yamlFiles = (path: string): string[] => {
  let st;
  try { st = statSync(path); } catch (err) {
    throw new EcnError('ECN_CONFIG', `--apply ${path}: ${errorMessage(err)}`, { hint: 'give a directory or file of custom resource YAML, e.g. --apply deploy/examples/kube' });
  }
  if (!st.isDirectory()) return [path];
  return readdirSync(path).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(path, f));
};

/** The iofog.org/v3 documents of the files, in file order. Other kinds are refused with the file named. */
export function readCrFiles(paths: string[]): Array<{ file: string; obj: KubeObject }> {
  const out: Array<{ file: string; obj: KubeObject }> = [];
  for (const file of paths.flatMap(yamlFiles)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new EcnError('ECN_CONFIG', `${file}: ${doc.errors[0]!.message}`, { hint: 'fix the YAML syntax at that position' });
      const obj = doc.toJS() as KubeObject | null;
      if (!obj) continue;
      if (obj.apiVersion !== `${GROUP}/${VERSION}` || !(obj.kind in PLURALS)) {
        throw new EcnError('ECN_CONFIG', `${file}: ${String(obj.kind)} ${String(obj.apiVersion)} is not an ECN custom resource`, { hint: `--apply takes ${GROUP}/${VERSION} objects only (${Object.keys(PLURALS).join(', ')})` });
      }
      out.push({ file, obj });
    }
  }
  return out;
}

/** Creates the objects (and their namespaces) in the fake cluster; an object that exists is replaced. */
function applyCrs(server: KubeApiServer, crs: Array<{ file: string; obj: KubeObject }>, namespace: string): void {
  const nsType = server.cluster.type('', 'v1', 'namespaces');
  for (const { file, obj } of crs) {
    const ns = obj.metadata?.namespace ?? namespace;
    try { server.cluster.get(nsType, undefined, ns); } catch { server.cluster.create(nsType, undefined, { metadata: { name: ns } }); }
    const rt = server.cluster.type(GROUP, VERSION, PLURALS[obj.kind as Kind]);
    const body = { ...obj, metadata: { ...obj.metadata, namespace: ns } };
    try {
      server.cluster.create(rt, ns, body);
    } catch (err) {
      if (!(err instanceof KubeApiError)) throw err;
      if (err.code !== 409) throw new EcnError('ECN_CONFIG', `${file}: ${String(obj.kind)} ${ns}/${String(obj.metadata?.name)} refused: ${err.message}`, { hint: 'fix the field the message names', cause: err });
      const name = String(obj.metadata?.name);
      const current = server.cluster.get(rt, ns, name);
      server.cluster.update(rt, ns, name, { ...body, metadata: { ...body.metadata, resourceVersion: current.metadata?.resourceVersion } });
    }
  }
}

/** deploy/examples/kube relative to the working directory, found from the sources (src/kube) or the build (dist/src/kube). */
function exampleCrDir(): string {
  for (const up of ['../../deploy/examples/kube', '../../../deploy/examples/kube']) {
    const p = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(p)) return relative(process.cwd(), p) || '.';
  }
  return 'deploy/examples/kube';
}

export async function runSimKubeEcn(o: SimKubeEcnOptions, io: CliIo): Promise<void> {
  const out = io.stdout;
  const namespace = o.namespace ?? 'ecn-system';
  const crs = readCrFiles(o.apply ?? []); // bad files are a usage problem: before anything starts
  const server = new KubeApiServer({ preloadIofogCrds: true, namespaces: ['default', 'kube-system', namespace], logger: io.logger.child({ component: 'sim-kube' }) });
  await server.start();
  const dir = mkdtempSync(join(tmpdir(), 'ecn-sim-kube-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, server.kubeconfigYaml(namespace), { mode: 0o600 });
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => server.stop(), () => rmSync(dir, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => { for (const c of cleanups.reverse()) await c(); };
  try {
    applyCrs(server, crs, namespace);
    const [port] = await freePorts(1);
    const ecn = new LiveSimEcn({ management: { host: '127.0.0.1', port: port! }, flavor: o.flavor, logger: io.logger });
    cleanups.push(() => ecn.stop());
    ecn.on('router-started', (id, interior) => {
      const replica = ecn.replicas().find((r) => r.routerId === id);
      writeLine(out, interior ? `interior router '${id}' started at ${replica ? `amqp://127.0.0.1:${replica.port}` : ecn.url}` : `agent '${id}': router started`);
    });
    ecn.on('router-stopped', (id, interior) => writeLine(out, interior ? `interior router '${id}' stopped` : `agent '${id}': router stopped`));
    ecn.on('microservice-started', (key) => writeLine(out, `microservice ${key} started`));
    ecn.on('microservice-stopped', (key) => writeLine(out, `microservice ${key} stopped`));
    ecn.on('problem', (m) => writeLine(io.stderr, `sim: ${m}`));

    const manager = new Manager({ router: ecn.url, flavor: o.flavor, logger: io.logger, syncIntervalMs: 30_000, observeIntervalMs: o.observeInterval });
    cleanups.push(() => manager.stop());
    // a deleted Agent leaves the model at once, but its router runs until the CR is gone: the manager removes the
    // router's configuration before it lets the finalizer go, as with a real agent
    const agents = server.cluster.type(GROUP, VERSION, PLURALS.Agent);
    const controlPlanes = server.cluster.type(GROUP, VERSION, PLURALS.ControlPlane);
    const follow = (): void => {
      const keep = new Set(server.cluster.list(agents, namespace).items.map((a) => String(a.metadata?.name)));
      const model = manager.currentModel().model;
      void ecn.update(model, { keep, replicas: wantedReplicas(server, controlPlanes, namespace, model.controlPlane?.name) });
    };
    // the EndpointSlice controller's part: one slice per running replica of the router Service
    const slices = new EndpointSlices(server, namespace);
    ecn.on('replicas', (replicas) => {
      const cp = manager.currentModel().model.controlPlane;
      if (cp) slices.publish(`${cp.name}-router`, replicas);
    });
    manager.on('model', follow);
    cleanups.push(server.cluster.store.subscribe((ev) => {
      if (ev.type === 'DELETED' && ev.object.kind === 'Agent' && ev.object.metadata?.namespace === namespace) follow();
    }));
    const http = await startManagerHttp({ manager, host: o.http.host, port: o.http.port, token: o.token ?? process.env.ECN_TOKEN, logger: io.logger });
    cleanups.push(() => http.close());

    writeLine(out, `Simulated ECN driven from custom resources (${o.flavor}):`);
    writeLine(out, `fake Kubernetes API server: ${server.url} (iofog.org/v3 CRDs installed; the manager watches namespace ${namespace})`);
    writeLine(out, `kubeconfig: ${kubeconfig}`);
    writeLine(out, `  kubectl --kubeconfig ${kubeconfig} apply -f ${exampleCrDir()}`);
    writeLine(out, `  kubectl --kubeconfig ${kubeconfig} get agents,controlplanes,microservices -n ${namespace}`);
    if (crs.length) writeLine(out, `applied ${crs.length} custom resources from ${(o.apply ?? []).join(', ')}`);
    for (const line of describeHttp(http)) writeLine(out, line);

    const kube = await connectKube({ server: server.url, namespace, logger: io.logger, routerResources: false });
    const reconciler = await kube.start(manager);
    cleanups.push(() => reconciler.stop());
    const replicas = followRouterReplicas({ api: kube.api, namespace, manager, logger: io.logger });
    cleanups.push(() => replicas?.stop());
    writeLine(out, `watching iofog.org/v3 resources in namespace ${namespace}; the interior router starts with the first valid ControlPlane`);
    const started = manager.start().then(() => true);
    const go = await Promise.race([started, io.stopSignal.then(() => false)]);
    if (!go) { started.catch(() => undefined); return; }
    writeLine(out, `manager running against ${ecn.url}. Press Ctrl-C to stop.`);
    await io.stopSignal;
    writeLine(out, 'stopped.');
  } finally {
    await cleanup();
  }
}

/** spec.replicas.router of the namespace's ControlPlane named `name` (1 when unreadable: the model names the problem). */
function wantedReplicas(server: KubeApiServer, rt: ReturnType<KubeApiServer['cluster']['type']>, namespace: string, name: string | undefined): number {
  if (name === undefined) return 1;
  try {
    return Math.max(1, routerDeploymentSpec(server.cluster.get(rt, namespace, name) as never).replicas);
  } catch {
    return 1;
  }
}

/** The EndpointSlices of the router Service: one per replica (their ports differ in the simulation), ready. */
class EndpointSlices {
  private readonly rt;
  private readonly published = new Set<string>();

  constructor(private readonly server: KubeApiServer, private readonly namespace: string) {
    this.rt = server.cluster.type('discovery.k8s.io', 'v1', 'endpointslices');
  }

  publish(service: string, replicas: readonly SimReplica[]): void {
    const want = new Map(replicas.map((r) => [`${service}-${r.key}`, r]));
    for (const name of [...this.published]) {
      if (want.has(name)) continue;
      try { this.server.cluster.delete(this.rt, this.namespace, name); } catch { /* gone already */ }
      this.published.delete(name);
    }
    for (const [name, r] of want) {
      if (this.published.has(name)) continue;
      this.server.cluster.create(this.rt, this.namespace, {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name, namespace: this.namespace, labels: { [SERVICE_NAME_LABEL]: service, 'endpointslice.kubernetes.io/managed-by': 'ecn-sim' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', namespace: this.namespace, name: r.key } }],
        ports: [{ name: MESSAGE_PORT_NAME, port: r.port, protocol: 'TCP' }],
      });
      this.published.add(name);
    }
  }
}
