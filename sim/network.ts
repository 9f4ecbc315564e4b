/**
 * A small simulated router network in one process: one interior router and edge routers whose uplinks dial the
 * interior's edge listener, each started from its boot configuration exactly as `ecn sim-router` would start it.
 */
import type { Logger } from '../src/log.js';
import { silentLogger } from '../src/log.js';
import type { Flavor } from '../src/router/protocol.js';
import { SimRouter } from './router/router.js';
import { routerBootConfig } from './boot-config.js';

export interface SimNetworkOptions {
  interiorId?: string;
  edgeIds?: string[];
  flavor?: Flavor;
  host?: string;
  /** port of the interior's normal listener; 0 (default) picks a free one */
  port?: number;
  logger?: Logger;
}

export interface SimNetwork {
  interior: SimRouter;
  edges: SimRouter[];
  /** amqp://host:port of the interior's normal listener */
  url: string;
  stop(): Promise<void>;
}

export async function startSimNetwork(opts: SimNetworkOptions = {}): Promise<SimNetwork> {
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? silentLogger;
  const flavor = opts.flavor ?? 'qdrouterd';
  const interiorId = opts.interiorId ?? 'interior';
  const interior = new SimRouter({
    id: interiorId,
    mode: 'interior',
    flavor,
    host,
    logger: logger.child({ router: interiorId }),
    config: routerBootConfig({ mode: 'interior', host, port: opts.port ?? 0, edgePort: 0, interRouterPort: 0 }),
  });
  await interior.start();
  const edgePort = interior.listenerPort('edge');
  const amqpPort = interior.listenerPort('amqp');
  if (edgePort === undefined || amqpPort === undefined) throw new Error('interior router started without its listeners');
  const edges: SimRouter[] = [];
  try {
    for (const id of opts.edgeIds ?? ['edge-1', 'edge-2']) {
      const edge = new SimRouter({
        id,
        mode: 'edge',
        flavor,
        host,
        logger: logger.child({ router: id }),
        config: routerBootConfig({ mode: 'edge', host, port: 0, connect: [{ host, port: edgePort }] }),
      });
      await edge.start();
      edges.push(edge);
    }
  } catch (err) {
    await Promise.allSettled([...edges.map((e) => e.stop()), interior.stop()]);
    throw err;
  }
  return {
    interior,
    edges,
    url: `amqp://${host.includes(':') ? `[${host}]` : host}:${amqpPort}`,
    async stop() {
      await Promise.allSettled(edges.map((e) => e.stop()));
      await interior.stop();
    },
  };
}
