/**
 * Per-type behaviour of the Python agent's entity adapters (agent.py `XxxEntity` classes): the class name that
 * prefixes an entity dump, how the identity suffix is derived (`_identifier`), and which attributes the C side
 * refreshes into the entity before every request (`qd_entity_refresh_<type>`), in the order the C code sets them.
 */
import type { Flavor } from '../../src/router/protocol.js';
import type { Attributes } from './contract.js';
import { PyException } from './agent-errors.js';
import { pyStr, pyTruthy } from './python-repr.js';
import { missingValue } from './python-validate.js';
import { findAttribute, type EntityTypeDef } from './schema.js';

/** One entity held by the Python agent. */
export interface PyEntity {
  readonly type: EntityTypeDef;
  attributes: Attributes;
}

/** Python's `camelcase(short_name, capital=True)`. */
export function camelCase(shortName: string): string {
  const s = shortName.replace(/[-.]([a-zA-Z])/g, (_m, c: string) => c.toUpperCase());
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Classes that do not override __str__ print themselves as plain "Entity(...)". */
const PLAIN_STR = new Set(['dummy', 'management', 'org.amqp.management']);

/** The text `str(entity)` gives: `ListenerEntity(k=v, ...)` with sorted keys and hidden values starred. */
export function entityStr(e: PyEntity): string {
  const cls = PLAIN_STR.has(e.type.shortName) ? 'Entity' : `${camelCase(e.type.shortName)}Entity`;
  const keys = Object.keys(e.attributes).sort();
  const parts = keys.map((k) => `${k}=${findAttribute(e.type, k)?.hidden ? '*******' : pyStr(e.attributes[k])}`);
  return `${cls}(${parts.join(', ')})`;
}

const HOST_PORT_NAME = new Set(['listener', 'connector', 'tcpListener', 'tcpConnector', 'httpListener', 'httpConnector']);
const BY_ATTRIBUTE: Record<string, string> = {
  log: 'module',
  policy: 'module',
  vhost: 'hostname',
  vhostStats: 'hostname',
  router: 'id',
  'router.node': 'id',
  'router.address': 'key',
  logStats: 'identity',
  allocator: 'typeName',
};

/** Per-class counters of `_identifier` for the types that number their entities (Python AtomicCount per class). */
export class IdentifierCounters {
  private readonly next = new Map<string, number>();
  take(shortName: string): string {
    const n = this.next.get(shortName) ?? 0;
    this.next.set(shortName, n + 1);
    return String(n);
  }
}

/**
 * Python `_identifier()`. For host/port/name types it first does `attributes.setdefault` of host, port and name,
 * which appends missing keys (that is why a CREATE whose name was only in the body ends with `name` last).
 */
export function identifierOf(e: PyEntity, counters: IdentifierCounters): string {
  const a = e.attributes;
  const short = e.type.shortName;
  if (HOST_PORT_NAME.has(short)) {
    for (const k of ['host', 'port', 'name']) {
      if (!(k in a)) {
        const def = findAttribute(e.type, k);
        a[k] = def ? missingValue(def) ?? null : null;
      }
    }
    return pyTruthy(a.name) ? `${pyStr(a.host)}:${pyStr(a.port)}:${pyStr(a.name)}` : `${pyStr(a.host)}:${pyStr(a.port)}`;
  }
  if (short === 'sslProfile' || short === 'authServicePlugin') {
    if (!('name' in a)) throw new PyException('AttributeError', 'name');
    return pyStr(a.name);
  }
  if (short === 'listenerAddress') return `${pyStr(a.listener ?? null)}:${pyStr(a.address ?? null)}:${pyStr(a.name ?? null)}`;
  const attr = BY_ATTRIBUTE[short];
  if (attr) return pyStr(a[attr] ?? null);
  return counters.take(short);
}

/** Context for the fallback values of refreshed attributes, when the runtime has nothing to say. */
export interface RefreshContext {
  flavor: Flavor;
  version: string;
  routerCounters: () => Attributes;
}

interface RefreshedAttribute {
  name: string;
  fallback: (e: PyEntity, ctx: RefreshContext) => unknown;
  /** the value comes from runtime.routerCounters() rather than runtime.liveAttributes() */
  fromRouterCounters?: boolean;
}

const zero = (): number => 0;
const failoverUrls = (e: PyEntity): string =>
  `${e.attributes.sslProfile ? 'amqps' : 'amqp'}://${pyStr(e.attributes.host ?? '')}:${pyStr(e.attributes.port ?? '')}`;

/**
 * The attributes the C side sets on each refresh, by flavor and short type, in the order it sets them
 * (qd 1.18 `qd_entity_refresh_tcpListener`: bytesIn, bytesOut, connectionsOpened, connectionsClosed; skupper adds
 * operStatus; the connector's failoverUrls/connectionStatus/connectionMsg; qd 1.x router's three counters).
 */
export function refreshedAttributes(flavor: Flavor, shortName: string): readonly RefreshedAttribute[] {
  // asked for every entity on every request (the agent refreshes them all): made once per flavor and type
  let byType = REFRESHED.get(flavor);
  if (!byType) REFRESHED.set(flavor, (byType = new Map()));
  let list = byType.get(shortName);
  if (!list) byType.set(shortName, (list = Object.freeze(makeRefreshedAttributes(flavor, shortName))));
  return list;
}

const REFRESHED = new Map<Flavor, Map<string, readonly RefreshedAttribute[]>>();

function makeRefreshedAttributes(flavor: Flavor, shortName: string): RefreshedAttribute[] {
  const counters = (name: string): RefreshedAttribute => ({ name, fallback: zero, fromRouterCounters: true });
  const tcp: RefreshedAttribute[] = ['bytesIn', 'bytesOut', 'connectionsOpened', 'connectionsClosed'].map((name) => ({ name, fallback: zero }));
  switch (shortName) {
    case 'connector':
      return [
        { name: 'failoverUrls', fallback: failoverUrls },
        { name: 'connectionStatus', fallback: () => 'CONNECTING' },
        { name: 'connectionMsg', fallback: () => '' },
      ];
    case 'tcpListener':
      return flavor === 'skupper' ? [...tcp, { name: 'operStatus', fallback: () => 'up' }] : tcp;
    case 'tcpConnector':
      return tcp;
    case 'listenerAddress':
      return [{ name: 'connectionsOpened', fallback: zero }];
    case 'router':
      return flavor === 'qdrouterd'
        ? [counters('addrCount'), counters('linkCount'), counters('nodeCount')]
        : [{ name: 'version', fallback: (_e, ctx) => ctx.version }];
    default:
      return [];
  }
}

/** Python `_refresh()`: set the refreshed attributes (existing keys keep their place, new ones are appended). */
export function refreshEntity(
  e: PyEntity,
  ctx: RefreshContext,
  live: Attributes | undefined,
): void {
  const list = refreshedAttributes(ctx.flavor, e.type.shortName);
  const counters = list.some((r) => r.fromRouterCounters) ? ctx.routerCounters() : undefined;
  for (const r of list) {
    const source = r.fromRouterCounters ? counters : live;
    e.attributes[r.name] = source && r.name in source ? source[r.name] : r.fallback(e, ctx);
  }
  // anything else the runtime reports is taken when the schema knows the attribute
  if (live) {
    for (const [k, v] of Object.entries(live)) if (!list.some((r) => r.name === k) && e.type.attributes.has(k)) e.attributes[k] = v;
  }
}
