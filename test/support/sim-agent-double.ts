/**
 * A small stand-in for the simulated router's management agent (sim/router/agent.ts), so the network-layer tests do
 * not depend on the full agent: QUERY of router / runtime types / listener / connector, CREATE / READ / DELETE of
 * listener, connector, tcpListener, tcpConnector, and GET-MGMT-NODES. It calls the router's hooks as the real
 * agent does and merges the router's live attributes into READ results.
 */
import type {
  AgentHooks, AgentKind, AgentRequest, AgentResult, Attributes, ConfigEntity, RouterIdentity, RuntimeType, RuntimeView,
} from '../../sim/router/contract.js';
import type { AgentFactory, AgentLike } from '../../sim/router/agent-port.js';
import { longType, shortType } from '../../src/router/protocol.js';

const RUNTIME: ReadonlySet<string> = new Set(['connection', 'router.link', 'router.address', 'router.node', 'routerMetrics', 'tcpConnection']);
const C_TYPES: ReadonlySet<string> = new Set(['connection', 'router.link', 'router.address', 'router.config.address']);

export class AgentDouble implements AgentLike {
  private readonly entities = new Map<string, { type: string; attrs: Attributes }>();
  private counter = 0;

  constructor(private readonly opts: { identity: RouterIdentity; runtime: RuntimeView; hooks: AgentHooks; config: ConfigEntity[] }) {
    for (const c of opts.config) {
      const name = String(c.attributes.name ?? `${c.type}/${++this.counter}`);
      this.entities.set(name, { type: c.type, attrs: { ...c.attributes, name } });
    }
  }

  list(type: string): Attributes[] {
    return [...this.entities.values()].filter((e) => e.type === type).map((e) => ({ ...e.attrs }));
  }

  handle(req: AgentRequest): AgentResult {
    const ap = req.applicationProperties;
    const op = String(ap.operation ?? '');
    const rawType = String(ap.entityType ?? ap.type ?? '');
    const type = shortType(rawType);
    const agent: AgentKind = C_TYPES.has(type) ? 'c' : 'python';
    const ok = (statusCode: number, body: unknown): AgentResult => ({ kind: 'reply', agent, statusCode, statusDescription: statusCode === 201 ? 'Created' : statusCode === 204 ? 'No Content' : 'OK', body });
    const err = (statusCode: number, text: string): AgentResult => ({ kind: 'reply', agent, statusCode, statusDescription: text, body: {} });
    if (!req.hasReplyTo) return { kind: 'silent', agent };
    const name = typeof ap.name === 'string' ? ap.name : undefined;
    switch (op) {
      case 'GET-MGMT-NODES':
        return ok(200, this.opts.runtime.rows('router.node').map((r) => `amqp:/_topo/0/${String(r.id)}/$management`));
      case 'QUERY': {
        const rows = this.queryRows(type);
        if (!rows) return err(400, `No such entity type '${rawType}'`);
        const body = req.body as { attributeNames?: unknown } | null;
        let names = Array.isArray(body?.attributeNames) ? (body!.attributeNames as unknown[]).map(String) : [];
        if (names.length === 0) names = rows.length > 0 ? Object.keys(rows[0]!) : [];
        return ok(200, { attributeNames: names, results: rows.map((r) => names.map((n) => r[n] ?? null)) });
      }
      case 'CREATE': {
        if (!name) return err(400, 'No name');
        if (this.entities.has(name)) return err(400, `duplicate name ${name}`);
        const attrs: Attributes = { ...(req.body as Attributes), name, type: longType(this.opts.identity.flavor, type) };
        this.entities.set(name, { type, attrs });
        this.opts.hooks.created(type, attrs);
        return ok(201, attrs);
      }
      case 'READ': {
        const e = name ? this.entities.get(name) : undefined;
        if (!e || e.type !== type) return err(404, `No entity with name=${name}`);
        return ok(200, { ...e.attrs, ...(this.opts.runtime.liveAttributes(type, name!) ?? {}) });
      }
      case 'DELETE': {
        const e = name ? this.entities.get(name) : undefined;
        if (!e || e.type !== type) return err(404, `No entity with name=${name}`);
        this.entities.delete(name!);
        this.opts.hooks.deleted(type, e.attrs);
        return ok(204, {});
      }
      default:
        return err(400, `bad operation ${op}`);
    }
  }

  private queryRows(type: string): Attributes[] | undefined {
    if (type === 'router') {
      const { id, mode, version } = this.opts.identity;
      return [{ name: id, identity: `router/${id}`, id, mode, version, ...this.opts.runtime.routerCounters() }];
    }
    if (RUNTIME.has(type)) return this.opts.runtime.rows(type as RuntimeType);
    if (['listener', 'connector', 'tcpListener', 'tcpConnector'].includes(type)) {
      return this.list(type).map((a) => ({ ...a, ...(this.opts.runtime.liveAttributes(type, String(a.name)) ?? {}) }));
    }
    return undefined;
  }
}

/** Echo rules as recorded from qdrouterd 1.19 (correlation id cases): Python echoes string/binary, C also ulong/uuid. */
export function doubleEchoes(agent: AgentKind, amqpType: string): boolean {
  if (amqpType === 'string' || amqpType === 'binary') return true;
  return agent === 'c' && (amqpType === 'ulong' || amqpType === 'uuid');
}

export const agentDoubleFactory: AgentFactory = {
  create: (opts) => new AgentDouble(opts),
  echoesCorrelationId: doubleEchoes,
};
