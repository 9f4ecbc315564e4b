/**
 * The diff of one router: what it has (a QUERY of each owned type) against what it should have (its RouterPlan),
 * as the smallest list of management operations, in an order the router accepts. Pure.
 *
 * Rules (router-management §2.5, §6.2):
 * - only entities whose name starts with OWNER_PREFIX are ours; anything else is never touched;
 * - entities are matched by (type, name); a name that moved to another type is a DELETE of the old type and a
 *   CREATE of the new one, and because every DELETE comes before every CREATE the Python agent's global name
 *   uniqueness check never sees both at once;
 * - a changed entity is UPDATEd only when its type is updatable on this router (and, for tcpListener, only the
 *   `observer` changed); otherwise it is replaced (DELETE then CREATE);
 * - deletes run in reverse TYPE_ORDER (a tcpListener goes before the sslProfile it uses), then creates and
 *   updates in TYPE_ORDER (the sslProfile exists before anything references it).
 */
import { diffAttributes, UPDATABLE_ATTRIBUTES } from './equivalence.js';
import {
  OWNER_PREFIX,
  TYPE_ORDER,
  type DesiredEntity,
  type ManagedType,
  type ObservedEntity,
  type PlanOp,
  type RouterCapabilities,
} from './types.js';

const TCP_TYPES: ReadonlySet<ManagedType> = new Set(['tcpListener', 'tcpConnector']);

export function isOwnedName(name: unknown): name is string {
  return typeof name === 'string' && name.startsWith(OWNER_PREFIX);
}

/** Whether this router has the type at all (tcp bridges are missing in qdrouterd 1.19). */
export function routerHasType(type: ManagedType, caps: RouterCapabilities): boolean {
  return caps.tcpBridges || !TCP_TYPES.has(type);
}

const key = (type: string, name: string): string => `${type}\u0000${name}`;

export function diffRouter(desired: DesiredEntity[], observed: ObservedEntity[], caps: RouterCapabilities): PlanOp[] {
  const want = new Map<string, DesiredEntity>();
  for (const d of desired) {
    // A desired entity without the prefix would never be seen again on read-back and be re-created every pass.
    if (!isOwnedName(d.name) || !routerHasType(d.type, caps)) continue;
    want.set(key(d.type, d.name), d);
  }
  const have = new Map<string, ObservedEntity>();
  for (const o of observed) {
    if (!isOwnedName(o.name)) continue;
    if (!have.has(key(o.type, o.name))) have.set(key(o.type, o.name), o);
  }

  const deletes = new Map<ManagedType, PlanOp[]>();
  const writes = new Map<ManagedType, PlanOp[]>();
  const push = (m: Map<ManagedType, PlanOp[]>, op: PlanOp): void => {
    const list = m.get(op.type);
    if (list) list.push(op);
    else m.set(op.type, [op]);
  };

  for (const [k, o] of have) {
    if (!want.has(k)) push(deletes, { op: 'DELETE', type: o.type, name: o.name, reason: 'unwanted', detail: 'not in the plan' });
  }
  for (const [k, d] of want) {
    const o = have.get(k);
    if (!o) {
      push(writes, { op: 'CREATE', type: d.type, name: d.name, attributes: { ...d.attributes }, reason: 'missing', detail: `for ${d.owner}` });
      continue;
    }
    const { changed, details } = diffAttributes(d.type, d.attributes, o.attributes);
    const names = Object.keys(changed);
    if (names.length === 0) continue;
    const detail = details.join(', ');
    const only = UPDATABLE_ATTRIBUTES[d.type];
    const updatable = caps.updatable.has(d.type) && (only === undefined || names.every((n) => only.has(n)));
    if (updatable) {
      push(writes, { op: 'UPDATE', type: d.type, name: d.name, attributes: changed, reason: 'changed', detail });
    } else {
      push(deletes, { op: 'DELETE', type: d.type, name: d.name, reason: 'changed', detail });
      push(writes, { op: 'CREATE', type: d.type, name: d.name, attributes: { ...d.attributes }, reason: 'changed', detail });
    }
  }

  const ops: PlanOp[] = [];
  for (const t of [...TYPE_ORDER].reverse()) ops.push(...(deletes.get(t) ?? []));
  for (const t of TYPE_ORDER) ops.push(...(writes.get(t) ?? []));
  return ops;
}
