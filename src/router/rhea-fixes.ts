/**
 * Two changes to rhea 3.0.x, applied once for the whole process.
 *
 * 1. A fix for a decoding bug that breaks management replies.
 *
 * rhea decodes the AMQP `list0` encoding (an empty list, typecode 0x45) to one shared array object. When the
 * decoded value is a composite (an attach frame's empty target, an `accepted` outcome, …) rhea fills in fields by
 * assigning into that array, so the shared "empty list" stops being empty: after an anonymous sender attaches,
 * every empty list decoded anywhere in the process comes back as `[null, null, …]` (seven nulls: the fields of
 * a target). Routers encode empty lists as list0, so a QUERY with no rows would arrive with `results` holding
 * phantom rows, and a GET-TYPES entry without base types would hold nulls.
 *
 * The fix makes list0 decode to a fresh array each time. It patches rhea's type table for the whole process
 * (every rhea user benefits, including simulated routers in the same process); it is idempotent and only changes
 * the decoding of typecode 0x45.
 *
 * 2. Frame buffers from Node's buffer pool. rhea encodes every frame into a fresh zero-filled 1 KiB `Buffer.alloc`
 *    (util.allocate_buffer), which made buffer allocation and its garbage the largest single cost of a simulated
 *    router forwarding management traffic. Every byte of such a buffer that leaves rhea is written first (the one
 *    skipped span, a frame's size, is filled in before the frame is sent), so unzeroed memory is safe: the buffer
 *    now comes from `Buffer.allocUnsafe`, which serves small sizes from the pool.
 */
import { createRequire } from 'node:module';
import rhea from 'rhea';

const LIST0 = 0x45;
const PATCHED = Symbol.for('ecn.rhea.list0-fresh');

interface TypeDesc { create: (...a: unknown[]) => { value: unknown }; [PATCHED]?: true }

export function applyRheaFixes(): void {
  const byCode = (rhea.types as unknown as { by_code?: Record<number, TypeDesc> }).by_code;
  const desc = byCode?.[LIST0];
  if (!desc || desc[PATCHED]) return;
  const create = desc.create;
  desc.create = function freshList0(...args: unknown[]) {
    const typed = create.apply(this, args);
    typed.value = [];
    return typed;
  };
  desc[PATCHED] = true;
}

const POOLED = Symbol.for('ecn.rhea.pooled-buffers');

export function useRheaPooledBuffers(): void {
  const util = createRequire(import.meta.url)('rhea/lib/util.js') as { allocate_buffer: (size: number) => Buffer; [POOLED]?: true };
  if (util[POOLED]) return;
  util.allocate_buffer = (size: number): Buffer => Buffer.allocUnsafe(size);
  util[POOLED] = true;
}

applyRheaFixes();
useRheaPooledBuffers();
