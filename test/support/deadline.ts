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

/** Waits for an event (optionally one whose first argument passes `match`), failing after timeoutMs. */
export function waitForEvent<T = unknown>(emitter: EventEmitter, event: string, opts: { timeoutMs?: number; match?: (arg: T) => boolean } = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    const on = (arg: T): void => {
      if (opts.match && !opts.match(arg)) return;
      clearTimeout(timer);
      emitter.off(event, on);
      resolve(arg);
    };
    emitter.on(event, on);
  });
}

/**
 * Waits until a condition on some state holds, re-checking it each time the emitter fires one of the events
 * (no polling): for state that changes in steps announced by events, e.g. link-state convergence.
 */
export function whenTrue(emitter: EventEmitter, events: string[], cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!cond()) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting until ${what}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      for (const e of events) emitter.off(e, check);
    };
    for (const e of events) emitter.on(e, check);
  });
}
