/** Shared by the stream tests: a mutable synthetic network, random edits of it, and graph comparison. */
import type { MultiDirectedGraph } from 'graphology';
import { LinkGraph, syntheticNetwork, type SyntheticNetwork } from '../../src/graph/index.js';
import type { EdgeAttributes, NodeAttributes } from '../../src/graph/types.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { createGraphStream, type GraphStream, type GraphStreamOptions } from '../../src/stream/graph-stream.js';
import type { ServerMessage } from '../../src/stream/protocol.js';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A synthetic network with a second application, live in a LinkGraph. */
export function liveNetwork(agents = 12): { net: SyntheticNetwork; graph: LinkGraph; update: () => void } {
  const net = syntheticNetwork(agents, { microservicesPerAgent: 2, publicPortEvery: 3 });
  net.model.applications.set('app2', { name: 'app2', ref: { source: 'test' } });
  const graph = new LinkGraph();
  const update = () => { graph.update(net); };
  update();
  return { net, graph, update };
}

/** One random edit of the inputs (observation or model), described for failure messages. */
export function randomEdit(net: SyntheticNetwork, r: () => number): string {
  const agents = [...net.model.agents.keys()];
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const o = net.observed;
  let removed = removedAgents.get(net);
  if (!removed) removedAgents.set(net, (removed = []));
  switch (Math.floor(r() * 8)) {
    case 0: {
      const a = pick([...o.routers.keys()]);
      const p = o.routers.get(a)!;
      o.routers.set(a, { ...p, reachable: !p.reachable });
      return `router ${a} reachable=${!p.reachable}`;
    }
    case 1: {
      const a = pick(agents);
      if (o.edges.has(a)) { o.edges.delete(a); o.edgeAddresses.delete(a); return `uplink ${a} gone`; }
      o.edges.set(a, { edgeId: a, interiorId: 'interior', connectionId: a, uptimeSeconds: 5, active: true, operStatus: 'up', host: undefined });
      return `uplink ${a} back`;
    }
    case 2: {
      const k = pick([...net.model.microservices.keys()]);
      const ms = net.model.microservices.get(k)!;
      const to = pick(agents);
      net.model.microservices.set(k, { ...ms, agent: to });
      return `${k} moved to ${to}`;
    }
    case 3: {
      const k = pick([...net.model.microservices.keys()]);
      const ms = net.model.microservices.get(k)!;
      const application = ms.application === 'app' ? 'app2' : 'app';
      net.model.microservices.delete(k);
      net.model.microservices.set(`${application}/${ms.name}`, { ...ms, application });
      return `${k} now in ${application}`;
    }
    case 4: {
      const a = pick(agents);
      if (agents.length <= 3) return 'no-op';
      const saved = net.model.agents.get(a)!;
      net.model.agents.delete(a);
      removed.push(saved);
      return `agent ${a} removed`;
    }
    case 5: {
      const back = removed.shift();
      if (!back) return 'no-op';
      net.model.agents.set(back.name, back);
      return `agent ${back.name} back`;
    }
    case 6: {
      const k = pick([...o.addresses.keys()]);
      const x = o.addresses.get(k)!;
      o.addresses.set(k, { ...x, subscriberCount: x.subscriberCount ? 0 : 1, deliveriesEgress: x.deliveriesEgress + 1 });
      return `address ${k} toggled`;
    }
    default: {
      const ms = [...net.model.microservices.values()];
      const from = pick(ms);
      const to = pick(ms.filter((m) => m.application === from.application && m.name !== from.name).concat([from]));
      if (to === from) return 'no-op';
      const name = `x-${Math.floor(r() * 1e6)}`;
      net.model.routes.set(`${from.application}/${name}`, { application: from.application, name, from: from.name, to: to.name, ref: { source: 'test' } });
      return `route ${from.name} → ${to.name}`;
    }
  }
}
type AgentOf = SyntheticNetwork['model']['agents'] extends Map<string, infer A> ? A : never;
const removedAgents = new WeakMap<SyntheticNetwork, AgentOf[]>();

