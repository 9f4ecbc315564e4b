/**
 * The manager's benchmarks (`npm run bench -- converge`), at N agents (each: an edge router, its listener, two routes,
 * a public port), the simulator in another process:
 *   - cold convergence: time, writes, and writes == the minimal count the planner computes; achieved ops/s as a ratio
 *     of a bare rhea echo measured in the same run;
 *   - a no-op resync of every router: writes (target 0) and queries per router (target ≤ 1 per owned type);
 *   - one change (a new route) at N agents: from setModel to the last write acknowledged, p50/p99;
 *   - RSS of the manager and of the simulator.
 */
import { childEntry } from './child-entry.js';
import { startProfile } from './profile.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { Manager } from '../../src/manager/manager.js';
import { syntheticEcn } from '../../sim/synthetic-ecn.js';
import { bootstrapEntities } from '../../src/plan/bootstrap.js';
import { microserviceKey, type EcnModel } from '../../src/model/ecn.js';

const CHILD = childEntry(import.meta.url, 'converge-sim');
const ECHO_CHILD = childEntry(import.meta.url, 'echo-child');

/** The bare rhea echo ceiling, measured in another process so that this one's memory is the manager's alone. */
async function echoCeiling(): Promise<{ opsPerSec: number }> {
  const child = spawn(process.execPath, [...ECHO_CHILD, '20000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await new Promise<void>((resolve, reject) => { child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`echo benchmark exited with ${code}`)))); });
  return JSON.parse(out.trim().split('\n').pop()!) as { opsPerSec: number };
}

/** Heap in use after a full collection (when node runs with --expose-gc), in MB. */
function heapAfterGc(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

interface SimChild { url: string; startMs: number; rss: number; child: ChildProcess; lines: Interface; ask(cmd: string): Promise<Record<string, number>> }

async function startSim(n: number): Promise<SimChild> {
  const child = spawn(process.execPath, ['--max-old-space-size=4096', '--expose-gc', ...(process.env.ECN_BENCH_SIM_NODE_ARGS ?? '').split(' ').filter(Boolean), ...CHILD, String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  lines.on('line', (l) => { queue.push(l); wake?.(); });
  const next = async (ms: number): Promise<string> => {
    const end = Date.now() + ms;
    while (queue.length === 0) {
      if (Date.now() > end) throw new Error('the simulator said nothing in time');
      await new Promise<void>((r) => { wake = r; setTimeout(r, 1000); });
    }
    return queue.shift()!;
  };
  const ready = JSON.parse(await next(900_000)) as { url: string; startMs: number; rss: number };
  return {
    ...ready, child, lines,
    async ask(cmd) { child.stdin!.write(`${cmd}\n`); return JSON.parse(await next(30_000)) as Record<string, number>; },
  };
}

/** changes measured one at a time for the one-change latency (enough that p99 is not simply the slowest) */
const CHANGES = 100;

/** Writes the manager must make at minimum: every planned entity that is not already in a router's bootstrap config. */
function minimalWrites(manager: Manager, model: EcnModel): number {
  let total = 0;
  for (const rp of manager.currentModel().plan.routers.values()) {
    const boot = new Set(bootstrapEntities(model, rp.routerId).map((e) => String(e.attributes.name)));
    total += rp.entities.filter((e) => !boot.has(e.name)).length;
  }
  return total;
}

function allInSync(manager: Manager): boolean {
  const s = manager.syncStatus();
  return s.length === manager.currentModel().plan.routers.size && s.every((r) => r.state === 'in-sync');
}

function waitFor(manager: Manager, cond: () => boolean, ms: number, what: string): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = (): void => { if (cond()) { done(); resolve(); } };
    const t = setTimeout(() => { done(); reject(new Error(`${what}: not within ${ms} ms`)); }, ms);
    const done = (): void => { clearTimeout(t); manager.scheduler.off('synced', check); manager.scheduler.off('sync-failed', check); };
    manager.scheduler.on('synced', check);
    manager.scheduler.on('sync-failed', check);
  });
}

/** nearest-rank percentile: the smallest value with at least q of the samples at or below it (p99 of 100: the 99th) */
const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? 0;
};

export async function benchConverge(n: number): Promise<void> {
  console.log(`\n## ${n} agents`);
  const ceiling = await echoCeiling();

  const sim = await startSim(n);
  console.log(`simulator: ${n} agents up in ${(sim.startMs / 1000).toFixed(1)} s, RSS ${(sim.rss / 2 ** 20).toFixed(0)} MB`);
  const model = syntheticEcn(n);
  model.controlPlane!.router.messagePort = Number(new URL(sim.url).port);
  const manager = new Manager({ router: sim.url, flavor: 'skupper', observeIntervalMs: 0, syncIntervalMs: 3_600_000, ...(process.env.ECN_BENCH_CONCURRENCY ? { concurrency: Number(process.env.ECN_BENCH_CONCURRENCY) } : {}), timeoutMs: 30_000 });
  let writes = 0;
  manager.scheduler.on('write', (e) => { if (e.result === 'ok') writes++; });
  try {
    manager.setModel(model);
    const minimal = minimalWrites(manager, model);
    const profileDir = process.env.ECN_BENCH_PROFILE_DIR;
    const managerProfile = profileDir ? await startProfile() : undefined;
    if (profileDir) await sim.ask('profile start');
    const simCpu0 = (await sim.ask('cpu')).cpuUs ?? 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await manager.start();
    // counted from the events: asking every router's status after each event would cost the bench O(routers²)
    const synced = new Set<string>();
    const onSynced = (st: { router: string }): void => { synced.add(st.router); };
    manager.scheduler.on('synced', onSynced);
    const planned = manager.currentModel().plan.routers.size;
    await waitFor(manager, () => synced.size >= planned, 900_000, 'cold convergence');
    manager.scheduler.off('synced', onSynced);
    if (!allInSync(manager)) throw new Error('cold convergence: every router synced once, but not all are in sync now');
    const coldS = (performance.now() - t0) / 1000;
    const q0 = manager.scheduler.counters.snapshot().queries;
    const coldOps = writes + q0;
    const opsPerSec = coldOps / coldS;
    const simCpuMs = (((await sim.ask("cpu")).cpuUs ?? 0) - simCpu0) / 1000;
    if (profileDir) console.log(`manager CPU profile of the cold convergence: ${await managerProfile!(`${profileDir}/manager-cold-${n}.cpuprofile`)}`);
    if (profileDir) console.log(`simulator CPU profile of the cold convergence: ${String((await sim.ask(`profile stop ${profileDir}/sim-cold-${n}.cpuprofile`)).file)}`);
    const cpu1 = process.cpuUsage(cpu0);
    const mgrCpuMs = (cpu1.user + cpu1.system) / 1000;
    console.log(`cold convergence: ${coldS.toFixed(2)} s, ${writes} writes (minimal ${minimal}: ${writes === minimal ? 'equal' : 'DIFFERENT'}), ${q0} queries, ` +
      `${opsPerSec.toFixed(0)} management ops/s = ${(opsPerSec / ceiling.opsPerSec).toFixed(2)} × bare rhea echo (${ceiling.opsPerSec.toFixed(0)} ops/s)`);

    // no-op resync of every router
    writes = 0;
    const routers = [...manager.currentModel().plan.routers.keys()];
    const passesBefore = manager.scheduler.counters.snapshot().passes.ok;
    const tNoop = performance.now();
    for (const id of routers) manager.scheduler.trigger(id, 'periodic');
    await waitFor(manager, () => manager.scheduler.counters.snapshot().passes.ok >= passesBefore + routers.length, 900_000, 'no-op resync');
    const q1 = manager.scheduler.counters.snapshot().queries - q0;
    const ownedTypes = new Set<string>();
    for (const rp of manager.currentModel().plan.routers.values()) for (const e of rp.entities) ownedTypes.add(e.type);
    console.log(`cold convergence CPU: simulator ${simCpuMs.toFixed(0)} ms (${(1000 * simCpuMs / coldOps).toFixed(0)} µs per op), manager ${mgrCpuMs.toFixed(0)} ms (${(1000 * mgrCpuMs / coldOps).toFixed(0)} µs per op)`);
    console.log(`no-op resync: ${((performance.now() - tNoop) / 1000).toFixed(2)} s, ${writes} writes, ${(q1 / routers.length).toFixed(2)} queries per router (owned types: ${ownedTypes.size})`);

    // one change at a time: a new route between two agents' microservices
    const latencies: number[] = [];
    let current = model;
    const changeProfile = profileDir ? await startProfile() : undefined;
    await sim.ask('gc');
    const managerGc: number[] = [];
    const gcObserver = new PerformanceObserver((list) => { for (const e of list.getEntries()) managerGc.push(e.duration); });
    gcObserver.observe({ entryTypes: ['gc'] });
    for (let k = 0; k < CHANGES; k++) {
      const a = (k * 7919) % n;
      const b = (a + 1 + ((k * 104729) % (n - 1))) % n;
      const next: EcnModel = { ...current, routes: new Map(current.routes) };
      const name = `bench-${k}`;
      next.routes.set(microserviceKey('synthetic', name), { application: 'synthetic', name, from: `a-${a}`, to: `a-${b}`, ref: { source: 'bench' } });
      const done = new Set<string>();
      // a route lives on its endpoints' routers (src/plan/planner.ts)
      const touched = [...new Set([`agent-${a}`, `agent-${b}`])];
      const t = performance.now();
      const finished = new Promise<void>((resolve) => {
        const on = (s: { router: string }): void => { if (touched.includes(s.router)) done.add(s.router); if (done.size === touched.length) { manager.scheduler.off('synced', on); resolve(); } };
        manager.scheduler.on('synced', on);
      });
      manager.setModel(next);
      await finished;
      latencies.push(performance.now() - t);
      if (process.env.ECN_BENCH_TRACE_CHANGES) console.log(`change ${k}: ${(performance.now() - t).toFixed(1)} ms at ${(performance.now() / 1000).toFixed(3)} s`);
      current = next;
    }
    if (changeProfile) console.log(`manager CPU profile of the changes: ${await changeProfile(`${profileDir}/manager-change-${n}.cpuprofile`)}`);
    gcObserver.disconnect();
    const simGc = await sim.ask('gc');
    console.log(`one change (a new route, 2 routers): p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms over ${latencies.length}` +
      ` (garbage-collection pauses meanwhile, longest: manager ${Math.max(0, ...managerGc).toFixed(0)} ms of ${managerGc.length}, simulator ${(simGc.maxMs ?? 0).toFixed(0)} ms of ${simGc.count ?? 0})`);
    const simMem = await sim.ask('rss');
    // a heap snapshot of the simulator after the run, to see what its routers hold (ECN_BENCH_HEAPSNAPSHOT_DIR)
    const snapDir = process.env.ECN_BENCH_HEAPSNAPSHOT_DIR;
    if (snapDir) console.log(`simulator heap snapshot: ${String((await sim.ask(`heapsnapshot ${snapDir}/sim-${n}.heapsnapshot`)).file)}`);
    const simRss = simMem.rss ?? 0;
    const heap = heapAfterGc();
    console.log(`RSS: manager ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB${heap === undefined ? '' : ` (live heap ${heap.toFixed(0)} MB)`}, simulator ${(simRss / 2 ** 20).toFixed(0)} MB${simMem.rssAfterGc ? ` (after a full GC: ${(simMem.rssAfterGc / 2 ** 20).toFixed(0)} MB, live heap ${((simMem.heapAfterGc ?? 0) / 2 ** 20).toFixed(0)} of ${((simMem.heapTotal ?? 0) / 2 ** 20).toFixed(0)} MB, buffers ${((simMem.arrayBuffers ?? 0) / 2 ** 20).toFixed(0)} MB)` : ''}`);
  } finally {
    await manager.stop();
    sim.child.stdin!.end();
    await new Promise<void>((resolve) => { sim.child.once('exit', () => resolve()); setTimeout(() => { sim.child.kill('SIGKILL'); resolve(); }, 10_000); });
  }
}
