/**
 * What the planner produces and the syncers consume: the desired entities of every router, and the operations that
 * take a router from what it has to what it should have. Pure data.
 */
import type { Flavor } from '../router/protocol.js';

/** Entity types the manager owns on routers (short names; the client qualifies them per flavor). */
export type ManagedType = 'sslProfile' | 'listener' | 'connector' | 'router.config.address' | 'tcpListener' | 'tcpConnector';

/** Creation order (sslProfile first, tcp bridges last); deletes run in reverse. */
export const TYPE_ORDER: readonly ManagedType[] = ['sslProfile', 'listener', 'connector', 'router.config.address', 'tcpConnector', 'tcpListener'];

/** Every entity the manager creates has a name starting with this; anything else on a router is never touched. */
export const OWNER_PREFIX = 'ecn.';

export interface DesiredEntity {
  type: ManagedType;
  /** unique on its router across all types (the routers' Python agent checks names globally) */
  name: string;
  attributes: Record<string, unknown>;
  /** the model object this entity realises, e.g. `Agent edge-1`, `Route app/r1`, `PublicPort app/ms:8080` */
  owner: string;
}

/** How the manager reaches a router's management agent: through its connection to the control plane's interior, or a replica's own. */
export type RouterReach =
  | { kind: 'local' } // the router the manager is connected to
  | { kind: 'interior'; id: string } // amqp:/_topo/0/<id>/$management
  | { kind: 'edge'; id: string } // amqp:/_edge/<id>/$management
  /** one replica of the control plane's interior, over its own connection (src/manager/interior-replicas.ts) */
  | { kind: 'replica'; key: string };

/**
 * The management target of a replica reach: a pseudo-address that only the manager's replica multiplexer
 * (src/manager/interior-replicas.ts) understands; it sends such requests to that replica's own connection.
 */
export const REPLICA_TARGET_PREFIX = 'ecn-replica:';
export const replicaTargetAddress = (key: string): string => `${REPLICA_TARGET_PREFIX}${key}`;

export interface PlanCondition {
  /** e.g. ECN_PLAN_NO_TCP_BRIDGE */
  code: string;
  object: string;
  message: string;
}

export interface RouterPlan {
  routerId: string;
  mode: 'interior' | 'edge';
  /** the agent whose router this is; undefined for the control plane's interior */
  agent?: string;
  reach: RouterReach;
  entities: DesiredEntity[];
  /** things the plan could not realise on this router (e.g. no tcp bridges in qdrouterd 1.19) */
  conditions: PlanCondition[];
}

export interface NetworkPlan {
  /** by router id */
  routers: Map<string, RouterPlan>;
}

/** What the router can do, learnt at connect time (flavor, version, GET-SCHEMA). */
export interface RouterCapabilities {
  flavor: Flavor;
  /** tcpListener/tcpConnector exist (not in qdrouterd 1.19) */
  tcpBridges: boolean;
  /** types whose attributes may be changed by UPDATE (e.g. sslProfile on skupper 3.2+); others are replaced */
  updatable: ReadonlySet<ManagedType>;
}

/** An entity as read back from a router (QUERY of an owned type). */
export interface ObservedEntity {
  type: ManagedType;
  name: string;
  identity?: string;
  attributes: Record<string, unknown>;
}

export type OpReason = 'missing' | 'changed' | 'unwanted';

export interface PlanOp {
  op: 'CREATE' | 'UPDATE' | 'DELETE';
  type: ManagedType;
  name: string;
  /** CREATE: all attributes; UPDATE: the changed ones */
  attributes?: Record<string, unknown>;
  reason: OpReason;
  /** for the audit trail: what differed, e.g. `port 5672 → 5673` */
  detail?: string;
}
