/**
 * Four changes to rhea 3.0.x, applied once for the whole process.
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
/*
 * 3. One scratch buffer for encoding. rhea encodes every frame and every message with a new Writer, each with its
 *    own 1 KiB buffer, and hands out a view of it: eight frames used up one 8 KiB pool of Node's, and creating pools
 *    (an ArrayBuffer each, tracked as external memory) cost a simulator with 10,000 routers about 4 % of its CPU
 *    with the garbage they left. Encoding is synchronous and Writers do not nest (frames.write_frame and
 *    message.encode each finish with toBuffer before anything else is encoded), so every Writer created without a
 *    buffer of its own now encodes into one process-wide scratch buffer, and toBuffer returns an exact-size copy,
 *    which small frames get from the pool.
 */
/*
 * 4. Quiet loggers that allocate nothing. rhea logs every frame through `debug` loggers (`rhea:frames`, …); a
 *    disabled one returns at once, but only after collecting its arguments into a rest array, on every frame. Each
 *    logger is wrapped so that the arguments go to it only while it is enabled (DEBUG=rhea:* still works, and so does
 *    enabling one later through debug.enable).
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

const SCRATCH = Symbol.for('ecn.rhea.scratch-writer');
/** the scratch buffer starts at this size and keeps any growth up to MAX_SCRATCH */
const INITIAL_SCRATCH = 64 * 1024;
const MAX_SCRATCH = 1024 * 1024;

interface WriterLike { buffer: Buffer; position: number; ownsScratch?: boolean }
type WriterCtor = { (this: WriterLike, buffer?: Buffer): void; prototype: WriterProto; [SCRATCH]?: true };
interface WriterProto { toBuffer(this: WriterLike): Buffer; ensure(this: WriterLike, length: number): void }

export function useRheaScratchWriter(): void {
  const types = rhea.types as unknown as { Writer: WriterCtor };
  const Original = types.Writer;
  if (Original[SCRATCH]) return;
  let scratch: Buffer = Buffer.allocUnsafe(INITIAL_SCRATCH);
  const proto = Original.prototype;
  const originalToBuffer = proto.toBuffer;
  const originalEnsure = proto.ensure;
  const ScratchWriter = function ScratchWriter(this: WriterLike, buffer?: Buffer): void {
    this.buffer = buffer ?? scratch;
    this.position = 0;
    this.ownsScratch = buffer === undefined;
  } as unknown as WriterCtor;
  ScratchWriter.prototype = proto;
  proto.ensure = function ensure(this: WriterLike, length: number): void {
    originalEnsure.call(this, length);
    // a grown scratch replaces the shared one (up to MAX_SCRATCH), so large messages do not grow it every time
    if (this.ownsScratch && this.buffer !== scratch && this.buffer.length <= MAX_SCRATCH) scratch = this.buffer;
  };
  proto.toBuffer = function toBuffer(this: WriterLike): Buffer {
    if (!this.ownsScratch) return originalToBuffer.call(this);
    const out = Buffer.allocUnsafe(this.position);
    this.buffer.copy(out, 0, 0, this.position);
    return out;
  };
  ScratchWriter[SCRATCH] = true;
  types.Writer = ScratchWriter;
}

const QUIET = Symbol.for('ecn.rhea.quiet-loggers');

type Logger = ((...args: unknown[]) => void) & { enabled?: boolean; [QUIET]?: true };

export function useRheaQuietLoggers(): void {
  const log = createRequire(import.meta.url)('rhea/lib/log.js') as Record<string, Logger>;
  for (const [name, logger] of Object.entries(log)) {
    if (typeof logger !== 'function' || logger[QUIET]) continue;
    const quiet = function quietLogger(this: unknown): void {
      // eslint-disable-next-line prefer-rest-params
      if (logger.enabled) logger.apply(this, arguments as unknown as unknown[]);
    } as Logger;
    Object.defineProperty(quiet, 'enabled', { get: () => logger.enabled, set: (v: boolean) => { logger.enabled = v; } });
    quiet[QUIET] = true;
    log[name] = quiet;
  }
}

applyRheaFixes();
useRheaPooledBuffers();
useRheaScratchWriter();
useRheaQuietLoggers();
