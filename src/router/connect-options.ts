/**
 * Router URLs and the connection options derived from them: transport (TCP or TLS), SASL mechanism and the rhea
 * options they map to. Nothing here opens a socket. Secrets (the PLAIN password, a TLS key) never appear in
 * anything `describeEndpoint` returns, so the result is safe to log.
 */
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { ConnectionOptions as RheaConnectionOptions, Container } from 'rhea';
import { coalesceWrites } from '../amqp/coalesce-writes.js';
import { ManagementError } from './management-error.js';

export const AMQP_PORT = 5672;
export const AMQPS_PORT = 5671;

export interface RouterEndpoint {
  scheme: 'amqp' | 'amqps';
  host: string;
  port: number;
  /** user and password given in the URL (`amqp://user:pass@host`): they select SASL PLAIN unless `sasl` says otherwise */
  username?: string;
  password?: string;
}

/** TLS settings; any of them (or an `amqps:` URL) turns TLS on. Values are what `tls.connect` takes. */
export interface TlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** SNI and the name the certificate must match; defaults to the URL host */
  servername?: string;
  /** default true: the router's certificate must verify against `ca` (or the system CAs) */
  rejectUnauthorized?: boolean;
}

export type SaslOptions =
  | { mechanism: 'ANONYMOUS' }
  | { mechanism: 'PLAIN'; username: string; password: string }
  /** the TLS client certificate is the identity: needs `tls.cert` + `tls.key` */
  | { mechanism: 'EXTERNAL' }
  /** no SASL layer at all (plain AMQP header); only for peers that require it */
  | { mechanism: 'NONE' };

