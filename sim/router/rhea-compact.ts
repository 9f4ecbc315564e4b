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
      lazyDetach(this as { local: Record<string, unknown> });
    };
    detachOnDemand(link as unknown as { detach?: unknown; close?: unknown });
    plainRemoteAttach(link as unknown as { on_attach?: unknown });
    slimLocalAttach(link as unknown as { _process?: unknown });
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

/**
 * rhea keeps the peer's attach frame for the life of a link (`link.remote.attach`) as it was decoded: a composite
 * whose fields, source and target are arrays of AMQP-typed wrappers, read through getters. Sixteen links per uplink
 * (both ends) made those wrappers about a third of an in-process edge router's heap. After rhea has handled the
 * attach, the frame is replaced by a plain object with the same field values (what the getters returned), source
 * and target included, so every later read gives the same value.
 */
function plainRemoteAttach(proto: { on_attach?: unknown }): void {
  const original = proto.on_attach;
  if (typeof original !== 'function' || !String(original).includes('this.remote.attach = frame.performative')) return;
  proto.on_attach = function plainAttach(this: WithRemote, ...args: unknown[]): unknown {
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    slimIfOpen(this as unknown as LinkInternals);
    return result;
  };
  // the session stores the frame on the link again after the link handled it: convert it there
  const { Session } = { Session: require('rhea/lib/session.js') as { prototype: { on_attach?: unknown } } };
  const sessionAttach = Session.prototype.on_attach;
  if (typeof sessionAttach !== 'function' || !String(sessionAttach).includes('link.remote.attach = frame.performative')) return;
  Session.prototype.on_attach = function plainSessionAttach(this: { remote: { handles: Record<number, WithRemote> } }, frame: { performative: { handle: number } }): unknown {
    const result = (sessionAttach as (f: unknown) => unknown).call(this, frame);
    const link = this.remote.handles[frame.performative.handle];
    const attach = link?.remote.attach;
    if (link && attach && Array.isArray((attach as { value?: unknown }).value)) {
      const plain = plainComposite(attach);
      for (const side of ['source', 'target']) if (plain[side]) plain[side] = plainComposite(plain[side] as Record<string, unknown>);
      link.remote.attach = plain;
    }
    return result;
  };
}

/** The fields of a decoded composite (its enumerable getters), without the typed array behind them. */
function plainComposite(c: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(c.value)) return c;
  const out: Record<string, unknown> = {};
  for (const k in c) {
    if (k === 'value') continue;
    const v = c[k];
    if (typeof v !== 'function') out[k] = v;
  }
  return out;
}

interface LinkInternals {
  local: { attach: Record<string, unknown> };
  state: { local_open: boolean; remote_open: boolean };
  connection?: { options?: { reconnect?: unknown } };
  [SLIM]?: true;
}
const SLIM = Symbol('ecn.sim.slimLocalAttach');

/**
 * The attach frame a link sends is kept too (`link.local.attach`), as an encodable composite of AMQP-typed values,
 * about 25 wrappers a link: 400 per in-process edge router, with their arrays a third of its heap. Once the link is
 * open both ways rhea reads only `role` and the settle modes from it, and sends it again only when rhea itself
 * reconnects the connection; so on connections without rhea's reconnect (every simulated router's, and the
 * management client's) the frame becomes a plain object with those fields after it was sent.
 */
function slimLocalAttach(proto: { _process?: unknown }): void {
  const original = proto._process;
  if (typeof original !== 'function' || !String(original).includes('this.session.output(this.local.attach)')) return;
  proto._process = function slimProcess(this: LinkInternals, ...args: unknown[]): unknown {
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    slimIfOpen(this);
    return result;
  };
}

/** After the attach went out and the peer's came in (whichever was last): the local frame as plain fields. */
function slimIfOpen(link: LinkInternals): void {
  // open_requests > 0: our attach is still to be sent (need_open() would consume the request: never call it here)
  if (link[SLIM] || !link.state.local_open || !link.state.remote_open || ((link.state as { open_requests?: number }).open_requests ?? 0) > 0) return;
  link[SLIM] = true;
  // rhea's reconnect (set on a connection it dialled) re-sends the frame; accepted connections never reconnect
  if (link.connection?.options?.reconnect) return;
  const a = link.local.attach;
  link.local.attach = { handle: a.handle, name: a.name, role: a.role, snd_settle_mode: a.snd_settle_mode, rcv_settle_mode: a.rcv_settle_mode, initial_delivery_count: a.initial_delivery_count };
}

/**
 * rhea builds every link's detach frame when it creates the link; most links never detach. The frame is dropped
 * (the field stays, `undefined`, so the object keeps its fast shape) and made again, as rhea made it, by the two
 * methods that start a detach (link.detach, link.close) before they run: only they request a close, and rhea reads
 * the frame only after a close request (link._process) or in them.
 */
function lazyDetach(link: { local: Record<string, unknown> }): void {
  const frame = link.local.detach as { value?: unknown } | undefined;
  if (frame && Array.isArray(frame.value)) link.local.detach = undefined;
}

function detachOnDemand(proto: { detach?: unknown; close?: unknown }): void {
  for (const method of ['detach', 'close'] as const) {
    const original = proto[method];
    if (typeof original !== 'function' || !String(original).includes('this.local.detach')) continue;
    proto[method] = function withDetachFrame(this: { local: Record<string, unknown> }, ...args: unknown[]): unknown {
      const local = this.local;
      if (local.detach === undefined) local.detach = detachFrame({ handle: local.handle, closed: true });
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}
const detachFrame = (require('rhea/lib/frames.js') as { detach: (f: Record<string, unknown>) => unknown }).detach;
