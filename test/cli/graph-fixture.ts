/** The planner's example ECN as a live LinkGraph with an observation that can be edited (for `ecn graph` tests). */
import { LinkGraph } from '../../src/graph/index.js';
import type { ObservedAddress, ObservedNetwork } from '../../src/observe/types.js';
import { publicPortAddress, routeAddress } from '../../src/plan/addresses.js';
import { exampleModel } from '../plan/planner-example.js';

const addr = (address: string): ObservedAddress => ({ address, key: `M0${address}`, subscriberCount: 1, remoteCount: 0, remoteHostRouters: [], deliveriesIngress: 0, deliveriesEgress: 0, deliveriesTransit: 0 });

export function exampleGraph(): { graph: LinkGraph; observed: ObservedNetwork; update: () => void } {
  const model = exampleModel();
  const observed: ObservedNetwork = {
    at: 1_000_000, flavor: 'skupper', interiorId: 'default-router',
    interiors: new Map([
      ['default-router', { id: 'default-router', instance: 1, linkState: ['fog-1'], self: true, cost: 0 }],
      ['fog-1', { id: 'fog-1', instance: 1, linkState: ['default-router'], self: false, cost: 1 }],
    ]),
    edges: new Map(), edgeAddresses: new Map(), addresses: new Map(), routers: new Map(), restarts: [], errors: [],
  };
  for (const [edge, interior] of [['edge-1', 'fog-1'], ['edge-2', 'default-router'], ['edge-3', 'default-router']] as const) {
    observed.edges.set(edge, { edgeId: edge, interiorId: interior, connectionId: edge, uptimeSeconds: 10, active: true, operStatus: 'up', host: undefined });
    observed.routers.set(edge, { id: edge, reachable: true, error: undefined, mode: 'edge', uptimeSeconds: 10, connectors: [] });
  }
  for (const id of ['default-router', 'fog-1']) observed.routers.set(id, { id, reachable: true, error: undefined, mode: 'interior', uptimeSeconds: 10, connectors: [] });
  for (const r of model.routes.values()) observed.addresses.set(routeAddress('demo', r.name), addr(routeAddress('demo', r.name)));
  const port = publicPortAddress('demo', 'dashboard', 8080);
  observed.addresses.set(port, addr(port));
  const graph = new LinkGraph();
  const update = () => { graph.update({ model, observed }); };
  update();
  return { graph, observed, update };
}
