/**
 * The consumers attached at this router: local names (`$management`, dynamic reply addresses `temp.<x>`, TCP flow
 * addresses) and mobile subscriptions (a client receiver on `some/address`, a tcpConnector's address). Several
 * consumers of one mobile address take turns (anycast, balanced).
 */
import type { LocalConsumer } from './forwarding.js';

export interface Subscription {
  consumer: LocalConsumer;
  /** in-process consumers (the agent, TCP adaptors) vs. links of clients: router.address inProcess */
  inProcess: boolean;
}

export class AddressTable {
  private readonly locals = new Map<string, Subscription[]>();
  private readonly mobiles = new Map<string, Subscription[]>();
  private readonly turn = new Map<string, number>();
  /** called when the set of mobile addresses changes (an edge reports it to its interior, an interior floods it) */
  onMobileChange: () => void = () => undefined;

  addLocal(name: string, sub: Subscription): () => void {
    return add(this.locals, name, sub, () => undefined);
  }

  addMobile(address: string, sub: Subscription): () => void {
    const first = !this.mobiles.has(address);
    const remove = add(this.mobiles, address, sub, () => this.onMobileChange());
    if (first) this.onMobileChange();
    return remove;
  }

  local(name: string): LocalConsumer | undefined {
    return this.pick(this.locals, `L${name}`, name);
  }

  mobile(address: string): LocalConsumer | undefined {
    return this.pick(this.mobiles, `M${address}`, address);
  }

  localNames(): Array<[string, Subscription[]]> {
    return [...this.locals.entries()];
  }

  mobileAddresses(): Array<[string, Subscription[]]> {
    return [...this.mobiles.entries()];
  }

  clear(): void {
    this.locals.clear();
    this.mobiles.clear();
    this.turn.clear();
  }

  private pick(table: Map<string, Subscription[]>, turnKey: string, key: string): LocalConsumer | undefined {
    const subs = table.get(key);
    if (!subs || subs.length === 0) return undefined;
    const i = (this.turn.get(turnKey) ?? 0) % subs.length;
    this.turn.set(turnKey, i + 1);
    return subs[i]!.consumer;
  }
}

function add(table: Map<string, Subscription[]>, key: string, sub: Subscription, onEmptied: () => void): () => void {
  const list = table.get(key) ?? [];
  list.push(sub);
  table.set(key, list);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const cur = table.get(key);
    if (!cur) return;
    const i = cur.indexOf(sub);
    if (i >= 0) cur.splice(i, 1);
    if (cur.length === 0) {
      table.delete(key);
      onEmptied();
    }
  };
}
