/**
 * The planner: EcnModel → the entities every router should have. Pure and deterministic; linear in the size of the
 * model (every lookup is a Map get; only each router's own entity list is sorted), because it runs for 10,000 agents.
 *
 * Per router (see links.ts for listeners/connectors/sslProfile):
 * - routes: a `router.config.address` prefix entry for each route address (below);
 * - public ports: a tcpListener on the control plane's interior (port = publicPort) and a tcpConnector on the
 *   microservice's agent router (host = agent host, port = external), joined by publicPortAddress (iofog.md §4.3:
 *   Datasance's tcpListener/tcpConnector bridges replace the old proxy microservices). Routers without tcp bridges
 *   (qdrouterd 1.19) get one ECN_PLAN_NO_TCP_BRIDGE condition per port instead.
 *
 * Route addresses — the decision: `{prefix: routeAddress(app, route), distribution: 'balanced'}` on the routers of the
 * route's two endpoints (one entry when both run on the same agent), where its sender and receiver attach; not on the
 * control plane's interior, which carries every route and would otherwise be touched by every route change (a change
 * at 10,000 agents must cost a few writes on the routers it concerns, not a resync of a hub holding every route).
 * Why:
 * - a route is a one-way channel to one microservice (ioFog delivers each message once to its receiver), i.e. anycast,
 *   not multicast; balanced spreads load if the receiver ever has replicas and keeps delivery once-only;
 * - qdrouterd/skupper compute an address's treatment on every router that carries it, so it should be the same
 *   everywhere. Transit interiors we do not configure (interior-mode agents between the endpoints, and any router not
 *   on a path) fall back to `router.defaultDistribution`, whose default IS balanced: choosing balanced keeps the whole
 *   path consistent without planning every interior for every route (which would be routes × interiors, i.e. quadratic);
 * - configuring it explicitly where senders and receivers attach makes the intent observable
 *   (router.config.address rows) and independent of a non-default defaultDistribution on those routers;
 * - a prefix (not a pattern) matches on token boundaries (`ecn/route/a/r1` does not match `ecn/route/a/r10`), and
 *   route addresses are unique per (application, route), so two entries never claim the same prefix (the C agent
 *   rejects a duplicate prefix with "Already exists").
 * Public-port addresses get no config: the tcp adaptor uses its own (balanced) treatment.
 */
import type { Flavor } from '../router/protocol.js';
import { microserviceKey, type EcnModel, type Microservice } from '../model/ecn.js';
import { publicPortAddress, routeAddress } from './addresses.js';
import { agentLinks, controlPlaneLinks, LISTEN_ALL } from './links.js';
import { ownerOf, publicPortConnectorName, publicPortListenerName, routeConfigName } from './naming.js';
import { TYPE_ORDER, type DesiredEntity, type ManagedType, type NetworkPlan, type RouterPlan, type RouterReach } from './types.js';

export interface PlanOptions {
  /**
   * The flavor of each router. The attribute sets planned today are accepted by both flavors (qdrouterd 1.18/1.19,
   * skupper-router 3.5.1 schemas), so it does not change the plan yet; it is the seam for flavor-specific attributes.
   */
  flavorOf: (routerId: string) => Flavor;
  /** whether the router has tcpListener/tcpConnector (not in qdrouterd 1.19) */
  tcpBridges: (routerId: string) => boolean;
  /** the router the manager is connected to; defaults to the control plane's interior */
  managerRouter?: string;
}

/** The distribution the planner configures for route addresses (see the file comment for why). */
export const ROUTE_DISTRIBUTION = 'balanced';

const TYPE_RANK: ReadonlyMap<ManagedType, number> = new Map(TYPE_ORDER.map((t, i) => [t, i]));

