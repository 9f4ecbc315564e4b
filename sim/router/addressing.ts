/**
 * Address parsing as the routers' iterator does it (qpid-dispatch src/iterator.c): an optional `amqp:/` scheme
 * (and leading slashes) is dropped, then the first segments decide who resolves the rest:
 *
 *   _local/<rest>            this router, local name <rest>
 *   _topo/<area>/<R>/<rest>  interior router R, local name <rest> (an edge sends all of these up)
 *   _edge/<E>/<rest>         edge router E, local name <rest> (an interior knows E by its edge-summary key H<E>)
 *   anything else            a mobile address, resolved by subscriptions anywhere in the network
 *
 * `$management` is mobile in the real routers, but every router subscribes to it locally, so it always resolves to
 * the local agent first (closest distribution).
 */

export type ParsedAddress =
  | { kind: 'local'; name: string }
  | { kind: 'topo'; router: string; name: string }
  | { kind: 'edge'; edge: string; name: string }
  | { kind: 'mobile'; address: string };

/** `amqp:/_topo/0/R/x` → `_topo/0/R/x`; also accepts `amqp://…`, `/…`. */
export function stripScheme(address: string): string {
  let a = address;
  if (a.startsWith('amqp:')) a = a.slice(5);
  while (a.startsWith('/')) a = a.slice(1);
  return a;
}

/**
 * Parsed addresses by address string. Routers parse the same few addresses again and again (every management request
 * to an edge, every reply to a client), and parsing allocates; the results are never modified, so they are shared.
 * Bounded: cleared when it holds PARSE_CACHE_LIMIT addresses.
 */
const parsed = new Map<string, ParsedAddress>();
const PARSE_CACHE_LIMIT = 65_536;

export function parseAddress(address: string): ParsedAddress {
  let p = parsed.get(address);
  if (p === undefined) {
    if (parsed.size >= PARSE_CACHE_LIMIT) parsed.clear();
    p = Object.freeze(parseUncached(address));
    parsed.set(address, p);
  }
  return p;
}

function parseUncached(address: string): ParsedAddress {
  const a = stripScheme(address);
  if (a.startsWith('_local/')) return { kind: 'local', name: a.slice('_local/'.length) };
  if (a.startsWith('_topo/')) {
    // _topo/<area>/<router>/<rest>; the area is always 0 in these networks and is not checked
    const parts = a.split('/');
    if (parts.length >= 4 && parts[2]) return { kind: 'topo', router: parts[2], name: parts.slice(3).join('/') };
    if (parts.length === 3 && parts[2]) return { kind: 'topo', router: parts[2], name: '' };
    return { kind: 'mobile', address: a };
  }
  if (a.startsWith('_edge/')) {
    const parts = a.split('/');
    if (parts.length >= 3 && parts[1]) return { kind: 'edge', edge: parts[1], name: parts.slice(2).join('/') };
    if (parts.length === 2 && parts[1]) return { kind: 'edge', edge: parts[1], name: '' };
    return { kind: 'mobile', address: a };
  }
  if (a === '$management') return { kind: 'local', name: '$management' };
  return { kind: 'mobile', address: a };
}

/** The reply address a router hands to a dynamic receiver (address_lookup_client.c qdr_generate_temp_addr). */
export function tempAddress(mode: 'interior' | 'edge', routerId: string, suffix: string): string {
  return mode === 'edge' ? `amqp:/_edge/${routerId}/temp.${suffix}` : `amqp:/_topo/0/${routerId}/temp.${suffix}`;
}

const TEMP_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_';

/** A random suffix shaped like the routers' (15 characters of their base64-like alphabet). */
export function tempSuffix(random: () => number = Math.random): string {
  let s = '';
  for (let i = 0; i < 15; i++) s += TEMP_ALPHABET[Math.floor(random() * TEMP_ALPHABET.length)];
  return s;
}

/**
 * The router.address hash key of a mobile address: qd 1.x keeps the phase in the key (`M0addr`), skupper-router
 * 2.x/3.x dropped phases (`Maddr`).
 */
export function mobileKey(flavor: 'qdrouterd' | 'skupper', address: string): string {
  return flavor === 'qdrouterd' ? `M0${address}` : `M${address}`;
}

/** The edge-summary key under which an interior knows an edge router. */
export function edgeKey(edgeId: string): string {
  return `H${edgeId}`;
}
