/**
 * The manifest schemas, one per kind: the single source of the raw document types (`Static<>`), of runtime
 * validation (src/model/validate.ts) and of the Kubernetes CRD openAPIV3Schema (KIND_SCHEMAS). Field names follow
 * ioFog (iofogctl YAML, `iofog.org/v3`). Defaults are applied by the model builder, not by the schema.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { AnyValue, FreeFormObject, OpenObject, Port, StringEnum, StringMap } from './schema-kit.js';

export const API_VERSION = 'iofog.org/v3';
/** Accepted with a warning. */
export const LEGACY_API_VERSIONS = ['iofog.org/v2'] as const;

export const KINDS = ['ControlPlane', 'Agent', 'Application', 'Microservice', 'Route', 'EdgeResource'] as const;
export type Kind = (typeof KINDS)[number];

const NonEmpty = (description?: string) => Type.String({ minLength: 1, ...(description ? { description } : {}) });

const Metadata = OpenObject({
  name: Type.String({ minLength: 1, maxLength: 253, description: 'object name; unique per kind (per application for microservices and routes)' }),
  namespace: Type.Optional(Type.String()),
  labels: Type.Optional(StringMap()),
});

function envelope<K extends Kind, S extends TSchema>(kind: K, spec: S) {
  return Type.Object({
    apiVersion: StringEnum([API_VERSION, ...LEGACY_API_VERSIONS], { description: `${API_VERSION} (iofog.org/v2 accepted with a warning)` }),
    kind: StringEnum([kind]),
    metadata: Metadata,
    spec,
  });
}

// ---- ControlPlane -------------------------------------------------------------------------------------------------

export const RouterIngressSchema = Type.Object({
  address: NonEmpty('host name or address where agents and the manager reach the interior router'),
  messagePort: Type.Optional(Port('normal (client) listener; default 5672')),
  interiorPort: Type.Optional(Port('inter-router listener; default 55672')),
  edgePort: Type.Optional(Port('edge listener; default 45672')),
});

export const RouterTlsSchema = Type.Object({
  caCertFile: NonEmpty(),
  certFile: NonEmpty(),
  privateKeyFile: NonEmpty(),
});

export const ControlPlaneSpecSchema = OpenObject({
  ingresses: OpenObject({ router: RouterIngressSchema }),
  router: Type.Optional(
    Type.Object({
      id: Type.Optional(NonEmpty('router id of the interior router; default `default-router`')),
      tls: Type.Optional(RouterTlsSchema),
    }),
  ),
  publicPorts: Type.Optional(
    Type.Object({ start: Type.Optional(Port('first public port; default 6000')), end: Type.Optional(Port('last public port; default 7000')) }),
  ),
});

export const ControlPlaneSchema = envelope('ControlPlane', ControlPlaneSpecSchema);
export type ControlPlaneDoc = Static<typeof ControlPlaneSchema>;

// ---- Agent --------------------------------------------------------------------------------------------------------

export const RouterConfigSchema = Type.Object({
  routerMode: Type.Optional(StringEnum(['edge', 'interior'], { description: 'default edge' })),
  messagingPort: Type.Optional(Port('normal listener for local microservices; default 5672')),
  edgeRouterPort: Type.Optional(Port('interior mode: edge listener; default 45672')),
  interRouterPort: Type.Optional(Port('interior mode: inter-router listener; default 55672')),
});

export const AgentSpecSchema = OpenObject({
  host: NonEmpty('where other routers and the manager reach this agent'),
  config: Type.Optional(
    OpenObject({
      routerConfig: Type.Optional(RouterConfigSchema),
      upstreamRouters: Type.Optional(
        Type.Array(NonEmpty(), { description: 'control plane name, its router id, `default-router`, or interior-mode agents; default: the control plane' }),
      ),
    }),
  ),
});

export const AgentSchema = envelope('Agent', AgentSpecSchema);
export type AgentDoc = Static<typeof AgentSchema>;

// ---- Microservice -------------------------------------------------------------------------------------------------

/** Object form of `ports[].public` (the short form is a port number). Validated separately: see `public` below. */
export const PublicSpecSchema = OpenObject({
  enabled: Type.Optional(Type.Boolean({ description: 'default true when `public` is given' })),
  protocol: Type.Optional(StringEnum(['tcp', 'http'], { description: 'default tcp' })),
  port: Type.Optional(Port('fixed public port; allocated from the control plane range when absent')),
});
export type PublicSpec = Static<typeof PublicSpecSchema>;