/** `amqp://host:port`, `amqps://host`, `amqp://user:pass@[::1]:5672`; a bare `host:port` means amqp. */
export function parseRouterUrl(url: string): RouterEndpoint {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', 'router URL is empty', { hint: 'give amqp://host:port or amqps://host:port' });
  }
  const text = url.includes('://') ? url.trim() : `amqp://${url.trim()}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch (cause) {
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', `router URL '${redactUrl(url)}' is not a URL`, { hint: 'give amqp://host:port or amqps://host:port', cause });
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'amqp' && scheme !== 'amqps') {
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', `router URL '${redactUrl(url)}' has scheme '${scheme}'`, { hint: 'only amqp: and amqps: are supported' });
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new ManagementError('ECN_MGMT_BAD_REQUEST', `router URL '${redactUrl(url)}' has no host`, { hint: 'give amqp://host:port' });
  if (u.pathname && u.pathname !== '/') {
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', `router URL '${redactUrl(url)}' has a path ('${u.pathname}')`, { hint: 'a router URL is only scheme://host:port; choose the target agent per request' });
  }
  const port = u.port === '' ? (scheme === 'amqps' ? AMQPS_PORT : AMQP_PORT) : Number(u.port);
  const ep: RouterEndpoint = { scheme, host, port };
  if (u.username) ep.username = decodeURIComponent(u.username);
  if (u.password) ep.password = decodeURIComponent(u.password);
  return ep;
}

/** `host:port` (IPv6 hosts in brackets), the name the client uses for the router in messages. */
export function hostPort(ep: Pick<RouterEndpoint, 'host' | 'port'>): string {
  return ep.host.includes(':') ? `[${ep.host}]:${ep.port}` : `${ep.host}:${ep.port}`;
}

/** The URL with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return String(url).replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1[redacted]@');
}

export interface ResolvedConnectOptions {
  endpoint: RouterEndpoint;
  tls: TlsOptions | undefined;
  sasl: SaslOptions;
}

/** Decides transport and SASL from the URL and the explicit options (explicit options win). */
export function resolveConnectOptions(url: string, opts: { tls?: TlsOptions; sasl?: SaslOptions } = {}): ResolvedConnectOptions {
  const endpoint = parseRouterUrl(url);
  const tls = opts.tls || endpoint.scheme === 'amqps' ? { ...opts.tls } : undefined;
  let sasl: SaslOptions;
  if (opts.sasl) sasl = opts.sasl;
  else if (endpoint.username !== undefined && endpoint.password !== undefined) {
    sasl = { mechanism: 'PLAIN', username: endpoint.username, password: endpoint.password };
  } else sasl = { mechanism: 'ANONYMOUS' };
  if (sasl.mechanism === 'PLAIN' && (typeof sasl.username !== 'string' || typeof sasl.password !== 'string')) {
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', 'SASL PLAIN needs a username and a password', { router: hostPort(endpoint) });
  }
  if (sasl.mechanism === 'EXTERNAL' && !(tls && tls.cert && tls.key)) {
    throw new ManagementError('ECN_MGMT_BAD_REQUEST', `SASL EXTERNAL to ${hostPort(endpoint)} needs TLS with a client certificate`, {
      router: hostPort(endpoint),
      hint: 'set tls.cert and tls.key (and tls.ca to verify the router)',
    });
  }
  return { endpoint, tls, sasl };
}

/** What to log about a connection: never the password or key material. */
export function describeEndpoint(r: ResolvedConnectOptions): Record<string, unknown> {
  const d: Record<string, unknown> = { router: hostPort(r.endpoint), tls: r.tls !== undefined, sasl: r.sasl.mechanism };
  if (r.sasl.mechanism === 'PLAIN') d.username = r.sasl.username;
  if (r.tls?.servername) d.servername = r.tls.servername;
  return d;
}

export interface RheaTuning {
  containerId: string;
  idleTimeoutMs?: number;
  maxFrameSize?: number;
}

/**
 * The options for `container.connect`. rhea's own reconnect is always off: the client reconnects itself so that
 * backoff runs on the injected clock and each attempt starts from fresh links (and so a fresh reply address).
 */
export function toRheaOptions(r: ResolvedConnectOptions, container: Container, tuning: RheaTuning): RheaConnectionOptions {
  const o: Record<string, unknown> = {
    host: r.endpoint.host,
    port: r.endpoint.port,
    container_id: tuning.containerId,
    reconnect: false,
    // request/response traffic: Nagle would hold a small request back until the router ACKs the previous segment,
    // which a delayed ACK can make 40–200 ms
    tcp_no_delay: true,
    // The router's hostname check (vhost policies) uses the open frame's hostname; the URL host is what the user typed.
    hostname: r.endpoint.host,
  };
  // every frame rhea encodes is its own write(); one writev per event-loop turn halves the router's reads (and ours)
  const dial = (r.tls ? tls.connect : net.connect) as unknown as (...args: unknown[]) => Socket;
  o.connect = function connect(...args: unknown[]): Socket { return coalesceWrites(dial(...args)); };
  if (tuning.idleTimeoutMs !== undefined && tuning.idleTimeoutMs > 0) o.idle_time_out = tuning.idleTimeoutMs;
  if (tuning.maxFrameSize !== undefined) o.max_frame_size = tuning.maxFrameSize;
  if (r.tls) {
    o.transport = 'tls';
    const t = r.tls;
    if (t.ca !== undefined) o.ca = t.ca;
    if (t.cert !== undefined) o.cert = t.cert;
    if (t.key !== undefined) o.key = t.key;
    if (t.passphrase !== undefined) o.passphrase = t.passphrase;
    // SNI must not carry an IP address (RFC 6066); an empty servername stops rhea from filling in the host, and
    // node then checks the certificate against the host (its IP SANs) as it should.
    o.servername = t.servername ?? (isIpAddress(r.endpoint.host) ? '' : r.endpoint.host);
    o.rejectUnauthorized = t.rejectUnauthorized ?? true;
  }
  // Build the SASL mechanism list ourselves: rhea only adds a SASL layer when a username is set, and picks EXTERNAL
  // only under conditions of its own. Explicit is predictable.
  if (r.sasl.mechanism !== 'NONE') {
    const mechs = container.sasl.client_mechanisms();
    if (r.sasl.mechanism === 'PLAIN') mechs.enable_plain(r.sasl.username, r.sasl.password);
    else if (r.sasl.mechanism === 'EXTERNAL') mechs.enable_external();
    else mechs.enable_anonymous('anonymous');
    o.sasl_mechanisms = mechs;
    o.sasl_init_hostname = r.endpoint.host;
  }
  return o as unknown as RheaConnectionOptions;
}

function isIpAddress(host: string): boolean {
  return /^[0-9.]+$/.test(host) || host.includes(':');
}
