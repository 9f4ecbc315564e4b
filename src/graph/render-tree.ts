/**
 * The link graph as text for people (`ecn graph`): a tree interior routers → edge routers and their agents (with
 * the uplink's state) → microservices, then routes and public ports; and one line per change for `--watch`.
 * Works on any copy of the graph (the manager's live one or a stream client's), filtered or not: whatever is
 * missing from the copy is simply not shown, and what has no place in the tree is listed under "unattached".
 */
import type { MultiDirectedGraph } from 'graphology';
import type { EdgeAttributes, NodeAttributes } from './types.js';

type Graph = MultiDirectedGraph<NodeAttributes, EdgeAttributes>;

const byLabel = (g: Graph) => (a: string, b: string): number => {
  const la = g.getNodeAttribute(a, 'label');
  const lb = g.getNodeAttribute(b, 'label');
  return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
};

function outOfKind(g: Graph, node: string, kind: EdgeAttributes['kind']): Array<{ edge: string; target: string }> {
  const out: Array<{ edge: string; target: string }> = [];
  g.forEachOutEdge(node, (edge, a, _s, target) => { if (a.kind === kind) out.push({ edge, target }); });
  return out;
}

function inOfKind(g: Graph, node: string, kind: EdgeAttributes['kind']): Array<{ edge: string; source: string }> {
  const out: Array<{ edge: string; source: string }> = [];
  g.forEachInEdge(node, (edge, a, source) => { if (a.kind === kind) out.push({ edge, source }); });
  return out;
}

const mark = (a: NodeAttributes | EdgeAttributes): string => a.state;

