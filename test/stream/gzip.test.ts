/**
 * Compressed snapshots (?encoding=gzip): one binary frame per snapshot holding the gzip of the exact JSON a plain
 * client gets, for every reason; compressed once per (seq, filter); deltas stay text and keep their order even when
 * the graph changes while a snapshot is being compressed; plain clients unaffected; bad values refused at upgrade;
 * GraphClient's default (gzip) end to end, and its fallback for a server without the parameter.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { MultiDirectedGraph } from 'graphology';
import { applyOps } from '../../src/graph/diff.js';
import type { EdgeAttributes, NodeAttributes } from '../../src/graph/types.js';
import { GraphClient } from '../../src/stream/client.js';
import { createGraphStream, type SnapshotBuildStats } from '../../src/stream/graph-stream.js';
import { deflateShared, gzipWithTail } from '../../src/stream/gzip-snapshot.js';
import type { ServerMessage, SnapshotMessage } from '../../src/stream/protocol.js';
import { canonical, liveNetwork, RawClient, refusal, startStreamServer, type Frame, type TestServer } from './helpers.js';

let cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(opts: Partial<Parameters<typeof startStreamServer>[0]> = {}) {
  const live = liveNetwork(6);
  const builds: SnapshotBuildStats[] = [];
  let onBuilt: ((s: SnapshotBuildStats) => void) | undefined;
  const s = await startStreamServer({
    graph: live.graph, batchMs: 0, heartbeatMs: 0, ...opts,
    onSnapshotBuilt: (b) => { builds.push(b); onBuilt?.(b); },
  });
  cleanup.push(() => s.stop());
  return { ...live, s, builds, setOnBuilt: (f: typeof onBuilt) => { onBuilt = f; } };
}

function connect(url: string): RawClient {
  const c = new RawClient(url);
  cleanup.push(() => { c.ws.terminate(); });
  return c;
}

function snapshotOf(f: Frame): SnapshotMessage {
  assert.equal(f.message.type, 'snapshot', `expected a snapshot, got ${f.text.slice(0, 200)}`);
  return f.message as SnapshotMessage;
}

function expectDelta(f: Frame) {
  assert.equal(f.binary, false, 'deltas are text frames');
  assert.equal(f.message.type, 'delta', `expected a delta, got ${f.text.slice(0, 200)}`);
  return f.message as Extract<ServerMessage, { type: 'delta' }>;
}

function flipRouter(live: ReturnType<typeof liveNetwork>, id: string): void {
  const p = live.net.observed.routers.get(id)!;
  live.net.observed.routers.set(id, { ...p, reachable: !p.reachable });
  live.update();
}

function copyOf(snap: SnapshotMessage) {
  const g = new MultiDirectedGraph<NodeAttributes, EdgeAttributes>({ allowSelfLoops: false });
  g.import(snap.graph);
  return g;
}

const gzipBuilds = (builds: SnapshotBuildStats[]) => builds.filter((b) => b.encoding === 'gzip').length;

describe('gzip snapshot framing', () => {
  it('splices one shared deflate with each tail into a valid gzip, also for DecompressionStream', async () => {
    const body = Buffer.from(`{"graph":${JSON.stringify({ nodes: Array.from({ length: 500 }, (_, i) => ({ key: `n${i}`, label: 'é→' })) })}`);
    const shared = await deflateShared(body, 1);
    for (const tail of [',"reason":"connect"}', ',"reason":"slow-client"}', '']) {
      const gz = gzipWithTail(shared, Buffer.from(tail));
      assert.deepEqual(gunzipSync(gz), Buffer.concat([body, Buffer.from(tail)]));
      // what a browser does
      const text = await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
      assert.equal(text, body.toString('utf8') + tail);
    }
    assert.throws(() => gzipWithTail(shared, Buffer.alloc(70_000)), /stored block/);
  });
});

describe('graph stream with ?encoding=gzip', () => {
  it('sends the snapshot as one binary frame whose gunzip is the plain client\'s JSON text at the same seq', async () => {
    const live = await setup();
    const gz = connect(`${live.s.url}?encoding=gzip`);
    const plain = connect(live.s.url);
    const explicit = connect(`${live.s.url}?encoding=json`);
    const [fg, fp, fe] = [await gz.nextFrame(), await plain.nextFrame(), await explicit.nextFrame()];
    assert.equal(fg.binary, true);
    assert.deepEqual([fg.bytes[0], fg.bytes[1]], [0x1f, 0x8b]);
    assert.equal(fp.binary, false);
    assert.equal(fe.binary, false);
    assert.equal(snapshotOf(fg).seq, snapshotOf(fp).seq);
    assert.equal(fg.text, fp.text);
    assert.equal(fe.text, fp.text);
    assert.ok(fg.bytes.length < fp.bytes.length / 3, `${fg.bytes.length} B gzip vs ${fp.bytes.length} B JSON`);
    assert.deepEqual(canonical(snapshotOf(fg).graph), canonical(live.graph.graph));
  });

  it('compresses resync and filter replies too, keeps deltas text, and leaves a plain client as it was', async () => {
    const live = await setup();
    const gz = connect(`${live.s.url}?encoding=gzip`);
    const plain = connect(live.s.url);
    const snap = snapshotOf(await gz.nextFrame());
    const plainSnap = snapshotOf(await plain.nextFrame());
    const copy = copyOf(snap);
    flipRouter(live, 'agent-1');
    const d = expectDelta(await gz.nextFrame());
    assert.equal(d.from, snap.seq + 1);
    const pd = expectDelta(await plain.nextFrame());
    assert.deepEqual(pd, d);
    applyOps(copy, d.ops);
    assert.deepEqual(canonical(copy), canonical(live.graph.graph));

    gz.send({ type: 'resync' });
    plain.send({ type: 'resync' });
    const [rg, rp] = [await gz.nextFrame(), await plain.nextFrame()];
    assert.equal(rg.binary, true);
    assert.equal(rp.binary, false);
    assert.equal(snapshotOf(rg).reason, 'resync');
    assert.equal(rg.text, rp.text);

    gz.send({ type: 'filter', filter: { agent: 'agent-2' } });
    const fg = await gz.nextFrame();
    assert.equal(fg.binary, true);
    const fsnap = snapshotOf(fg);
    assert.equal(fsnap.reason, 'filter');
    assert.deepEqual(fsnap.filter, { agent: 'agent-2' });
    const check = connect(`${live.s.url}?agent=agent-2`);
    assert.equal((await check.nextFrame()).text.replace('"reason":"connect"', '"reason":"filter"'), fg.text);

    flipRouter(live, 'agent-2');
    assert.equal(expectDelta(await gz.nextFrame()).from, fsnap.seq + 1);
    assert.equal(expectDelta(await plain.nextFrame()).from, plainSnap.seq + 2);
  });

  it('compresses once per (seq, filter), whatever the reasons, and shares the bytes', async () => {
    const live = await setup();
    const a = connect(`${live.s.url}?encoding=gzip`);
    const b = connect(`${live.s.url}?encoding=gzip`);
    const k = connect(`${live.s.url}?encoding=gzip&kinds=agent`);
    const [fa, fb] = [await a.nextFrame(), await b.nextFrame()];
    await k.nextFrame();
    assert.deepEqual(fa.bytes, fb.bytes);
    assert.equal(gzipBuilds(live.builds), 2); // the whole graph, and kinds=agent
    a.send({ type: 'resync' }); // same seq, another reason: the same deflate, another tail
    const ra = await a.nextFrame();
    assert.equal(snapshotOf(ra).reason, 'resync');
    assert.equal(gzipBuilds(live.builds), 2);
    assert.equal(live.builds.filter((x) => x.encoding === 'json').length, 2);
    flipRouter(live, 'agent-3');
    await Promise.all([a.nextFrame(), b.nextFrame()]);
    a.send({ type: 'resync' });
    b.send({ type: 'resync' });
    const [sa, sb] = [await a.nextFrame(), await b.nextFrame()];
    assert.deepEqual(sa.bytes, sb.bytes);
    assert.equal(gzipBuilds(live.builds), 3);
    assert.ok(live.builds.every((x) => x.bytes > 0 && x.ms >= 0));
  });

  it('holds the deltas of changes made while a snapshot is compressed and sends them right after it', async () => {
    const live = await setup();
    const c = connect(`${live.s.url}?encoding=gzip`);
    const first = snapshotOf(await c.nextFrame());
    flipRouter(live, 'agent-2'); // a new seq: the resync's snapshot has to be compressed
    expectDelta(await c.nextFrame());
    // the next compression finishes, then (before the snapshot goes out) two changes come in
    live.setOnBuilt((b) => {
      if (b.encoding !== 'gzip') return;
      live.setOnBuilt(undefined);
      flipRouter(live, 'agent-1');
      flipRouter(live, 'agent-4');
    });
    c.send({ type: 'resync' });
    const snap = snapshotOf(await c.nextFrame());
    assert.equal(snap.seq, first.seq + 1);
    const d = expectDelta(await c.nextFrame());
    assert.deepEqual([d.from, d.seq], [snap.seq + 1, snap.seq + 2]);
    const copy = copyOf(snap);
    applyOps(copy, d.ops);
    assert.deepEqual(canonical(copy), canonical(live.graph.graph));
    flipRouter(live, 'agent-1');
    assert.equal(expectDelta(await c.nextFrame()).from, snap.seq + 3);
  });

  it('refuses a bad encoding at upgrade with HTTP 400 naming the parameter', async () => {
    const live = await setup();
    for (const q of ['encoding=br', 'encoding=', 'encoding=gzip&encoding=json', 'agent=agent-1&encoding=GZIP']) {
      const r = await refusal(connect(`${live.s.url}?${q}`));
      assert.equal(r.status, 400, q);
      const body = r.body as { code: string; message: string; hint: string };
      assert.equal(body.code, 'ECN_STREAM_BAD_ENCODING', q);
      assert.match(body.message, /query parameter 'encoding'/);
      assert.match(body.hint, /encoding=gzip/);
    }
  });
});

describe('GraphClient and compressed snapshots', () => {
  it('asks for gzip by default and follows the stream with it', async () => {
    const live = await setup();
    const c = new GraphClient();
    cleanup.push(() => c.close());
    const snap = await c.connect(live.s.url, { filter: { application: 'app' } });
    assert.equal(c.encoding, 'gzip');
    assert.equal(gzipBuilds(live.builds), 1);
    assert.deepEqual(snap.filter, { application: 'app' });
    assert.ok(c.graph.order > 0);
    const d = new Promise((resolve) => c.once('delta', resolve));
    flipRouter(live, 'agent-1');
    await d;
    assert.equal(c.seq, live.graph.seq);
    assert.equal(c.graph.getNodeAttribute('router:agent-1', 'state'), 'down');
    // a resync (gzip) right after a change (text delta): handled in arrival order
    const again = new Promise<SnapshotMessage>((resolve) => c.once('snapshot', resolve));
    c.resync();
    flipRouter(live, 'agent-1');
    assert.equal((await again).reason, 'resync');
    while (c.seq < live.graph.seq) await new Promise((resolve) => c.once('delta', resolve));
    assert.equal(c.graph.getNodeAttribute('router:agent-1', 'state'), 'up');
  });

  it("uses text frames with encoding: 'json'", async () => {
    const live = await setup();
    const c = new GraphClient();
    cleanup.push(() => c.close());
    await c.connect(live.s.url, { encoding: 'json' });
    assert.equal(c.encoding, 'json');
    assert.equal(gzipBuilds(live.builds), 0);
    assert.deepEqual(canonical(c.graph), canonical(live.graph.graph));
  });

  it('falls back to JSON against a server that refuses the encoding parameter', async () => {
    const live = liveNetwork(4);
    const stream = createGraphStream({ graph: live.graph, batchMs: 0, heartbeatMs: 0 });
    // what a manager from before this parameter answers
    const old = createServer();
    old.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://x').searchParams.has('encoding')) {
        const body = JSON.stringify({ type: 'error', code: 'ECN_STREAM_BAD_FILTER', message: "unknown query parameter 'encoding'", hint: 'allowed: application, agent, kinds (comma-separated), token' });
        socket.end(`HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      stream.handleUpgrade(req, socket, head);
    });
    await new Promise<void>((resolve) => old.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      await stream.close();
      old.closeAllConnections();
      await new Promise((resolve) => old.close(resolve));
    });
    const c = new GraphClient();
    cleanup.push(() => c.close());
    await c.connect(`ws://127.0.0.1:${(old.address() as AddressInfo).port}/graph`);
    assert.equal(c.encoding, 'json');
    assert.deepEqual(canonical(c.graph), canonical(live.graph.graph));
  });

  it('reports a binary frame that does not gunzip as an error and resyncs', async () => {
    const live = await setup();
    const c = new GraphClient();
    cleanup.push(() => c.close());
    await c.connect(live.s.url);
    const err = new Promise<Error>((resolve) => c.once('error', resolve));
    const snap = new Promise<SnapshotMessage>((resolve) => c.once('snapshot', resolve));
    // the server's socket for this client: send it a bogus binary frame as the server would
    const ws = (live.s as TestServer).sockets[0]!;
    ws.write(Buffer.from([0x82, 0x03, 0x01, 0x02, 0x03])); // FIN + binary, 3 bytes, unmasked
    assert.match((await err).message, /does not gunzip/);
    assert.equal((await snap).reason, 'resync');
  });
});
