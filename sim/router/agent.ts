/**
 * The simulated router's management agent: one object that answers management requests exactly as a real
 * qdrouterd 1.x / skupper-router 3.x does, by routing each request to an emulation of the router's C core agent or
 * of its Python agent (management_agent.c `qd_can_handle_request`). Pure: no sockets, no timers; the router around
 * it supplies the runtime state (RuntimeView) and carries out side effects (AgentHooks).
 */
import { EcnError, errorMessage } from '../../src/errors.js';
import { STATUS } from '../../src/router/protocol.js';
import type { AgentHooks, AgentRequest, AgentResult, Attributes, ConfigEntity, RouterIdentity, RuntimeView } from './contract.js';
import type { AgentContext } from './agent-context.js';
import { CAgent, cTargetOf } from './agent-c.js';
import { pythonErrorReply } from './agent-errors.js';
import { PythonAgent } from './agent-python.js';
import { C_CONFIG_TYPES, type CTypeKey } from './c-columns.js';
import { isPlainObject } from './python-repr.js';
import { loadSchema, lookupType } from './schema.js';

export interface ManagementAgentOptions {
  identity: RouterIdentity;
  runtime: RuntimeView;
  hooks: AgentHooks;
  /** the router's configuration file: listeners, connectors, addresses, optionally a `router` entity (workerThreads, …) */
  config?: ConfigEntity[];
}

/** Section names of a router configuration file that differ from the schema keys. */
const CONFIG_SECTION_ALIASES: Record<string, string> = {
  address: 'router.config.address',
  linkRoute: 'router.config.linkRoute',
  autoLink: 'router.config.autoLink',
  exchange: 'router.config.exchange',
  binding: 'router.config.binding',
};

export class ManagementAgent {
  private readonly ctx: AgentContext;
  private readonly python: PythonAgent;
  private readonly c: CAgent;

  constructor(opts: ManagementAgentOptions) {
    const { identity, runtime, hooks } = opts;
    const agent = this;
    this.ctx = {
      identity,
      schema: loadSchema(identity.flavor, identity.version),
      runtime,
      hooks,
      // a method: see router.ts (constructor) on arrow functions held per router
      routerCounters() { return { ...agent.derivedCounters(), ...runtime.routerCounters() }; },
    };
    this.python = new PythonAgent(this.ctx);
    this.c = new CAgent(this.ctx, () => ({ ...(this.python.entitiesOf('router')[0]?.attributes ?? {}) }));
    this.boot(opts.config ?? []);
  }

  /** Answers one request. Never throws: a fault of the simulator becomes a 500 as the Python agent would send. */
  handle(req: AgentRequest): AgentResult {
    const props: Record<string, unknown> = isPlainObject(req.applicationProperties) ? req.applicationProperties : {};
    let target: ReturnType<typeof cTargetOf>;
    try {
      target = cTargetOf(this.ctx, props);
      if (target) {
        // the C agent works even without reply_to: the answer is then lost on the way out
        const r = this.c.handle(target, props, req.body);
        if (r === 'silent' || !req.hasReplyTo) return { kind: 'silent', agent: 'c' };
        return { kind: 'reply', agent: 'c', statusCode: r.status, statusDescription: r.description, body: r.body };
      }
      // the Python agent drops a request without reply_to before doing anything
      if (!req.hasReplyTo) return { kind: 'silent', agent: 'python' };
      const r = this.python.handle(props, req.body);
      return { kind: 'reply', agent: 'python', statusCode: r.status, statusDescription: r.description, body: r.body };
    } catch (err) {
      const { description } = pythonErrorReply(err);
      return { kind: 'reply', agent: target ? 'c' : 'python', statusCode: STATUS.INTERNAL_SERVER_ERROR, statusDescription: description, body: {} };
    }
  }

  /** The configuration entities of a type (short name such as `listener`, `router.config.address`, or long name). */
  list(shortType: string): Attributes[] {
    const key = this.typeKey(shortType);
    if (key && C_CONFIG_TYPES.has(key as CTypeKey)) {
      return this.c.tables.items(key as CTypeKey).map((i) => this.c.tables.columnsMap(i));
    }
    return this.python.entitiesOf(key ?? shortType).map((e) => ({ ...e.attributes }));
  }

  get(shortType: string, name: string): Attributes | undefined {
    return this.list(shortType).find((a) => a.name === name);
  }

  /** The counts the core keeps, from the rows, for the counters the runtime does not report. */
  private derivedCounters(): Attributes {
    const { runtime } = this.ctx;
    // undefined only while the constructor runs (no counter is read during boot)
    const tables = this.c?.tables;
    return {
      addrCount: runtime.rows('router.address').length,
      linkCount: runtime.rows('router.link').length,
      nodeCount: runtime.rows('router.node').filter((n) => n.nextHop !== '(self)').length,
      connectionCount: runtime.rows('connection').length,
      autoLinkCount: tables?.items('router.config.autoLink').length ?? 0,
      linkRouteCount: tables?.items('router.config.linkRoute').length ?? 0,
    };
  }

  /** Schema key of a type given by short name, config-file section name or long name. */
  private typeKey(type: string): string | undefined {
    return lookupType(this.ctx.schema, CONFIG_SECTION_ALIASES[type] ?? type)?.key;
  }

  /**
   * The router's start-up: the management node, the router entity, the log modules, then the configuration file's
   * entities (sslProfiles first, as they are referenced by others). Boot entities call no hooks: the router reads
   * them with list() when it starts. A bad entity fails the start, as it would fail a real router.
   */
  private boot(config: ConfigEntity[]): void {
    const { identity } = this.ctx;
    const routerCfg: Attributes = {};
    for (const e of config) if (e.type === 'router') Object.assign(routerCfg, e.attributes);
    const rest = config.filter((e) => e.type !== 'router');
    const ordered = [...rest.filter((e) => e.type === 'sslProfile'), ...rest.filter((e) => e.type !== 'sslProfile')];
    try {
      this.python.configure('router', { ...routerCfg, id: identity.id, mode: identity.mode });
      // one log entity per module the schema knows, so that UPDATE log can address any of them
      const moduleType = lookupType(this.ctx.schema, 'log')?.attributes.get('module')?.type;
      const modules: unknown[] = Array.isArray(moduleType) ? moduleType : ['DEFAULT'];
      this.python.configureShared('log', modules.map((module) => ({ module })));
      for (const e of ordered) {
        const key = this.typeKey(e.type);
        if (!key) throw new EcnError('ECN_CONFIG', `router ${identity.id}: unknown configuration entity type '${e.type}'`);
        const py = this.python.configure(key, { ...e.attributes });
        if (C_CONFIG_TYPES.has(key as CTypeKey)) {
          // the Python entity hands its attributes (and its generated name) to the C core
          const err = this.c.configure(key as CTypeKey, String(py.attributes.name), { ...e.attributes });
          if (err) throw new EcnError('ECN_CONFIG', `router ${identity.id}: ${key} ${String(py.attributes.name)}: ${err}`);
        }
      }
    } catch (err) {
      if (err instanceof EcnError && err.code === 'ECN_CONFIG') throw err;
      throw new EcnError('ECN_CONFIG', `router ${identity.id}: invalid configuration: ${errorMessage(err)}`, {
        hint: 'fix the router configuration entity named in the message',
        cause: err,
      });
    }
  }
}
