/**
 * The Python agent's entity cache (agent.py `EntityCache`): one ordered list of every entity it holds, whatever the
 * type, searched by attribute value. Names are checked for uniqueness across this whole list (schema.py
 * `validate_add`), which is why a listener and a connector cannot share a name.
 *
 * The real cache is a Python list searched linearly, and so is this one while it is small (an edge router holds
 * about fifty entities, and ten thousand of them share a process: memory matters more than lookups there). Past
 * INDEX_FROM entities (an interior holding thousands of tcp bridges) the searches the manager makes on every request
 * go through indexes: by name or identity (READ, UPDATE, DELETE, the uniqueness check of a CREATE) and by type
 * (QUERY). The list order is kept either way, since QUERY answers in insertion order. An index entry is only a
 * candidate: attributes can be replaced (UPDATE) or refreshed in place, so every hit is checked against the entity's
 * current value, and `reindex` follows a replacement.
 */
import { PyValidationError } from './agent-errors.js';
import { entityStr, type PyEntity } from './python-entities.js';
import { pyEquals } from './python-repr.js';
import { isA, type EntityTypeDef } from './schema.js';

/** the attributes looked up by value on (nearly) every request */
const INDEXED = ['name', 'identity'] as const;
type Indexed = (typeof INDEXED)[number];

/** table size from which lookups are indexed */
export const INDEX_FROM = 256;

interface Indexes {
  /** per exact type name, insertion-ordered */
  byType: Map<string, Set<PyEntity>>;
  /** string value of name / identity → the entities that had it when (re)indexed */
  byValue: Record<Indexed, Map<string, Set<PyEntity>>>;
  /** what each entity was indexed under, to unindex it */
  indexedAs: Map<PyEntity, Partial<Record<Indexed, string>>>;
}

export class EntityTable {
  /** insertion order: an array while small, a set (O(1) removal) once indexed */
  private list: PyEntity[] | Set<PyEntity> = [];
  private ix: Indexes | undefined;

  get entities(): readonly PyEntity[] {
    return Array.isArray(this.list) ? this.list : [...this.list];
  }

  get size(): number {
    return Array.isArray(this.list) ? this.list.length : this.list.size;
  }

  /** whether lookups go through indexes (the table grew past INDEX_FROM) */
  get indexed(): boolean {
    return this.ix !== undefined;
  }

  add(e: PyEntity): void {
    if (Array.isArray(this.list)) {
      this.list.push(e);
      if (this.list.length >= INDEX_FROM) this.buildIndexes();
      return;
    }
    this.list.add(e);
    this.index(e);
  }

  remove(e: PyEntity): void {
    if (Array.isArray(this.list)) {
      const i = this.list.indexOf(e);
      if (i >= 0) this.list.splice(i, 1);
      return;
    }
    if (!this.list.delete(e)) return;
    this.unindex(e);
  }

  /** Call after an entity's attributes object was replaced or its name/identity changed. */
  reindex(e: PyEntity): void {
    if (!this.ix || !(this.list as Set<PyEntity>).has(e)) return;
    // by value only: its place in its type's bucket (the list order) stays
    this.unindexValues(e);
    this.indexValues(e);
  }

  /** Entities whose attribute `key` equals `value` (Python `attributes.get(k) == v`), in list order. */
  findBy(key: string, value: unknown): PyEntity[] {
    if (this.ix && (key === 'name' || key === 'identity') && typeof value === 'string') {
      // a str equals only a str in Python, so string-valued hits are all there is; check them as they are now
      const hits = [...(this.ix.byValue[key].get(value) ?? [])].filter((e) => e.attributes[key] === value);
      if (hits.length <= 1) return hits;
      return [...this.list].filter((e) => hits.includes(e));
    }
    return [...this.list].filter((e) => pyEquals(e.attributes[key] ?? null, value));
  }

  /** Entities of a type or of its subtypes, in list order (Python `map_type`); all of them without a type. */
  ofType(type: EntityTypeDef | undefined): PyEntity[] {
    if (!type) return [...this.list];
    if (this.ix) {
      let only: Set<PyEntity> | undefined;
      let buckets = 0;
      for (const bucket of this.ix.byType.values()) {
        const t = bucket.values().next().value!.type;
        if (isA(t, type)) { only = bucket; buckets++; }
      }
      if (buckets === 0) return [];
      if (buckets === 1) return [...only!];
    }
    return [...this.list].filter((e) => isA(e.type, type));
  }

  /**
   * Python `Schema.validate_add` after validation: singleton types admit one entity, and every unique attribute
   * the new entity carries must differ from that attribute of every other entity (of any type).
   */
  checkUnique(e: PyEntity): void {
    const unique = [...e.type.attributes.values()].filter((a) => a.unique && a.name in e.attributes);
    if (unique.length === 0 && !e.type.singleton) return;
    let candidates: Iterable<PyEntity> = this.list;
    const ix = this.ix;
    if (ix && !e.type.singleton && unique.every((a) => (a.name === 'name' || a.name === 'identity') && typeof e.attributes[a.name] === 'string')) {
      const hits = new Set<PyEntity>();
      for (const a of unique) for (const other of ix.byValue[a.name as Indexed].get(e.attributes[a.name] as string) ?? []) hits.add(other);
      hits.delete(e);
      // more than one clash: report the first in list order, as the linear search does
      candidates = hits.size <= 1 ? hits : [...this.list].filter((o) => hits.has(o));
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

  private buildIndexes(): void {
    const entities = this.list as PyEntity[];
    this.list = new Set(entities);
    this.ix = { byType: new Map(), byValue: { name: new Map(), identity: new Map() }, indexedAs: new Map() };
    for (const e of entities) this.index(e);
  }

  private index(e: PyEntity): void {
    const ix = this.ix!;
    let bucket = ix.byType.get(e.type.name);
    if (!bucket) { bucket = new Set(); ix.byType.set(e.type.name, bucket); }
    bucket.add(e);
    this.indexValues(e);
  }

  private indexValues(e: PyEntity): void {
    const ix = this.ix!;
    const as: Partial<Record<Indexed, string>> = {};
    for (const k of INDEXED) {
      const v = e.attributes[k];
      if (typeof v !== 'string') continue;
      as[k] = v;
      let set = ix.byValue[k].get(v);
      if (!set) { set = new Set(); ix.byValue[k].set(v, set); }
      set.add(e);
    }
    ix.indexedAs.set(e, as);
  }

  private unindex(e: PyEntity): void {
    const ix = this.ix!;
    const bucket = ix.byType.get(e.type.name);
    bucket?.delete(e);
    if (bucket?.size === 0) ix.byType.delete(e.type.name);
    this.unindexValues(e);
  }

  private unindexValues(e: PyEntity): void {
    const ix = this.ix!;
    const as = ix.indexedAs.get(e);
    if (!as) return;
    ix.indexedAs.delete(e);
    for (const k of INDEXED) {
      const v = as[k];
      if (v === undefined) continue;
      const set = ix.byValue[k].get(v);
      set?.delete(e);
      if (set?.size === 0) ix.byValue[k].delete(v);
    }
  }
}