/** The tree, the routes and the public ports, as lines (no trailing newline). */
export function renderTree(g: Graph): string[] {
  const lines: string[] = [];
  const shown = new Set<string>();
  const sort = byLabel(g);
  const nodes = (kind: NodeAttributes['kind']) => g.filterNodes((_k, a) => a.kind === kind).sort(sort);
  const nodeText = (k: string) => {
    const a = g.getNodeAttributes(k);
    return `${a.label}  ${mark(a)}`;
  };

  /** an agent's line content and its microservices below, under `prefix` */
  const agentChildren = (agent: string | undefined, prefix: string): void => {
    if (agent === undefined) return;
    const ms = outOfKind(g, agent, 'hosts').map((h) => h.target).sort(sort);
    ms.forEach((m, i) => {
      shown.add(m);
      lines.push(`${prefix}${i === ms.length - 1 ? '└─ ' : '├─ '}${nodeText(m)}`);
    });
  };
  const agentOf = (router: string): string | undefined => {
    const a = inOfKind(g, router, 'runs')[0]?.source;
    if (a !== undefined) shown.add(a);
    return a;
  };
  const agentNote = (agent: string | undefined, router: string): string => {
    if (agent === undefined) return '';
    const a = g.getNodeAttributes(agent);
    return a.label === g.getNodeAttribute(router, 'label') ? '' : `  (agent ${a.label})`;
  };

  const interiors = nodes('interior-router');
  for (const r of interiors) {
    shown.add(r);
    const agent = agentOf(r);
    lines.push(`${nodeText(r)}${agentNote(agent, r)}  [interior]`);
    const links = [...outOfKind(g, r, 'inter-router').map((l) => ({ edge: l.edge, other: l.target })), ...inOfKind(g, r, 'inter-router').map((l) => ({ edge: l.edge, other: l.source }))];
    for (const l of links) lines.push(`│  ⇄ ${g.getNodeAttribute(l.other, 'label')}  link ${mark(g.getEdgeAttributes(l.edge))}`);
    const children: Array<{ kind: 'ms'; key: string } | { kind: 'edge'; key: string; uplink: string }> = [];
    const own = agent === undefined ? [] : outOfKind(g, agent, 'hosts').map((h) => h.target).sort(sort);
    for (const m of own) children.push({ kind: 'ms', key: m });
    for (const u of inOfKind(g, r, 'uplink').sort((a, b) => sort(a.source, b.source))) children.push({ kind: 'edge', key: u.source, uplink: u.edge });
    children.forEach((c, i) => {
      const last = i === children.length - 1;
      const branch = last ? '└─ ' : '├─ ';
      const below = last ? '   ' : '│  ';
      if (c.kind === 'ms') {
        shown.add(c.key);
        lines.push(`${branch}${nodeText(c.key)}`);
        return;
      }
      const edgeAgent = agentOf(c.key);
      const standby = shown.has(c.key) ? '  (also above)' : '';
      shown.add(c.key);
      lines.push(`${branch}${nodeText(c.key)}${agentNote(edgeAgent, c.key)}  uplink ${mark(g.getEdgeAttributes(c.uplink))}${standby}`);
      if (!standby) agentChildren(edgeAgent, below);
    });
  }

  // edge routers without a visible uplink, then agents without a visible router, then lone microservices
  const loose: string[] = [];
  for (const r of nodes('edge-router')) {
    if (shown.has(r)) continue;
    shown.add(r);
    const agent = agentOf(r);
    loose.push(`${nodeText(r)}${agentNote(agent, r)}  (no uplink)`);
    const start = lines.length;
    agentChildren(agent, '   ');
    loose.push(...lines.splice(start));
  }
  for (const a of nodes('agent')) {
    if (shown.has(a)) continue;
    shown.add(a);
    loose.push(`agent ${nodeText(a)}`);
    const start = lines.length;
    agentChildren(a, '   ');
    loose.push(...lines.splice(start));
  }
  for (const m of nodes('microservice')) if (!shown.has(m)) loose.push(`${nodeText(m)}  (not placed)`);
  if (loose.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('unattached:', ...loose.map((l) => `  ${l}`));
  }

  const edgesOf = (kind: EdgeAttributes['kind']) => g.filterEdges((_k, a) => a.kind === kind).sort((a, b) => {
    const x = g.getNodeAttribute(g.source(a), 'label') + g.getEdgeAttribute(a, 'label');
    const y = g.getNodeAttribute(g.source(b), 'label') + g.getEdgeAttribute(b, 'label');
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const routes = edgesOf('route');
  if (routes.length > 0) {
    lines.push('', 'routes:');
    for (const e of routes) {
      const a = g.getEdgeAttributes(e);
      lines.push(`  ${g.getNodeAttribute(g.source(e), 'label')} → ${g.getNodeAttribute(g.target(e), 'label')}  ${a.label}  ${mark(a)}`);
    }
  }
  const ports = edgesOf('exposure');
  const portNodes = nodes('public-port');
  if (ports.length > 0 || portNodes.length > 0) {
    lines.push('', 'public ports:');
    const exposed = new Set<string>();
    for (const e of ports) {
      exposed.add(g.source(e));
      const p = g.getNodeAttributes(g.source(e));
      lines.push(`  ${p.label} → ${g.getNodeAttribute(g.target(e), 'label')}  ${mark(p)}`);
    }
    for (const p of portNodes) if (!exposed.has(p)) lines.push(`  ${nodeText(p)}`);
  }
  if (lines.length === 0) lines.push('(empty graph)');
  return lines;
}

const MIRRORS = new Set(['runs', 'hosts', 'advertises']);

interface Known {
  kind: string;
  label: string;
  state: string;
  source?: string;
  target?: string;
}

/**
 * Remembers what a copy of the graph looked like, to describe what changed in people's words:
 * `uplink agent-3 → interior: up → down`, `+ microservice app/ms-1 (pending)`, `- route r-2`.
 */
export class ChangeLog {
  private known = new Map<string, Known>();

  /** Forget everything and remember this graph (after a snapshot, when describing nothing). */
  reset(g: Graph): void {
    this.known = new Map();
    g.forEachNode((k) => this.remember(g, k));
    g.forEachEdge((k) => this.remember(g, k));
  }

  /** The lines for the given keys (nodes or edges) between what was known and `g`; then remembers `g`. */
  describe(g: Graph, keys: Iterable<string>): string[] {
    const lines: string[] = [];
    const touched = [...new Set(keys)];
    const labelOf = (k: string | undefined) => (k === undefined ? '?' : (g.hasNode(k) ? g.getNodeAttribute(k, 'label') : this.known.get(k)?.label) ?? k);
    const name = (k: Known) => (k.source !== undefined ? `${k.kind} ${k.kind === 'route' && k.label ? `${k.label} ` : ''}${labelOf(k.source)} → ${labelOf(k.target)}` : `${k.kind} ${k.label}`);
    for (const k of touched) {
      const before = this.known.get(k);
      const now = this.read(g, k);
      if (before && !now) lines.push(`- ${name(before)}`);
      else if (!before && now) lines.push(`+ ${name(now)} (${now.state})`);
      // runs/hosts/advertises edges take their agent's state: their changes would repeat the agent's line
      else if (before && now && before.state !== now.state && !MIRRORS.has(now.kind)) lines.push(`${name(now)}: ${before.state} → ${now.state}`);
    }
    for (const k of touched) {
      const now = this.read(g, k);
      if (now) this.known.set(k, now);
      else this.known.delete(k);
    }
    return lines;
  }

  /** Every key known before or present now (to describe a whole new snapshot against the old copy). */
  keysWith(g: Graph): string[] {
    const keys = [...this.known.keys()];
    g.forEachNode((k) => { keys.push(k); });
    g.forEachEdge((k) => { keys.push(k); });
    return keys;
  }

  private read(g: Graph, k: string): Known | undefined {
    if (g.hasNode(k)) {
      const a = g.getNodeAttributes(k);
      return { kind: a.kind, label: a.label, state: a.state };
    }
    if (g.hasEdge(k)) {
      const a = g.getEdgeAttributes(k);
      return { kind: a.kind, label: a.label, state: a.state, source: g.source(k), target: g.target(k) };
    }
    return undefined;
  }

  private remember(g: Graph, k: string): void {
    const x = this.read(g, k);
    if (x) this.known.set(k, x);
  }
}
