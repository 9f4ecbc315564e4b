/**
 * Access checks of the manager's HTTP API: the bearer token (Authorization: Bearer T, or ?token=T for browsers and
 * WebSocket clients that cannot set headers) and the Origin of browser requests.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The token a request presents, from the Authorization header or the `token` query parameter. */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  return url.searchParams.get('token') ?? undefined;
}

/** Compares in constant time (of the hashes), so the answer's timing tells nothing about the token. */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/**
 * Whether a browser request from `origin` may use the API: requests without an Origin header (curl, the CLI) and
 * same-origin requests (the viewer served by this port) always may; others only when listed in `allowed`
 * (`*` allows every origin).
 */
export function originAllowed(req: IncomingMessage, allowed: readonly string[] | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowed?.includes('*') || allowed?.includes(origin)) return true;
  const host = req.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

const LOOPBACK_NAME = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * DNS rebinding guard for a port bound to loopback: a page of another site whose name was made to resolve to
 * 127.0.0.1 sends its own name in Host (and a matching Origin, so the origin check alone would pass). Only loopback
 * names, and the hosts of explicitly allowed origins, are accepted.
 */
export function hostAllowed(req: IncomingMessage, allowedOrigins: readonly string[] | undefined): boolean {
  const host = req.headers.host;
  if (host === undefined) return true; // HTTP/1.0 clients; browsers always send Host
  if (LOOPBACK_NAME.test(host)) return true;
  for (const o of allowedOrigins ?? []) {
    if (o === '*') return true;
    try {
      if (new URL(o).host.toLowerCase() === host.toLowerCase()) return true;
    } catch {
      // not a URL: cannot match a host
    }
  }
  return false;
}
