/**
 * Kubernetes Events on the ECN objects, deduplicated: the same (object, reason, message) again within the window
 * patches the existing Event's count and lastTimestamp instead of creating another one (as kubectl shows them).
 * Recording never throws: an Event that cannot be written is logged and dropped.
 */
import { systemClock, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Kind } from '../model/schemas.js';
import type { KubeApi } from './kube-api.js';
import { FIELD_MANAGER, GROUP, VERSION } from './kinds.js';
import type { KubeObject } from './supervised-informer.js';

export interface EventRecorderOptions {
  api: KubeApi;
  clock?: Clock;
  logger?: Logger;
  /** a repeat after this long starts a new Event (default 1 h) */
  windowMs?: number;
  /** remembered series at most (default 1000; the oldest is forgotten) */
  capacity?: number;
}

interface Series { name: string; namespace: string; count: number; first: string; lastAt: number }

export class EventRecorder {
  private readonly opts: EventRecorderOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly series = new Map<string, Series>();
  private seq = 0;

  constructor(opts: EventRecorderOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? silentLogger;
  }

  async record(kind: Kind, obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    const key = `${kind}/${namespace}/${obj.metadata.name}/${obj.metadata.uid ?? ''}|${reason}|${message}`;
    const now = this.clock.now();
    const iso = new Date(now).toISOString();
    const prev = this.series.get(key);
    try {
      if (prev && now - prev.lastAt < (this.opts.windowMs ?? 3_600_000)) {
        prev.count++;
        prev.lastAt = now;
        this.series.delete(key);
        this.series.set(key, prev);
        await this.opts.api.patchEvent(prev.namespace, prev.name, { count: prev.count, lastTimestamp: iso });
        return;
      }
      const name = `${obj.metadata.name}.${now.toString(16)}${(++this.seq).toString(16)}`;
      this.remember(key, { name, namespace, count: 1, first: iso, lastAt: now });
      await this.opts.api.createEvent(namespace, {
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: `${GROUP}/${VERSION}`, kind, name: obj.metadata.name, namespace,
          ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
          ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
        },
        reason, message, type, count: 1, firstTimestamp: iso, lastTimestamp: iso,
        source: { component: FIELD_MANAGER }, reportingComponent: FIELD_MANAGER,
      });
    } catch (err) {
      this.log.warn({ kind, name: obj.metadata.name, reason, err: errorMessage(err) }, 'could not record an event');
    }
  }

  private remember(key: string, s: Series): void {
    this.series.set(key, s);
    const cap = this.opts.capacity ?? 1000;
    while (this.series.size > cap) this.series.delete(this.series.keys().next().value as string);
  }
}
