/**
 * Which router generation is at the other end, hence which prefix fully qualified type names take. Learnt once
 * per connection: from the `product` property of the router's open frame when it has one, otherwise from the keys
 * of a GET-TYPES reply (every key is a fully qualified type name).
 */
import { ROUTER_PRODUCT, TYPE_PREFIX, type Flavor } from './protocol.js';

/** The flavor named by the open frame's `product` property, if it names a router we know. */
export function flavorFromConnectionProperties(props: unknown): Flavor | undefined {
  if (typeof props !== 'object' || props === null) return undefined;
  const product = (props as Record<string, unknown>).product;
  return typeof product === 'string' ? ROUTER_PRODUCT[product] : undefined;
}

/** The flavor whose prefix most GET-TYPES keys carry (a router uses one prefix for all of its types). */
export function flavorFromTypeNames(names: Iterable<string>): Flavor | undefined {
  const counts: Partial<Record<Flavor, number>> = {};
  for (const n of names) {
    for (const f of Object.keys(TYPE_PREFIX) as Flavor[]) {
      if (n.startsWith(TYPE_PREFIX[f])) counts[f] = (counts[f] ?? 0) + 1;
    }
  }
  let best: Flavor | undefined;
  for (const f of Object.keys(counts) as Flavor[]) if (best === undefined || counts[f]! > counts[best]!) best = f;
  return best;
}
