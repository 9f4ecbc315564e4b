/**
 * An in-process network of named hosts: each host has its own port space (an InProcessTransport), so agents on
 * `fog-1.example.com` and `edge-1.example.com` may both listen on 5672, as on real machines. A router or
 * microservice gets the view of its own host: it listens there (whatever address its listener names, 0.0.0.0
 * included) and dials any host by name; loopback names mean its own host. Nothing touches DNS or the OS.
 */
import { InProcessTransport } from './router/in-process-transport.js';
import type { SimServer, SimSocket, SimTransport } from './router/transport.js';

const LOOPBACK = new Set(['', '0.0.0.0', '::', '127.0.0.1', '::1', 'localhost']);

export class HostNetwork {
  private readonly hosts = new Map<string, InProcessTransport>();

  private host(name: string): InProcessTransport {
    const key = name.toLowerCase();
    let t = this.hosts.get(key);
    if (!t) {
      t = new InProcessTransport({ address: name });
      this.hosts.set(key, t);
    }
    return t;
  }

  /** The transport as seen from `host`: listens on that host, dials hosts by name. */
  viewFrom(host: string): SimTransport {
    const own = (): InProcessTransport => this.host(host);
    const target = (h: string): InProcessTransport => (LOOPBACK.has(h) ? own() : this.host(h));
    return {
      kind: 'in-process',
      listen: (_bind: string, port: number, onConnection: (socket: SimSocket) => void): Promise<SimServer> => own().listen(host, port, onConnection),
      connect: (h: string, port: number): SimSocket => target(h).connect(LOOPBACK.has(h) ? host : h, port),
    };
  }
}
