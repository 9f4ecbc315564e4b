/**
 * How the router gets its management agent. The real one is sim/router/agent.ts (ManagementAgent) with the
 * correlation-id echo rules of sim/router/correlation.ts; tests may plug in a smaller double. The router only needs
 * `handle` (synchronous, as the contract says) and `list` (to open the listeners and connectors of the config).
 */
import { ManagementAgent } from './agent.js';
import type { AgentHooks, AgentKind, AgentRequest, AgentResult, Attributes, ConfigEntity, RouterIdentity, RuntimeView } from './contract.js';
import { echoesCorrelationId } from './correlation.js';

export interface AgentLike {
  handle(req: AgentRequest): AgentResult;
  /** current config entities of a (short) type, with defaults filled */
  list(shortType: string): Attributes[];
}

export interface AgentFactoryOptions {
  identity: RouterIdentity;
  runtime: RuntimeView;
  hooks: AgentHooks;
  config: ConfigEntity[];
}

export interface AgentFactory {
  create(opts: AgentFactoryOptions): AgentLike;
  /** whether the agent that produced a reply copies back a correlation id of this AMQP type */
  echoesCorrelationId(agent: AgentKind, amqpType: string): boolean;
}

/** The product agent: ManagementAgent with the correlation-id echo rules recorded from qdrouterd. */
export const defaultAgentFactory: AgentFactory = {
  create: (opts) => new ManagementAgent(opts),
  echoesCorrelationId,
};
