/**
 * The seam between a simulated router's management agent (sim/router/agent*.ts: pure, no sockets) and the router
 * around it (sim/router/router.ts: rhea server, addressing, forwarding, listeners and connectors that really open and
 * dial). The agent decides what the management protocol answers; the router supplies the runtime state that the real
 * router's C core would have (connections, links, addresses, nodes) and carries out the side effects of config
 * entities (a created listener opens its port, a deleted connector closes its connection).
 */
import type { Flavor } from '../../src/router/protocol.js';

/** One attribute map, as the router stores and returns it. */
export type Attributes = Record<string, unknown>;

/** A management request as it reaches the agent (the message has already been routed to this router). */
export interface AgentRequest {
  applicationProperties: Record<string, unknown>;
  /** the decoded AMQP body (map, null, list, …) */
  body: unknown;
  /** false when the message had no reply_to: the real agents then answer nothing */
  hasReplyTo: boolean;
}

/** Which of the router's two agents handled the request (it changes correlation-id echo and statusCode typing). */
export type AgentKind = 'python' | 'c';

export type AgentResult =
  | {
      kind: 'reply';
      agent: AgentKind;
      statusCode: number;
      statusDescription: string;
      /** the reply body; `null` is sent as an AMQP null */
      body: unknown;
    }
  /** the real router sends nothing back (missing reply_to, or a C-agent switch case with no reply) */
  | { kind: 'silent'; agent: AgentKind };

/** The runtime entity types whose rows come from the router, not from the agent's own tables. */
export type RuntimeType = 'connection' | 'router.link' | 'router.address' | 'router.node' | 'routerMetrics' | 'tcpConnection';

/** What the router tells the agent about its live state. All attribute names are the schema's (plus the real extras). */
export interface RuntimeView {
  /** every row of a runtime type, each with all the attributes the real router reports */
  rows(type: RuntimeType): Attributes[];
  /**
   * live, read-only attributes of a config entity, merged into READ/QUERY results:
   * connector → connectionStatus, connectionMsg; tcpListener/tcpConnector → bytesIn, bytesOut, connectionsOpened, …
   */
  liveAttributes(type: string, name: string): Attributes | undefined;
  /** counters of the router itself (qd 1.x `router` entity; skupper 3.x `routerMetrics`) */
  routerCounters(): Attributes;
  /**
   * the router core's identity counter, shared by connections, links and the C agent's config entities; optional:
   * without it the agent scans the connection and link rows for the highest identity in use (slow with many rows)
   */
  nextIdentity?(): string;
}

/** Side effects the agent asks of the router. They must not throw: failures show in live attributes, as for real. */
export interface AgentHooks {
  /** a config entity was created (listener, connector, tcpListener, tcpConnector, sslProfile, router.config.*, …) */
  created(type: string, entity: Attributes): void;
  /** a config entity was deleted */
  deleted(type: string, entity: Attributes): void;
  /** an entity was updated (merge already applied) */
  updated(type: string, entity: Attributes): void;
  /** UPDATE connection {adminStatus: 'deleted'}: close that connection; false when there is no such connection */
  closeConnection(identity: string): boolean;
}

export interface RouterIdentity {
  id: string;
  mode: 'interior' | 'edge' | 'standalone';
  flavor: Flavor;
  /** the router version the agent reports, e.g. "1.19.0", "1.18.0", "3.5.1"; it selects the schema */
  version: string;
}

/** A config entity given at boot (the router's config file): it exists from the start and survives nothing. */
export interface ConfigEntity {
  type: string; // short name, e.g. 'listener'
  attributes: Attributes; // must include `name` for the entities the manager needs to find by name
}
