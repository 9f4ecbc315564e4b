/**
 * Connectors: a `connector` entity really dials its host:port and keeps dialling. Its live status follows the real
 * router's connector states: CONNECTING while an attempt is under way, SUCCESS once the peer's open arrived, FAILED
 * when an attempt failed or an established connection dropped, and CONNECTING again as soon as the retry is
 * scheduled (after a doubling, capped delay, shortened at random by the policy's jitter), keeping the failure in
 * `connectionMsg` (worded as qdrouterd words it). qdrouterd 1.x moves a failed connector back to CONNECTING in the
 * same event batch, which is why the recorded READs of a connector to a closed port (fixtures/router-transcripts)
 * show CONNECTING with a failure message: FAILED is a moment, observable here as a 'connector-status' event.
 * Retries back off (doubling, capped) on the injected clock; every attempt emits 'connector-dial'. Deleting the
 * connector stops the retries and closes its connection.
 */
import type { TimerHandle } from '../../src/clock.js';
import type { Attributes } from './contract.js';
import { parsePort, parseRole } from './listeners.js';
import type { ConnRecord, ConnRole, RouterContext } from './state.js';

export type ConnectorStatus = 'CONNECTING' | 'SUCCESS' | 'FAILED';

export interface ReconnectPolicy {
  /** delay before the first retry after a failure or a drop (ms) */
  initialDelayMs: number;
  /** cap of the doubling delay (ms) */
  maxDelayMs: number;
  /**
   * 0..1: each retry delay is shortened by up to this fraction at random, so that thousands of connectors that
   * failed together (an interior restarting under 10,000 edges, a listener's backlog overflowing) do not all dial
   * again in the same instant and again after every doubling. 0: exact delays.
   */
  jitter: number;
}

/**
 * The default policy is jittered. A policy given to the router (SimRouterOptions.reconnect) takes its unset fields
 * from here except jitter, which is then 0 unless given: tests that set delays on a manual clock get exact ones.
 */
export const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 250, maxDelayMs: 2000, jitter: 0.5 };

/** the delay before the next attempt after `failures` consecutive failed ones (0: the first retry) */
export function retryDelay(policy: ReconnectPolicy, failures: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(failures, 16));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return jitter > 0 ? Math.round(base * (1 - jitter * random())) : base;
}

export interface ConnectorState {
  name: string;
  host: string;
  port: number | undefined;
  role: ConnRole;
  cost: number;
  status: ConnectorStatus;
  msg: string;
  rec: ConnRecord | undefined;
  timer: TimerHandle | undefined;
  /** consecutive failed attempts, for the backoff */
  failures: number;
  stopped: boolean;
}

export class Connectors {
  private readonly byName = new Map<string, ConnectorState>();
  /** clock time until which every dial fails (a partition injected by a fault) */
  private heldUntil = 0;

  constructor(
    private readonly ctx: RouterContext,
    private readonly policy: ReconnectPolicy,
    /** opens the connection of an attempt and registers it with the router */
    private readonly dial: (st: ConnectorState) => ConnRecord,
    /** closes a connection whose connector was deleted */
    private readonly drop: (rec: ConnRecord) => void,
  ) {}

  add(attrs: Attributes): void {
    const name = String(attrs.name ?? '');
    if (!name || this.byName.has(name)) return;
    const host = typeof attrs.host === 'string' && attrs.host ? attrs.host : '127.0.0.1';
    const cost = Number(attrs.cost ?? 1);
    const st: ConnectorState = {
      name, host, port: parsePort(attrs.port ?? 'amqp'), role: parseRole(attrs.role), cost: Number.isFinite(cost) && cost > 0 ? cost : 1,
      status: 'CONNECTING', msg: '', rec: undefined, timer: undefined, failures: 0, stopped: false,
    };
    this.byName.set(name, st);
    this.ctx.emit('connector-status', { name, status: st.status, msg: st.msg });
    this.attempt(st);
  }

  remove(name: string): void {
    const st = this.byName.get(name);
    if (!st) return;
    this.byName.delete(name);
    st.stopped = true;
    st.timer?.cancel();
    st.timer = undefined;
    const rec = st.rec;
    st.rec = undefined;
    if (rec) this.drop(rec);
  }

  removeAll(): void {
    for (const name of [...this.byName.keys()]) this.remove(name);
  }

  /** Every dial fails for the next `ms` milliseconds, as across a network partition; backoff goes on as usual. */
  holdDials(ms: number): void {
    this.heldUntil = Math.max(this.heldUntil, this.ctx.clock.now() + ms);
  }

  get(name: string): ConnectorState | undefined {
    return this.byName.get(name);
  }

  all(): ConnectorState[] {
    return [...this.byName.values()];
  }

  /** the peer's open arrived on a connector's connection */
  opened(rec: ConnRecord): void {
    const st = rec.connector ? this.byName.get(rec.connector) : undefined;
    if (!st || st.rec !== rec) return;
    st.failures = 0;
    this.setStatus(st, 'SUCCESS');
  }

  /** a connector's connection is gone (failed to connect, or dropped) */
  gone(rec: ConnRecord, error: string | undefined): void {
    const st = rec.connector ? this.byName.get(rec.connector) : undefined;
    if (!st || st.rec !== rec) return;
    st.rec = undefined;
    const hp = `${st.host}:${st.port}`;
    const cause = error ?? (rec.opened ? 'Connection reset by peer' : 'Connection refused');
    st.msg = `[C${rec.identity}] Connection to ${hp} failed: proton:io ${cause} - disconnected ${hp}`;
    this.setStatus(st, 'FAILED');
    this.schedule(st);
  }

  liveAttributes(name: string): Attributes | undefined {
    const st = this.byName.get(name);
    if (!st) return undefined;
    return {
      failoverUrls: `amqp://${st.host}:${st.port ?? ''}`,
      connectionStatus: st.status,
      connectionMsg: st.msg,
    };
  }

  /** tells listeners of the router ('connector-status') that a connector's status changed */
  private setStatus(st: ConnectorState, status: ConnectorStatus): void {
    if (st.status === status && status !== 'FAILED') return;
    st.status = status;
    this.ctx.emit('connector-status', { name: st.name, status, msg: st.msg });
  }

  private schedule(st: ConnectorState): void {
    if (st.stopped) return;
    const delay = retryDelay(this.policy, st.failures);
    st.failures++;
    st.timer?.cancel();
    this.setStatus(st, 'CONNECTING');
    st.timer = this.ctx.clock.setTimeout(() => {
      st.timer = undefined;
      this.attempt(st);
    }, delay);
  }

  private attempt(st: ConnectorState): void {
    if (st.stopped) return;
    if (st.port === undefined) {
      st.msg = `Connection to ${st.host} failed: invalid port`;
      this.setStatus(st, 'FAILED');
      return;
    }
    this.setStatus(st, 'CONNECTING');
    this.ctx.emit('connector-dial', { name: st.name, attempt: st.failures + 1 });
    if (this.ctx.clock.now() < this.heldUntil) {
      const hp = `${st.host}:${st.port}`;
      st.msg = `Connection to ${hp} failed: proton:io Connection timed out - disconnected ${hp}`;
      this.setStatus(st, 'FAILED');
      this.schedule(st);
      return;
    }
    try {
      st.rec = this.dial(st);
    } catch (err) {
      this.ctx.logger.warn({ connector: st.name, err }, 'dial failed');
      st.msg = `Connection to ${st.host}:${st.port} failed: ${String(err)}`;
      this.setStatus(st, 'FAILED');
      this.schedule(st);
    }
  }
}
