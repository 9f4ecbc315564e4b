/**
 * The Python agent's entity cache (agent.py `EntityCache`): one ordered list of every entity it holds, whatever the
 * type, searched by attribute value. Names are checked for uniqueness across this whole list (schema.py
 * `validate_add`), which is why a listener and a connector cannot share a name.
 *
 * The real cache is a Python list searched linearly. Here the order is kept (QUERY answers in insertion order) but
 * the searches the manager makes on every request (by name or identity, the uniqueness check of a CREATE, the
 * entities of one type) go through indexes, so an interior holding ten thousand tcp bridges answers a READ or a
 * CREATE in constant time. An index entry is only a candidate: attributes can be replaced (UPDATE) or refreshed in
 * place, so every hit is checked against the entity's current value, and `reindex` follows a replacement.
 */
import { PyValidationError } from './agent-errors.js';
import { entityStr, type PyEntity } from './python-entities.js';
import { pyEquals } from './python-repr.js';
import { isA, type EntityTypeDef } from './schema.js';

/** the attributes looked up by value on (nearly) every request */
const INDEXED = ['name', 'identity'] as const;
type Indexed = (typeof INDEXED)[number];

export class EntityTable {
  /** insertion-ordered, like the Python list */
  private readonly all = new Set<PyEntity>();
  /** per exact type name, insertion-ordered */
  private readonly byType = new Map<string, Set<PyEntity>>();
  /** string value of name / identity → the entities that had it when (re)indexed */
  private readonly byValue: Record<Indexed, Map<string, Set<PyEntity>>> = { name: new Map(), identity: new Map() };
  /** what each entity was indexed under, to unindex it */
  private readonly indexedAs = new Map<PyEntity, Partial<Record<Indexed, string>>>();

  get entities(): readonly PyEntity[] {
    return [...this.all];
  }

  get size(): number {
    return this.all.size;
  }

  add(e: PyEntity): void {
    this.all.add(e);
    let bucket = this.byType.get(e.type.name);
    if (!bucket) { bucket = new Set(); this.byType.set(e.type.name, bucket); }
    bucket.add(e);
    this.index(e);
  }

  remove(e: PyEntity): void {
    if (!this.all.delete(e)) return;
    const bucket = this.byType.get(e.type.name);
    bucket?.delete(e);
    if (bucket?.size === 0) this.byType.delete(e.type.name);
    this.unindex(e);
  }

  /** Call after an entity's attributes object was replaced or its name/identity changed. */
  reindex(e: PyEntity): void {
    if (!this.all.has(e)) return;
    this.unindex(e);
    this.index(e);
  }

  /** Entities whose attribute `key` equals `value` (Python `attributes.get(k) == v`), in list order. */
  findBy(key: string, value: unknown): PyEntity[] {
    if ((key === 'name' || key === 'identity') && typeof value === 'string') {
      // a str equals only a str in Python, so string-valued hits are all there is; check them as they are now
      const hits = [...(this.byValue[key].get(value) ?? [])].filter((e) => e.attributes[key] === value);
      if (hits.length <= 1) return hits;
      return [...this.all].filter((e) => hits.includes(e));
    }
    return [...this.all].filter((e) => pyEquals(e.attributes[key] ?? null, value));
  }

  /** Entities of a type or of its subtypes, in list order (Python `map_type`); all of them without a type. */
  ofType(type: EntityTypeDef | undefined): PyEntity[] {
    if (!type) return [...this.all];
    let only: Set<PyEntity> | undefined;
    let buckets = 0;
    for (const [name, bucket] of this.byType) {
      const t = bucket.values().next().value!.type;
      if (name === type.name || isA(t, type)) { only = bucket; buckets++; }
    }
    if (buckets === 0) return [];
    if (buckets === 1) return [...only!];
    return [...this.all].filter((e) => isA(e.type, type));
  }

  /**
   * Python `Schema.validate_add` after validation: singleton types admit one entity, and every unique attribute
   * the new entity carries must differ from that attribute of every other entity (of any type).
   */
  checkUnique(e: PyEntity): void {
    const unique = [...e.type.attributes.values()].filter((a) => a.unique && a.name in e.attributes);
    if (unique.length === 0 && !e.type.singleton) return;
    const indexedOnly = !e.type.singleton && unique.every((a) => (a.name === 'name' || a.name === 'identity') && typeof e.attributes[a.name] === 'string');
    let candidates: Iterable<PyEntity> = this.all;
    if (indexedOnly) {
      const hits = new Set<PyEntity>();
      for (const a of unique) for (const other of this.byValue[a.name as Indexed].get(e.attributes[a.name] as string) ?? []) hits.add(other);
      hits.delete(e);
      // more than one clash: report the first in list order, as the linear search would
      candidates = hits.size <= 1 ? hits : [...this.all].filter((o) => hits.has(o));
    }
    for (const other of candidates) {
      if (other === e) continue;
      if (e.type.singleton && e.attributes.type === other.attributes.type) {
        throw new PyValidationError(`Adding ${String(e.attributes.type)} singleton ${entityStr(e)} when ${entityStr(other)} already exists`);
      }
      for (const a of unique) {
        const mine = e.attributes[a.name];
        const theirs = other.attributes[a.name];
        // names and identities are strings: compare them directly, Python's equality only for anything else
        const equal = typeof mine === 'string' && typeof theirs === 'string' ? mine === theirs : a.name in other.attributes && pyEquals(mine, theirs);
        if (equal) {
          throw new PyValidationError(`adding ${entityStr(e)} duplicates unique attribute '${a.name}' from existing ${entityStr(other)}`);
        }
      }
    }
  }

  private index(e: PyEntity): void {
    const as: Partial<Record<Indexed, string>> = {};
    for (const k of INDEXED) {
      const v = e.attributes[k];
      if (typeof v !== 'string') continue;
      as[k] = v;
      let set = this.byValue[k].get(v);
      if (!set) { set = new Set(); this.byValue[k].set(v, set); }
      set.add(e);
    }
    this.indexedAs.set(e, as);
  }

  private unindex(e: PyEntity): void {
    const as = this.indexedAs.get(e);
    if (!as) return;
    this.indexedAs.delete(e);
    for (const k of INDEXED) {
      const v = as[k];
      if (v === undefined) continue;
      const set = this.byValue[k].get(v);
      set?.delete(e);
      if (set?.size === 0) this.byValue[k].delete(v);
    }
  }
}
