/**
 * What the router's C core agent serves (src/router_core/management_agent.c `qd_can_handle_request`, agent.c and
 * agent_*.c): which fully qualified types it takes, the column list of each (the order of QUERY `attributeNames`
 * and of READ/CREATE maps), and how each operation is answered: handled, refused with 403, or dropped without a
 * reply (the `break` cases of agent.c's switches).
 *
 * qdrouterd 1.x columns come from the recorded transcripts (1.18.0 and 1.19.0 agree) and from the 1.x sources.
 * skupper-router 3.x columns are derived from the 2.x sources minus the attributes the 3.5.1 schema no longer has,
 * plus the attributes it added (appended); they are not backed by a recording.
 */
import type { Flavor } from '../../src/router/protocol.js';

export type CTypeKey =
  | 'router.address'
  | 'router.link'
  | 'router.config.address'
  | 'router.config.linkRoute'
  | 'router.config.autoLink'
  | 'router.config.exchange'
  | 'router.config.binding'
  | 'router.connection.linkRoute'
  | 'router'
  | 'routerMetrics'
  | 'connection'
  | 'console';

export type COperation = 'QUERY' | 'CREATE' | 'READ' | 'UPDATE' | 'DELETE';

/** How the C agent answers one operation on one type. */
export type CPlan = 'handle' | 'forbidden' | 'silent';

const QD_COLUMNS: Partial<Record<CTypeKey, readonly string[]>> = {
  connection: [
    'name', 'identity', 'host', 'role', 'protocol', 'dir', 'container', 'sasl', 'isAuthenticated', 'user', 'isEncrypted',
    'sslProto', 'sslCipher', 'properties', 'sslSsf', 'tenant', 'type', 'ssl', 'opened', 'active', 'adminStatus',
    'operStatus', 'uptimeSeconds', 'lastDlvSeconds', 'enableProtocolTrace',
  ],
  'router.link': [
    'name', 'identity', 'type', 'linkName', 'linkType', 'linkDir', 'owningAddr', 'capacity', 'peer', 'undeliveredCount',
    'unsettledCount', 'deliveryCount', 'connectionId', 'adminStatus', 'operStatus', 'presettledCount',
    'droppedPresettledCount', 'acceptedCount', 'rejectedCount', 'releasedCount', 'modifiedCount', 'deliveriesDelayed1Sec',
    'deliveriesDelayed10Sec', 'deliveriesStuck', 'ingressHistogram', 'priority', 'settleRate', 'creditAvailable',
    'zeroCreditSeconds',
  ],
  'router.address': [
    'name', 'identity', 'type', 'key', 'distribution', 'inProcess', 'subscriberCount', 'remoteCount', 'containerCount',
    'remoteHostRouters', 'deliveriesIngress', 'deliveriesEgress', 'deliveriesTransit', 'deliveriesToContainer',
    'deliveriesFromContainer', 'deliveriesEgressRouteContainer', 'deliveriesIngressRouteContainer', 'transitOutstanding',
    'trackedDeliveries', 'priority', 'deliveriesRedirectedToFallback',
  ],
  router: [
    'name', 'identity', 'id', 'type', 'mode', 'area', 'version', 'metadata', 'addrCount', 'linkCount', 'nodeCount',
    'linkRouteCount', 'autoLinkCount', 'connectionCount', 'presettledDeliveries', 'droppedPresettledDeliveries',
    'acceptedDeliveries', 'rejectedDeliveries', 'releasedDeliveries', 'modifiedDeliveries', 'deliveriesDelayed1Sec',
    'deliveriesDelayed10Sec', 'deliveriesStuck', 'deliveriesIngress', 'deliveriesEgress', 'deliveriesTransit',
    'deliveriesIngressRouteContainer', 'deliveriesEgressRouteContainer', 'deliveriesRedirectedToFallback', 'linksBlocked',
    'uptimeSeconds', 'memoryUsage', 'workerThreads',
  ],
  'router.config.address': [
    'name', 'identity', 'type', 'prefix', 'distribution', 'waypoint', 'ingressPhase', 'egressPhase', 'pattern', 'priority',
    'fallback',
  ],
  'router.config.autoLink': [
    'name', 'identity', 'type', 'address', 'addr', 'direction', 'dir', 'phase', 'connection', 'containerId',
    'externalAddress', 'externalAddr', 'linkRef', 'operStatus', 'lastError', 'fallback',
  ],
  'router.config.linkRoute': [
    'name', 'identity', 'type', 'prefix', 'distribution', 'connection', 'containerId', 'direction', 'dir', 'operStatus',
    'pattern', 'addExternalPrefix', 'delExternalPrefix',
  ],
  // the three below follow their schema attribute order (no source or recording at hand)
  'router.config.exchange': [
    'name', 'identity', 'type', 'address', 'phase', 'alternateAddress', 'alternatePhase', 'matchMethod', 'bindingCount',
    'receivedCount', 'droppedCount', 'forwardedCount', 'divertedCount',
  ],
  'router.config.binding': ['name', 'identity', 'type', 'exchangeName', 'bindingKey', 'nextHopAddress', 'nextHopPhase', 'matchedCount'],
  'router.connection.linkRoute': ['name', 'identity', 'type', 'pattern', 'direction', 'containerId'],
  console: [],
};

