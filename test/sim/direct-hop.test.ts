/**
 * Direct hops (sim/router/direct-hop.ts): routers of one process on the in-process network hand router-to-router
 * deliveries over as objects. What a client sees must not change: replies, outcomes, link counters, order, and a
 * delivery in flight when its connection drops.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import rhea, { type Connection, type Delivery, type EventContext, type Receiver, type Sender } from 'rhea';
import { InProcessTransport, PipeSocket } from '../../sim/router/in-process-transport.js';
import { SimRouter } from '../../sim/router/router.js';
import { rheaConnectOptions, tcpTransport, type SimTransport } from '../../sim/router/transport.js';
import { SimClient, records } from '../support/sim-client.js';
import { eventually, whenTrue } from '../support/deadline.js';
import { listener, query, startEdge } from '../support/sim-topology.js';
import { agentDoubleFactory } from '../support/sim-agent-double.js';

/** bytes written into in-process sockets while `f` runs */
async function pipeBytesDuring(f: () => Promise<void>): Promise<number> {
  const proto = PipeSocket.prototype as unknown as { _write: (chunk: Buffer, enc: BufferEncoding, cb: () => void) => void };
  const original = proto._write;
  let bytes = 0;
  proto._write = function counted(this: PipeSocket, chunk, enc, cb) {
    bytes += chunk.length;
    original.call(this, chunk, enc, cb);
  };
  try {
    await f();
  } finally {
    proto._write = original;
  }
  return bytes;
}

function connect(transport: SimTransport, port: number): Promise<Connection> {
  const container = rhea.create_container({ id: `direct-hop-test-${Math.random().toString(36).slice(2)}` });
  return new Promise((resolve, reject) => {
    const conn = container.connect({ ...rheaConnectOptions(transport, '127.0.0.1', port), reconnect: false } as never);
    conn.once('connection_open', () => resolve(conn));
    conn.once('disconnected', (ctx: EventContext) => reject((ctx as { error?: Error }).error ?? new Error('disconnected')));
    conn.on('error', () => undefined);
  });
}

function outcomeOf(d: Delivery): string {
  const rs = (d as unknown as { remote_state?: { constructor?: { composite_type?: string }; delivery_failed?: boolean } }).remote_state;
  const kind = rs?.constructor?.composite_type ?? 'accepted';
  return kind === 'modified' ? `modified${rs?.delivery_failed ? ' (delivery failed)' : ''}` : kind;
}

