/**
 * Reconnect policy: exponential backoff between consecutive failed attempts, reset by a successful connection.
 */
export interface ReconnectPolicy {
  /** delay before the first retry (default 100 ms) */
  initialDelayMs?: number;
  /** the longest delay (default 30 s) */
  maxDelayMs?: number;
  /** growth per failed attempt (default 2) */
  factor?: number;
  /** 0..1: each delay is shortened by up to this fraction at random, so many clients do not retry in step (default 0) */
  jitter?: number;
  /** give up after this many consecutive failed attempts (default: never) */
  maxAttempts?: number;
}

export const DEFAULT_RECONNECT: Required<Omit<ReconnectPolicy, 'maxAttempts'>> = {
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0,
};

/** The delay before retry number `failures` (1 = the first retry after one failure). */
export function backoffDelay(failures: number, policy: ReconnectPolicy, random: () => number = Math.random): number {
  const initial = policy.initialDelayMs ?? DEFAULT_RECONNECT.initialDelayMs;
  const max = policy.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs;
  const factor = policy.factor ?? DEFAULT_RECONNECT.factor;
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? DEFAULT_RECONNECT.jitter));
  const base = Math.min(max, initial * Math.pow(factor, Math.max(0, failures - 1)));
  return Math.round(jitter > 0 ? base * (1 - jitter * random()) : base);
}

/** True when another attempt is allowed after `failures` consecutive failures. */
export function mayRetry(failures: number, policy: ReconnectPolicy): boolean {
  return policy.maxAttempts === undefined || failures < policy.maxAttempts;
}