interface Plain { nodes: unknown[]; edges: unknown[] }

/** A graph (graphology instance or its serialization) as sorted plain data, for deepEqual. */
export function canonical(g: MultiDirectedGraph<NodeAttributes, EdgeAttributes> | { nodes: Array<{ key: string; attributes?: unknown }>; edges: Array<{ key?: string; source: string; target: string; attributes?: unknown }> }): Plain {
  const s = 'export' in g ? g.export() : g;
  const nodes = s.nodes.map((n) => ({ key: n.key, attributes: n.attributes })).sort((a, b) => (a.key < b.key ? -1 : 1));
  const edges = s.edges.map((e) => ({ key: e.key ?? '', source: e.source, target: e.target, attributes: e.attributes })).sort((a, b) => (a.key < b.key ? -1 : 1));
  return JSON.parse(JSON.stringify({ nodes, edges })) as Plain;
}

// ------------------------------------------------------------------ a server and raw clients

export interface TestServer {
  url: string;
  port: number;
  stream: GraphStream;
  server: Server;
  /** the server side of every upgraded connection, in order */
  sockets: Duplex[];
  stop(): Promise<void>;
}

export async function startStreamServer(opts: GraphStreamOptions): Promise<TestServer> {
  const stream = createGraphStream(opts);
  const sockets: Duplex[] = [];
  const server = createServer((_req, res) => { res.statusCode = 404; res.end(); });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/graph') { socket.destroy(); return; }
    sockets.push(socket);
    stream.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/graph`, port, stream, server, sockets,
    async stop() {
      await stream.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One frame as received: binary frames (gzip snapshots) are gunzipped into `text`. */
export interface Frame { message: ServerMessage; binary: boolean; text: string; bytes: Buffer }

/**
 * A raw client that queues what it receives. Binary frames are accepted only from a URL with encoding=gzip (and
 * gunzipped); any other binary frame throws.
 */
export class RawClient {
  readonly ws: WebSocket;
  private readonly queue: Frame[] = [];
  private waiting: Array<(f: Frame) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(url: string, opts: WebSocket.ClientOptions & { protocols?: string[] } = {}) {
    this.ws = new WebSocket(url, opts.protocols ?? [], opts);
    const gzip = new URL(url).searchParams.get('encoding') === 'gzip';
    this.ws.on('message', (d, isBinary) => {
      const bytes = Array.isArray(d) ? Buffer.concat(d) : Buffer.from(d as Buffer);
      if (isBinary && !gzip) throw new Error('the server sent a binary frame');
      const text = isBinary ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
      const f: Frame = { message: JSON.parse(text) as ServerMessage, binary: isBinary, text, bytes };
      const w = this.waiting.shift();
      if (w) w(f);
      else this.queue.push(f);
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (x: string) => { body += x; });
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
      });
      this.ws.once('error', reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  next(): Promise<ServerMessage> {
    return this.nextFrame().then((f) => f.message);
  }

  nextFrame(): Promise<Frame> {
    const f = this.queue.shift();
    if (f) return Promise.resolve(f);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  pendingCount(): number { return this.queue.length; }

  send(x: unknown): void { this.ws.send(typeof x === 'string' ? x : JSON.stringify(x)); }

  close(): Promise<unknown> { this.ws.close(); return this.closed; }
}

/** The HTTP status a refused upgrade got. */
export async function refusedStatus(c: RawClient): Promise<number> {
  return (await refusal(c)).status;
}

/** The HTTP status and body (JSON) of a refused upgrade. */
export async function refusal(c: RawClient): Promise<{ status: number; body: unknown }> {
  try {
    await c.opened;
  } catch (err) {
    const e = err as { status?: number; body?: string };
    return { status: e.status ?? -1, body: e.body ? JSON.parse(e.body) : undefined };
  }
  throw new Error('the upgrade was accepted');
}
