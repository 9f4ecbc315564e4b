/**
 * Whether a management reply carries the request's correlation id back with the same value and AMQP type. Recorded
 * on qdrouterd 1.18.0 and 1.19.0 (transcript cases "correlation id <type>: ..."): replies from the Python agent
 * carry string and binary ids only, replies from the C agent string, ulong, binary and uuid ids; in every other
 * recorded case the reply had no correlation id at all.
 */
import type { AgentKind } from './contract.js';

/** AMQP types of correlation ids each agent echoes intact. */
const ECHOED: Record<AgentKind, ReadonlySet<string>> = {
  python: new Set(['string', 'binary']),
  c: new Set(['string', 'ulong', 'binary', 'uuid']),
};

/** `amqpType`: the id's AMQP type name as the transcripts write it (`string`, `int`, `long`, `ulong`, `binary`, `uuid`). */
export function echoesCorrelationId(agent: AgentKind, amqpType: string): boolean {
  return ECHOED[agent].has(amqpType);
}
