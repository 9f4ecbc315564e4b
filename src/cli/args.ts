/**
 * Parsers for command-line values. Each throws InvalidArgumentError with a message that says what is wrong and what
 * is expected; commander prefixes it with the option name.
 */
import { InvalidArgumentError } from 'commander';
import { ROUTER_ID_PATTERN, type Flavor } from '../router/protocol.js';
import { parseRouterUrl as parseClientRouterUrl } from '../router/connect-options.js';
import type { EcnError } from '../errors.js';

export function parsePort(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a port number: give an integer from 0 to 65535 (0 picks a free port).`);
  const n = Number(value);
  if (n > 65535) throw new InvalidArgumentError(`${n} is out of range: give a port from 0 to 65535 (0 picks a free port).`);
  return n;
}

export function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`'${value}' is not a positive integer.`);
  return Number(value);
}

export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a whole number (0 or more).`);
  return Number(value);
}

export function parseRouterId(value: string): string {
  if (!ROUTER_ID_PATTERN.test(value)) {
    throw new InvalidArgumentError(`'${value}' is not usable as a router id: use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit.`);
  }
  return value;
}

export interface HostPort { host: string; port: number }

/** `HOST:PORT`, `[::1]:PORT` or `PORT` alone (host 127.0.0.1). */
export function parseHostPort(value: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(value) ?? (/^(\d+)$/.test(value) ? [value, undefined, '127.0.0.1', value] : null);
  if (!m) throw new InvalidArgumentError(`'${value}' is not HOST:PORT (e.g. 127.0.0.1:45672 or [::1]:45672).`);
  const port = Number(m[3]);
  if (port < 1 || port > 65535) throw new InvalidArgumentError(`'${value}': port ${port} is out of range 1-65535.`);
  return { host: (m[1] ?? m[2]) as string, port };
}

export function parseFlavor(value: string): Flavor {
  if (value === 'qdrouterd' || value === 'skupper') return value;
  throw new InvalidArgumentError(`'${value}' is not a router flavor: use qdrouterd or skupper.`);
}

/** An AMQP URL of a router: amqp://HOST:PORT or amqps://HOST:PORT, checked by the client's own parser. */
export function parseRouterUrl(value: string): string {
  try {
    parseClientRouterUrl(value);
  } catch (err) {
    const e = err as EcnError;
    throw new InvalidArgumentError(`${e.message}${e.hint ? `: ${e.hint}` : ''}.`);
  }
  return value;
}

/**
 * `key=value` attribute pairs for a management body. Values are JSON when they parse as JSON (numbers, true/false,
 * null, quoted strings, lists, maps), otherwise the plain string: `port=5672` sends an integer, `port='"5672"'` a
 * string. The routers' Python agent coerces either; the C agent needs proper types.
 */
export function parseAttributes(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`'${pair}' is not an attribute: write key=value (e.g. host=127.0.0.1 port=5672).`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (Object.prototype.hasOwnProperty.call(out, key)) throw new InvalidArgumentError(`attribute '${key}' is given twice: give it once.`);
    out[key] = parseValue(raw);
  }
  return out;
}

function parseValue(raw: string): unknown {
  if (raw === '') return '';
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export function parseAttributeNames(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new InvalidArgumentError(`'${value}' names no attributes: give a comma-separated list, e.g. name,host,port.`);
  return names;
}
