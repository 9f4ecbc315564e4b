/**
 * `ecn graph`: the manager's link graph, read from its WebSocket stream (/graph): a tree for people or graphology's
 * JSON; with --watch, then one line per change until interrupted.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { ChangeLog, renderTree } from '../graph/render-tree.js';
import { GraphClient } from '../stream/client.js';
import { StreamError } from '../stream/messages.js';
import { NODE_KINDS, type GraphFilter } from '../stream/protocol.js';
import type { NodeKind } from '../graph/types.js';
import { EXIT } from './exit-codes.js';
import { writeLine } from './io.js';
import type { CommandContext } from './main.js';

export const DEFAULT_GRAPH_URL = 'ws://127.0.0.1:8080/graph';

export function parseGraphUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a URL: give ws://HOST:PORT/graph (e.g. ${DEFAULT_GRAPH_URL}).`);
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new InvalidArgumentError(`'${value}' is not a ws:// or wss:// URL: give e.g. ${DEFAULT_GRAPH_URL}.`);
  return value;
}

export function parseKinds(value: string): NodeKind[] {
  const kinds = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (kinds.length === 0) throw new InvalidArgumentError(`'${value}' names no node kinds: choose from ${NODE_KINDS.join(', ')}.`);
  for (const k of kinds) {
    if (!(NODE_KINDS as readonly string[]).includes(k)) throw new InvalidArgumentError(`'${k}' is not a node kind: choose from ${NODE_KINDS.join(', ')}.`);
  }
  return kinds as NodeKind[];
}

function nonEmpty(what: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`an empty ${what} name: give one, or leave the option out.`);
    return value;
  };
}

/** exit code for a failure of the stream */
function exitFor(e: StreamError): number {
  switch (e.code) {
    case 'ECN_STREAM_UNREACHABLE':
    case 'ECN_STREAM_CLOSED':
    case 'ECN_STREAM_SHUTDOWN':
      return EXIT.UNREACHABLE;
    case 'ECN_STREAM_BAD_FILTER':
      return EXIT.USAGE;
    case 'ECN_STREAM_BAD_MESSAGE':
      return EXIT.BAD_RESPONSE;
    default:
      return EXIT.STATUS; // refused: unauthorized, forbidden origin, another HTTP status
  }
}

interface GraphOptions {
  url: string;
  watch?: boolean;
  json?: boolean;
  token?: string;
  application?: string;
  agent?: string;
  kinds?: NodeKind[];
}

export function registerGraph(program: Command, ctx: CommandContext): void {
  program
    .command('graph')
    .description("the manager's link graph from its WebSocket stream: a tree of routers, agents and microservices, then routes and public ports")
    .option('--url <url>', "the manager's graph stream, ws://HOST:PORT/graph", parseGraphUrl, DEFAULT_GRAPH_URL)
    .option('--watch', 'keep running and print one line per change (Ctrl-C to stop)')
    .option('--json', "print graphology's serialization and the seq (with --watch: then one delta per line)")
    .option('--token <token>', 'bearer token of the manager (default: $ECN_TOKEN)')
    .option('--application <name>', 'only this application', nonEmpty('application'))
    .option('--agent <name>', 'only this agent', nonEmpty('agent'))
    .option('--kinds <k1,k2>', `only these node kinds (${NODE_KINDS.join(', ')})`, parseKinds)
    .action(async (o: GraphOptions) => {
      const out = ctx.io.stdout;
      const token = o.token ?? (process.env.ECN_TOKEN || undefined);
      const filter: GraphFilter = {};
      if (o.application !== undefined) filter.application = o.application;
      if (o.agent !== undefined) filter.agent = o.agent;
      if (o.kinds !== undefined) filter.kinds = o.kinds;
      const fail = (e: StreamError) => {
        writeLine(ctx.io.stderr, `error ${e.code}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
        ctx.setExit(exitFor(e));
      };
      const client = new GraphClient();
      let snap;
      try {
        snap = await client.connect(o.url, { ...(token === undefined ? {} : { token }), filter, ...(o.watch ? { reconnect: true } : {}) });
      } catch (err) {
        if (!(err instanceof StreamError)) throw err;
        fail(err);
        return;
      }
      if (o.json) writeLine(out, JSON.stringify({ seq: snap.seq, filter: snap.filter, graph: client.graph.export() }, null, o.watch ? undefined : 2));
      else for (const line of renderTree(client.graph)) writeLine(out, line);
      if (!o.watch) {
        await client.close();
        return;
      }

      const log = new ChangeLog();
      log.reset(client.graph);
      const stamp = () => new Date().toISOString().slice(11, 19);
      client.on('delta', (d) => {
        if (o.json) {
          writeLine(out, JSON.stringify(d));
          return;
        }
        for (const line of log.describe(client.graph, d.ops.map((op) => op.key))) writeLine(out, `${stamp()} ${line}`);
      });
      client.on('snapshot', (s) => {
        if (o.json) {
          writeLine(out, JSON.stringify({ seq: s.seq, filter: s.filter, reason: s.reason, graph: client.graph.export() }));
          return;
        }
        for (const line of log.describe(client.graph, log.keysWith(client.graph))) writeLine(out, `${stamp()} ${line}`);
      });
      client.on('gap', (g) => writeLine(ctx.io.stderr, `(missed changes: expected ${g.expected}, got ${g.from}; asking for a snapshot)`));
      client.on('error', (e) => writeLine(ctx.io.stderr, `error ${e.code}: ${e.message}`));
      const ended = new Promise<void>((resolve) => {
        client.on('close', (c) => {
          if (c.reconnecting) writeLine(ctx.io.stderr, `(connection lost: ${c.code}${c.reason ? ` ${c.reason}` : ''}; reconnecting)`);
          else resolve();
        });
      });
      await Promise.race([ctx.io.stopSignal, ended]);
      await client.close();
    });
}
