/** The viewer's stream client over a scripted socket: order, gaps, resync, errors, reconnects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamClient, type SocketLike, type StreamStatus } from '../../viewer/stream-client.js';
import type { DeltaMessage, ServerMessage, SnapshotMessage } from '../../src/stream/protocol.js';
import { eventually } from '../support/deadline.js';

class FakeSocket implements SocketLike {
  readyState = 0;
  binaryType = 'blob';
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  sent: unknown[] = [];
  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: ServerMessage, binary = false): void {
    const text = JSON.stringify(msg);
    this.onmessage?.({ data: binary ? Buffer.from(text) : text });
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const snapshot = (seq: number): SnapshotMessage => ({
  type: 'snapshot',
  version: 1,
  seq,
  filter: {},
  reason: 'connect',
  graph: { options: { type: 'directed', multi: true, allowSelfLoops: false }, attributes: {}, nodes: [], edges: [] },
});
const delta = (from: number, seq: number): DeltaMessage => ({ type: 'delta', from, seq, ops: [{ op: 'dropNode', key: `n${seq}` }] });

function setup() {
  const sockets: FakeSocket[] = [];
  const got: Array<{ type: string; seq: number }> = [];
  const statuses: StreamStatus[] = [];
  const errors: string[] = [];
  const client = new StreamClient({
    url: 'ws://x/graph?token=t',
    backoffMs: 5,
    maxBackoffMs: 20,
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    listener: {
      snapshot: (m) => got.push({ type: 'snapshot', seq: m.seq }),
      delta: (m) => got.push({ type: 'delta', seq: m.seq }),
      status: (s) => statuses.push(s),
      error: (code, message) => errors.push(`${code}: ${message}`),
    },
  });
  return { client, sockets, got, statuses, errors };
}

test('snapshot, then consecutive deltas in order; text and binary frames alike', () => {
  const { client, sockets, got } = setup();
  client.start();
  const s = sockets[0]!;
  assert.equal(s.url, 'ws://x/graph?token=t');
  assert.equal(s.binaryType, 'arraybuffer');
  s.open();
  s.receive(delta(1, 1)); // before any snapshot: ignored
  s.receive(snapshot(4));
  s.receive(delta(5, 5));
  s.receive(delta(6, 9), true);
  s.receive(delta(10, 10));
  assert.deepEqual(got, [
    { type: 'snapshot', seq: 4 },
    { type: 'delta', seq: 5 },
    { type: 'delta', seq: 9 },
    { type: 'delta', seq: 10 },
  ]);
  assert.equal(client.seq, 10);
  assert.deepEqual(s.sent, []);
  client.stop();
});

test('a gap asks for a resync and drops deltas until the snapshot comes', () => {
  const { client, sockets, got } = setup();
  client.start();
  const s = sockets[0]!;
  s.open();
  s.receive(snapshot(1));
  s.receive(delta(3, 3)); // 2 is missing
  assert.deepEqual(s.sent, [{ type: 'resync' }]);
  s.receive(delta(4, 4));
  s.receive(snapshot(4));
  s.receive(delta(5, 5));
  assert.deepEqual(got.map((g) => `${g.type}:${g.seq}`), ['snapshot:1', 'snapshot:4', 'delta:5']);
  client.setFilter({ agent: 'edge-1' });
  assert.deepEqual(s.sent.at(-1), { type: 'filter', filter: { agent: 'edge-1' } });
  client.stop();
});

test('an error message is reported, and a closed connection is dialled again with backoff', async () => {
  const { client, sockets, statuses, errors, got } = setup();
  client.start();
  sockets[0]!.open();
  sockets[0]!.receive({ type: 'error', code: 'ECN_STREAM_UNAUTHORIZED', message: 'a valid token is required' });
  sockets[0]!.drop(4401, '');
  assert.deepEqual(errors, ['ECN_STREAM_UNAUTHORIZED: a valid token is required']);
  const reconnecting = statuses.at(-1);
  assert.equal(reconnecting?.state, 'reconnecting');
  assert.match((reconnecting as { reason: string }).reason, /ECN_STREAM_UNAUTHORIZED/);
  await eventually(() => sockets.length === 2, 'a second connection', 2000);
  // the new connection starts over from a snapshot
  sockets[1]!.open();
  sockets[1]!.receive(delta(1, 1));
  sockets[1]!.receive(snapshot(7));
  assert.deepEqual(got, [{ type: 'snapshot', seq: 7 }]);
  assert.equal(statuses.at(-1)?.state, 'connected');
  client.stop();
  assert.equal(statuses.at(-1)?.state, 'closed');
  sockets[1]!.drop();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sockets.length, 2, 'no reconnect after stop()');
});

test('gzip snapshots: asked for in the URL, decompressed in order (deltas behind a snapshot being decompressed wait for it); a bad one asks for a resync', async () => {
  const { gzipSync, gunzip } = await import('node:zlib');
  const { promisify } = await import('node:util');
  const unzip = promisify(gunzip);
  const sockets: FakeSocket[] = [];
  const got: string[] = [];
  const client = new StreamClient({
    url: 'ws://x/graph?token=t',
    socket: (url) => { const s = new FakeSocket(url); sockets.push(s); return s; },
    gunzip: async (data) => String(await unzip(data as Buffer)),
    listener: { snapshot: (m) => got.push(`snapshot:${m.seq}`), delta: (m) => got.push(`delta:${m.seq}`) },
  });
  client.start();
  const s = sockets[0]!;
  assert.equal(s.url, 'ws://x/graph?token=t&encoding=gzip');
  s.open();
  s.onmessage?.({ data: gzipSync(JSON.stringify(snapshot(7))) });
  s.receive(delta(8, 8)); // a text frame right behind the compressed snapshot
  assert.deepEqual(got, [], 'nothing is delivered before the snapshot is decompressed');
  await eventually(() => got.length === 2, 'both delivered');
  assert.deepEqual(got, ['snapshot:7', 'delta:8']);
  s.onmessage?.({ data: Buffer.from('not gzip') });
  await eventually(() => s.sent.length > 0, 'a resync is asked for');
  assert.deepEqual(s.sent, [{ type: 'resync' }]);
  s.receive(delta(9, 9)); // dropped: the client waits for the snapshot it asked for
  s.onmessage?.({ data: gzipSync(JSON.stringify({ ...snapshot(9), reason: 'resync' })) });
  s.receive(delta(10, 10));
  await eventually(() => got.length === 4, 'the new snapshot and the delta after it');
  assert.deepEqual(got, ['snapshot:7', 'delta:8', 'snapshot:9', 'delta:10']);
  client.stop();
});
