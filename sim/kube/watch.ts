/**
 * Watch streams: newline-delimited JSON events (ADDED/MODIFIED/DELETED/BOOKMARK/ERROR) over a chunked 200
 * response. Starting from a resourceVersion replays the retained history after it; a resourceVersion older than
 * the history gets an ERROR event with a 410 Gone Status and the stream ends, as the real server does. No
 * resourceVersion (or "0") sends the current objects as ADDED first. Selector transitions become ADDED/DELETED.
 */
import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '../../src/clock.js';
import { resourceKey, type KubeObject, type ResourceType } from './resources.js';
import type { KubeCluster } from './cluster.js';
import type { KubeFaults } from './faults.js';
import type { StoreEvent } from './store.js';
import { selectorMatcher } from './selectors.js';
import { badRequest, failureStatus } from './status.js';

export interface WatchParams {
  rt: ResourceType;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

export interface WatchSettings {
  clock: Clock;
  /** how often a BOOKMARK is sent to watches that allow them */
  bookmarkIntervalMs: number;
  /** when the client gives no timeoutSeconds */
  defaultTimeoutSeconds: number;
}

export interface OpenWatch {
  key: string;
  stall(): void;
  close(): void;
}

export function serveWatch(res: ServerResponse, cluster: KubeCluster, faults: KubeFaults, p: WatchParams, settings: WatchSettings,
  register: (w: OpenWatch) => () => void): void {
  const rt = p.rt;
  const key = resourceKey(rt);
  const match = selectorMatcher(p.labelSelector, p.fieldSelector);
  let fromRv: number | undefined;
  if (p.resourceVersion !== undefined && p.resourceVersion !== '' && p.resourceVersion !== '0') {
    fromRv = Number(p.resourceVersion);
    if (!Number.isSafeInteger(fromRv) || fromRv < 0) throw badRequest(`invalid resourceVersion ${JSON.stringify(p.resourceVersion)}: it must be a resourceVersion the server returned`);
  }
  const history = fromRv === undefined ? [] : cluster.store.eventsSince(key, fromRv);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  const send = (type: string, object: KubeObject) => {
    if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify({ type, object }) + '\n');
  };

  if (faults.takeGone(key) || history === 'gone') {
    const rv = fromRv ?? cluster.store.currentRv();
    send('ERROR', failureStatus(410, 'Expired', `too old resource version: ${rv} (${cluster.store.oldestResumableRv(key)})`) as unknown as KubeObject);
    res.end();
    return;
  }

  let stalled = faults.takeStall(key);
  const timers: TimerHandle[] = [];
  let closed = false;
  const inScope = (obj: KubeObject) => !rt.namespaced || p.namespace === undefined || obj.metadata?.namespace === p.namespace;
  const visible = (obj: KubeObject | undefined) => obj !== undefined && inScope(obj) && match(obj);

  const deliver = (ev: StoreEvent) => {
    if (stalled || ev.key !== key) return;
    const now = visible(ev.object);
    if (ev.type === 'MODIFIED') {
      const before = visible(ev.previous);
      if (now && before) send('MODIFIED', cluster.present(rt, ev.object));
      else if (now) send('ADDED', cluster.present(rt, ev.object));
      else if (before) send('DELETED', cluster.present(rt, ev.object));
      return;
    }
    if (now) send(ev.type, cluster.present(rt, ev.object));
  };

  const bookmark = (initialEnd = false) => {
    if (stalled) return;
    send('BOOKMARK', {
      kind: rt.kind, apiVersion: cluster.present(rt, {}).apiVersion,
      metadata: { resourceVersion: String(cluster.store.currentRv()), ...(initialEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
    });
  };

  if (!stalled) {
    if (fromRv === undefined) {
      for (const obj of cluster.store.list(key, rt.namespaced ? p.namespace : undefined)) if (match(obj)) send('ADDED', cluster.present(rt, obj));
      if (p.sendInitialEvents && p.allowWatchBookmarks) bookmark(true);
    } else {
      for (const ev of history) deliver(ev);
    }
  }
  const unsubscribe = cluster.store.subscribe(deliver);

  const close = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    unregister();
    for (const t of timers) t.cancel();
    if (!res.writableEnded) res.end();
  };
  const unregister = register({ key, stall: () => { stalled = true; }, close });
  res.on('close', close);

  const timeoutSeconds = p.timeoutSeconds !== undefined && p.timeoutSeconds > 0 ? p.timeoutSeconds : settings.defaultTimeoutSeconds;
  if (timeoutSeconds > 0) {
    timers.push(settings.clock.setTimeout(() => {
      if (p.allowWatchBookmarks) bookmark();
      close();
    }, timeoutSeconds * 1000));
  }
  if (p.allowWatchBookmarks && settings.bookmarkIntervalMs > 0) {
    const tick = () => {
      if (closed) return;
      bookmark();
      timers.push(settings.clock.setTimeout(tick, settings.bookmarkIntervalMs));
    };
    timers.push(settings.clock.setTimeout(tick, settings.bookmarkIntervalMs));
  }
}
