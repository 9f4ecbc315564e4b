/**
 * The manager's HTTP listen address: `HOST:PORT`, `[IPv6]:PORT` or `PORT` alone (host 127.0.0.1); port 0 picks a
 * free port. And the URLs of a bound address (IPv6 hosts in brackets).
 */
import { InvalidArgumentError } from 'commander';
import { EcnError } from '../errors.js';

export interface HttpAddress { host: string; port: number }

export const DEFAULT_HTTP_HOST = '127.0.0.1';

/** Parses a listen address; throws ECN_CLI_USAGE naming the expected form. */
export function parseHttpAddress(value: string): HttpAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value) ?? (/^\d{1,5}$/.test(value) ? [value, undefined, DEFAULT_HTTP_HOST, value] : null);
  if (!m) {
    throw new EcnError('ECN_CLI_USAGE', `'${value}' is not HOST:PORT`, { hint: 'give e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080 or 8080 (port 0 picks a free port)' });
  }
  const port = Number(m[3]);
  if (port > 65535) throw new EcnError('ECN_CLI_USAGE', `'${value}': port ${port} is out of range`, { hint: 'give a port from 0 to 65535 (0 picks a free port)' });
  return { host: (m[1] ?? m[2]) as string, port };
}

/** `host:port` for a URL: IPv6 literals in brackets. */
export function urlHost(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The `--http` option's parser for commander: a bad value becomes a usage error naming the expected form. */
export function httpAddressArgument(value: string): HttpAddress {
  try {
    return parseHttpAddress(value);
  } catch (err) {
    const e = err as EcnError;
    throw new InvalidArgumentError(`${e.message}: expected HOST:PORT; ${e.hint}.`);
  }
}
