/**
 * Re-planning after a model change: only the routers the change concerns (model-delta.ts) are planned again; every
 * other router keeps its plan object. The result equals planNetwork on the new model (a test checks it on many edits),
 * at the cost of the change rather than of the network.
 */
import type { EcnModel } from '../model/ecn.js';
import { affectedRouters } from './model-delta.js';
import { planNetwork, touchedRouters, type PlanOptions } from './planner.js';
import type { NetworkPlan, RouterPlan } from './types.js';

export interface Replanned {
  plan: NetworkPlan;
  /** routers whose desired entities changed (added and removed routers included) */
  touched: Set<string>;
}

/** `previous`: the model and the plan made from it with the same options; undefined plans everything. */
export function replanNetwork(previous: { model: EcnModel; plan: NetworkPlan } | undefined, model: EcnModel, opts: PlanOptions): Replanned {
  const affected = previous ? affectedRouters(previous.model, model) : 'all';
  if (affected === 'all') {
    const plan = planNetwork(model, opts);
    return { plan, touched: touchedRouters(previous?.plan ?? { routers: new Map() }, plan) };
  }
  const partial = planNetwork(model, opts, affected);
  const routers = new Map(previous!.plan.routers);
  const was = new Map<string, RouterPlan>();
  for (const id of affected) {
    const old = routers.get(id);
    if (old) was.set(id, old);
    const now = partial.routers.get(id);
    if (now) routers.set(id, now);
    else routers.delete(id);
  }
  return { plan: { routers }, touched: touchedRouters({ routers: was }, partial) };
}
