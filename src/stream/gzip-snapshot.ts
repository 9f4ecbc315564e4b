/**
 * Compressed snapshots: one gzip per (seq, filter), whatever the reason it is sent for. A snapshot message is
 * `BODY + TAIL` where BODY (everything up to the graph) is the same for every reason and TAIL is
 * `,"reason":"…"}`. BODY is deflated once, off the event loop (node:zlib's async API runs in the thread pool), and
 * ends with a sync flush, so it stops on a byte boundary without a final block; each reason's message is then that
 * shared deflate data + TAIL as one stored final block, wrapped in a gzip header and trailer (RFC 1952). The
 * trailer's CRC-32 is chained from BODY's (computed once) over the few TAIL bytes. The result is one ordinary
 * single-member gzip stream: `gunzip` (Node) and `DecompressionStream('gzip')` (browsers) read it as usual.
 */
import { constants, crc32, deflateRaw } from 'node:zlib';

/** BODY deflated and checksummed: what every reason's gzip message shares. */
export interface SharedGzip {
  /** raw deflate data of BODY, ending with a sync flush (byte-aligned, no final block) */
  deflated: Buffer;
  /** CRC-32 of BODY */
  crc: number;
  /** BODY's length in bytes */
  length: number;
}

/** Deflates BODY in the thread pool (levels 1–3 are a good trade for this highly repetitive JSON). */
export function deflateShared(body: Buffer, level: number): Promise<SharedGzip> {
  return new Promise((resolve, reject) => {
    deflateRaw(body, { level, finishFlush: constants.Z_SYNC_FLUSH }, (err, deflated) => {
      if (err) reject(err);
      else resolve({ deflated, crc: crc32(body), length: body.length });
    });
  });
}

// ID1 ID2, CM = deflate, FLG = 0, MTIME = 0 (none), XFL = 0, OS = 255 (unknown)
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
const MAX_STORED = 0xffff;

/** The gzip of BODY + tail, from BODY's shared deflate data (tail at most 64 KiB: it is one stored block). */
export function gzipWithTail(shared: SharedGzip, tail: Buffer): Buffer {
  if (tail.length > MAX_STORED) throw new RangeError(`a snapshot tail of ${tail.length} bytes does not fit one stored block`);
  // a stored block: BFINAL = 1, BTYPE = 00, padded to the byte boundary (the sync flush left us on one), LEN, NLEN
  const block = Buffer.allocUnsafe(5);
  block[0] = 0x01;
  block.writeUInt16LE(tail.length, 1);
  block.writeUInt16LE(~tail.length & 0xffff, 3);
  const trailer = Buffer.allocUnsafe(8);
  trailer.writeUInt32LE(crc32(tail, shared.crc) >>> 0, 0);
  trailer.writeUInt32LE((shared.length + tail.length) % 2 ** 32, 4);
  return Buffer.concat([HEADER, shared.deflated, block, tail, trailer]);
}
