/**
 * The ControlPlane's Kubernetes resources: the interior router it runs. Built purely from the CR and the model
 * (`controlPlaneObjects`), applied with server-side apply (fieldManager ecn-router-manager, force) in dependency order,
 * every object owned by the ControlPlane CR (garbage collection removes them with it). The spec is read every time:
 * a changed image, replica count or Service type is applied on the next reconcile (ioFog's operator only created).
 *
 *   ServiceAccount <cp>-router
 *   ConfigMap      <cp>-router-config   skrouterd.json and qdrouterd.conf: the bootstrap config (src/plan/bootstrap.ts);
 *                                       with more than one replica the router id is `<id>-${HOSTNAME}` (replicaRouterId)
 *   Deployment     <cp>-router          image spec.images.router (default below), replicas spec.replicas.router (1)
 *   Service        <cp>-router          type spec.services.router.type (LoadBalancer | ClusterIP | NodePort),
 *                                       spec.services.router.address → loadBalancerIP; ports message/interior/edge
 *   Ingress        <cp>-router          only for ClusterIP with spec.ingresses.router.address: TLS passthrough to the
 *                                       message port (AMQP is not HTTP: the ingress controller must pass TLS through)
 *   Role, RoleBinding <cp>-router       only with more than one replica: skupper-router's auto-mesh lists pods
 *
 * After a successful apply, the optional children no longer wanted (Ingress, Role, RoleBinding: a changed Service
 * type or replica count) are deleted when the manager owns them (src/kube/prune.ts); a user's same-named object stays.
 */
import { systemClock, type Clock } from '../clock.js';
import { EcnError } from '../errors.js';
import type { EcnModel } from '../model/ecn.js';
import { bootstrapEntities, renderQdrouterdConf, renderSkupperJson } from '../plan/bootstrap.js';
import type { KubeApi } from './kube-api.js';
import { FIELD_MANAGER, GROUP, VERSION } from './kinds.js';
import { PRUNABLE_KINDS, pruneChildren } from './prune.js';
import type { KubeObject } from './supervised-informer.js';

export const DEFAULT_ROUTER_IMAGE = 'quay.io/skupper/skupper-router:3.5.1';
const CONFIG_DIR = '/etc/skupper-router/config';

export interface ControlPlaneResourceOptions {
  api: KubeApi;
  namespace: string;
  /** the model the manager runs (the ControlPlane's router config comes from it) */
  model: () => EcnModel;
  /** image when the spec names none */
  image?: string;
  /** Service type when the spec names none (default LoadBalancer; the deploy overlays set it) */
  serviceType?: ServiceType;
  clock?: Clock;
  /** re-apply unchanged resources after this long (default 60 s) */
  refreshMs?: number;
}

export type ServiceType = 'LoadBalancer' | 'ClusterIP' | 'NodePort';

/** What the CR asks for beyond the model (ioFog's field names). */
export interface RouterDeploymentSpec {
  image: string;
  replicas: number;
  serviceType: ServiceType;
  loadBalancerIP?: string;
  ingressHost?: string;
}

const obj = (v: unknown): Record<string, any> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {});

/** Reads images.router, replicas.router, services.router.{type,address}, ingresses.router.address; names bad values. */
export function routerDeploymentSpec(cr: KubeObject, defaultImage = DEFAULT_ROUTER_IMAGE, defaultServiceType: ServiceType = 'LoadBalancer'): RouterDeploymentSpec {
  const spec = obj(cr.spec);
  const name = `ControlPlane ${cr.metadata.name}`;
  const image = obj(spec.images).router ?? defaultImage;
  if (typeof image !== 'string' || image === '') throw new EcnError('ECN_CONFIG', `${name}: spec.images.router must be an image name`, { hint: `Set spec.images.router to e.g. ${DEFAULT_ROUTER_IMAGE}, or remove it.` });
  const replicas = obj(spec.replicas).router ?? 1;
  if (!Number.isInteger(replicas) || replicas < 0) throw new EcnError('ECN_CONFIG', `${name}: spec.replicas.router must be a whole number ≥ 0, not ${JSON.stringify(replicas)}`, { hint: 'Set spec.replicas.router to 1 (or more).' });
  const svc = obj(obj(spec.services).router);
  const serviceType = svc.type ?? defaultServiceType;
  if (!['LoadBalancer', 'ClusterIP', 'NodePort'].includes(serviceType)) throw new EcnError('ECN_CONFIG', `${name}: spec.services.router.type ${JSON.stringify(serviceType)} is not a Service type`, { hint: 'Use LoadBalancer, ClusterIP (with spec.ingresses.router.address for an Ingress) or NodePort.' });
  const address = obj(obj(spec.ingresses).router).address;
  return {
    image, replicas, serviceType,
    ...(serviceType === 'LoadBalancer' && typeof svc.address === 'string' && svc.address !== '' ? { loadBalancerIP: svc.address } : {}),
    ...(serviceType === 'ClusterIP' && typeof address === 'string' && address !== '' ? { ingressHost: address } : {}),
  };
}

