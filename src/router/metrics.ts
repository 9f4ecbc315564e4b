/**
 * Request counters of one management client, kept as plain numbers so the metrics library chosen later only has
 * to read them (or subscribe to the per-request callback).
 */
import type { EcnErrorCode } from '../errors.js';

/** `ok` for a 2xx answer; otherwise the code of the error the request ended with (ECN_MGMT_STATUS for 4xx/5xx). */
export type RequestResult = 'ok' | EcnErrorCode;

/** Reported once per finished request. */
export interface RequestEvent {
  operation: string;
  /** the entity type as given (short or long); absent for node operations without entityType */
  type: string | undefined;
  /** the management address */
  target: string;
  /** `host:port` of the router connection */
  router: string;
  result: RequestResult;
  /** present when the router answered */
  statusCode: number | undefined;
  /** from the call to its end, queueing included */
  latencyMs: number;
}

export interface LatencySummary {
  count: number;
  totalMs: number;
  maxMs: number;
}

export interface ClientCounters {
  /** operation → result → count */
  requests: Record<string, Partial<Record<RequestResult, number>>>;
  /** operation → latency summary (all results) */
  latency: Record<string, LatencySummary>;
  /** replies that arrived after their request had timed out or failed, dropped */
  lateReplies: number;
  /** replies with a correlation id this client never issued, dropped */
  unknownReplies: number;
  /** connections that became usable */
  connects: number;
  /** usable connections that went away */
  disconnects: number;
  /** connection attempts that failed */
  connectFailures: number;
}

export class ClientMetrics {
  private readonly requests = new Map<string, Map<RequestResult, number>>();
  private readonly latency = new Map<string, LatencySummary>();
  connects = 0;
  disconnects = 0;
  connectFailures = 0;

  record(e: RequestEvent): void {
    let byResult = this.requests.get(e.operation);
    if (!byResult) { byResult = new Map(); this.requests.set(e.operation, byResult); }
    byResult.set(e.result, (byResult.get(e.result) ?? 0) + 1);
    let l = this.latency.get(e.operation);
    if (!l) { l = { count: 0, totalMs: 0, maxMs: 0 }; this.latency.set(e.operation, l); }
    l.count++;
    l.totalMs += e.latencyMs;
    if (e.latencyMs > l.maxMs) l.maxMs = e.latencyMs;
  }

  snapshot(extra: { lateReplies: number; unknownReplies: number }): ClientCounters {
    const requests: ClientCounters['requests'] = {};
    for (const [op, m] of this.requests) requests[op] = Object.fromEntries(m);
    const latency: ClientCounters['latency'] = {};
    for (const [op, l] of this.latency) latency[op] = { ...l };
    return {
      requests,
      latency,
      lateReplies: extra.lateReplies,
      unknownReplies: extra.unknownReplies,
      connects: this.connects,
      disconnects: this.disconnects,
      connectFailures: this.connectFailures,
    };
  }
}
