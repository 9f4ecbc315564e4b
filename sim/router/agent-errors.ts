/**
 * The three ways a request fails inside the simulated agents, mirroring the real Python agent (agent.py `receive`):
 * a ManagementError carries its own status, a schema ValidationError becomes 400, and any other Python exception
 * becomes 500 "<ExceptionType>: <message>". They never leave the agent: ManagementAgent.handle turns them into replies.
 */
import { EcnError } from '../../src/errors.js';
import { STATUS } from '../../src/router/protocol.js';

/** A management status with its description (Python ManagementError: BadRequestStatus, NotFoundStatus, …). */
export class AgentStatusError extends EcnError {
  readonly status: number;
  constructor(status: number, description: string) {
    super('ECN_SIM', description, { details: { status } });
    this.name = 'AgentStatusError';
    this.status = status;
  }
}

/** Python schema.ValidationError: answered with 400 and its message. */
export class PyValidationError extends EcnError {
  constructor(message: string) {
    super('ECN_SIM', message, { details: { status: STATUS.BAD_REQUEST } });
    this.name = 'PyValidationError';
  }
}

/** Any other Python exception (AttributeError, TypeError, ValueError, CError, …): answered with 500. */
export class PyException extends EcnError {
  readonly pyType: string;
  constructor(pyType: string, message: string) {
    super('ECN_SIM', message, { details: { status: STATUS.INTERNAL_SERVER_ERROR, pyType } });
    this.name = 'PyException';
    this.pyType = pyType;
  }
}

export const badRequest = (d: string): AgentStatusError => new AgentStatusError(STATUS.BAD_REQUEST, d);
export const notFound = (d: string): AgentStatusError => new AgentStatusError(STATUS.NOT_FOUND, d);
export const notImplemented = (d: string): AgentStatusError => new AgentStatusError(STATUS.NOT_IMPLEMENTED, d);
export const internalError = (d: string): AgentStatusError => new AgentStatusError(STATUS.INTERNAL_SERVER_ERROR, d);

/** The (status, description) the Python agent answers for an error raised while handling a request. */
export function pythonErrorReply(err: unknown): { status: number; description: string } {
  if (err instanceof AgentStatusError) return { status: err.status, description: err.message };
  if (err instanceof PyValidationError) return { status: STATUS.BAD_REQUEST, description: err.message };
  if (err instanceof PyException) return { status: STATUS.INTERNAL_SERVER_ERROR, description: `${err.pyType}: ${err.message}` };
  // a fault of the simulator itself: answered the way Python answers an unexpected exception
  const name = err instanceof Error ? err.name : 'Exception';
  const message = err instanceof Error ? err.message : String(err);
  return { status: STATUS.INTERNAL_SERVER_ERROR, description: `${name}: ${message}` };
}
