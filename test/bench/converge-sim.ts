/**
 * The simulator side of the convergence benchmark, in its own process (as routers would be): a synthetic ECN of N
 * agents (sim/synthetic-ecn.ts) on the in-process transport, its interior's normal listener on real TCP for the
 * manager. Prints one JSON line when the network is up; answers `rss` on stdin with another.
 *
 *   node --import tsx test/bench/converge-sim.ts N
 */
import { createInterface } from 'node:readline';
import { writeHeapSnapshot } from 'node:v8';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { startProfile } from './profile.js';
import { syntheticEcn } from '../../sim/synthetic-ecn.js';
import { startSimEcn } from '../../sim/ecn.js';
import { applySimulatorHeapPolicy } from '../../sim/heap-policy.js';
import { freePorts } from '../../sim/free-ports.js';
import { InProcessTransport } from '../../sim/router/in-process-transport.js';
import { tcpTransport } from '../../sim/router/transport.js';

// the heap policy `ecn sim` runs the simulator with
applySimulatorHeapPolicy();
const n = Number(process.argv[2] ?? 1000);
const model = syntheticEcn(n);
const [managementPort] = await freePorts(1);
model.controlPlane!.router.messagePort = managementPort!;
const t0 = performance.now();
const ecn = await startSimEcn(model, {
  flavor: 'skupper',
  transport: new InProcessTransport(),
  managementTransport: tcpTransport,
  microservices: false,
  readyTimeoutMs: 600_000,
});
const startMs = performance.now() - t0;
const rss = (): number => process.memoryUsage().rss;
process.stdout.write(`${JSON.stringify({ url: ecn.url, agents: n, startMs: Math.round(startMs), rss: rss() })}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'rss') {
    const before = rss();
    // and after a full collection (node --expose-gc): what the network holds, without the garbage of the run
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) { gc(); gc(); }
    const m = process.memoryUsage();
    process.stdout.write(`${JSON.stringify({ rss: before, rssAfterGc: gc ? rss() : undefined, heapAfterGc: gc ? m.heapUsed : undefined, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers })}\n`);
  }
  // a heap snapshot, for finding what the simulated network holds (node: v8.writeHeapSnapshot)
  const snap = /^heapsnapshot (\S+)$/.exec(line.trim());
  if (snap) process.stdout.write(`${JSON.stringify({ file: writeHeapSnapshot(snap[1]) })}\n`);
  // CPU time (user + system, µs) spent so far: per-operation cost that a loaded machine does not distort much
  // a CPU (or, with ECN_BENCH_PROFILE_KIND=alloc, an allocation) profile of one phase (ECN_BENCH_PROFILE_DIR): `profile start`, then `profile stop FILE`
  if (line.trim() === 'profile start') void profileStart().then(() => process.stdout.write('{}\n'));
  const stop = /^profile stop (\S+)$/.exec(line.trim());
  if (stop) void profileStop(stop[1]!).then(() => process.stdout.write(`${JSON.stringify({ file: stop[1] })}\n`));
  // garbage-collection pauses since the last `gc` (count, longest, total ms): what a latency tail may be made of
  if (line.trim() === 'gc') {
    process.stdout.write(`${JSON.stringify({ count: gcPauses.length, maxMs: Math.max(0, ...gcPauses), totalMs: gcPauses.reduce((a, b) => a + b, 0) })}\n`);
    gcPauses = [];
  }
  if (line.trim() === 'cpu') { const c = process.cpuUsage(); process.stdout.write(`${JSON.stringify({ cpuUs: c.user + c.system })}\n`); }
});
let gcPauses: number[] = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) gcPauses.push(e.duration); }).observe({ entryTypes: ['gc'] });
let stopProfile: ((file: string) => Promise<string>) | undefined;
async function profileStart(): Promise<void> {
  stopProfile = await startProfile(process.env.ECN_BENCH_PROFILE_KIND === 'alloc' ? 'alloc' : 'cpu');
}
async function profileStop(file: string): Promise<void> {
  await stopProfile?.(file);
  stopProfile = undefined;
}
process.stdin.on('end', () => { void ecn.stop().then(() => process.exit(0)); });
process.on('SIGTERM', () => { void ecn.stop().then(() => process.exit(0)); });
