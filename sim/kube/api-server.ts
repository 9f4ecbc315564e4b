/**
 * A fake Kubernetes API server on node:http, for the real @kubernetes/client-node and kubectl: REST paths
 * (/api/v1/…, /apis/GROUP/VERSION/…, namespaced and cluster-scoped, /status), list/watch, the four PATCH types,
 * discovery, Status errors, garbage collection and injectable faults. Plain HTTP, no authentication.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { silentLogger, type Logger } from '../../src/log.js';
import { KubeCluster, type ClusterOptions } from './cluster.js';
import { KubeFaults } from './faults.js';
import { GarbageCollector } from './gc.js';
import { Stages, type StagesOptions } from './stages.js';
import { resourceKey, type KubeObject, type ResourceType } from './resources.js';
import { KubeApiError, badRequest, failureStatus, type KubeStatus } from './status.js';
import { parsePatchBody, patchTypeOf } from './patch.js';
import { serveWatch, type OpenWatch } from './watch.js';
import { deleteOptions, managerFromUserAgent, pathSegments, resolveTarget, resourcePath, verbOf } from './request.js';
import { apiGroupDoc, apiGroupList, apiVersions, resourceList, SERVER_VERSION } from './discovery.js';
import { iofogCrds } from './iofog-crds.js';
import { asTable, wantsTable } from './table.js';
import { openApiGroupVersion, openApiRoot } from './openapi.js';
import { hasScale, toScale, writeScale } from './scale.js';
import { decodeProtobuf, isProtobuf } from './protobuf.js';
import type { FieldValidation } from './schema.js';
import { RequestAudit } from './audit.js';

export interface KubeApiServerOptions extends ClusterOptions {
  host?: string;
  /** 0 (default) picks a free port */
  port?: number;
  /** create the six iofog.org/v3 CRDs at start */
  preloadIofogCrds?: boolean;
  /** BOOKMARK interval for watches with allowWatchBookmarks (default 1000 ms) */
  bookmarkIntervalMs?: number;
  /** watch length when the client sets no timeoutSeconds (default 1800 s; 0: unlimited) */
  defaultWatchTimeoutSeconds?: number;
  /** lifecycle stages (Service load balancer IPs, Deployment readiness); off by default */
  stages?: StagesOptions;
  /** largest request body accepted (default 8 MiB) */
  maxBodyBytes?: number;
  /** record every resource request in `server.audit` (sim/kube/audit.ts); off by default */
  audit?: boolean;
  logger?: Logger;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' };

export class KubeApiServer {
  readonly cluster: KubeCluster;
  readonly faults = new KubeFaults();
  readonly gc: GarbageCollector;
  /** the request audit (recording only when enabled: the `audit` option, or `audit.enabled = true`) */
  readonly audit: RequestAudit;
  private readonly stages: Stages | undefined;
  private readonly server: Server;
  private readonly watches = new Set<OpenWatch>();
  private readonly watchWaiters = new Set<() => boolean>();
  private readonly opts: KubeApiServerOptions;
  private readonly logger: Logger;
  private boundPort = 0;