export const ContainerPortSchema = Type.Object({
  internal: Port('port inside the container'),
  external: Port("port on the agent's host"),
  protocol: Type.Optional(StringEnum(['tcp', 'udp'], { description: 'default tcp' })),
  host: Type.Optional(Type.String()),
  public: Type.Optional(AnyValue('a public port number, or {enabled, protocol (tcp|http), port?}')),
});

const microserviceFields = {
  agent: Type.Object({ name: NonEmpty('agent the microservice runs on') }),
  images: Type.Optional(FreeFormObject('images per architecture (x86, arm, registry, catalogId)')),
  container: Type.Optional(OpenObject({ ports: Type.Optional(Type.Array(ContainerPortSchema)) })),
  config: Type.Optional(FreeFormObject()),
};

export const MicroserviceSpecSchema = OpenObject({
  application: NonEmpty('application the microservice belongs to'),
  ...microserviceFields,
});

export const MicroserviceSchema = envelope('Microservice', MicroserviceSpecSchema);
export type MicroserviceDoc = Static<typeof MicroserviceSchema>;

/** A microservice written inside an Application (`spec.microservices[]`). */
export const InlineMicroserviceSchema = OpenObject({ name: NonEmpty(), ...microserviceFields });
export type InlineMicroservice = Static<typeof InlineMicroserviceSchema>;

// ---- Route --------------------------------------------------------------------------------------------------------

export const RouteSpecSchema = Type.Object({
  application: NonEmpty(),
  from: NonEmpty('sending microservice (in the same application)'),
  to: NonEmpty('receiving microservice (in the same application)'),
});

export const RouteSchema = envelope('Route', RouteSpecSchema);
export type RouteDoc = Static<typeof RouteSchema>;

export const InlineRouteSchema = Type.Object({ name: NonEmpty(), from: NonEmpty(), to: NonEmpty() });
export type InlineRoute = Static<typeof InlineRouteSchema>;

// ---- Application --------------------------------------------------------------------------------------------------

export const ApplicationSpecSchema = OpenObject({
  microservices: Type.Optional(Type.Array(InlineMicroserviceSchema)),
  routes: Type.Optional(Type.Array(InlineRouteSchema)),
});

export const ApplicationSchema = envelope('Application', ApplicationSpecSchema);
export type ApplicationDoc = Static<typeof ApplicationSchema>;

// ---- EdgeResource -------------------------------------------------------------------------------------------------

export const EdgeResourceSpecSchema = Type.Object({
  name: Type.Optional(NonEmpty('default metadata.name')),
  version: NonEmpty(),
  description: Type.Optional(Type.String()),
  interfaceProtocol: Type.Optional(Type.String()),
  interface: Type.Optional(FreeFormObject('endpoints[{name, method, url}]')),
  display: Type.Optional(FreeFormObject('{name, icon, color}')),
  custom: Type.Optional(FreeFormObject()),
  orchestrationTags: Type.Optional(Type.Array(Type.String())),
  agents: Type.Optional(Type.Array(NonEmpty(), { description: 'agents advertising this resource' })),
});

export const EdgeResourceSchema = envelope('EdgeResource', EdgeResourceSpecSchema);
export type EdgeResourceDoc = Static<typeof EdgeResourceSchema>;

// ---- by kind ------------------------------------------------------------------------------------------------------

/** Whole-document schemas by kind (the CRD generator takes `.properties.spec`). */
export const KIND_SCHEMAS = {
  ControlPlane: ControlPlaneSchema,
  Agent: AgentSchema,
  Application: ApplicationSchema,
  Microservice: MicroserviceSchema,
  Route: RouteSchema,
  EdgeResource: EdgeResourceSchema,
} as const satisfies Record<Kind, TSchema>;

export interface KindDocs {
  ControlPlane: ControlPlaneDoc;
  Agent: AgentDoc;
  Application: ApplicationDoc;
  Microservice: MicroserviceDoc;
  Route: RouteDoc;
  EdgeResource: EdgeResourceDoc;
}

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}
