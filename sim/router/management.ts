/**
 * The router's `$management` endpoint: the local consumer that hands requests to the agent and routes the replies.
 *
 * As the real routers: the request delivery is ACCEPTED whatever the agent answers; the reply goes to `reply_to`
 * (routed like any message, so a reply to `_edge/E/temp.x` travels back down to edge E); `statusCode` is an AMQP
 * int; the correlation id is copied back, with its AMQP type, only when the answering agent does that for that type
 * (see correlation.ts); nothing is sent for a silent result.
 */
import rhea from 'rhea';
import { readTypedSections } from '../../src/amqp/typed-decode.js';
import type { TimerHandle } from '../../src/clock.js';
import { errorMessage } from '../../src/errors.js';
import { STATUS_TEXT } from '../../src/router/protocol.js';
import type { AgentKind, AgentRequest, AgentResult } from './contract.js';
import type { AgentLike } from './agent-port.js';
import { NORMAL_REPLIES, type ReplyMode } from './faults.js';
import type { LocalConsumer, RoutedMessage } from './forwarding.js';
import { ACCEPTED, type OutcomeCallback } from './outcome.js';
import type { RouterContext } from './state.js';

export interface ManagementEndpointOptions {
  ctx: RouterContext;
  /** the current agent (it is replaced when the router restarts) */
  agent: () => AgentLike | undefined;
  echoesCorrelationId: (agent: AgentKind, amqpType: string) => boolean;
  /** routes a message this router originates */
  originate: (message: rhea.Message) => void;
}

interface Reply {
  statusCode: number;
  statusDescription: string;
  body: unknown;
  echo: boolean;
  /** the C agent writes statusDescription before statusCode; the Python agent the other way round */
  descriptionFirst: boolean;
}

export class ManagementEndpoint implements LocalConsumer {
  readonly label = '$management';
  replyMode: ReplyMode = NORMAL_REPLIES;
  /** requests handled (for tests and diagnostics) */
  handled = 0;
  private readonly timers = new Set<TimerHandle>();

  constructor(private readonly opts: ManagementEndpointOptions) {}

  deliver(msg: RoutedMessage, done: OutcomeCallback): void {
    done(ACCEPTED);
    this.handled++;
    const m = msg.message;
    const replyTo = typeof m.reply_to === 'string' && m.reply_to.length > 0 ? m.reply_to : undefined;
    const typed = readTypedSections(msg.raw);
    const mode = this.replyMode;
    this.opts.ctx.emit('management-request', { operation: m.application_properties?.operation, replyMode: mode.kind });
    let reply: Reply;
    if (mode.kind === 'fail') {
      const code = mode.statusCode ?? 500;
      reply = { statusCode: code, statusDescription: mode.description ?? STATUS_TEXT[code] ?? 'Error', body: {}, echo: true, descriptionFirst: false };
    } else {
      const req: AgentRequest = {
        applicationProperties: isRecord(m.application_properties) ? m.application_properties : {},
        body: m.body === undefined ? null : m.body,
        hasReplyTo: replyTo !== undefined,
      };
      const result = this.callAgent(req);
      if (result.kind === 'silent') return;
      const type = typed.correlationIdType;
      reply = {
        statusCode: result.statusCode,
        statusDescription: result.statusDescription,
        body: result.body === undefined ? null : result.body,
        echo: type !== undefined && this.opts.echoesCorrelationId(result.agent, type),
        descriptionFirst: result.agent === 'c',
      };
    }
    if (replyTo === undefined || mode.kind === 'silent') return;
    const out: rhea.Message = {
      to: replyTo,
      durable: false,
      application_properties: reply.descriptionFirst
        ? { statusDescription: reply.statusDescription, statusCode: rhea.types.wrap_int(reply.statusCode) }
        : { statusCode: rhea.types.wrap_int(reply.statusCode), statusDescription: reply.statusDescription },
      body: reply.body as rhea.Message['body'],
    };
    if (reply.echo && typed.correlationIdRaw !== undefined) out.correlation_id = typed.correlationIdRaw as string;
    if (mode.kind === 'delay' && mode.ms > 0) {
      const handle = this.opts.ctx.clock.setTimeout(() => {
        this.timers.delete(handle);
        this.send(out);
      }, mode.ms);
      this.timers.add(handle);
      return;
    }
    this.send(out);
  }

  /** drops replies still waiting out a delay (router stop or restart) */
  cancelDelayed(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }

  private callAgent(req: AgentRequest): AgentResult {
    const agent = this.opts.agent();
    if (!agent) {
      return { kind: 'reply', agent: 'python', statusCode: 503, statusDescription: 'Service Unavailable', body: {} };
    }
    try {
      return agent.handle(req);
    } catch (err) {
      // the real agent turns unexpected exceptions into 500 as well (agent.py: InternalServerErrorStatus)
      this.opts.ctx.logger.error({ err }, 'management agent threw');
      return { kind: 'reply', agent: 'python', statusCode: 500, statusDescription: errorMessage(err), body: {} };
    }
  }

  private send(out: rhea.Message): void {
    try {
      this.opts.originate(out);
    } catch (err) {
      this.opts.ctx.logger.warn({ err, to: out.to }, 'cannot send management reply');
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);
}
