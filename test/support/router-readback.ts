/**
 * What a router holds, read back over a management connection of its own: its id, the manager's listeners and
 * tcpListeners, and the edges attached to it (the replica tests compare these across interior replicas).
 */
import { ManagementClient } from '../../src/router/index.js';

export async function readBackRouter(url: string): Promise<{ id: string; names: string[]; edges: string[] }> {
  const c = new ManagementClient({ url, timeoutMs: 3000, reconnect: false });
  try {
    await c.connect();
    const id = String((await c.query('router', ['id']))[0]?.id);
    const names: string[] = [];
    for (const type of ['listener', 'tcpListener']) {
      for (const row of await c.query(type, ['name'])) if (String(row.name).startsWith('ecn.')) names.push(`${type}/${String(row.name)}`);
    }
    const edges = (await c.query('connection', ['container', 'role', 'dir'])).filter((r) => r.role === 'edge' && r.dir === 'in').map((r) => String(r.container));
    return { id, names: names.sort(), edges: edges.sort() };
  } finally {
    await c.close();
  }
}