/** Creation order of the syncer (TYPE_ORDER), then name: the same model always gives the same list. */
function compareEntities(a: DesiredEntity, b: DesiredEntity): number {
  const r = (TYPE_RANK.get(a.type) ?? 0) - (TYPE_RANK.get(b.type) ?? 0);
  if (r !== 0) return r;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function reachOf(id: string, mode: 'interior' | 'edge', manager: string | undefined): RouterReach {
  if (id === manager) return { kind: 'local' };
  return mode === 'interior' ? { kind: 'interior', id } : { kind: 'edge', id };
}

/**
 * The plan of every router, or — with `only` — of just those routers (the rest of the model is still read for the
 * routes and ports that land on them): how a model change is re-planned without paying for the whole network.
 */
/**
 * Microservices by application, then name: those on the given routers only, when re-planning a few. Re-planning
 * still walks every route; a lookup here uses the route's own strings (their hashes cached), where the `app/name` keys
 * would be built and hashed anew for every route, most of a re-plan's time at 10,000 agents. Built per call: a
 * model's maps may be edited in place between plans, so an index kept across calls could be stale.
 */
function servicesByApplication(services: ReadonlyMap<string, Microservice>, only: ReadonlySet<string> | undefined): Map<string, Map<string, Microservice>> {
  const index = new Map<string, Map<string, Microservice>>();
  for (const ms of services.values()) {
    if (only !== undefined && !only.has(ms.agent)) continue;
    let app = index.get(ms.application);
    if (!app) index.set(ms.application, (app = new Map()));
    app.set(ms.name, ms);
  }
  return index;
}

export function planNetwork(model: EcnModel, opts: PlanOptions, only?: ReadonlySet<string>): NetworkPlan {
  const cp = model.controlPlane;
  const manager = opts.managerRouter ?? cp?.routerId;
  const routers = new Map<string, RouterPlan>();

  if (cp !== undefined && (only === undefined || only.has(cp.routerId))) {
    const links = controlPlaneLinks(cp);
    routers.set(cp.routerId, {
      routerId: cp.routerId,
      mode: 'interior',
      reach: reachOf(cp.routerId, 'interior', manager),
      entities: links.entities,
      conditions: links.conditions,
    });
  }
  // Agents in name order so the plan's router order does not depend on how the model was loaded.
  const agentNames = (only === undefined ? [...model.agents.keys()] : [...only].filter((id) => model.agents.has(id))).sort();
  for (const name of agentNames) {
    const agent = model.agents.get(name)!;
    if (name === cp?.routerId) {
      // an agent named like the interior's router id is never planned; the condition goes on the interior's plan
      if (!routers.has(name)) continue;
      routers.get(name)!.conditions.push({
        code: 'ECN_PLAN_DUPLICATE_ROUTER_ID',
        object: ownerOf.agent(name),
        message: `agent ${name} has the control plane's router id; router ids must be unique, the agent is not planned`,
      });
      continue;
    }
    const links = agentLinks(model, agent);
    routers.set(name, {
      routerId: name,
      mode: links.mode,
      agent: name,
      reach: reachOf(name, links.mode, manager),
      entities: links.entities,
      conditions: links.conditions,
    });
  }

  // Routes: both endpoint routers (see the file comment).
  const planned = servicesByApplication(model.microservices, only);
  for (const route of model.routes.values()) {
    // re-planning a few routers: a route with neither endpoint on them costs two lookups in a small index
    const app = planned.get(route.application);
    if (app === undefined || (!app.has(route.from) && !app.has(route.to))) continue;
    const from = app.get(route.from) ?? model.microservices.get(microserviceKey(route.application, route.from));
    const to = app.get(route.to) ?? model.microservices.get(microserviceKey(route.application, route.to));
    if (from === undefined || to === undefined) continue; // the model loader reports dangling routes
    // re-planning a few routers: a route of neither of them costs a lookup, not its names
    if (!routers.has(from.agent) && !routers.has(to.agent)) continue;
    const entity: DesiredEntity = {
      type: 'router.config.address',
      name: routeConfigName(route.application, route.name),
      attributes: { prefix: routeAddress(route.application, route.name), distribution: ROUTE_DISTRIBUTION },
      owner: ownerOf.route(route.application, route.name),
    };
    const targets = new Set<string>();
    targets.add(from.agent);
    targets.add(to.agent);
    // each router gets its own copy so a consumer mutating one plan cannot change another router's
    for (const id of targets) routers.get(id)?.entities.push({ ...entity, attributes: { ...entity.attributes } });
  }

  // Public ports: tcpListener on the interior, tcpConnector on the microservice's agent router.
  const interiorPlanned = cp !== undefined && routers.has(cp.routerId);
  for (const pp of model.publicPorts) {
    if (!interiorPlanned && !routers.has(pp.agent)) continue; // (as above)
    const address = publicPortAddress(pp.application, pp.microservice, pp.external);
    const owner = ownerOf.publicPort(pp.application, pp.microservice, pp.external);
    const noBridge = (plan: RouterPlan, what: string): void => {
      plan.conditions.push({
        code: 'ECN_PLAN_NO_TCP_BRIDGE',
        object: owner,
        message: `router ${plan.routerId} has no tcp bridges (${opts.flavorOf(plan.routerId)}); the ${what} of public port ${pp.publicPort} (${pp.application}/${pp.microservice}:${pp.external}) is not planned`,
      });
    };
    const interior = cp === undefined ? undefined : routers.get(cp.routerId);
    if (interior !== undefined) {
      if (opts.tcpBridges(interior.routerId)) {
        interior.entities.push({
          type: 'tcpListener',
          name: publicPortListenerName(pp.application, pp.microservice, pp.external),
          attributes: { host: LISTEN_ALL, port: String(pp.publicPort), address },
          owner,
        });
      } else noBridge(interior, 'tcpListener');
    }
    const agentPlan = routers.get(pp.agent);
    const agent = model.agents.get(pp.agent);
    if (agentPlan !== undefined && agent !== undefined && agentPlan.agent !== undefined) {
      if (opts.tcpBridges(agentPlan.routerId)) {
        agentPlan.entities.push({
          type: 'tcpConnector',
          name: publicPortConnectorName(pp.application, pp.microservice, pp.external),
          attributes: { host: agent.host, port: String(pp.external), address },
          owner,
        });
      } else noBridge(agentPlan, 'tcpConnector');
    }
  }

  for (const plan of routers.values()) plan.entities.sort(compareEntities);
  return { routers };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b); // attribute values are primitives today; this covers lists/maps
}

