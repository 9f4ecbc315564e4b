/**
 * Waiting in tests without sleeping: every wait has a deadline and fails with a message naming what it waited for.
 */
import type { EventEmitter } from 'node:events';

/** Resolves with the first emission of `event` (its arguments); rejects after `ms`. */
export function nextEvent<T extends unknown[] = unknown[]>(emitter: EventEmitter | { once: EventEmitter['once']; off: EventEmitter['off'] }, event: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onEvent = (...args: unknown[]) => { clearTimeout(timer); resolve(args as T); };
    const timer = setTimeout(() => { emitter.off(event, onEvent); reject(new Error(`no '${event}' event within ${ms} ms`)); }, ms);
    emitter.once(event, onEvent);
  });
}

/** Re-checks `pred` every few milliseconds until it holds; rejects after `ms`. For state with no event to wait on. */
export async function eventually(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** The rejection of `p` (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection, got a resolution');
}

/** A settled-state probe: `isSettled()` turns true once `p` resolves or rejects (without handling its error). */
export function track<T>(p: Promise<T>): { promise: Promise<T>; isSettled: () => boolean } {
  let settled = false;
  p.then(() => { settled = true; }, () => { settled = true; });
  return { promise: p, isSettled: () => settled };
}
