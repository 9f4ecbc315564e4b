import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/clock.js';
import { WorkQueue } from '../../src/kube/work-queue.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a key queued many times runs once', async () => {
  const ran: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const q = new WorkQueue({ concurrency: 1, handler: async (k) => { ran.push(k); if (k === 'blocker') await gate; } });
  q.add('blocker');
  q.add('a'); q.add('a'); q.add('b'); q.add('a');
  assert.equal(q.length, 2);
  release();
  await q.idle();
  assert.deepEqual(ran, ['blocker', 'a', 'b']);
});

test('a key added while it runs runs exactly once more, never concurrently', async () => {
  let running = 0;
  let max = 0;
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const q = new WorkQueue({
    concurrency: 4,
    handler: async () => {
      running++; max = Math.max(max, running); runs++;
      if (runs === 1) await gate;
      running--;
    },
  });
  q.add('k');
  await tick();
  q.add('k'); q.add('k');
  release();
  await q.idle();
  assert.equal(runs, 2);
  assert.equal(max, 1);
});

test('concurrency is bounded across keys', async () => {
  let running = 0;
  let max = 0;
  const q = new WorkQueue({ concurrency: 2, handler: async () => { running++; max = Math.max(max, running); await tick(); running--; } });
  for (let i = 0; i < 10; i++) q.add(`k${i}`);
  await q.idle();
  assert.equal(max, 2);
});

test('failures retry with exponential backoff per key; success resets', async () => {
  const clock = new ManualClock();
  let fails = 3;
  const attempts: number[] = [];
  const q = new WorkQueue({ clock, initialDelayMs: 100, maxDelayMs: 1000, handler: async () => { attempts.push(clock.now()); if (fails-- > 0) throw new Error('boom'); } });
  q.add('x');
  await q.idle();
  assert.equal(q.failuresOf('x'), 1);
  clock.advance(99); await q.idle();
  assert.equal(attempts.length, 1, 'not before the delay');
  clock.advance(1); await q.idle();
  assert.equal(attempts.length, 2);
  clock.advance(200); await q.idle();
  assert.equal(attempts.length, 3);
  clock.advance(400); await q.idle();
  assert.deepEqual(attempts, [0, 100, 300, 700]);
  assert.equal(q.failuresOf('x'), 0);
  assert.equal(q.retryDelay(10), 1000, 'capped');
});

test('an add during a pending retry runs now', async () => {
  const clock = new ManualClock();
  let n = 0;
  const q = new WorkQueue({ clock, initialDelayMs: 10_000, handler: async () => { if (n++ === 0) throw new Error('x'); } });
  q.add('k'); await q.idle();
  q.add('k'); await q.idle();
  assert.equal(n, 2);
  assert.equal(clock.pending(), 0, 'the delayed retry was superseded');
});
