/**
 * Writes a CR's status with a merge patch of the /status subresource, only when it changed. Fields the previous status
 * had and the new one has not are removed (set to null in the patch). Remembers what it wrote until the informer
 * delivers that version, so a handler running again before the watch event does not write the same status twice.
 */
import type { Kind } from '../model/schemas.js';
import type { KubeApi } from './kube-api.js';
import { statusChanged, type CrStatus } from './status.js';
import type { KubeObject } from './supervised-informer.js';

export class StatusWriter {
  private readonly api: KubeApi;
  /** by CR key: the status written and the resourceVersion the write produced */
  private readonly written = new Map<string, { rv: string | undefined; status: CrStatus }>();
  writes = 0;

  constructor(api: KubeApi) { this.api = api; }

  /** The status the object has as far as we know (ours if the informer has not caught up with our write yet). */
  current(key: string, obj: KubeObject): unknown {
    const w = this.written.get(key);
    if (w && w.rv !== undefined && obj.metadata.resourceVersion === w.rv) {
      this.written.delete(key);
      return obj.status;
    }
    return w ? w.status : obj.status;
  }

  /** Writes `next` if it differs from what the object has; true when a write happened. */
  async write(key: string, kind: Kind, obj: KubeObject, next: CrStatus): Promise<boolean> {
    const cur = this.current(key, obj);
    if (!statusChanged(cur, next)) return false;
    const patch: Record<string, unknown> = { ...next };
    for (const k of Object.keys((cur ?? {}) as Record<string, unknown>)) if (!(k in patch)) patch[k] = null;
    const res = await this.api.patchStatus(kind, obj.metadata.namespace ?? 'default', obj.metadata.name, patch);
    this.written.set(key, { rv: res?.metadata?.resourceVersion, status: next });
    this.writes++;
    return true;
  }

  forget(key: string): void { this.written.delete(key); }
}
