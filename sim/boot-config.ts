/**
 * The boot configuration of a simulated router, the equivalent of the qdrouterd.conf / skrouterd.json a real router
 * starts from: its listeners, its uplink or inter-router connectors, and the two default address prefixes.
 */
import type { ConfigEntity } from './router/contract.js';

export interface RouterBootOptions {
  mode: 'interior' | 'edge';
  host?: string;
  /** normal (client) listener; 0 picks a free port */
  port: number;
  /** interior only: listener for edge uplinks (undefined: none; 0: a free port) */
  edgePort?: number;
  /** interior only: listener for inter-router links */
  interRouterPort?: number;
  /** edge: uplinks to interior edge listeners; interior: inter-router connectors */
  connect?: Array<{ host: string; port: number }>;
}

export function routerBootConfig(opts: RouterBootOptions): ConfigEntity[] {
  const host = opts.host ?? '127.0.0.1';
  const listener = (name: string, role: string, port: number): ConfigEntity => ({
    type: 'listener',
    attributes: { name, host, port: String(port), role, authenticatePeer: false, saslMechanisms: 'ANONYMOUS' },
  });
  const out: ConfigEntity[] = [listener('amqp', 'normal', opts.port)];
  if (opts.mode === 'interior') {
    if (opts.interRouterPort !== undefined) out.push(listener('inter-router', 'inter-router', opts.interRouterPort));
    if (opts.edgePort !== undefined) out.push(listener('edge', 'edge', opts.edgePort));
  }
  const role = opts.mode === 'edge' ? 'edge' : 'inter-router';
  (opts.connect ?? []).forEach((c, i) => {
    const name = opts.mode === 'edge' ? (i === 0 ? 'uplink' : `uplink-${i + 1}`) : `inter-router-${i + 1}`;
    out.push({ type: 'connector', attributes: { name, host: c.host, port: String(c.port), role, saslMechanisms: 'ANONYMOUS' } });
  });
  out.push({ type: 'router.config.address', attributes: { prefix: 'closest', distribution: 'closest' } });
  out.push({ type: 'router.config.address', attributes: { prefix: 'multicast', distribution: 'multicast' } });
  return out;
}
