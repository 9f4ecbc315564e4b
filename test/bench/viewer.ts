/**
 * `npm run bench -- viewer`: the browser viewer at scale. A synthetic link graph (per agent: an edge router, the
 * agent, two microservices, a public port; ECN_BENCH_VIEWER_AGENTS, default 1000,10000) is streamed by the real
 * graph stream (src/stream/graph-stream.ts) to the built viewer in headless chromium. Reported: time from page load
 * to the first drawn graph, latency from a change leaving the server to the page showing it, frame intervals while
 * changes stream in (10 per second), and the page's JS heap.
 *
 * Run alone: node --import tsx test/bench/viewer.ts [AGENTS…]
 */
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { repoRoot } from './child-entry.js';
import { LinkGraph, syntheticNetwork, uplinkKey } from '../../src/graph/index.js';
import { createGraphStream } from '../../src/stream/graph-stream.js';
import type { ObservedNetwork } from '../../src/observe/types.js';
import { STATE_COLORS } from '../../viewer/theme.js';

const ROOT = repoRoot(import.meta.url);
const CHROMIUM = '/usr/bin/chromium';
type Win = { ecnViewer?: { ready: boolean; timings: { snapshotReceived: number; snapshotDrawn: number }; seq: number; nodeCount(): number; edgeCount(): number; edgeColor(k: string): string | undefined } };

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function serve(dir: string, graph: LinkGraph): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const stream = createGraphStream({ graph });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (file.includes('/') || file.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(dir, file)).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/graph') stream.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    async close() {
      await stream.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export async function benchViewer(sizes: number[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'ecn-viewer-bench-'));
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build-viewer.mjs'), dir]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });
  const rows: string[] = [];
  try {
    for (const n of sizes) {
      const net = syntheticNetwork(n, { microservicesPerAgent: 2, publicPortEvery: 1 });
      const lg = new LinkGraph();
      lg.update(net);
      const srv = await serve(dir, lg);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      try {
        const t0 = Date.now();
        await page.goto(srv.url);
        await page.waitForFunction(() => (globalThis as unknown as Win).ecnViewer?.ready === true, null, { timeout: 300_000, polling: 100 });
        const firstDraw = Date.now() - t0;
        const own = await page.evaluate(() => {
          const t = (globalThis as unknown as Win).ecnViewer!.timings;
          return Math.round(t.snapshotDrawn - t.snapshotReceived);
        });
        const counts = await page.evaluate(() => ({ n: (globalThis as unknown as Win).ecnViewer!.nodeCount(), e: (globalThis as unknown as Win).ecnViewer!.edgeCount() }));
        if (counts.n !== lg.graph.order || counts.e !== lg.graph.size) throw new Error(`page has ${counts.n}/${counts.e}, server ${lg.graph.order}/${lg.graph.size}`);

        // one uplink down at a time: from the server's change to the page's colour
        const observed: ObservedNetwork = structuredClone(net.observed);
        const latencies: number[] = [];
        const updates: number[] = [];
        for (let i = 0; i < 5; i++) {
          const agent = `agent-${(i * 7919) % n}`;
          observed.edges.delete(agent);
          observed.edgeAddresses.delete(agent);
          const u0 = Date.now();
          lg.update({ ...net, observed });
          const sent = Date.now();
          updates.push(sent - u0);
          await page.waitForFunction(([k, c]) => (globalThis as unknown as Win).ecnViewer!.edgeColor(k!) === c, [uplinkKey(agent, 'interior'), STATE_COLORS.down], { timeout: 30_000, polling: 'raf' });
          latencies.push(Date.now() - sent);
        }

        // frame intervals while changes stream in: an agent flaps every 100 ms for 3 s
        // (a string, so that the bundler's helpers around named functions do not leak into the page)
        const frames = page.evaluate<number[]>(`new Promise((resolve) => {
          const out = [];
          let last = performance.now();
          const end = last + 3000;
          const tick = (t) => { out.push(t - last); last = t; if (t < end) requestAnimationFrame(tick); else resolve(out); };
          requestAnimationFrame(tick);
        })`);
        const flap = setInterval(() => {
          const agent = `agent-${Math.floor(Math.random() * n)}`;
          if (observed.edges.has(agent)) {
            observed.edges.delete(agent);
            observed.edgeAddresses.delete(agent);
          } else {
            observed.edges.set(agent, net.observed.edges.get(agent)!);
            observed.edgeAddresses.set(agent, net.observed.edgeAddresses.get(agent)!);
          }
          lg.update({ ...net, observed });
        }, 100);
        const intervals = await frames.finally(() => clearInterval(flap));
        const heap = await page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
        rows.push(
          `| ${n.toLocaleString('en')} | ${lg.graph.order.toLocaleString('en')} / ${lg.graph.size.toLocaleString('en')} | ${firstDraw} ms (viewer: ${own} ms) | ${pct(updates, 50)} ms | ${pct(latencies, 50)} / ${Math.max(...latencies)} ms | ${pct(intervals, 50).toFixed(1)} / ${pct(intervals, 95).toFixed(1)} / ${Math.max(...intervals).toFixed(0)} ms | ${(heap / 2 ** 20).toFixed(0)} MB |`,
        );
      } finally {
        await page.close();
        await srv.close();
      }
    }
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('| agents | nodes / edges | page load → graph drawn (of which the viewer: snapshot in → drawn) | server graph update (p50) | change → page shows it p50 / max | frame interval p50 / p95 / max (10 changes/s) | page JS heap |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log('\n(headless chromium, WebGL on SwiftShader: software rendering, so frame times are an upper bound)');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2).map(Number).filter((x) => x > 0);
  await benchViewer(args.length > 0 ? args : (process.env.ECN_BENCH_VIEWER_AGENTS ?? '1000,10000').split(',').map(Number));
}
