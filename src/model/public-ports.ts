/**
 * Public port allocation: pure and deterministic. Requested numbers are claimed first; then ports allocated before
 * (`previous`) keep their numbers when still free, so adding a port never reshuffles the others; the rest get the
 * lowest free number in the range, in (application, microservice, external port) order.
 */
import type { PublicPort } from './ecn.js';

export interface PublicPortRequest {
  application: string;
  microservice: string;
  agent: string;
  external: number;
  protocol: 'tcp' | 'http';
  /** the number the user fixed, if any */
  requested?: number;
}

export interface AllocationFailure {
  request: PublicPortRequest;
  reason: 'range' | 'conflict' | 'exhausted';
  /** for `conflict`: who holds the number */
  heldBy?: string;
}

export interface AllocationInput {
  range: { start: number; end: number };
  /** numbers not available (reserved ports, listeners on the interior's host), with who holds them */
  taken: ReadonlyMap<number, string>;
  /** the allocation of a previous load, to keep numbers stable */
  previous?: readonly PublicPort[];
}

/** ioFog Controller RESERVED_PORTS */
export const RESERVED_PUBLIC_PORTS: readonly number[] = [54321, 54322];

export const comparePublicPorts = (a: Pick<PublicPort, 'application' | 'microservice' | 'external'>, b: Pick<PublicPort, 'application' | 'microservice' | 'external'>): number =>
  cmp(a.application, b.application) || cmp(a.microservice, b.microservice) || a.external - b.external;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const keyOf = (r: Pick<PublicPort, 'application' | 'microservice' | 'external'>): string => `${r.application}/${r.microservice}:${r.external}`;

export function allocatePublicPorts(requests: readonly PublicPortRequest[], input: AllocationInput): { ports: PublicPort[]; failures: AllocationFailure[] } {
  const { start, end } = input.range;
  const held = new Map<number, string>(input.taken);
  const sorted = [...requests].sort(comparePublicPorts);
  const ports: PublicPort[] = [];
  const failures: AllocationFailure[] = [];
  const make = (r: PublicPortRequest, publicPort: number, requested: boolean): PublicPort => ({
    application: r.application, microservice: r.microservice, agent: r.agent, external: r.external, publicPort, protocol: r.protocol, requested,
  });

  // 1. numbers the user fixed
  for (const r of sorted) {
    if (r.requested === undefined) continue;
    if (r.requested < start || r.requested > end) {
      failures.push({ request: r, reason: 'range' });
      continue;
    }
    const holder = held.get(r.requested);
    if (holder !== undefined) {
      failures.push({ request: r, reason: 'conflict', heldBy: holder });
      continue;
    }
    held.set(r.requested, `public port of ${keyOf(r)}`);
    ports.push(make(r, r.requested, true));
  }

  // 2. numbers allocated before, when still free
  const before = new Map<string, number>();
  for (const p of input.previous ?? []) before.set(keyOf(p), p.publicPort);
  const fresh: PublicPortRequest[] = [];
  for (const r of sorted) {
    if (r.requested !== undefined) continue;
    const n = before.get(keyOf(r));
    if (n !== undefined && n >= start && n <= end && !held.has(n)) {
      held.set(n, `public port of ${keyOf(r)}`);
      ports.push(make(r, n, false));
    } else fresh.push(r);
  }

  // 3. lowest free number
  let next = start;
  for (const r of fresh) {
    while (next <= end && held.has(next)) next++;
    if (next > end) {
      failures.push({ request: r, reason: 'exhausted' });
      continue;
    }
    held.set(next, `public port of ${keyOf(r)}`);
    ports.push(make(r, next, false));
  }
  return { ports: ports.sort(comparePublicPorts), failures };
}
