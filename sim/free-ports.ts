/**
 * Free TCP ports on this machine, for whoever must name a port before the server that binds it exists (a router
 * config names its peers' ports; a recorded request carries its port). All are held open together so that they are
 * distinct, then released.
 */
import { createServer, type Server } from 'node:net';

export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, host, () => resolve());
      });
      servers.push(s);
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
