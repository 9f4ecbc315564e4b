/** The link graph: desired ⊕ observed as a live graphology graph with a delta stream. */
export * from './types.js';
export * from './keys.js';
export { computeGraph, stateOf, type GraphInput, type Evidence } from './compute.js';
export { diffGraph, applyOps, changedAttributes } from './diff.js';
export {
  LinkGraph,
  newLiveGraph,
  type LiveGraph,
  type SerializedLinkGraph,
  type LinkGraphSnapshot,
  type ChangeListener,
} from './link-graph.js';
export { syntheticNetwork, type SyntheticNetwork, type SyntheticOptions } from './synthetic.js';
