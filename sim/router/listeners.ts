/**
 * AMQP listeners: a `listener` entity really binds its port (port "0": any free one) and every stream it accepts
 * becomes an AMQP connection of the listener's role. Deleting the listener stops accepting and drops the
 * connections it accepted (qd_listener close behaviour in a running router).
 */
import { EcnError, errorMessage } from '../../src/errors.js';
import type { Attributes } from './contract.js';
import type { ConnRecord, ConnRole, RouterContext } from './state.js';
import type { SimServer, SimSocket } from './transport.js';

const ROLES: ReadonlySet<string> = new Set(['normal', 'inter-router', 'route-container', 'edge', 'inter-edge', 'inter-network']);

export interface ListenerState {
  name: string;
  role: ConnRole;
  host: string;
  /** the port asked for ("0" or "amqp" resolved) */
  requestedPort: number;
  /** the bound port, once bound */
  port: number | undefined;
  server: SimServer | undefined;
  error: string | undefined;
  /** link cost of its inter-router connections */
  cost: number;
  conns: Set<ConnRecord>;
  closed: boolean;
  /** settles when the bind attempt is over */
  ready: Promise<void>;
}

/** `"amqp"` → 5672, `"amqps"` → 5671, numeric strings → numbers; undefined for anything else. */
export function parsePort(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 65535) return v;
  if (typeof v !== 'string') return undefined;
  if (v === 'amqp') return 5672;
  if (v === 'amqps') return 5671;
  if (!/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n <= 65535 ? n : undefined;
}

export function parseRole(v: unknown): ConnRole {
  return typeof v === 'string' && ROLES.has(v) ? (v as ConnRole) : 'normal';
}

export class Listeners {
  private readonly byName = new Map<string, ListenerState>();

  constructor(
    private readonly ctx: RouterContext,
    private readonly accept: (socket: SimSocket, listener: ListenerState) => ConnRecord | undefined,
  ) {}

  /**
   * Binds a listener entity; a second open of the same name returns the first attempt. Resolves when the bind
   * attempt is over: a failure is logged and kept on the listener (the entity stays, as in a real router).
   */
  open(attrs: Attributes, portOverride?: number): Promise<void> {
    const name = String(attrs.name ?? '');
    const existing = this.byName.get(name);
    if (existing) return existing.ready;
    if (!name) return Promise.resolve();
    const requested = portOverride ?? parsePort(attrs.port ?? 'amqp');
    const host = typeof attrs.host === 'string' && attrs.host ? attrs.host : this.ctx.host;
    const cost = Number(attrs.cost ?? 1);
    const st: ListenerState = {
      name, role: parseRole(attrs.role), host, requestedPort: requested ?? -1, port: undefined, server: undefined,
      error: undefined, cost: Number.isFinite(cost) && cost > 0 ? cost : 1, conns: new Set(), closed: false,
      ready: Promise.resolve(),
    };
    this.byName.set(name, st);
    st.ready = this.bind(st, attrs.port, requested);
    return st.ready;
  }

  private async bind(st: ListenerState, asked: unknown, requested: number | undefined): Promise<void> {
    if (requested === undefined) {
      st.error = `invalid port ${JSON.stringify(asked)}`;
      this.ctx.logger.warn({ listener: st.name, port: asked }, 'listener not opened: invalid port');
      return;
    }
    try {
      const server = await this.ctx.listenerTransport(st.name).listen(st.host, requested, (socket) => this.onSocket(st, socket));
      if (st.closed) {
        await server.close();
        return;
      }
      st.server = server;
      st.port = server.port;
      this.ctx.logger.debug({ listener: st.name, port: server.port, role: st.role }, 'listening');
      this.ctx.emit('listener-open', { name: st.name, port: server.port });
    } catch (err) {
      st.error = errorMessage(err);
      this.ctx.logger.warn({ listener: st.name, host: st.host, port: requested, err: st.error }, 'listener failed to bind');
      this.ctx.emit('listener-failed', { name: st.name, error: st.error });
      this.ctx.emit('error', new EcnError('ECN_SIM', `router ${this.ctx.id}: listener ${st.name} cannot listen on ${st.host}:${requested}: ${st.error}`, {
        hint: 'choose a free port (0 picks one)',
        details: { listener: st.name, port: requested },
      }));
    }
  }

  /** Stops accepting and drops the listener's connections. */
  async close(name: string, drop: (rec: ConnRecord) => void): Promise<void> {
    const st = this.byName.get(name);
    if (!st) return;
    this.byName.delete(name);
    st.closed = true;
    for (const rec of [...st.conns]) drop(rec);
    st.conns.clear();
    if (st.server) await st.server.close();
    this.ctx.emit('listener-closed', { name });
  }

  async closeAll(drop: (rec: ConnRecord) => void): Promise<void> {
    await Promise.all([...this.byName.keys()].map((n) => this.close(n, drop)));
  }

  port(name: string): number | undefined {
    return this.byName.get(name)?.port;
  }

  get(name: string): ListenerState | undefined {
    return this.byName.get(name);
  }

  /** every bound port by listener name (restart re-binds the same ports) */
  ports(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [n, st] of this.byName) if (st.port !== undefined) out.set(n, st.port);
    return out;
  }

  forget(rec: ConnRecord): void {
    if (rec.listener) this.byName.get(rec.listener)?.conns.delete(rec);
  }

  private onSocket(st: ListenerState, socket: SimSocket): void {
    if (st.closed) {
      socket.destroy();
      return;
    }
    socket.on('error', (err: Error) => this.ctx.logger.debug({ listener: st.name, err: err.message }, 'accepted stream error'));
    try {
      const rec = this.accept(socket, st);
      if (rec) st.conns.add(rec);
    } catch (err) {
      this.ctx.logger.error({ listener: st.name, err }, 'cannot accept connection');
      socket.destroy();
    }
  }
}
