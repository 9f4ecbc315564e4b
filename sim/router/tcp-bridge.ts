/**
 * TCP bridges (tcpListener / tcpConnector, in the versions that have them: not qdrouterd 1.19). A tcpListener
 * really listens; each accepted stream becomes a flow carried over the router network as AMQP messages to a
 * tcpConnector with the same `address` on any router, which dials its host:port and pipes bytes both ways.
 *
 * The flow protocol is ours (the real adaptors stream one message per direction): every message carries the
 * application property `x-ecn-tcp`:
 *   open    listener side → the address (anycast, routed like any mobile address); reply_to = the listener flow's
 *           own address. RELEASED means no connector anywhere: the client stream is closed.
 *   opened  connector side → the listener flow, once its dial succeeded; reply_to = the connector flow's address
 *   data    either way, body = the bytes (AMQP binary)
 *   close   either way: the sender's stream ended; the receiver ends its stream
 * Both flow addresses are local names of their routers (`_topo/0/R/temp.…` or `_edge/E/temp.…`), so every data
 * message of a direction takes the same path and arrives in order. There is no flow control beyond the links'
 * credit: a fast sender towards a slow reader buffers in memory.
 */
import type rhea from 'rhea';
import type { Attributes } from './contract.js';
import { tempSuffix } from './addressing.js';
import type { LocalConsumer, RoutedMessage } from './forwarding.js';
import { parsePort } from './listeners.js';
import { ACCEPTED, type OutcomeCallback, type Outcome } from './outcome.js';
import type { RouterContext } from './state.js';
import type { SimServer, SimSocket } from './transport.js';

export const TCP_OP = 'x-ecn-tcp';

export interface BridgeHost {
  ctx: RouterContext;
  /** the routable address of a local name of this router */
  addressOf(localName: string): string;
  addLocal(name: string, consumer: LocalConsumer): () => void;
  addMobile(address: string, consumer: LocalConsumer): () => void;
  originate(message: rhea.Message, done: OutcomeCallback): void;
}

interface EndpointCounters {
  bytesIn: number;
  bytesOut: number;
  connectionsOpened: number;
  connectionsClosed: number;
}

interface TcpListenerState extends EndpointCounters {
  name: string;
  address: string;
  host: string;
  port: number | undefined;
  server: SimServer | undefined;
  error: string | undefined;
  closed: boolean;
}

interface TcpConnectorState extends EndpointCounters {
  name: string;
  address: string;
  host: string;
  port: number | undefined;
  unsubscribe: () => void;
}

interface Flow {
  identity: string;
  side: 'listener' | 'connector';
  owner: EndpointCounters;
  address: string;
  socket: SimSocket;
  /** `host:port` of the stream's far end */
  host: string;
  myAddress: string;
  peer: string | undefined;
  /** bytes read before the other side's address is known */
  pending: Buffer[];
  createdAt: number;
  lastIn: number | undefined;
  lastOut: number | undefined;
  bytesIn: number;
  bytesOut: number;
  closeSent: boolean;
  finished: boolean;
  unregister: () => void;
}

export class TcpBridges {
  private readonly listeners = new Map<string, TcpListenerState>();
  private readonly connectors = new Map<string, TcpConnectorState>();
  private readonly flows = new Set<Flow>();

  constructor(private readonly host: BridgeHost) {}

  async addListener(attrs: Attributes): Promise<void> {
    const name = String(attrs.name ?? '');
    if (!name || this.listeners.has(name)) return;
    const st: TcpListenerState = {
      name, address: String(attrs.address ?? ''), host: typeof attrs.host === 'string' && attrs.host ? attrs.host : this.host.ctx.host,
      port: undefined, server: undefined, error: undefined, closed: false, ...zero(),
    };
    this.listeners.set(name, st);
    const port = parsePort(attrs.port);
    if (port === undefined) {
      st.error = `invalid port ${JSON.stringify(attrs.port)}`;
      return;
    }
    try {
      const server = await this.host.ctx.transport.listen(st.host, port, (s) => this.accept(st, s));
      if (st.closed) { await server.close(); return; }
      st.server = server;
      st.port = server.port;
      this.host.ctx.emit('tcp-listener-open', { name, port: server.port });
    } catch (err) {
      st.error = String(err);
      this.host.ctx.logger.warn({ tcpListener: name, err: st.error }, 'tcpListener failed to bind');
      this.host.ctx.emit('listener-failed', { name, error: st.error });
    }
  }

