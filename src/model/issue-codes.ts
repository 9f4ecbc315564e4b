/** Codes of the ModelIssues the loader reports. Stable: callers and tests branch on them. */
export const MODEL_ISSUE_CODES = {
  /** a file could not be read */
  READ: 'ECN_MODEL_READ',
  /** YAML/JSON syntax error (names the line) */
  YAML_SYNTAX: 'ECN_MODEL_YAML_SYNTAX',
  /** a document that is not a mapping */
  NOT_OBJECT: 'ECN_MODEL_NOT_OBJECT',
  /** `kind` missing or not one of the six (document ignored) */
  UNKNOWN_KIND: 'ECN_MODEL_UNKNOWN_KIND',
  /** warning: iofog.org/v2 accepted */
  API_VERSION: 'ECN_MODEL_API_VERSION',
  /** the document does not match its kind's schema */
  SCHEMA: 'ECN_MODEL_SCHEMA',
  /** warning: a field the schema does not know (ignored, as Kubernetes would prune it) */
  UNKNOWN_FIELD: 'ECN_MODEL_UNKNOWN_FIELD',
  /** warning: a field that has no effect here (e.g. edge mode with interRouterPort) */
  IGNORED_FIELD: 'ECN_MODEL_IGNORED_FIELD',
  /** a name not usable as a router id or address segment */
  BAD_NAME: 'ECN_MODEL_BAD_NAME',
  /** a second object of the same kind and name */
  DUPLICATE_NAME: 'ECN_MODEL_DUPLICATE_NAME',
  /** no (valid) ControlPlane */
  NO_CONTROL_PLANE: 'ECN_MODEL_NO_CONTROL_PLANE',
  /** more than one ControlPlane (the first in load order is kept) */
  EXTRA_CONTROL_PLANE: 'ECN_MODEL_EXTRA_CONTROL_PLANE',
  /** an agent name equal to the control plane's router id */
  ROUTER_ID_CONFLICT: 'ECN_MODEL_ROUTER_ID_CONFLICT',
  /** router listener ports that clash (within a router, or on a shared host) */
  LISTENER_PORT_CONFLICT: 'ECN_MODEL_LISTENER_PORT_CONFLICT',
  /** the public port range is empty (start > end) */
  BAD_PORT_RANGE: 'ECN_MODEL_BAD_PORT_RANGE',
  /** an upstream router that does not exist */
  UNKNOWN_UPSTREAM: 'ECN_MODEL_UNKNOWN_UPSTREAM',
  /** an upstream router that is an edge-mode agent */
  EDGE_UPSTREAM: 'ECN_MODEL_EDGE_UPSTREAM',
  /** interior agents whose upstream routers form a cycle */
  UPSTREAM_CYCLE: 'ECN_MODEL_UPSTREAM_CYCLE',
  /** skipped because something it needs (agent, upstream, application, microservice) was skipped */
  DEPENDENCY_SKIPPED: 'ECN_MODEL_DEPENDENCY_SKIPPED',
  /** a microservice or route naming an application that does not exist */
  UNKNOWN_APPLICATION: 'ECN_MODEL_UNKNOWN_APPLICATION',
  /** a microservice (or edge resource) naming an agent that does not exist */
  UNKNOWN_AGENT: 'ECN_MODEL_UNKNOWN_AGENT',
  /** microservice external ports that clash on an agent (with each other or the agent's router listeners) */
  PORT_CONFLICT: 'ECN_MODEL_PORT_CONFLICT',
  /** a route endpoint that is not a microservice of the route's application */
  UNKNOWN_MICROSERVICE: 'ECN_MODEL_UNKNOWN_MICROSERVICE',
  /** a route endpoint in another application */
  ROUTE_CROSS_APPLICATION: 'ECN_MODEL_ROUTE_CROSS_APPLICATION',
  /** a route from a microservice to itself */
  ROUTE_SELF: 'ECN_MODEL_ROUTE_SELF',
  /** `public` given in a form that is not a port number or {enabled, protocol, port} */
  BAD_PUBLIC: 'ECN_MODEL_BAD_PUBLIC',
  /** a public port on a udp container port */
  PUBLIC_UDP: 'ECN_MODEL_PUBLIC_UDP',
  /** a requested public port outside the control plane's range */
  PUBLIC_PORT_RANGE: 'ECN_MODEL_PUBLIC_PORT_RANGE',
  /** a requested public port already taken (another public port, a reserved port, a listener on the interior host) */
  PUBLIC_PORT_CONFLICT: 'ECN_MODEL_PUBLIC_PORT_CONFLICT',
  /** no free public port left in the range */
  PUBLIC_PORT_EXHAUSTED: 'ECN_MODEL_PUBLIC_PORT_EXHAUSTED',
} as const;

export type ModelIssueCode = (typeof MODEL_ISSUE_CODES)[keyof typeof MODEL_ISSUE_CODES];