describe('direct hops between routers of one process', () => {
  let transport: InProcessTransport;
  let int: SimRouter;
  let edges: SimRouter[];

  beforeEach(async () => {
    transport = new InProcessTransport();
    // the client side of the interior on real TCP, so that every in-process byte is router-to-router
    int = new SimRouter({
      id: 'INT.D', mode: 'interior', transport, agentFactory: agentDoubleFactory,
      listenerTransport: (name) => (name === 'amqp' ? tcpTransport : transport),
      config: [listener('amqp', 'normal'), listener('edge', 'edge')],
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    await int.start();
    edges = await Promise.all(['EDGE.D1', 'EDGE.D2'].map((id) => startEdge(id, [int.listenerPort('edge')!], { transport })));
    await whenTrue(int, ['edge-attached'], () => int.attachedEdges().length === 2, 'both edges attached');
  });

  afterEach(async () => {
    await Promise.all(edges.map((e) => e.stop()));
    await int.stop();
  });

  it('management requests to edges cross without framing, with the same replies and link counters', async () => {
    const client = await SimClient.connect({ port: int.listenerPort('amqp')! });
    const N = 100;
    try {
      const downlinkCounts = async (): Promise<number> => {
        const rows = records(await client.request('$management', ...query('router.link', ['linkType', 'linkDir', 'deliveryCount', 'acceptedCount'])));
        return rows.filter((r) => r.linkType === 'edge-downlink').reduce((sum, r) => sum + Number(r.acceptedCount), 0);
      };
      const before = await downlinkCounts();
      let replies: Array<Record<string, unknown>> = [];
      const bytes = await pipeBytesDuring(async () => {
        const all = await Promise.all(Array.from({ length: N }, (_, i) => client.request(`amqp:/_edge/EDGE.D${(i % 2) + 1}/$management`, ...query('router', ['id', 'mode']))));
        assert.ok(all.every((r) => r.state === 'ACCEPTED'));
        replies = all.map((r) => records(r)[0]!);
      });
      assert.deepEqual(replies, Array.from({ length: N }, (_, i) => ({ id: `EDGE.D${(i % 2) + 1}`, mode: 'edge' })));
      // framed, each request and its reply would be several hundred bytes on the in-process pipes
      assert.ok(bytes < 2000, `${bytes} bytes crossed the in-process pipes for ${N} requests`);
      assert.equal(await downlinkCounts() - before, N, 'every request counted as accepted on the edge-downlinks');
      // an unknown edge is still RELEASED at the interior
      assert.equal((await client.request('amqp:/_edge/EDGE.NONE/$management', ...query('router', ['id']))).state, 'RELEASED');
    } finally {
      await client.close();
    }
  });

  it('keeps the order of a stream of messages from one edge to a subscriber on another', async () => {
    const sub = await connect(transport, edges[1]!.listenerPort('amqp')!);
    const pub = await connect(transport, edges[0]!.listenerPort('amqp')!);
    try {
      const got: number[] = [];
      const receiver: Receiver = sub.open_receiver({ source: { address: 'ordered.stream' }, credit_window: 50 });
      receiver.on('message', (ctx: EventContext) => { got.push(Number(ctx.message!.body)); });
      await new Promise<void>((resolve) => receiver.once('receiver_open', () => resolve()));
      // the subscription reaches the interior in the edge's address report
      const N = 300;
      const sender: Sender = pub.open_sender({ target: { address: 'ordered.stream' } });
      let sent = 0;
      const outcomes: string[] = [];
      await new Promise<void>((resolve) => {
        const pump = (): void => {
          while (sent < N && sender.sendable()) sender.send({ body: String(sent++) });
        };
        sender.on('sendable', pump);
        sender.on('settled', (ctx: EventContext) => { outcomes.push(outcomeOf(ctx.delivery!)); if (outcomes.length === N) resolve(); });
        pump();
      });
      assert.ok(outcomes.every((o) => o === 'accepted'), `outcomes: ${[...new Set(outcomes)].join(', ')}`);
      await eventually(() => got.length === N, `${N} messages received`);
      // released ones (before the subscription was known upstream) would be missing; none may be out of order
      assert.deepEqual(got, Array.from({ length: N }, (_, i) => i));
    } finally {
      pub.close();
      sub.close();
    }
  });

  it('a delivery in flight when the uplink drops fails as MODIFIED (delivery-failed), as a framed one does', async () => {
    const sub = await connect(transport, edges[1]!.listenerPort('amqp')!);
    const pub = await connect(transport, edges[0]!.listenerPort('amqp')!);
    try {
      // a subscriber that never settles: the delivery stays in flight across both hops
      const receiver: Receiver = sub.open_receiver({ source: { address: 'held' }, autoaccept: false, credit_window: 10 });
      let arrived = 0;
      receiver.on('message', () => { arrived++; });
      await new Promise<void>((resolve) => receiver.once('receiver_open', () => resolve()));
      const sender: Sender = pub.open_sender({ target: { address: 'held' } });
      await new Promise<void>((resolve) => (sender.sendable() ? resolve() : sender.once('sendable', () => resolve())));
      // retry until the subscription is known at the interior (a RELEASED delivery means not yet)
      let outcome = '';
      for (let attempt = 0; attempt < 50 && arrived === 0; attempt++) {
        const delivery = sender.send({ body: 'hold me' });
        outcome = await new Promise<string>((resolve) => {
          const onSettled = (ctx: EventContext): void => { if (ctx.delivery === delivery) { sender.off('settled', onSettled); resolve(outcomeOf(delivery)); } };
          sender.on('settled', onSettled);
          const check = setInterval(() => { if (arrived > 0) { clearInterval(check); resolve('in flight'); } }, 5);
          sender.once('settled', () => clearInterval(check));
        });
      }
      assert.equal(outcome, 'in flight', 'the message reached the subscriber and is held there');
      const settled = new Promise<string>((resolve) => sender.on('settled', (ctx: EventContext) => resolve(outcomeOf(ctx.delivery!))));
      edges[1]!.faults.dropUplinks();
      assert.equal(await settled, 'modified (delivery failed)');
    } finally {
      pub.close();
      sub.close();
    }
  });
});