/**
 * The router id of a replica when the Deployment runs more than one: the ControlPlane's router id and the pod's host
 * name, substituted by the router image (envsubst) when the pod starts. `${HOSTNAME}` in skrouterd.json; `$HOSTNAME`
 * in qdrouterd.conf (whose values may not hold braces). The manager never derives a replica's id from this: it reads
 * each replica's `router` entity.
 */
export function replicaRouterId(routerId: string, format: 'json' | 'conf'): string {
  return format === 'json' ? `${routerId}-\${HOSTNAME}` : `${routerId}-$HOSTNAME`;
}

/** The objects to apply, in order. Empty when the model's control plane is not this CR (e.g. the CR is invalid). */
export function controlPlaneObjects(cr: KubeObject, model: EcnModel, namespace: string, defaults: { image?: string; serviceType?: ServiceType } = {}): KubeObject[] {
  const cp = model.controlPlane;
  if (!cp || cp.name !== cr.metadata.name) return [];
  const d = routerDeploymentSpec(cr, defaults.image, defaults.serviceType);
  const name = `${cr.metadata.name}-router`;
  const labels = { 'app.kubernetes.io/name': 'ecn-router', 'app.kubernetes.io/instance': cr.metadata.name, 'app.kubernetes.io/component': 'interior-router', 'app.kubernetes.io/managed-by': FIELD_MANAGER };
  const selector = { 'app.kubernetes.io/name': 'ecn-router', 'app.kubernetes.io/instance': cr.metadata.name };
  const ownerReferences = cr.metadata.uid
    ? [{ apiVersion: `${GROUP}/${VERSION}`, kind: 'ControlPlane', name: cr.metadata.name, uid: cr.metadata.uid, controller: true, blockOwnerDeletion: true }]
    : [];
  const meta = (n: string) => ({ name: n, namespace, labels, ...(ownerReferences.length ? { ownerReferences } : {}) });
  const meshed = d.replicas > 1;
  const boot = bootstrapEntities(model, cp.routerId);
  // replicas of one ConfigMap must not share a router id: the images run envsubst on the config at start
  const withId = (id: string) => (meshed ? boot.map((e) => (e.type === 'router' ? { ...e, attributes: { ...e.attributes, id } } : e)) : boot);
  const json = renderSkupperJson(withId(replicaRouterId(cp.routerId, 'json')));
  const conf = renderQdrouterdConf(withId(replicaRouterId(cp.routerId, 'conf')));
  const r = cp.router;
  const ports = [
    { name: 'amqp', port: r.messagePort, targetPort: r.messagePort, protocol: 'TCP' },
    { name: 'inter-router', port: r.interiorPort, targetPort: r.interiorPort, protocol: 'TCP' },
    { name: 'edge', port: r.edgePort, targetPort: r.edgePort, protocol: 'TCP' },
  ];
  const out: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name) },
    {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-config`),
      data: { 'skrouterd.json': json, 'qdrouterd.conf': conf },
    } as KubeObject,
  ];
  if (meshed) {
    out.push(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(name), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] } as KubeObject,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(name),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [{ kind: 'ServiceAccount', name, namespace }],
      } as KubeObject,
    );
  }
  out.push({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name),
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels, annotations: { 'ecn.iofog.org/config-hash': hash(json) } },
        spec: {
          serviceAccountName: name,
          containers: [{
            name: 'router',
            image: d.image,
            env: [
              { name: 'QDROUTERD_CONF', value: `${CONFIG_DIR}/skrouterd.json` },
              { name: 'QDROUTERD_CONF_TYPE', value: 'json' },
              ...(meshed ? [{ name: 'QDROUTERD_AUTO_MESH_DISCOVERY', value: 'QUERY' }, { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] : []),
            ],
            ports: ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' })),
            readinessProbe: { tcpSocket: { port: r.messagePort }, periodSeconds: 5 },
            volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
          }],
          volumes: [{ name: 'config', configMap: { name: `${name}-config` } }],
        },
      },
    },
  } as KubeObject);
  out.push({
    apiVersion: 'v1', kind: 'Service', metadata: meta(name),
    spec: {
      type: d.serviceType, selector, ports,
      ...(d.loadBalancerIP ? { loadBalancerIP: d.loadBalancerIP } : {}),
      ...(d.serviceType === 'LoadBalancer' ? { externalTrafficPolicy: 'Local' } : {}),
    },
  } as KubeObject);
  if (d.ingressHost) {
    out.push({
      apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
      metadata: { ...meta(name), annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true', 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' } },
      spec: { rules: [{ host: d.ingressHost, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { number: r.messagePort } } } }] } }] },
    } as KubeObject);
  }
  return out;
}

/**
 * The ControlPlane status fields from the applied Service (and Ingress): `endpoints` (in cluster, and external once a
 * load balancer address or the ingress host is known) and `routerAddress` (the external host, when known).
 */
export function routerEndpoints(service: KubeObject | undefined, namespace: string, model: EcnModel, ingressHost?: string): Record<string, unknown> {
  const cp = model.controlPlane;
  if (!cp || !service) return {};
  const name = service.metadata.name;
  const r = cp.router;
  const inCluster = `${name}.${namespace}.svc`;
  const lb = ((obj(obj(service.status).loadBalancer).ingress as Array<{ ip?: string; hostname?: string }> | undefined) ?? [])
    .map((i) => i.ip ?? i.hostname).filter((h): h is string => typeof h === 'string');
  const external = lb[0] ?? ingressHost;
  return {
    ...(external ? { routerAddress: external } : {}),
    endpoints: {
      service: name,
      serviceType: obj(service.spec).type ?? 'ClusterIP',
      inCluster: { amqp: `amqp://${inCluster}:${r.messagePort}`, interior: `${inCluster}:${r.interiorPort}`, edge: `${inCluster}:${r.edgePort}` },
      external: external ? { amqp: `amqp://${external}:${r.messagePort}`, interior: `${external}:${r.interiorPort}`, edge: `${external}:${r.edgePort}` } : null,
    },
  };
}

