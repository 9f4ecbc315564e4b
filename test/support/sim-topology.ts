/**
 * Builders for small simulated networks in tests: interiors with normal / edge / inter-router listeners on free
 * ports, edges whose uplink connector dials an interior's edge listener, all from boot config as a real router
 * starts from its config file.
 */
import type { ConfigEntity } from '../../sim/router/contract.js';
import type { AgentFactory } from '../../sim/router/agent-port.js';
import { SimRouter, type SimRouterOptions } from '../../sim/router/router.js';
import type { SimTransport } from '../../sim/router/transport.js';
import { agentDoubleFactory } from './sim-agent-double.js';
import { waitForEvent } from './deadline.js';

export interface NodeOptions {
  transport?: SimTransport;
  agentFactory?: AgentFactory;
  flavor?: SimRouterOptions['flavor'];
  reconnect?: SimRouterOptions['reconnect'];
  clock?: SimRouterOptions['clock'];
  /** extra boot entities */
  extra?: ConfigEntity[];
  /** interior: inter-router connectors to these ports */
  interRouterTo?: number[];
  /** interior: no normal listener (saves ports in big in-process networks) */
  noAmqpListener?: boolean;
}

export function listener(name: string, role: string, port = '0'): ConfigEntity {
  return { type: 'listener', attributes: { name, host: '127.0.0.1', port, role, saslMechanisms: 'ANONYMOUS' } };
}

export function connector(name: string, role: string, port: number): ConfigEntity {
  return { type: 'connector', attributes: { name, host: '127.0.0.1', port: String(port), role, saslMechanisms: 'ANONYMOUS' } };
}

export async function startInterior(id: string, opts: NodeOptions = {}): Promise<SimRouter> {
  const config: ConfigEntity[] = [
    ...(opts.noAmqpListener ? [] : [listener('amqp', 'normal')]),
    listener('inter-router', 'inter-router'),
    listener('edge', 'edge'),
    ...(opts.interRouterTo ?? []).map((p, i) => connector(`inter-router-${i + 1}`, 'inter-router', p)),
    ...(opts.extra ?? []),
  ];
  const r = new SimRouter({
    id, mode: 'interior', config, agentFactory: opts.agentFactory ?? agentDoubleFactory,
    ...(opts.transport ? { transport: opts.transport } : {}),
    ...(opts.flavor ? { flavor: opts.flavor } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    reconnect: opts.reconnect ?? { initialDelayMs: 50, maxDelayMs: 200 },
  });
  await r.start();
  return r;
}

/** Starts an edge with one uplink per given interior edge port and waits until its active uplink is up. */
export async function startEdge(id: string, uplinkPorts: number[], opts: NodeOptions & { wait?: boolean; amqpListener?: boolean } = {}): Promise<SimRouter> {
  const config: ConfigEntity[] = [
    ...(opts.amqpListener === false ? [] : [listener('amqp', 'normal')]),
    ...uplinkPorts.map((p, i) => connector(i === 0 ? 'uplink' : `uplink-${i + 1}`, 'edge', p)),
    ...(opts.extra ?? []),
  ];
  const r = new SimRouter({
    id, mode: 'edge', config, agentFactory: opts.agentFactory ?? agentDoubleFactory,
    ...(opts.transport ? { transport: opts.transport } : {}),
    ...(opts.flavor ? { flavor: opts.flavor } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    reconnect: opts.reconnect ?? { initialDelayMs: 50, maxDelayMs: 200 },
  });
  const up = opts.wait === false || uplinkPorts.length === 0 ? undefined : waitForEvent(r, 'uplink-up', { timeoutMs: 10000 });
  await r.start();
  await up;
  return r;
}

export const QD = 'org.apache.qpid.dispatch.';

export function query(entityType: string, attributeNames: string[] = []): [Record<string, unknown>, unknown] {
  return [{ operation: 'QUERY', type: 'org.amqp.management', name: 'self', entityType: QD + entityType }, { attributeNames }];
}
