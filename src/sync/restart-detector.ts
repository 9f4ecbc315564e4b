/**
 * Did the router restart since the last pass? A restarted router comes back from its config file only, so every
 * entity we created at run time is gone and must be re-applied (router-management §6.2, §6.5).
 *
 * Two cheap signals, both gathered by the pass itself (no extra timers):
 * - uptime: one QUERY of the router's own counters (`router` on qdrouterd 1.x, `routerMetrics` on skupper 3.x,
 *   attribute `uptimeSeconds`); a value lower than the last one seen means a new router process;
 * - vanished: the last pass left owned entities on the router, and now none of them is there. A manager is the only
 *   writer of `ecn.`-prefixed names, so losing all of them at once is what a restart looks like, and it catches a
 *   restart faster than uptime's one-second resolution.
 * Either signal alone is enough. The detector is per router and purely in-memory.
 */

export interface RestartSample {
  /** the router's uptimeSeconds, when the probe answered */
  uptimeSeconds?: number;
  /** owned entities the router has now (before this pass writes) */
  ownedNow: number;
}

export type RestartSignal = 'uptime' | 'vanished';

export class RestartDetector {
  private lastUptime: number | undefined;
  /** owned entities the router had after the last successful pass */
  private expected = 0;

  /** Looks at this pass's sample; the signal that fired, or undefined. */
  observe(s: RestartSample): RestartSignal | undefined {
    let signal: RestartSignal | undefined;
    if (s.uptimeSeconds !== undefined && this.lastUptime !== undefined && s.uptimeSeconds < this.lastUptime) signal = 'uptime';
    else if (this.expected > 0 && s.ownedNow === 0) signal = 'vanished';
    if (s.uptimeSeconds !== undefined) this.lastUptime = s.uptimeSeconds;
    return signal;
  }

  /** After a pass that applied everything: how many owned entities the router should now hold. */
  settled(ownedAfter: number): void {
    this.expected = ownedAfter;
  }

  /** Forget everything (e.g. the router left the plan). */
  reset(): void {
    this.lastUptime = undefined;
    this.expected = 0;
  }
}

/** The type that carries `uptimeSeconds` for the router itself. */
export function uptimeType(flavor: 'qdrouterd' | 'skupper'): string {
  return flavor === 'skupper' ? 'routerMetrics' : 'router';
}
