/**
 * An in-process network: listeners and connections that never touch the operating system, so thousands of simulated
 * routers fit in one process (the descriptor limit is far below what thousands of TCP connection pairs need).
 *
 * Ports still look like ports: a listener binds a number from a virtual range (or the one it asks for), and a dialer
 * names host:port as it would over TCP. The host is not part of the key: the network is one virtual machine.
 * Bytes cross over on a later turn of the event loop (setImmediate), never synchronously, so one rhea connection
 * never re-enters another in the middle of writing a frame.
 */
import { Duplex } from 'node:stream';
import type { SimServer, SimSocket, SimTransport } from './transport.js';

const FIRST_VIRTUAL_PORT = 20000;
const LAST_VIRTUAL_PORT = 65535;

/** One end of an in-memory socket pair. */
export class PipeSocket extends Duplex {
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  private peer: PipeSocket | undefined;
  private outbox: Buffer[] = [];
  private flushing = false;
  private endQueued = false;
  private endSent = false;

  constructor() {
    // like net.Socket from net.connect: when the peer ends, end our side too
    super({ allowHalfOpen: false });
  }

  override _read(): void {
    // data is pushed by the peer
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.outbox.push(chunk);
    this.schedule();
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.endQueued = true;
    this.schedule();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // an abrupt close reaches the peer as end of stream (a TCP peer would see FIN or a reset); unsent data is lost
    this.outbox = [];
    this.endQueued = true;
    this.schedule();
    cb(err);
  }

  /** the other end of the pair, once connected (direct-hop.ts finds the peer router through it) */
  get peerEnd(): PipeSocket | undefined { return this.peer; }

  setNoDelay(): this { return this; }
  setKeepAlive(): this { return this; }
  setTimeout(): this { return this; }
  /** what rhea prints in its logs */
  get_id_string(): string {
    return `${this.localAddress}:${this.localPort} -> ${this.remoteAddress}:${this.remotePort} (in-process)`;
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => this.flush());
  }

  /** connects this end to its peer and sends what was written before the connection was made */
  attach(peer: PipeSocket): void {
    this.peer = peer;
    if (this.outbox.length > 0 || this.endQueued) this.schedule();
  }

  private flush(): void {
    this.flushing = false;
    const peer = this.peer;
    if (!peer) return; // not connected yet: attach() flushes (a refused connect destroys us instead)
    const chunks = this.outbox;
    this.outbox = [];
    if (peer.destroyed) return;
    for (const c of chunks) peer.push(c);
    if (this.endQueued && !this.endSent) {
      this.endSent = true;
      peer.push(null);
    }
  }
}

interface VirtualListener {
  port: number;
  onConnection: (socket: SimSocket) => void;
}

export interface InProcessTransportOptions {
  /** the address reported as the remote address of accepted streams (default 127.0.0.1) */
  address?: string;
}

export class InProcessTransport implements SimTransport {
  readonly kind = 'in-process' as const;
  private readonly listeners = new Map<number, VirtualListener>();
  private readonly address: string;
  private nextListenPort = FIRST_VIRTUAL_PORT;
  private nextEphemeralPort = LAST_VIRTUAL_PORT;

  constructor(opts: InProcessTransportOptions = {}) {
    this.address = opts.address ?? '127.0.0.1';
  }

  /** number of bound virtual ports (for tests and diagnostics) */
  get listenerCount(): number { return this.listeners.size; }

  listen(_host: string, port: number, onConnection: (socket: SimSocket) => void): Promise<SimServer> {
    let bound = port;
    if (bound === 0) {
      bound = this.allocatePort();
    } else if (this.listeners.has(bound)) {
      const err = Object.assign(new Error(`listen EADDRINUSE: address already in use (in-process) :${bound}`), { code: 'EADDRINUSE' });
      return Promise.reject(err);
    }
    const l: VirtualListener = { port: bound, onConnection };
    const listeners = this.listeners;
    listeners.set(bound, l);
    return Promise.resolve({
      port: bound,
      // a method, not an arrow property: thousands of routers each hold their listeners' (router.ts, constructor)
      close() {
        if (listeners.get(bound) === l) listeners.delete(bound);
        return Promise.resolve();
      },
    });
  }

  connect(host: string, port: number): SimSocket {
    const client = new PipeSocket();
    client.remoteAddress = host;
    client.remotePort = port;
    client.localAddress = this.address;
    client.localPort = this.ephemeralPort();
    setImmediate(() => {
      if (client.destroyed) return;
      const l = this.listeners.get(port);
      if (!l) {
        const err = Object.assign(new Error(`connect ECONNREFUSED ${host}:${port}`), { code: 'ECONNREFUSED' });
        client.destroy(err);
        return;
      }
      const server = new PipeSocket();
      server.localAddress = host;
      server.localPort = port;
      server.remoteAddress = client.localAddress;
      server.remotePort = client.localPort;
      server.attach(client);
      client.attach(server);
      l.onConnection(server);
      client.emit('connect');
    });
    return client;
  }

  private allocatePort(): number {
    const span = LAST_VIRTUAL_PORT - FIRST_VIRTUAL_PORT + 1;
    for (let i = 0; i < span; i++) {
      const p = this.nextListenPort;
      this.nextListenPort = p >= LAST_VIRTUAL_PORT ? FIRST_VIRTUAL_PORT : p + 1;
      if (!this.listeners.has(p)) return p;
    }
    throw Object.assign(new Error('no free in-process port'), { code: 'EADDRINUSE' });
  }

  /** client-side port numbers, only for connection rows (`host` = 127.0.0.1:<port>) */
  private ephemeralPort(): number {
    const p = this.nextEphemeralPort;
    this.nextEphemeralPort = p <= FIRST_VIRTUAL_PORT ? LAST_VIRTUAL_PORT : p - 1;
    return p;
  }
}