function sameEntity(a: DesiredEntity, b: DesiredEntity): boolean {
  if (a.type !== b.type || a.name !== b.name) return false;
  const ka = Object.keys(a.attributes);
  if (ka.length !== Object.keys(b.attributes).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b.attributes, k) || !sameValue(a.attributes[k], b.attributes[k])) return false;
  }
  return true;
}

/**
 * Routers whose desired entities differ between two plans (added or removed routers included). Only what is sent to
 * the router counts (type, name, attributes): `owner` and conditions do not change a router. Entity lists are sorted
 * by planNetwork, so a positional comparison is exact.
 */
export function touchedRouters(before: NetworkPlan, after: NetworkPlan): Set<string> {
  const out = new Set<string>();
  for (const [id, a] of before.routers) {
    const b = after.routers.get(id);
    if (b === undefined) {
      out.add(id);
      continue;
    }
    if (a === b) continue;
    if (a.mode !== b.mode || a.entities.length !== b.entities.length) {
      out.add(id);
      continue;
    }
    for (let i = 0; i < a.entities.length; i++) {
      if (!sameEntity(a.entities[i], b.entities[i])) {
        out.add(id);
        break;
      }
    }
  }
  for (const id of after.routers.keys()) if (!before.routers.has(id)) out.add(id);
  return out;
}
