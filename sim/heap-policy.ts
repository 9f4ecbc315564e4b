/**
 * The simulator process's heap policy. After each full collection V8 sets the next old-generation limit to the live
 * heap times a factor it picks from the allocation rate and the collector's speed, up to 4×. A simulator of 10,000
 * routers keeps about 800 MB alive and allocates fast, so V8 let its heap reach 1.3 GB before collecting again and
 * the process ended near 1.5 GB resident. A fixed factor of 1.5 keeps it near 1.4 GB for about 7 % more CPU
 * (README, benchmarks). Only the processes that run the simulator apply it (`ecn sim`, the benchmark's simulator).
 */
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 50;

let applied = false;

export function applySimulatorHeapPolicy(): void {
  if (applied) return;
  applied = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
