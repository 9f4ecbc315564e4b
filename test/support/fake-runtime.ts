/**
 * A fake router runtime for agent-level tests: the RuntimeView and AgentHooks a simulated router would give its
 * management agent, with rows set by hand, plus a builder that reproduces the topology the transcripts were
 * recorded on (INT.A interior, EDGE.1/EDGE.2 edges) from the rows recorded in them.
 */
import { routerBootConfig } from '../../sim/boot-config.js';
import type { AgentHooks, Attributes, ConfigEntity, RouterIdentity, RuntimeType, RuntimeView } from '../../sim/router/contract.js';
import { TYPE_PREFIX, type Flavor } from '../../src/router/protocol.js';
import type { PortMap, TranscriptCase } from './transcripts.js';

export interface HookCall {
  hook: 'created' | 'deleted' | 'updated' | 'closeConnection';
  type?: string;
  entity?: Attributes;
  identity?: string;
}

/**
 * Rows and counters as plain data. A connector starts dialling when the agent reports it created (after the CREATE
 * reply was built, whose live attributes are therefore the agent's defaults: CONNECTING, no message); a dial to
 * `closedPort` has failed by the next read, and the connector keeps retrying (status stays CONNECTING).
 */
export class FakeRuntime implements RuntimeView, AgentHooks {
  readonly calls: HookCall[] = [];
  readonly rowsByType = new Map<RuntimeType, Attributes[]>();
  counters: Attributes = {};
  /** extra live attributes by `type/name` */
  readonly live = new Map<string, Attributes>();
  private readonly connectors = new Map<string, { host: string; port: string }>();
  private connectionNumber = 100;

  constructor(private readonly closedPort?: number) {}

  rows(type: RuntimeType): Attributes[] {
    return (this.rowsByType.get(type) ?? []).map((r) => ({ ...r }));
  }

  setRows(type: RuntimeType, rows: Attributes[]): void {
    this.rowsByType.set(type, rows);
  }

  liveAttributes(type: string, name: string): Attributes | undefined {
    const extra = this.live.get(`${type}/${name}`);
    const dial = type === 'connector' ? this.connectors.get(name) : undefined;
    if (!dial) return extra;
    const failed = this.closedPort !== undefined && dial.port === String(this.closedPort);
    const target = `${dial.host}:${dial.port}`;
    return {
      connectionStatus: 'CONNECTING',
      connectionMsg: failed ? `[C${this.connectionNumber}] Connection to ${target} failed: proton:io Connection refused - disconnected ${target}` : '',
      ...extra,
    };
  }

  routerCounters(): Attributes {
    return { ...this.counters };
  }

  created(type: string, entity: Attributes): void {
    this.calls.push({ hook: 'created', type, entity });
    if (type === 'connector') this.connectors.set(String(entity.name), { host: String(entity.host), port: String(entity.port) });
  }

  deleted(type: string, entity: Attributes): void {
    this.calls.push({ hook: 'deleted', type, entity });
    if (type === 'connector') this.connectors.delete(String(entity.name));
  }

  updated(type: string, entity: Attributes): void {
    this.calls.push({ hook: 'updated', type, entity });
  }

  closeConnection(identity: string): boolean {
    this.calls.push({ hook: 'closeConnection', identity });
    const rows = this.rowsByType.get('connection') ?? [];
    const i = rows.findIndex((r) => String(r.identity) === identity);
    if (i < 0) return false;
    rows.splice(i, 1);
    return true;
  }
}

/** One router of a fake topology: what ManagementAgent needs to be built. */
export interface FakeRouter {
  identity: RouterIdentity;
  config: ConfigEntity[];
  runtime: FakeRuntime;
}

// ---------------------------------------------------------------------------------------------------------------
// the recorded topology

/** Turns recorded (normalised) values back into concrete ones: every placeholder gets a stable stand-in. */
class Denormaliser {
  private n = 0;
  private ephemeral = 52001;
  constructor(private readonly ports: PortMap) {}

