/**
 * Shared fixtures of the sync tests: a small simulated network with the product agent, a management client on the
 * interior, hand-built plans, and a client wrapper that counts QUERYs per router and type.
 */
import { defaultAgentFactory } from '../../sim/router/agent-port.js';
import type { SimRouter } from '../../sim/router/router.js';
import { createManagementClient, type ManagementClient, type ManagementOps, type TargetSpec } from '../../src/router/index.js';
import { shortType } from '../../src/router/protocol.js';
import type { DesiredEntity, ManagedType, NetworkPlan, RouterPlan } from '../../src/plan/types.js';
import type { SyncClient } from '../../src/sync/index.js';
import { startEdge, startInterior } from '../support/sim-topology.js';

export interface TestNet {
  int: SimRouter;
  edges: SimRouter[];
  client: ManagementClient;
  stop(): Promise<void>;
}

export async function startNet(edgeIds: string[], timeoutMs = 1000, flavor: 'qdrouterd' | 'skupper' = 'qdrouterd'): Promise<TestNet> {
  const real = { agentFactory: defaultAgentFactory, flavor };
  const int = await startInterior('INT', real);
  const edges = await Promise.all(edgeIds.map((id) => startEdge(id, [int.listenerPort('edge')!], real)));
  const client = createManagementClient({ url: `amqp://127.0.0.1:${int.listenerPort('amqp')}`, timeoutMs });
  await client.connect();
  return {
    int, edges, client,
    async stop() {
      await client.close();
      await Promise.all(edges.map((e) => e.stop()));
      await int.stop();
    },
  };
}

export const ent = (type: ManagedType, name: string, attributes: Record<string, unknown>): DesiredEntity => ({ type, name, attributes, owner: `test ${name}` });

/** A typical edge plan: an app listener, an address, a connector that never connects (port 1). */
export function edgePlan(id: string, variant = 0): RouterPlan {
  return {
    routerId: id, mode: 'edge', agent: id, reach: { kind: 'edge', id }, conditions: [],
    entities: [
      ent('listener', `ecn.${id}.app`, { host: '127.0.0.1', port: 0, role: 'normal', authenticatePeer: false, saslMechanisms: 'ANONYMOUS' }),
      ent('router.config.address', `ecn.${id}.addr`, { prefix: `app/${id}/${variant}`, distribution: 'balanced' }),
      ent('connector', `ecn.${id}.out`, { host: '127.0.0.1', port: 1, role: 'normal', cost: 1 + variant }),
    ],
  };
}

export function interiorPlan(id: string): RouterPlan {
  return {
    routerId: id, mode: 'interior', reach: { kind: 'local' }, conditions: [],
    entities: [ent('router.config.address', `ecn.${id}.addr`, { prefix: 'svc/', distribution: 'closest' })],
  };
}

export function networkPlan(...plans: RouterPlan[]): NetworkPlan {
  return { routers: new Map(plans.map((p) => [p.routerId, p])) };
}

/** Wraps a client so every target counts its QUERYs by `<target>|<short type>`. */
export function countingClient(client: ManagementClient): SyncClient & { queries: Map<string, number>; reset(): void } {
  const queries = new Map<string, number>();
  return {
    queries,
    reset: () => queries.clear(),
    get flavor() { return client.flavor; },
    target(spec: TargetSpec): ManagementOps {
      const t = client.target(spec);
      const who = typeof spec === 'string' ? spec : Object.values(spec)[0];
      return new Proxy(t, {
        get(obj, prop, recv) {
          if (prop === 'query') {
            return (type: string, ...rest: unknown[]) => {
              const k = `${who}|${shortType(type)}`;
              queries.set(k, (queries.get(k) ?? 0) + 1);
              return (obj.query as (...a: unknown[]) => unknown).call(obj, type, ...rest);
            };
          }
          const v = Reflect.get(obj, prop, recv) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(obj) : v;
        },
      });
    },
  };
}

/** A skupper-router 3.5.1 edge plan: an sslProfile, tcp bridges that use it, a listener. */
export function skupperEdgePlan(id: string, variant = 0): RouterPlan {
  return {
    routerId: id, mode: 'edge', agent: id, reach: { kind: 'edge', id }, conditions: [],
    entities: [
      ent('sslProfile', `ecn.${id}.tls`, { caCertFile: `/etc/ecn/ca-${variant}.pem` }),
      ent('tcpListener', `ecn.${id}.tl`, { host: '', port: 0, address: `svc/${id}` }),
      ent('tcpConnector', `ecn.${id}.tc`, { host: '127.0.0.1', port: 1, address: `svc/${id}/backend` }),
      ent('listener', `ecn.${id}.app`, { host: '127.0.0.1', port: 0, role: 'normal', authenticatePeer: false, saslMechanisms: 'ANONYMOUS' }),
    ],
  };
}
