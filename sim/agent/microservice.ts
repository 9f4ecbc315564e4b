/**
 * A simulated microservice: what a real one does to the router network, nothing more. It connects to its agent's
 * router (the normal listener on the agent's messaging port), attaches a receiver to every route address it is the
 * destination of and a sender to every route address it is the source of, and serves its ports over TCP (a greeting,
 * then an echo), so a client on a public port reaches it through the routers' tcp bridges.
 */
import rhea, { type Connection, type EventContext, type Sender } from 'rhea';
import type { Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import type { Microservice } from '../../src/model/ecn.js';
import { rheaConnectOptions, tcpTransport, type SimServer, type SimSocket, type SimTransport } from '../router/transport.js';

export interface SimMicroserviceOptions {
  microservice: Microservice;
  /** route addresses this microservice receives from */
  inbound: string[];
  /** route addresses this microservice sends to, by route name */
  outbound: Map<string, string>;
  /** the agent router's host and messaging port */
  router: { host: string; port: number };
  /** where its ports listen (the agent's host) */
  host: string;
  transport?: SimTransport;
  logger?: Logger;
}

export class SimMicroservice {
  readonly key: string;
  /** messages received, by route address */
  readonly received = new Map<string, number>();
  private conn: Connection | undefined;
  private readonly senders = new Map<string, Sender>();
  private readonly servers: SimServer[] = [];
  private readonly sockets = new Set<SimSocket>();
  private readonly transport: SimTransport;
  private readonly log: Logger;

  constructor(private readonly opts: SimMicroserviceOptions) {
    this.key = `${opts.microservice.application}/${opts.microservice.name}`;
    this.transport = opts.transport ?? tcpTransport;
    this.log = (opts.logger ?? silentLogger).child({ microservice: this.key });
  }

  async start(): Promise<void> {
    for (const p of this.opts.microservice.ports) {
      if (p.protocol !== 'tcp') continue;
      const server = await this.transport.listen(this.opts.host, p.external, (socket) => this.serve(socket, p.external));
      this.servers.push(server);
    }
    this.connect();
  }

  /** Sends one message on a route this microservice is the source of; false when the route has no credit yet. */
  send(route: string, body: unknown): boolean {
    const address = this.opts.outbound.get(route);
    const sender = address ? this.senders.get(address) : undefined;
    if (!sender || !sender.sendable()) return false;
    sender.send({ to: address, body: body as rhea.Message['body'] });
    return true;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => s.close()));
    const conn = this.conn;
    this.conn = undefined;
    if (conn) {
      await new Promise<void>((resolve) => {
        if (!conn.is_open()) { resolve(); return; }
        const t = setTimeout(resolve, 1000);
        conn.once('connection_close', () => { clearTimeout(t); resolve(); });
        conn.close();
      });
    }
  }

  private connect(): void {
    const container = rhea.create_container({ id: `ms:${this.key}` });
    for (const e of ['error', 'connection_error', 'protocol_error', 'sender_error', 'receiver_error']) {
      container.on(e, (ctx: EventContext) => this.log.debug({ event: e, err: ctx?.connection?.error }, 'microservice connection event'));
    }
    // reconnect forever with a small backoff: the agent's router may start after us or restart
    const conn = container.connect({
      ...rheaConnectOptions(this.transport, this.opts.router.host, this.opts.router.port),
      reconnect: true,
      initial_reconnect_delay: 100,
      max_reconnect_delay: 2000,
    } as never);
    conn.on('disconnected', () => undefined);
    this.conn = conn;
    for (const address of this.opts.inbound) {
      const r = conn.open_receiver({ source: { address } });
      r.on('message', (ctx: EventContext) => {
        this.received.set(address, (this.received.get(address) ?? 0) + 1);
        ctx.delivery?.accept();
      });
    }
    for (const address of this.opts.outbound.values()) {
      this.senders.set(address, conn.open_sender({ target: { address } }));
    }
  }

  private serve(socket: SimSocket, port: number): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.write(`hello from ${this.key} on port ${port}\n`);
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
  }
}