export class ControlPlaneResources {
  private readonly opts: ControlPlaneResourceOptions;
  private readonly clock: Clock;
  /** by CR uid/name: what was applied last, when, and the status fields it gave */
  private readonly last = new Map<string, { fingerprint: string; at: number; extra: Record<string, unknown> }>();
  applies = 0;
  /** children deleted as no longer wanted */
  prunes = 0;

  constructor(opts: ControlPlaneResourceOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * Applies the router resources of the CR when they changed (or every `refreshMs`, which also repairs drift and
   * picks up a LoadBalancer address), then prunes the optional ones no longer wanted; resolves with the status fields
   * (endpoints). A failed apply or prune rejects and is retried (nothing recorded as done).
   */
  async reconcile(cr: KubeObject): Promise<Record<string, unknown>> {
    const model = this.opts.model();
    const objects = controlPlaneObjects(cr, model, this.opts.namespace, { ...(this.opts.image ? { image: this.opts.image } : {}), ...(this.opts.serviceType ? { serviceType: this.opts.serviceType } : {}) });
    const key = cr.metadata.uid ?? cr.metadata.name;
    const fingerprint = JSON.stringify(objects);
    const prev = this.last.get(key);
    const now = this.clock.now();
    if (prev && prev.fingerprint === fingerprint && now - prev.at < (this.opts.refreshMs ?? 60_000)) return prev.extra;
    let service: KubeObject | undefined;
    let ingressHost: string | undefined;
    for (const o of objects) {
      const applied = await this.opts.api.apply(o);
      this.applies++;
      if (o.kind === 'Service') service = applied ?? o;
      if (o.kind === 'Ingress') ingressHost = (o as any).spec.rules[0].host;
    }
    if (objects.length > 0) {
      const name = `${cr.metadata.name}-router`;
      const unwanted = PRUNABLE_KINDS.filter((kind) => !objects.some((o) => o.kind === kind)).map((kind) => ({ kind, name }));
      this.prunes += (await pruneChildren(this.opts.api, cr, this.opts.namespace, unwanted)).length;
    }
    const extra = routerEndpoints(service, this.opts.namespace, model, ingressHost);
    this.last.set(key, { fingerprint, at: now, extra });
    return extra;
  }
}

function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
  return (h >>> 0).toString(16).padStart(8, '0');
}
