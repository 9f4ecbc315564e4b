/**
 * Makes rhea's links and connections smaller, for simulations of thousands of routers in one process.
 *
 * rhea (3.0.x) gives every link and connection its own getters for the fields of the peer's attach / open frame
 * (`source`, `target`, `properties`, … and `error`), defined per instance with Object.defineProperty. Nine or eleven
 * own accessors push V8 into dictionary-mode objects and allocate a closure per getter: with 8 links per uplink on
 * each side, a third of the heap of an in-process edge router (155 → 119 KB per edge with this patch). The getters read only `this`, so one
 * copy on the prototype behaves the same (same values, same `undefined` before the peer's frame, same TypeError on
 * assignment in strict code). This module defines them on the prototypes once and suppresses the per-instance copies.
 *
 * The patch is process-wide (every rhea link and connection in the process gets it, the manager's included when it
 * shares the process) and idempotent. It is applied only when rhea's link and connection code define exactly the
 * accessors it knows; otherwise rhea is left alone and still works, just bigger.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const LINK_ALIASES = ['snd_settle_mode', 'rcv_settle_mode', 'source', 'target', 'max_message_size', 'offered_capabilities', 'desired_capabilities', 'properties'];
const CONNECTION_ALIASES = ['container_id', 'hostname', 'max_frame_size', 'channel_max', 'idle_time_out', 'outgoing_locales', 'incoming_locales', 'offered_capabilities', 'desired_capabilities', 'properties'];

interface Frames { [frame: string]: Record<string, unknown> | undefined }
type WithRemote = { remote: Frames };

let applied: boolean | undefined;

/** Patches rhea once; returns whether the compact accessors are in effect. */
export function compactRhea(): boolean {
  if (applied !== undefined) return applied;
  applied = false;
  try {
    const { Sender } = require('rhea/lib/link.js') as { Sender: { prototype: object } };
    const Connection = require('rhea/lib/connection.js') as { prototype: object };
    const link = Object.getPrototypeOf(Sender.prototype) as { init: (...args: unknown[]) => void };
    const linkSrc = String(link.init);
    const connSrc = String(Connection);
    // only the rhea code this was written against: every alias list as expected, defined per instance
    if (!linkSrc.includes('aliases.forEach(function (alias) { Object.defineProperty(self, alias')) return false;
    if (!connSrc.includes('aliases.forEach(function (alias) { Object.defineProperty(self, alias')) return false;

    defineRemoteAccessors(link, LINK_ALIASES, 'attach', 'detach');
    defineRemoteAccessors(Connection.prototype, CONNECTION_ALIASES, 'open', 'close');
    const linkNames = new Set([...LINK_ALIASES, 'error']);
    const original = link.init;
    link.init = function compactInit(this: object, ...args: unknown[]): void {
      withoutOwnAccessors(this, linkNames, () => original.apply(this, args));
    };
    connectionNames = new Set([...CONNECTION_ALIASES, 'error']);
    dictionaryLinkTables(Connection.prototype as { create_session?: unknown });
    applied = true;
  } catch {
    applied = false;
  }
  return applied;
}

let connectionNames: ReadonlySet<string> | undefined;

/**
 * A session keeps its links in a plain object keyed by link name (`session.links[name]`). Link names are random
 * (`qdlink.<random>`), so every link added to a `{}` makes V8 build a new hidden class and descriptor array that
 * lives as long as the session: ~30 per edge router, ~10 KB. A prototype-less object is a hash table from the start
 * (and a link named `constructor` cannot hit Object.prototype). rhea only indexes it, iterates it with for…in and
 * deletes from it, which work the same on both.
 */
function dictionaryLinkTables(proto: { create_session?: unknown }): void {
  const original = proto.create_session;
  if (typeof original !== 'function' || !String(original).includes('new Session(')) return;
  proto.create_session = function compactCreateSession(this: object, ...args: unknown[]): unknown {
    const session = (original as (...a: unknown[]) => unknown).apply(this, args) as { links?: Record<string, unknown> } | undefined;
    if (session?.links && Object.keys(session.links).length === 0 && Object.getPrototypeOf(session.links) === Object.prototype) {
      session.links = Object.create(null) as Record<string, unknown>;
    }
    return session;
  };
}

/**
 * Runs rhea code that constructs a Connection (container.connect / create_connection) without the per-instance
 * accessors of the new connection. The Connection constructor cannot be patched in place (rhea's container holds
 * it), so the call sites that create connections run through here.
 */
export function compactConnection<T>(create: () => T): T {
  if (!compactRhea() || !connectionNames) return create();
  const names = connectionNames;
  const odp = Object.defineProperty;
  // the new connection is the object rhea defines these names on; anything else goes through untouched
  Object.defineProperty = function (this: unknown, o: object, p: PropertyKey, d: PropertyDescriptor) {
    if (typeof p === 'string' && names.has(p) && d.get && !d.set && Object.getPrototypeOf(o) !== Object.prototype && isConnectionLike(o)) return o;
    return odp(o, p, d);
  } as typeof Object.defineProperty;
  try {
    return create();
  } finally {
    Object.defineProperty = odp;
  }
}

function isConnectionLike(o: object): boolean {
  const c = o as { amqp_transport?: unknown; local_channel_map?: unknown };
  return c.amqp_transport !== undefined && c.local_channel_map !== undefined;
}

function withoutOwnAccessors(target: object, names: ReadonlySet<string>, run: () => void): void {
  const odp = Object.defineProperty;
  Object.defineProperty = function (this: unknown, o: object, p: PropertyKey, d: PropertyDescriptor) {
    if (o === target && typeof p === 'string' && names.has(p) && d.get && !d.set) return o;
    return odp(o, p, d);
  } as typeof Object.defineProperty;
  try {
    run();
  } finally {
    Object.defineProperty = odp;
  }
}

/** the accessors rhea would define per instance, once on the prototype: a field of the peer's frame, if it came */
function defineRemoteAccessors(proto: object, aliases: string[], frame: string, closeFrame: string): void {
  for (const alias of aliases) {
    Object.defineProperty(proto, alias, {
      get(this: WithRemote) { const f = this.remote[frame]; return f ? f[alias] : undefined; },
      configurable: true,
    });
  }
  Object.defineProperty(proto, 'error', {
    get(this: WithRemote) { const f = this.remote[closeFrame]; return f ? f.error : undefined; },
    configurable: true,
  });
}
