/**
 * What `ecn plan` and `ecn status` both start from: the manifests' model, a management connection to the control
 * plane's interior, and the plan for the routers as they are (flavor and tcp bridges learnt from the router).
 */
import { ManagementClient } from '../router/index.js';
import { planNetwork } from '../plan/planner.js';
import type { NetworkPlan } from '../plan/types.js';
import type { EcnModel } from '../model/ecn.js';
import { loadForCommand } from './manifests.js';
import type { CommandContext } from './main.js';

export interface PlannedNetwork {
  model: EcnModel;
  client: ManagementClient;
  plan: NetworkPlan;
}

/** Runs `fn` with the planned network and closes the connection afterwards, whatever happens. */
export async function withPlannedNetwork<T>(o: { router: string; manifests: string[] }, ctx: CommandContext, fn: (n: PlannedNetwork) => Promise<T>): Promise<T> {
  const { model } = await loadForCommand(o.manifests, ctx.io.stderr);
  const client = new ManagementClient({ url: o.router, reconnect: false, timeoutMs: 5000, logger: ctx.io.logger });
  try {
    await client.connect();
    const types = await client.getTypes();
    const tcp = Object.keys(types).some((t) => t.endsWith('.tcpListener'));
    const plan = planNetwork(model, { flavorOf: () => client.flavor ?? 'qdrouterd', tcpBridges: () => tcp });
    return await fn({ model, client, plan });
  } finally {
    await client.close();
  }
}
