import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { coalesceWrites } from '../../src/amqp/coalesce-writes.js';

function fakeSocket() {
  const log: string[] = [];
  return {
    log,
    write(chunk: unknown) { log.push(`write ${String(chunk)}`); return true; },
    cork() { log.push('cork'); },
    uncork() { log.push('uncork'); },
  };
}

test('writes of one event-loop turn go out under one cork, in order', async () => {
  const s = coalesceWrites(fakeSocket());
  s.write('a');
  s.write('b');
  s.write('c');
  assert.deepEqual(s.log, ['cork', 'write a', 'write b', 'write c']);
  await tick();
  assert.deepEqual(s.log.slice(4), ['uncork']);
  s.write('d');
  await tick();
  assert.deepEqual(s.log.slice(5), ['cork', 'write d', 'uncork']);
});

test('wrapping twice does not cork twice', async () => {
  const s = coalesceWrites(coalesceWrites(fakeSocket()));
  s.write('x');
  await tick();
  assert.deepEqual(s.log, ['cork', 'write x', 'uncork']);
});
