/**
 * How a simulated router opens listening ports and dials out. Real TCP by default; an in-process network
 * (in-process-transport.ts) lets thousands of simulated routers share one process without one file descriptor per
 * connection. Everything above this module (rhea connections, TCP bridges) sees plain duplex byte streams.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { coalesceWrites } from '../../src/amqp/coalesce-writes.js';

/** A connected byte stream, as net.Socket: rhea needs on('data'|'end'|'error'), write(), end(), destroy(). */
export type SimSocket = Duplex & {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
};

/** A bound listening port. close() stops accepting; connections already accepted are left to their owner. */
export interface SimServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface SimTransport {
  readonly kind: 'tcp' | 'in-process';
  /** binds host:port (port 0: any free port) and hands every accepted stream to onConnection */
  listen(host: string, port: number, onConnection: (socket: SimSocket) => void): Promise<SimServer>;
  /** starts dialling; the socket emits 'connect' once connected, or 'error' (code ECONNREFUSED, …) */
  connect(host: string, port: number): SimSocket;
}

/** The default transport: the operating system's TCP stack. */
export const tcpTransport: SimTransport = {
  kind: 'tcp',
  listen(host, port, onConnection) {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ allowHalfOpen: false }, (s) => onConnection(coalesceWrites(s)));
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      // a deep accept queue: thousands of simulated routers may dial one listener in the same instant
      server.listen({ host, port, backlog: 4096 }, () => {
        server.off('error', onError);
        // errors after a successful bind (EMFILE on accept, …) must not kill the process
        server.on('error', () => undefined);
        const bound = (server.address() as net.AddressInfo).port;
        resolve({
          port: bound,
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    });
  },
  connect(host, port) {
    return coalesceWrites(net.connect({ host, port }));
  },
};

/**
 * Connection options that make a rhea client dial through a transport (rhea calls `connection_details` on every
 * attempt and uses the socket its `connect` returns). Used by the routers' connectors, the TCP bridge and tests that
 * talk to routers on the in-process transport.
 */
export function rheaConnectOptions(transport: SimTransport, host: string, port: number): {
  host: string;
  port: number;
  connection_details: () => { host: string; port: number; connect: (...args: unknown[]) => SimSocket };
} {
  // methods, not arrow functions in named positions: no per-connection `name` property under tsx (router.ts)
  const dialer = {
    connect(_port: unknown, _host: unknown, _opts: unknown, onConnected: unknown): SimSocket {
      const socket = transport.connect(host, port);
      if (typeof onConnected === 'function') socket.once('connect', onConnected as () => void);
      return socket;
    },
  };
  return { host, port, connection_details() { return { host, port, connect: dialer.connect }; } };
}