  async removeListener(name: string): Promise<void> {
    const st = this.listeners.get(name);
    if (!st) return;
    this.listeners.delete(name);
    st.closed = true;
    // dropTcpConnections (default true): deleting the listener ends its flows
    for (const f of [...this.flows]) if (f.owner === st) f.socket.destroy();
    if (st.server) await st.server.close();
  }

  addConnector(attrs: Attributes): void {
    const name = String(attrs.name ?? '');
    if (!name || this.connectors.has(name)) return;
    const st: TcpConnectorState = {
      name, address: String(attrs.address ?? ''), host: typeof attrs.host === 'string' && attrs.host ? attrs.host : '127.0.0.1',
      port: parsePort(attrs.port), unsubscribe: () => undefined, ...zero(),
    };
    this.connectors.set(name, st);
    if (!st.address) return;
    st.unsubscribe = this.host.addMobile(st.address, {
      label: `tcpConnector/${name}`,
      deliver: (msg, done) => this.onOpen(st, msg, done),
    });
  }

  removeConnector(name: string): void {
    const st = this.connectors.get(name);
    if (!st) return;
    this.connectors.delete(name);
    st.unsubscribe();
    for (const f of [...this.flows]) if (f.owner === st) f.socket.destroy();
  }

  async stopAll(): Promise<void> {
    for (const name of [...this.connectors.keys()]) this.removeConnector(name);
    await Promise.all([...this.listeners.keys()].map((n) => this.removeListener(n)));
  }

  listenerPort(name: string): number | undefined {
    return this.listeners.get(name)?.port;
  }

  liveAttributes(type: string, name: string): Attributes | undefined {
    const st = type === 'tcpListener' ? this.listeners.get(name) : type === 'tcpConnector' ? this.connectors.get(name) : undefined;
    if (!st) return undefined;
    const out: Attributes = {
      bytesIn: st.bytesIn, bytesOut: st.bytesOut, connectionsOpened: st.connectionsOpened, connectionsClosed: st.connectionsClosed,
    };
    if (this.host.ctx.flavor === 'skupper' && type === 'tcpListener') {
      out.operStatus = (st as TcpListenerState).server ? 'up' : 'down';
    }
    return out;
  }

  rows(type: string): Attributes[] {
    const now = this.host.ctx.clock.now();
    const secs = (t: number | undefined): number | null => (t === undefined ? null : Math.max(0, Math.floor((now - t) / 1000)));
    return [...this.flows].map((f) => ({
      name: `tcpConnection/${f.identity}`,
      identity: f.identity,
      type,
      address: f.address,
      host: f.host,
      direction: f.side === 'listener' ? 'in' : 'out',
      bytesIn: f.bytesIn,
      bytesOut: f.bytesOut,
      uptimeSeconds: secs(f.createdAt),
      lastInSeconds: secs(f.lastIn),
      lastOutSeconds: secs(f.lastOut),
    }));
  }

  /** a client stream arrived at a tcpListener */
  private accept(st: TcpListenerState, socket: SimSocket): void {
    if (st.closed) { socket.destroy(); return; }
    st.connectionsOpened++;
    const flow = this.newFlow('listener', st, st.address, socket, `${socket.remoteAddress ?? '127.0.0.1'}:${socket.remotePort ?? 0}`, undefined);
    this.host.originate(
      { to: st.address, reply_to: flow.myAddress, application_properties: { [TCP_OP]: 'open' }, body: null },
      (outcome: Outcome) => {
        if (outcome.kind !== 'accepted') {
          this.host.ctx.logger.debug({ address: st.address, outcome: outcome.kind }, 'no tcpConnector for the address; stream closed');
          flow.socket.destroy();
        }
      },
    );
  }