  value(v: unknown): unknown {
    if (v === '<int>') return ++this.n;
    if (typeof v === 'string') {
      return v
        .replace(/<port:([^>]+)>/g, (w, name: string) => String(this.ports.get(name) ?? w))
        .replace(/<port>/g, () => String(this.ephemeral++))
        .replace(/<uuid>/g, () => `00000000-0000-4000-8000-${String(++this.n).padStart(12, '0')}`)
        .replace(/\b(qdlink|temp)\.<id>/g, (_w, kind: string) => `${kind}.X${++this.n}`);
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.value(x)]));
    return v;
  }

  /** identities are decimal strings on the wire */
  identity(v: unknown): unknown {
    return v === '<int>' ? String(++this.n) : this.value(v);
  }
}

function recordedRows(cases: readonly TranscriptCase[], routerId: string, longType: string, d: Denormaliser): Attributes[] | undefined {
  const c = cases.find((x) =>
    x.request.connectedTo === routerId &&
    x.request.to === '$management' &&
    x.request.applicationProperties.operation === 'QUERY' &&
    x.request.applicationProperties.entityType === longType &&
    Array.isArray((x.request.body as { attributeNames?: unknown[] } | null)?.attributeNames) &&
    (x.request.body as { attributeNames: unknown[] }).attributeNames.length === 0 &&
    x.response?.applicationProperties.statusCode === 200,
  );
  const body = c?.response?.body as { attributeNames: string[]; results: unknown[][] } | undefined;
  if (!body) return undefined;
  return body.results.map((row) =>
    Object.fromEntries(body.attributeNames.map((n, i) => [n, n === 'identity' || n === 'connectionId' ? d.identity(row[i]) : d.value(row[i])])),
  );
}

/** The ports of the recorded topology's listeners (some never appear in a case). */
export const RECORDED_PORT_NAMES = ['INT.A.amqp', 'INT.A.inter-router', 'INT.A.edge', 'EDGE.1.amqp', 'EDGE.2.amqp'] as const;

/** Router ids, modes and listeners of the recording (transcripts README, "Topology"). */
export const RECORDED_ROUTERS = [
  { id: 'INT.A', mode: 'interior' as const },
  { id: 'EDGE.1', mode: 'edge' as const },
  { id: 'EDGE.2', mode: 'edge' as const },
];

/**
 * The three routers of the recording. INT.A's connections, links, addresses, node and counters are the rows its
 * full QUERYs returned; its configuration (listeners amqp/inter-router/edge, addresses closest/multicast,
 * workerThreads 2) and the edges' (listener amqp, uplink connector) come from the README.
 */
export function recordedTopology(cases: readonly TranscriptCase[], ports: PortMap, flavor: Flavor, version: string): FakeRouter[] {
  const d = new Denormaliser(ports);
  const prefix = TYPE_PREFIX[flavor];
  const port = (name: string): number => {
    const p = ports.get(name);
    if (p === undefined) throw new Error(`no port for ${name}`);
    return p;
  };
  const closed = ports.get('closed');
  const out: FakeRouter[] = [];
  for (const r of RECORDED_ROUTERS) {
    const runtime = new FakeRuntime(closed);
    const interior = r.mode === 'interior';
    const config: ConfigEntity[] = [
      { type: 'router', attributes: { workerThreads: 2 } },
      ...(interior
        ? routerBootConfig({ mode: 'interior', host: '127.0.0.1', port: port('INT.A.amqp'), interRouterPort: port('INT.A.inter-router'), edgePort: port('INT.A.edge') })
        : routerBootConfig({ mode: 'edge', host: '127.0.0.1', port: port(`${r.id}.amqp`), connect: [{ host: '127.0.0.1', port: port('INT.A.edge') }] })),
    ];
    for (const t of ['connection', 'router.link', 'router.address'] as const) {
      runtime.setRows(t, recordedRows(cases, r.id, prefix + t, d) ?? []);
    }
    const nodes = recordedRows(cases, r.id, `${prefix}router.node`, d) ?? [];
    runtime.setRows('router.node', nodes.map(({ name: _n, identity: _i, type: _t, ...rest }) => rest));
    const routerRow = recordedRows(cases, r.id, `${prefix}router`, d)?.[0] ?? {};
    const notCounters = new Set(['name', 'identity', 'id', 'type', 'mode', 'area', 'version', 'metadata', 'workerThreads']);
    runtime.counters = Object.fromEntries(Object.entries(routerRow).filter(([k]) => !notCounters.has(k)));
    out.push({ identity: { id: r.id, mode: r.mode, flavor, version }, config, runtime });
  }
  return out;
}