const SKUPPER_COLUMNS: Partial<Record<CTypeKey, readonly string[]>> = {
  connection: [
    'name', 'identity', 'host', 'role', 'protocol', 'dir', 'container', 'sasl', 'isAuthenticated', 'user', 'isEncrypted',
    'sslProto', 'sslCipher', 'properties', 'sslSsf', 'type', 'ssl', 'opened', 'active', 'adminStatus', 'operStatus',
    'uptimeSeconds', 'lastDlvSeconds', 'enableProtocolTrace', 'localSocket', 'meshId', 'tlsOrdinal', 'groupCorrelationId',
    'groupOrdinal',
  ],
  'router.link': [
    'name', 'identity', 'type', 'linkName', 'linkType', 'linkDir', 'owningAddr', 'capacity', 'undeliveredCount',
    'unsettledCount', 'deliveryCount', 'connectionId', 'operStatus', 'presettledCount', 'droppedPresettledCount',
    'acceptedCount', 'rejectedCount', 'releasedCount', 'modifiedCount', 'deliveriesDelayed1Sec', 'deliveriesDelayed10Sec',
    'deliveriesStuck', 'openMovedStreams', 'ingressHistogram', 'priority', 'settleRate', 'creditAvailable',
    'zeroCreditSeconds',
  ],
  'router.address': [
    'name', 'identity', 'type', 'key', 'distribution', 'inProcess', 'subscriberCount', 'remoteCount', 'containerCount',
    'remoteHostRouters', 'deliveriesIngress', 'deliveriesEgress', 'deliveriesTransit', 'deliveriesToContainer',
    'deliveriesFromContainer', 'deliveriesEgressRouteContainer', 'deliveriesIngressRouteContainer',
    'deliveriesEgressInterNetwork', 'deliveriesIngressInterNetwork', 'transitOutstanding', 'trackedDeliveries', 'priority',
    'watch',
  ],
  routerMetrics: [
    'identity', 'type', 'id', 'addrCount', 'linkCount', 'nodeCount', 'autoLinkCount', 'connectionCount',
    'presettledDeliveries', 'droppedPresettledDeliveries', 'acceptedDeliveries', 'rejectedDeliveries', 'releasedDeliveries',
    'modifiedDeliveries', 'deliveriesDelayed1Sec', 'deliveriesDelayed10Sec', 'deliveriesStuck', 'deliveriesIngress',
    'deliveriesEgress', 'deliveriesTransit', 'deliveriesIngressRouteContainer', 'deliveriesEgressRouteContainer',
    'deliveriesIngressInterNetwork', 'deliveriesEgressInterNetwork', 'linksBlocked', 'uptimeSeconds', 'memoryUsage',
    'residentMemoryUsage', 'connectionCounters', 'version',
  ],
  'router.config.address': ['name', 'identity', 'type', 'prefix', 'distribution', 'pattern', 'priority'],
  'router.config.autoLink': [
    'name', 'identity', 'type', 'address', 'direction', 'connection', 'containerId', 'externalAddress', 'linkRef',
    'operStatus', 'lastError',
  ],
};

/** The C agent's types for a flavor, keyed by short name (the long name is the prefix plus the key). */
export function cTypeKeys(flavor: Flavor): readonly CTypeKey[] {
  return Object.keys(flavor === 'skupper' ? SKUPPER_COLUMNS : QD_COLUMNS) as CTypeKey[];
}

export function cColumns(flavor: Flavor, type: CTypeKey): readonly string[] {
  return (flavor === 'skupper' ? SKUPPER_COLUMNS : QD_COLUMNS)[type] ?? [];
}

export const C_CONFIG_TYPES: ReadonlySet<CTypeKey> = new Set<CTypeKey>([
  'router.config.address',
  'router.config.linkRoute',
  'router.config.autoLink',
  'router.config.exchange',
  'router.config.binding',
  'router.connection.linkRoute',
]);

/** Runtime types whose rows the router supplies (RuntimeView.rows). */
export const C_RUNTIME_TYPES: ReadonlySet<CTypeKey> = new Set<CTypeKey>(['connection', 'router.link', 'router.address']);

/** "3.5.1" → [3, 5, 1] */
function versionParts(v: string): number[] {
  return v.split(/[.-]/).map((x) => Number.parseInt(x, 10)).map((n) => (Number.isNaN(n) ? 0 : n));
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = versionParts(version);
  return a > major || (a === major && b >= minor);
}

/** agent.c: what each operation does for each type (see the §2.5 list of the reference for the silent cases). */
export function cPlan(flavor: Flavor, version: string, type: CTypeKey, op: COperation): CPlan {
  if (type === 'console') return 'forbidden';
  const config = C_CONFIG_TYPES.has(type);
  if (flavor === 'qdrouterd') {
    switch (op) {
      case 'QUERY': return 'handle';
      case 'READ': return type === 'router' ? 'forbidden' : type === 'router.link' ? 'silent' : 'handle';
      case 'CREATE': return config ? 'handle' : type === 'router' ? 'forbidden' : 'silent';
      case 'DELETE': return config ? 'handle' : type === 'connection' || type === 'router' ? 'forbidden' : 'silent';
      case 'UPDATE': return type === 'connection' || type === 'router.link' ? 'handle' : 'silent';
    }
  }
  if (type === 'routerMetrics') return op === 'QUERY' ? 'handle' : 'forbidden';
  switch (op) {
    case 'QUERY': return 'handle';
    case 'READ': return type === 'router.link' ? 'silent' : 'handle';
    case 'CREATE': return config ? 'handle' : 'silent';
    case 'DELETE': return config ? 'handle' : type === 'connection' ? 'forbidden' : 'silent';
    case 'UPDATE':
      if (type === 'connection') return 'handle';
      // router.link UPDATE became 403 in skupper-router 3.3 (#1705)
      if (type === 'router.link') return atLeast(version, 3, 3) ? 'forbidden' : 'handle';
      return 'silent';
  }
}
