/**
 * What both simulated agents share: the router they belong to, its schema, and the router's runtime view and
 * side-effect hooks (see contract.ts).
 */
import type { AgentHooks, Attributes, RouterIdentity, RuntimeView } from './contract.js';
import type { RouterSchema } from './schema.js';

export interface AgentContext {
  readonly identity: RouterIdentity;
  readonly schema: RouterSchema;
  readonly runtime: RuntimeView;
  readonly hooks: AgentHooks;
  /** the router's counters: runtime.routerCounters() over counts derived from the rows (see agent.ts) */
  routerCounters(): Attributes;
}

/** A reply before it becomes an AgentResult (the dispatcher adds which agent gave it). */
export interface AgentReply {
  status: number;
  description: string;
  body: unknown;
}
