/**
 * What a router can do, learnt with one GET-OPERATIONS (every type it has, with its operations: a superset of what
 * GET-TYPES tells) and the connection's flavor. Cached by the syncer until the connection or the router changes.
 */
import { flavorFromTypeNames } from '../router/flavor.js';
import { shortType, type Flavor } from '../router/protocol.js';
import type { CallOptions, ManagementOps } from '../router/index.js';
import { ManagementError } from '../router/index.js';
import { TYPE_ORDER, type ManagedType, type RouterCapabilities } from '../plan/types.js';

export async function learnCapabilities(target: ManagementOps, knownFlavor: Flavor | undefined, opts?: CallOptions): Promise<RouterCapabilities> {
  const ops = await target.getOperations(undefined, opts);
  const flavor = knownFlavor ?? flavorFromTypeNames(Object.keys(ops));
  if (!flavor) {
    throw new ManagementError('ECN_MGMT_BAD_RESPONSE', 'GET-OPERATIONS named no qdrouterd or skupper-router type: cannot tell the router flavor', {
      operation: 'GET-OPERATIONS',
      hint: 'is the peer a qdrouterd / skupper-router management agent?',
    });
  }
  const byShort = new Map<string, string[]>();
  for (const [t, list] of Object.entries(ops)) byShort.set(shortType(t), list);
  const updatable = new Set<ManagedType>();
  for (const t of TYPE_ORDER) if (byShort.get(t)?.includes('UPDATE')) updatable.add(t);
  return { flavor, tcpBridges: byShort.has('tcpListener') && byShort.has('tcpConnector'), updatable };
}
