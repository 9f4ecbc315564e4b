/**
 * The simulator process's heap policy. After each full collection V8 sets the next old-generation limit to the live
 * heap times a factor it picks from the allocation rate and the collector's speed, up to 4×. A simulator of 10,000
 * routers keeps about 800 MB alive and allocates fast, so V8 let its heap reach 1.3 GB before collecting again and
 * the process ended near 1.5 GB resident. Once the heap holds more than LARGE_HEAP_BYTES, the factor is fixed at 1.5:
 * about 1.37 GB at 10,000 routers, for a few per cent more CPU. Below that V8's own factor stays: with a small heap a
 * fixed 1.5 means a full collection every few megabytes (at 1,000 routers, 40 % more CPU) to save little memory.
 * Only the processes that run the simulator apply it (`ecn sim`, the benchmark's simulator).
 */
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;
/** heap in use from which the fixed factor applies */
export const LARGE_HEAP_BYTES = 256 * 2 ** 20;
const CHECK_EVERY_MS = 250;

let started = false;

/** Watches the heap (an unreferenced timer, four times a second) and fixes the growing factor once it is large. */
export function applySimulatorHeapPolicy(): void {
  if (started) return;
  started = true;
  const timer = setInterval(() => {
    if (v8.getHeapStatistics().used_heap_size < LARGE_HEAP_BYTES) return;
    v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    clearInterval(timer);
  }, CHECK_EVERY_MS);
  timer.unref();
}
