/**
 * The Python agent's entity cache (agent.py `EntityCache`): one ordered list of every entity it holds, whatever the
 * type, searched by attribute value. Names are checked for uniqueness across this whole list (schema.py
 * `validate_add`), which is why a listener and a connector cannot share a name.
 */
import { PyValidationError } from './agent-errors.js';
import { entityStr, type PyEntity } from './python-entities.js';
import { pyEquals } from './python-repr.js';
import { isA, type EntityTypeDef } from './schema.js';

export class EntityTable {
  private readonly list: PyEntity[] = [];

  get entities(): readonly PyEntity[] {
    return this.list;
  }

  add(e: PyEntity): void {
    this.list.push(e);
  }

  remove(e: PyEntity): void {
    const i = this.list.indexOf(e);
    if (i >= 0) this.list.splice(i, 1);
  }

  /** Entities whose attribute `key` equals `value` (Python `attributes.get(k) == v`). */
  findBy(key: string, value: unknown): PyEntity[] {
    return this.list.filter((e) => pyEquals(e.attributes[key] ?? null, value));
  }

  /** Entities of a type or of its subtypes, in list order (Python `map_type`); all of them without a type. */
  ofType(type: EntityTypeDef | undefined): PyEntity[] {
    return type ? this.list.filter((e) => isA(e.type, type)) : [...this.list];
  }

  /**
   * Python `Schema.validate_add` after validation: singleton types admit one entity, and every unique attribute
   * the new entity carries must differ from that attribute of every other entity (of any type).
   */
  checkUnique(e: PyEntity): void {
    const unique = [...e.type.attributes.values()].filter((a) => a.unique && a.name in e.attributes);
    if (unique.length === 0 && !e.type.singleton) return;
    for (const other of this.list) {
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
}