  /** an `open` reached a tcpConnector of this router */
  private onOpen(st: TcpConnectorState, msg: RoutedMessage, done: OutcomeCallback): void {
    const m = msg.message;
    if (m.application_properties?.[TCP_OP] !== 'open' || typeof m.reply_to !== 'string' || st.port === undefined) {
      done({ kind: 'rejected', condition: 'amqp:invalid-field', description: 'not a TCP flow open' });
      return;
    }
    done(ACCEPTED);
    const socket = this.host.ctx.transport.connect(st.host, st.port);
    st.connectionsOpened++;
    const flow = this.newFlow('connector', st, st.address, socket, `${st.host}:${st.port}`, m.reply_to);
    socket.once('connect', () => {
      this.send(flow, 'opened', undefined, flow.myAddress);
    });
  }

  private newFlow(side: Flow['side'], owner: EndpointCounters, address: string, socket: SimSocket, host: string, peer: string | undefined): Flow {
    const name = `temp.${tempSuffix()}`;
    const flow: Flow = {
      identity: this.host.ctx.registry.nextId(), side, owner, address, socket, host,
      myAddress: this.host.addressOf(name), peer, pending: [],
      createdAt: this.host.ctx.clock.now(), lastIn: undefined, lastOut: undefined, bytesIn: 0, bytesOut: 0,
      closeSent: false, finished: false, unregister: () => undefined,
    };
    this.flows.add(flow);
    flow.unregister = this.host.addLocal(name, { label: `tcp-flow/${flow.identity}`, deliver: (msg, done) => this.onFlowMessage(flow, msg, done) });
    socket.on('data', (chunk: Buffer) => {
      flow.bytesIn += chunk.length;
      owner.bytesIn += chunk.length;
      flow.lastIn = this.host.ctx.clock.now();
      if (flow.peer && flow.pending.length === 0) this.send(flow, 'data', chunk);
      else flow.pending.push(chunk);
    });
    socket.on('end', () => this.sendClose(flow));
    socket.on('error', (err: Error) => {
      this.host.ctx.logger.debug({ flow: flow.identity, err: err.message }, 'tcp stream error');
      this.sendClose(flow);
    });
    socket.on('close', () => this.finish(flow));
    return flow;
  }

  private onFlowMessage(flow: Flow, msg: RoutedMessage, done: OutcomeCallback): void {
    done(ACCEPTED);
    const m = msg.message;
    switch (m.application_properties?.[TCP_OP]) {
      case 'opened':
        if (typeof m.reply_to === 'string') {
          flow.peer = m.reply_to;
          const queued = flow.pending;
          flow.pending = [];
          for (const chunk of queued) this.send(flow, 'data', chunk);
          if (flow.closeSent) this.send(flow, 'close');
        }
        return;
      case 'data': {
        const body = m.body;
        const chunk = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : undefined;
        if (!chunk || flow.socket.destroyed) return;
        flow.bytesOut += chunk.length;
        flow.owner.bytesOut += chunk.length;
        flow.lastOut = this.host.ctx.clock.now();
        flow.socket.write(chunk);
        return;
      }
      case 'close':
        if (!flow.socket.destroyed) flow.socket.end();
        return;
      default:
        return;
    }
  }

  private send(flow: Flow, op: 'opened' | 'data' | 'close', body?: Buffer, replyTo?: string): void {
    if (!flow.peer) return;
    const message: rhea.Message = { to: flow.peer, application_properties: { [TCP_OP]: op }, body: null };
    if (replyTo) message.reply_to = replyTo;
    if (body) message.body = body;
    this.host.originate(message, (outcome) => {
      if (outcome.kind !== 'accepted' && !flow.finished) {
        // the other side is unreachable now: give up the stream
        this.host.ctx.logger.debug({ flow: flow.identity, op, outcome: outcome.kind }, 'tcp flow lost its peer');
        flow.socket.destroy();
      }
    });
  }

  private sendClose(flow: Flow): void {
    if (flow.closeSent) return;
    flow.closeSent = true;
    // a listener flow whose peer is not known yet sends its close after the pending data, when `opened` arrives
    if (flow.peer && flow.pending.length === 0) this.send(flow, 'close');
  }

  private finish(flow: Flow): void {
    if (flow.finished) return;
    this.sendClose(flow);
    flow.finished = true;
    this.flows.delete(flow);
    flow.unregister();
    flow.owner.connectionsClosed++;
  }
}

function zero(): EndpointCounters {
  return { bytesIn: 0, bytesOut: 0, connectionsOpened: 0, connectionsClosed: 0 };
}
