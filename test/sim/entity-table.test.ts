/**
 * The Python agent's entity cache answers the same whether it searches linearly (small tables) or through its
 * indexes (past INDEX_FROM entities): a random sequence of adds, removes and renames is replayed on the table and
 * on a plain list, and every lookup is compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntityTable, INDEX_FROM } from '../../sim/router/entity-table.js';
import type { PyEntity } from '../../sim/router/python-entities.js';
import type { AttributeDef, EntityTypeDef } from '../../sim/router/schema.js';

function typeDef(short: string, bases: string[] = ['org.apache.qpid.dispatch.configurationEntity', 'org.apache.qpid.dispatch.entity'], singleton = false): EntityTypeDef {
  const attr = (name: string, unique: boolean): AttributeDef => ({ name, unique } as unknown as AttributeDef);
  return {
    name: `org.apache.qpid.dispatch.${short}`, key: short, shortName: short,
    attributes: new Map([['name', attr('name', true)], ['identity', attr('identity', true)], ['port', attr('port', false)]]),
    deprecatedAttributes: new Map(), operations: ['CREATE', 'READ', 'UPDATE', 'DELETE'], bases, description: '',
    singleton, referential: false, deprecated: false,
  };
}

const listener = typeDef('listener');
const connector = typeDef('connector');
const tcpListener = typeDef('tcpListener');
const configurationEntity = { ...typeDef('configurationEntity', ['org.apache.qpid.dispatch.entity']) };
const TYPES = [listener, connector, tcpListener];

/** a small deterministic generator (the test must not depend on Math.random) */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; };
}

test(`indexed lookups (past ${INDEX_FROM} entities) equal linear ones through adds, removes and renames`, () => {
  const table = new EntityTable();
  const reference: PyEntity[] = [];
  const next = rng(7);
  let id = 0;
  const add = (): void => {
    const type = TYPES[Math.floor(next() * TYPES.length)]!;
    const n = id++;
    const e: PyEntity = { type, attributes: { type: type.name, name: `e${n % 997}`, identity: `${type.shortName}/${n}`, port: n } };
    try {
      table.checkUnique(e);
    } catch {
      // the reference must agree that some entity already has this name
      assert.ok(reference.some((o) => o.attributes.name === e.attributes.name), 'a clash the reference does not see');
      return;
    }
    assert.ok(!reference.some((o) => o.attributes.name === e.attributes.name), `checkUnique missed a duplicate name ${String(e.attributes.name)}`);
    table.add(e);
    reference.push(e);
  };
  let sawIndexed = false;
  for (let step = 0; step < 3000; step++) {
    const r = next();
    if (r < 0.6 || reference.length < 10) add();
    else if (r < 0.8) {
      const victim = reference[Math.floor(next() * reference.length)]!;
      table.remove(victim);
      reference.splice(reference.indexOf(victim), 1);
    } else {
      // an UPDATE replaces the attributes object, possibly with a new name
      const e = reference[Math.floor(next() * reference.length)]!;
      const name = `r${step}`;
      e.attributes = { ...e.attributes, name };
      table.reindex(e);
    }
    sawIndexed ||= table.indexed;
    if (step % 50 === 0) {
      assert.deepEqual(table.entities, reference);
      for (const t of [...TYPES, configurationEntity]) assert.deepEqual(table.ofType(t), reference.filter((e) => e.type.name === t.name || e.type.bases.includes(t.name)), `ofType ${t.shortName}`);
      for (let k = 0; k < 20; k++) {
        const probe = reference[Math.floor(next() * reference.length)]!;
        for (const key of ['name', 'identity'] as const) {
          assert.deepEqual(table.findBy(key, probe.attributes[key]), reference.filter((e) => e.attributes[key] === probe.attributes[key]), `findBy ${key}`);
        }
      }
      assert.deepEqual(table.findBy('name', 'no-such-name'), []);
      assert.deepEqual(table.findBy('port', 5), reference.filter((e) => e.attributes.port === 5));
    }
  }
  assert.ok(sawIndexed, 'the table never grew past the index threshold: the test did not exercise the indexes');
  assert.equal(table.size, reference.length);
});

test('a small table stays a plain list (no index memory for the thousands of edge routers in one process)', () => {
  const table = new EntityTable();
  for (let i = 0; i < INDEX_FROM - 1; i++) table.add({ type: listener, attributes: { name: `l${i}`, identity: `listener/${i}` } });
  assert.equal(table.indexed, false);
  table.add({ type: listener, attributes: { name: 'last', identity: 'listener/last' } });
  assert.equal(table.indexed, true);
  assert.equal(table.findBy('name', 'l3')[0]?.attributes.identity, 'listener/3');
});

test('singletons are still checked once indexed', () => {
  const router = typeDef('router', ['org.apache.qpid.dispatch.entity'], true);
  const table = new EntityTable();
  for (let i = 0; i < INDEX_FROM; i++) table.add({ type: listener, attributes: { type: listener.name, name: `l${i}`, identity: `listener/${i}` } });
  table.add({ type: router, attributes: { type: router.name, name: 'r', identity: 'router/1' } });
  assert.throws(() => table.checkUnique({ type: router, attributes: { type: router.name, name: 'r2', identity: 'router/2' } }), /singleton/);
});
