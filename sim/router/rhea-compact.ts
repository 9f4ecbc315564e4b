/**
 * Makes rhea's links and connections smaller, for simulations of thousands of routers in one process.
 *
 * rhea (3.0.x) gives every link and connection its own getters for the fields of the peer's attach / open frame
 * (`source`, `target`, `properties`, … and `error`), defined per instance with Object.defineProperty. Eleven own
 * accessors push V8 into dictionary-mode objects and allocate a closure per getter: at ~2 KB per link and 8 links per
 * uplink on each side, that was the largest share of the heap of an edge router. The getters read only `this`, so one
 * copy on the prototype behaves the same (same values, same `undefined` before the peer's frame, same TypeError on
 * assignment in strict code). This module defines them on the prototypes once and suppresses the per-instance copies.
 *
 * The patch is process-wide (every rhea link and connection in the process gets it, the manager's included when it
 * shares the process) and idempotent. It is applied only when rhea's link and connection code define exactly the
 * accessors it knows; otherwise rhea is left alone and still works, just bigger.
 *
 * Second, for the simulator's own connections only (those created through compactConnection): once a link's attach
 * has gone out and the peer's has come in, both attach frames are replaced by plain objects holding the same field
 * values. A frame decoded or built by rhea is a composite of one typed wrapper per field (~1 KB per frame, four
 * per link pair); the values are all rhea reads afterwards (`role`, the settle modes, the getters above). rhea
 * writes a link's local attach again only when a connection reconnects, which simulator connections never do
 * (reconnect: false; a redial is a new connection with new links), so this is not applied to anyone else's links.
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

    if (!String((link as { _process?: unknown })._process).includes('this.session.output(this.local.attach)')) return false;
    defineRemoteAccessors(link, LINK_ALIASES, 'attach', 'detach');
    const process = (link as unknown as { _process: (this: RheaLink) => void })._process;
    (link as unknown as { _process: (this: RheaLink) => void })._process = function compactProcess(this: RheaLink): void {
      process.call(this);
      if (this.compactFrames === undefined && this.state.local_open && this.state.remote_open && this.state.open_requests === 0 && this.remote.attach) {
        this.compactFrames = simConnections.has(this.connection);
        if (this.compactFrames) {
          this.local.attach = plainFrame(this.local.attach);
          this.remote.attach = plainFrame(this.remote.attach);
        }
      }
    };
    defineRemoteAccessors(Connection.prototype, CONNECTION_ALIASES, 'open', 'close');
    const linkNames = new Set([...LINK_ALIASES, 'error']);
    const original = link.init;
    link.init = function compactInit(this: object, ...args: unknown[]): void {
      withoutOwnAccessors(this, linkNames, () => original.apply(this, args));
    };
    connectionNames = new Set([...CONNECTION_ALIASES, 'error']);
    compactSessions(Connection.prototype as { create_session: (...args: unknown[]) => unknown });
    applied = true;
  } catch {
    applied = false;
  }
  return applied;
}

let connectionNames: ReadonlySet<string> | undefined;

/**
 * Sessions of simulator connections: rhea gives each Session an own `error` getter and each session's Incoming an
 * own `window` getter (both read only `this`); they move to the prototypes the first time one is made.
 */
function compactSessions(proto: { create_session: (...args: unknown[]) => unknown }): void {
  const original = proto.create_session;
  if (!/new Session\(/.test(String(original))) return;
  const moved = new Set<object>();
  proto.create_session = function compactCreateSession(this: object, ...args: unknown[]): unknown {
    if (!simConnections.has(this)) return original.apply(this, args);
    const odp = Object.defineProperty;
    Object.defineProperty = function (this: unknown, o: object, p: PropertyKey, d: PropertyDescriptor) {
      const isIncoming = p === 'window' && 'deliveries' in o && 'updated' in o;
      const isSession = p === 'error' && 'outgoing' in o && 'incoming' in o && 'links' in o;
      if ((isIncoming || isSession) && d.get && !d.set) {
        const target = Object.getPrototypeOf(o) as object;
        if (!moved.has(target)) {
          odp(target, p, { get: d.get, configurable: true });
          moved.add(target);
        }
        return o;
      }
      return odp(o, p, d);
    } as typeof Object.defineProperty;
    try {
      return original.apply(this, args);
    } finally {
      Object.defineProperty = odp;
    }
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
  let conn: T;
  try {
    conn = create();
  } finally {
    Object.defineProperty = odp;
  }
  if (conn && typeof conn === 'object') simConnections.add(conn);
  return conn;
}

/** connections made by the simulator (compactConnection): their links get plain attach frames once open */
const simConnections = new WeakSet<object>();

interface RheaLink {
  connection: object;
  state: { local_open: boolean; remote_open: boolean; open_requests: number };
  local: { attach: Record<string, unknown> };
  remote: { attach?: Record<string, unknown> };
  compactFrames?: boolean;
}

/**
 * An attach frame's field values (what the frame's getters return), without the typed wrappers. One literal, so V8
 * keeps every field inside the object (adding them one by one would need a separate property array).
 */
function plainFrame(f: Record<string, unknown>): Record<string, unknown> {
  return {
    name: f.name, handle: f.handle, role: f.role, snd_settle_mode: f.snd_settle_mode, rcv_settle_mode: f.rcv_settle_mode,
    source: f.source, target: f.target, unsettled: f.unsettled, incomplete_unsettled: f.incomplete_unsettled,
    initial_delivery_count: f.initial_delivery_count, max_message_size: f.max_message_size,
    offered_capabilities: f.offered_capabilities, desired_capabilities: f.desired_capabilities, properties: f.properties,
  };
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
