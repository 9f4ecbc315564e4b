/**
 * `ecn plan`: what the syncers would do, without doing it. For every planned router: learn what it can do, read the
 * entities the manager owns there, and diff them against the plan. Nothing is written.
 */
import { errorMessage } from '../errors.js';
import type { ManagementClient } from '../router/index.js';
import { diffRouter, routerHasType } from '../plan/diff.js';
import { TYPE_ORDER, type NetworkPlan, type PlanOp, type RouterPlan } from '../plan/types.js';
import { learnCapabilities, readOwnedEntities, targetSpecOf } from '../sync/index.js';
import { mapLimit } from '../observe/index.js';

export interface RouterPreview {
  router: string;
  ops: PlanOp[];
  /** the router could not be read (unreachable, refused…): its ops are unknown */
  error?: string;
  conditions: RouterPlan['conditions'];
}

export async function previewNetwork(client: ManagementClient, plan: NetworkPlan, concurrency = 16): Promise<RouterPreview[]> {
  const routers = [...plan.routers.values()];
  return mapLimit(routers, concurrency, async (rp): Promise<RouterPreview> => {
    try {
      const target = client.target(targetSpecOf(rp.reach));
      const caps = await learnCapabilities(target, client.flavor);
      const observed = await readOwnedEntities(target, TYPE_ORDER.filter((t) => routerHasType(t, caps)));
      return { router: rp.routerId, ops: diffRouter(rp.entities, observed, caps), conditions: rp.conditions };
    } catch (err) {
      return { router: rp.routerId, ops: [], error: errorMessage(err), conditions: rp.conditions };
    }
  });
}