  constructor(opts: KubeApiServerOptions = {}) {
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.audit = new RequestAudit(opts.audit === true);
    this.cluster = new KubeCluster({ ...opts, crds: [...(opts.preloadIofogCrds ? iofogCrds() : []), ...(opts.crds ?? [])] });
    this.gc = new GarbageCollector(this.cluster, (err) => this.logger.warn({ err }, 'garbage collection failed'));
    this.stages = opts.stages ? new Stages(this.cluster, this.cluster.clock, opts.stages) : undefined;
    this.faults.resolve = (resource) => {
      const rt = this.cluster.registry.resolve(resource);
      return rt ? resourceKey(rt) : resource.toLowerCase();
    };
    this.faults.onStallNow((key) => { for (const w of this.watches) if (w.key === key) w.stall(); });
    this.faults.onDropNow((key) => { for (const w of [...this.watches]) if (w.key === key) w.close(); });
    this.cluster.onResourceRemoved((rt) => { for (const w of [...this.watches]) if (w.key === resourceKey(rt)) w.close(); });
    this.server = createServer((req, res) => { void this.handle(req, res); });
    this.server.keepAliveTimeout = 5000;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as AddressInfo).port;
    return this.url;
  }

  get port(): number { return this.boundPort; }

  get url(): string {
    const host = this.opts.host ?? '127.0.0.1';
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`;
  }

  async stop(): Promise<void> {
    this.gc.stop();
    this.stages?.stop();
    for (const w of [...this.watches]) w.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Resolves when background work (garbage collection, namespace clean-up) caused so far is done. */
  settled(): Promise<void> {
    return this.gc.idle();
  }

  /** Watches open now (on one resource: plural, plural.group, kind or short name). */
  openWatches(resource?: string): number {
    if (resource === undefined) return this.watches.size;
    const key = this.faults.resolve(resource);
    return [...this.watches].filter((w) => w.key === key).length;
  }

  /** Resolves once at least `count` watches are open on the resource (tests wait for an informer to watch). */
  whenWatching(resource: string, count = 1): Promise<void> {
    if (this.openWatches(resource) >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.openWatches(resource) < count) return false;
        resolve();
        return true;
      };
      this.watchWaiters.add(check);
    });
  }

  /** Options for client-node's `KubeConfig.loadFromOptions` (plain HTTP needs skipTLSVerify). */
  kubeConfigOptions(namespace = 'default'): { clusters: any[]; users: any[]; contexts: any[]; currentContext: string } {
    return {
      clusters: [{ name: 'ecn-sim', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'ecn-sim' }],
      contexts: [{ name: 'ecn-sim', cluster: 'ecn-sim', user: 'ecn-sim', namespace }],
      currentContext: 'ecn-sim',
    };
  }

  /** A kubeconfig file for kubectl and other clients. */
  kubeconfigYaml(namespace = 'default'): string {
    return toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'ecn-sim', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'ecn-sim', user: {} }],
      contexts: [{ name: 'ecn-sim', context: { cluster: 'ecn-sim', user: 'ecn-sim', namespace } }],
      'current-context': 'ecn-sim',
      preferences: {},
    });
  }

  // ---------------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await this.readBody(req);
      await this.route(req, res, url, body);
    } catch (err) {
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
      const status: KubeStatus = err instanceof KubeApiError
        ? err.toStatus()
        : failureStatus(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
      if (!(err instanceof KubeApiError)) this.logger.error({ err }, 'fake kube-apiserver: internal error');
      this.reply(res, status.code, status);
    }
  }

  private readBody(req: IncomingMessage): Promise<Buffer> {
    const limit = this.opts.maxBodyBytes ?? 8 * 1024 * 1024;
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          reject(new KubeApiError(413, 'BadRequest', `request entity too large: limit is ${limit} bytes`));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  }

  private reply(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, bytes: Buffer): Promise<void> {
    const body = isProtobuf(bytes) ? '' : bytes.toString('utf8');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const segs = pathSegments(path);
    const registry = this.cluster.registry;

    if (method === 'GET') {
      if (path === '/version') return this.reply(res, 200, SERVER_VERSION);
      if (path === '/healthz' || path === '/readyz' || path === '/livez') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (path === '/api') return this.reply(res, 200, apiVersions(`${req.socket.localAddress}:${this.boundPort}`));
      if (path === '/apis') return this.reply(res, 200, apiGroupList(registry));
      if (path === '/openapi/v3') return this.reply(res, 200, openApiRoot(registry));
      if (segs[0] === 'openapi' && segs[1] === 'v3') {
        const gv = segs[2] === 'api' ? { g: '', v: segs[3] } : segs[2] === 'apis' ? { g: segs[3], v: segs[4] } : undefined;
        const doc = gv?.g !== undefined && gv.v ? openApiGroupVersion(registry, gv.g, gv.v) : undefined;
        if (doc) return this.reply(res, 200, doc);
      }
      if (segs[0] === 'api' && segs.length === 2) {
        const doc = resourceList(registry, '', segs[1]!);
        if (doc) return this.reply(res, 200, doc);
      }
      if (segs[0] === 'apis' && segs.length === 2) {
        const doc = apiGroupDoc(registry, segs[1]!);
        if (doc) return this.reply(res, 200, doc);
      }
      if (segs[0] === 'apis' && segs.length === 3) {
        const doc = resourceList(registry, segs[1]!, segs[2]!);
        if (doc) return this.reply(res, 200, doc);
      }
    }
    const rp = resourcePath(segs);
    if (!rp) throw new KubeApiError(404, 'NotFound', `the server could not find the requested resource (${method} ${path})`);
    const target = resolveTarget(rp, (plural) => this.cluster.type(rp.group, rp.version, plural));
    const q = url.searchParams;
    const isWatch = rp.legacyWatch || q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = verbOf(method, target, isWatch);
    this.audit.record(req, res, target, verb);
    if (!target.rt.verbs.includes(verb)) {
      throw new KubeApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${verb} ${target.rt.plural})`);
    }
    const failCode = this.faults.takeFailure(resourceKey(target.rt), verb);
    if (failCode !== undefined) {
      throw new KubeApiError(failCode, failCode === 410 ? 'Gone' : 'InternalError', `injected fault: ${verb} ${target.rt.plural} failed with ${failCode}`);
    }
    const manager = q.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']);
    const dryRun = q.getAll('dryRun').includes('All');
    const fv = q.get('fieldValidation');
    if (fv !== null && fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') {
      throw badRequest(`fieldValidation ${JSON.stringify(fv)} is not one of Strict, Warn, Ignore`);
    }
    const warnings: string[] = [];
    const writeOpts = { manager, dryRun, warnings, ...(fv ? { fieldValidation: fv as FieldValidation } : {}) };
    const warn = () => {
      if (warnings.length > 0) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
    };
    const { rt, namespace, name, subresource } = target;
    if (subresource === 'scale' && hasScale(rt) && (verb === 'get' || verb === 'update' || verb === 'patch')) {
      if (verb === 'get') return this.reply(res, 200, toScale(this.cluster.get(rt, namespace, name!)));
      const change = verb === 'update'
        ? { put: this.json(body, bytes) }
        : (() => { const type = patchTypeOf(req.headers['content-type']); return { patch: parsePatchBody(type, body), type }; })();
      return this.reply(res, 200, writeScale(this.cluster, rt, namespace, name!, change, manager));
    }
    if (subresource !== undefined && subresource !== 'status') {
      throw new KubeApiError(404, 'NotFound', `the server could not find the requested resource (subresource ${subresource} of ${rt.plural})`);
    }
    const sub = subresource === 'status' ? { subresource: 'status' as const } : {};
    switch (verb) {
      case 'watch':
        serveWatch(res, this.cluster, this.faults, {
          rt,
          ...(namespace !== undefined ? { namespace } : {}),
          ...(q.has('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
          ...(q.has('fieldSelector') ? { fieldSelector: this.withName(q.get('fieldSelector')!, name) } : name ? { fieldSelector: `metadata.name=${name}` } : {}),
          ...(q.has('resourceVersion') ? { resourceVersion: q.get('resourceVersion')! } : {}),
          allowWatchBookmarks: q.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
          ...(q.has('timeoutSeconds') ? { timeoutSeconds: Number(q.get('timeoutSeconds')) } : {}),
        }, {
          clock: this.cluster.clock,
          bookmarkIntervalMs: this.opts.bookmarkIntervalMs ?? 1000,
          defaultTimeoutSeconds: this.opts.defaultWatchTimeoutSeconds ?? 1800,
        }, (w) => {
          this.watches.add(w);
          for (const check of [...this.watchWaiters]) if (check()) this.watchWaiters.delete(check);
          return () => { this.watches.delete(w); };
        });
        return;
      case 'list': {
        const list = this.cluster.list(rt, namespace, {
          ...(q.has('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
          ...(q.has('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
          ...(q.has('limit') ? { limit: Number(q.get('limit')) } : {}),
          ...(q.get('continue') ? { continue: q.get('continue')! } : {}),
        });
        return this.replyObject(req, res, 200, rt, list);
      }
      case 'get':
        return this.replyObject(req, res, 200, rt, this.cluster.get(rt, namespace, name!));
      case 'create': {
        if (subresource) throw new KubeApiError(405, 'MethodNotAllowed', 'POST is not allowed on a subresource');
        const created = this.cluster.create(rt, namespace, this.json(body, bytes), writeOpts);
        warn();
        return this.reply(res, 201, created);
      }
      case 'update': {
        const updated = this.cluster.update(rt, namespace, name!, this.json(body, bytes), { ...writeOpts, ...sub });
        warn();
        return this.reply(res, 200, updated);
      }
      case 'patch': {
        const type = patchTypeOf(req.headers['content-type']);
        const force = q.get('force') === 'true';
        if (force && type !== 'apply') throw badRequest('force is only allowed for apply patches (application/apply-patch+yaml)');
        const patchManager = type === 'apply' ? q.get('fieldManager') ?? undefined : manager;
        const { manager: _m, ...rest } = writeOpts;
        const r = this.cluster.patch(rt, namespace, name!, type, parsePatchBody(type, body), { ...rest, ...(patchManager ? { manager: patchManager } : {}), force, ...sub });
        warn();
        return this.reply(res, r.created ? 201 : 200, r.object);
      }
      case 'delete': {
        const opts = deleteOptions(q, body, dryRun);
        const r = this.cluster.delete(rt, namespace, name!, opts);
        return this.reply(res, 200, r.body);
      }
      case 'deletecollection': {
        const opts = deleteOptions(q, body, dryRun);
        const list = this.cluster.deleteCollection(rt, namespace, {
          ...(q.has('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
          ...(q.has('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
        }, opts);
        return this.reply(res, 200, list);
      }
    }
  }

  private replyObject(req: IncomingMessage, res: ServerResponse, code: number, rt: ResourceType, obj: KubeObject): void {
    const accept = req.headers.accept;
    if (wantsTable(accept)) {
      const text = JSON.stringify(asTable(rt, obj, this.cluster.clock.now(), rt.printerColumns));
      res.writeHead(code, { ...JSON_HEADERS, 'Content-Type': 'application/json;as=Table;v=v1;g=meta.k8s.io', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    this.reply(res, code, obj);
  }

  private withName(fieldSelector: string, name: string | undefined): string {
    return name ? `${fieldSelector},metadata.name=${name}` : fieldSelector;
  }

  private json(body: string, bytes: Buffer): unknown {
    if (isProtobuf(bytes)) return decodeProtobuf(bytes);
    if (body.trim() === '') throw badRequest('the request needs a JSON body');
    try {
      return JSON.parse(body);
    } catch (err) {
      // only apply patches may be YAML; every other body is JSON
      throw badRequest(`the body is not valid JSON: ${(err as Error).message}`);
    }
  }
}
