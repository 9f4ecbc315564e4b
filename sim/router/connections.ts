/**
 * AMQP connections of a simulated router: accepting one on a listener, dialling one for a connector, and closing
 * them. Every connection gets a ConnRecord (the row of the `connection` entity) and raw-byte capture (see
 * raw-message.ts). The router's own open frame carries the properties the real routers send, so a peer router (or a
 * real one) sees `product`, `version` and `qd.conn-id`.
 */
import type { Connection } from 'rhea';
import { captureRawTransfers } from './raw-message.js';
import { compactConnection, compactRhea } from './rhea-compact.js';
import { useRheaPooledBuffers } from '../../src/router/rhea-fixes.js';
import type { ConnRecord, ConnRole, RouterContext } from './state.js';
import { rheaConnectOptions, type SimSocket } from './transport.js';

// thousands of simulated routers share one process: links and connections without per-instance accessors
compactRhea();
// frames encoded into pooled buffers, not a fresh zeroed kilobyte each
useRheaPooledBuffers();

export function productName(flavor: 'qdrouterd' | 'skupper'): string {
  return flavor === 'qdrouterd' ? 'qpid-dispatch-router' : 'skupper-router';
}

/**
 * Open properties as a router sends them (its connection id is that of the connection being opened). qdrouterd
 * added `qd.annotations-version` in 1.19 (the 1.18.0 recording has none; skupper-router keeps it).
 */
export function routerOpenProperties(ctx: RouterContext, connId: string): Record<string, unknown> {
  const props: Record<string, unknown> = { product: productName(ctx.flavor), version: ctx.version, 'qd.conn-id': Number(connId) };
  if (ctx.flavor === 'skupper' || versionAtLeast(ctx.version, [1, 19, 0])) props['qd.annotations-version'] = 1;
  return props;
}

/** `1.18.0` ≥ [1, 19, 0]? Non-numeric parts count as 0. */
export function versionAtLeast(version: string, min: [number, number, number]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const v = parts[i] ?? 0;
    if (v !== min[i]) return v > min[i]!;
  }
  return true;
}

function newRecord(ctx: RouterContext, conn: Connection, identity: string, fields: Pick<ConnRecord, 'role' | 'dir' | 'host'> & Partial<ConnRecord>): ConnRecord {
  return {
    identity,
    conn,
    socket: undefined,
    container: undefined,
    properties: {},
    opened: false,
    createdAt: ctx.clock.now(),
    lastDeliveryAt: undefined,
    active: false,
    closing: false,
    links: new Set(),
    ...fields,
  };
}

/** Wraps an accepted stream in a server-side rhea connection. */
export function acceptConnection(ctx: RouterContext, socket: SimSocket, role: ConnRole, listener: string): ConnRecord {
  const identity = ctx.registry.nextId();
  const conn = compactConnection(() => ctx.container.create_connection({ properties: routerOpenProperties(ctx, identity), reconnect: false } as never));
  captureRawTransfers(conn);
  const rec = newRecord(ctx, conn, identity, {
    role,
    dir: 'in',
    host: `${normaliseIp(socket.remoteAddress)}:${socket.remotePort ?? 0}`,
    listener,
    socket,
    localSocket: `${normaliseIp(socket.localAddress)}:${socket.localPort ?? 0}`,
  });
  ctx.registry.addConn(rec);
  (conn as unknown as { accept(s: SimSocket): void }).accept(socket);
  return rec;
}

/** Dials host:port through the router's transport for a connector. rhea's own reconnect is off: connectors.ts retries. */
export function dialConnection(ctx: RouterContext, host: string, port: number, role: ConnRole, connector: string): ConnRecord {
  const identity = ctx.registry.nextId();
  const conn = compactConnection(() => ctx.container.connect({
    ...rheaConnectOptions(ctx.transport, host, port),
    reconnect: false,
    // SASL ANONYMOUS, as a router connector with saslMechanisms ANONYMOUS does (a real interior insists on SASL)
    username: 'anonymous',
    hostname: host,
    properties: routerOpenProperties(ctx, identity),
  } as never));
  captureRawTransfers(conn);
  const rec = newRecord(ctx, conn, identity, { role, dir: 'out', host: `${host}:${port}`, connector });
  rec.socket = socketOf(conn);
  ctx.registry.addConn(rec);
  return rec;
}

export function socketOf(conn: Connection): SimSocket | undefined {
  return (conn as unknown as { socket?: SimSocket }).socket;
}

/** AMQP close, then the stream is ended once the close frame is out. */
export function closeConnection(rec: ConnRecord): void {
  if (rec.closing) return;
  rec.closing = true;
  try {
    rec.conn.close();
  } catch {
    // already closed
  }
  const socket = socketOf(rec.conn) ?? rec.socket;
  // give rhea one turn to write the close frame, then end our side; the peer's end completes the close
  setImmediate(() => {
    if (socket && !socket.destroyed) socket.end();
  });
}

/** The connection drops without a goodbye, as when a router process dies or a network path fails. */
export function abortConnection(rec: ConnRecord): void {
  rec.closing = true;
  const c = rec.conn as unknown as { socket?: SimSocket; abort_socket?: (s: SimSocket) => void };
  const socket = c.socket ?? rec.socket;
  if (!socket) return;
  if (c.socket && typeof c.abort_socket === 'function') {
    // ends and destroys the stream and lets rhea process the disconnect (a bare destroy() would go unnoticed by rhea)
    c.abort_socket(c.socket);
  } else {
    socket.destroy();
  }
}

function normaliseIp(addr: string | undefined): string {
  if (!addr) return '127.0.0.1';
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
