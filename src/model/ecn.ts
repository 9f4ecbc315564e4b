/**
 * The validated, normalised ECN model: what every later stage (planner, sync, observer, graph, Kubernetes status)
 * reads. Sources (manifest files, Kubernetes CRs) produce it through src/model/load*.ts; nothing here does I/O.
 *
 * Raw documents follow ioFog's field names (iofogctl YAML, `iofog.org/v3`); this model is their resolved form:
 * defaults applied, references checked, public ports allocated, router ids fixed.
 */

export type RouterMode = 'edge' | 'interior';

/** Where a problem was found: enough for a person to open the file (or the CR) and fix it. */
export interface SourceRef {
  /** file path, or `kube:<namespace>/<kind>/<name>` */
  source: string;
  /** 0-based index of the YAML document in the file */
  document?: number;
  /** 1-based line in the file, when known (added by the model loader; optional) */
  line?: number;
}

export interface ControlPlane {
  name: string;
  /** router id of the interior router the control plane runs (`default-router` unless the spec says otherwise) */
  routerId: string;
  /** spec.ingresses.router: where agents reach the interior router */
  router: { address: string; messagePort: number; interiorPort: number; edgePort: number };
  /** TLS for the interior's listeners (sslProfile files on the router host), when configured */
  tls?: { caCertFile: string; certFile: string; privateKeyFile: string };
  /** the range public ports are allocated from (ioFog default 6000–7000) */
  publicPortRange: { start: number; end: number };
  ref: SourceRef;
}

export interface Agent {
  /** metadata.name; also the agent's router id */
  name: string;
  /** spec.host: where other routers and the manager reach this agent */
  host: string;
  /** spec.config.routerConfig */
  routerMode: RouterMode;
  messagingPort: number;
  /** interior-mode agents only */
  edgeRouterPort?: number;
  interRouterPort?: number;
  /**
   * spec.config.upstreamRouters, resolved to router ids: the control plane's interior router id or interior-mode
   * agents' names. Defaults to the control plane's interior router.
   */
  upstreamRouters: string[];
  ref: SourceRef;
}

export interface MicroservicePort {
  /** port inside the container */
  internal: number;
  /** port the microservice listens on, on its agent's host */
  external: number;
  protocol: 'tcp' | 'udp';
  /** exposed through the interior router */
  public?: { enabled: boolean; protocol: 'tcp' | 'http'; /** requested public port, if the user fixed one */ port?: number };
}

export interface Microservice {
  application: string;
  name: string;
  /** agent name (= router id) it runs on */
  agent: string;
  ports: MicroservicePort[];
  ref: SourceRef;
}

/** One-way link: messages from `from` reach `to` (both microservices of `application`). */
export interface Route {
  application: string;
  name: string;
  from: string;
  to: string;
  ref: SourceRef;
}

export interface Application {
  name: string;
  ref: SourceRef;
}

export interface EdgeResource {
  name: string;
  version: string;
  description?: string;
  interfaceProtocol?: string;
  /** agents that advertise this resource (orchestration), if any */
  agents: string[];
  ref: SourceRef;
}

/** An allocated public port: the interior listens on `publicPort`, bytes reach `agent`'s host at `external`. */
export interface PublicPort {
  application: string;
  microservice: string;
  agent: string;
  /** the microservice port on its agent's host */
  external: number;
  publicPort: number;
  protocol: 'tcp' | 'http';
  /** true when the user fixed the number, false when the manager allocated it */
  requested: boolean;
}

export interface EcnModel {
  controlPlane: ControlPlane | undefined;
  /** by name */
  agents: Map<string, Agent>;
  applications: Map<string, Application>;
  /** by `${application}/${name}` */
  microservices: Map<string, Microservice>;
  /** by `${application}/${name}` */
  routes: Map<string, Route>;
  /** by `${name}@${version}` */
  edgeResources: Map<string, EdgeResource>;
  /** in a stable order (application, microservice, external port) */
  publicPorts: PublicPort[];
}

export type ModelIssueSeverity = 'error' | 'warning';

/** A problem in the input. The object it names was skipped (errors) or taken with a caveat (warnings). */
export interface ModelIssue {
  severity: ModelIssueSeverity;
  code: string; // ECN_MODEL_…
  /** e.g. `Route app1/r1` */
  object: string;
  /** JSON path inside the object, e.g. `spec.to` */
  path: string;
  message: string;
  /** what to do */
  fix: string;
  ref: SourceRef;
}

export function emptyModel(): EcnModel {
  return {
    controlPlane: undefined,
    agents: new Map(),
    applications: new Map(),
    microservices: new Map(),
    routes: new Map(),
    edgeResources: new Map(),
    publicPorts: [],
  };
}

export const microserviceKey = (application: string, name: string): string => `${application}/${name}`;
