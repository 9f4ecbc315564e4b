/**
 * Cross-object checks of the router network: the one control plane, agent names and listener ports, upstream
 * routers (control plane or interior agents only, no cycles). Failing objects are reported and skipped; agents
 * behind a skipped upstream are skipped too.
 */
import type { Agent, ControlPlane } from './ecn.js';
import type { AgentCandidate, Candidates, ControlPlaneCandidate } from './collect.js';
import { IssueSink, SkipLog, label, objectRef } from './issues.js';
import { MODEL_ISSUE_CODES as C } from './issue-codes.js';
import { DEFAULT_ROUTER_ID, ROUTER_ID_RULE, isRouterId } from './names.js';
import type { PathSegment } from './validate.js';

/** host → port → owner (e.g. `Agent fog-1 messagingPort`) */
export type HostPorts = Map<string, Map<number, string>>;

export interface Topology {
  controlPlane: ControlPlane | undefined;
  agents: Map<string, Agent>;
  /** listener ports in use per host (control plane router, accepted agents' routers) */
  hostPorts: HostPorts;
}

function claim(hostPorts: HostPorts, host: string, port: number, owner: string): string | undefined {
  let ports = hostPorts.get(host);
  if (!ports) hostPorts.set(host, (ports = new Map()));
  const taken = ports.get(port);
  if (taken !== undefined) return taken;
  ports.set(port, owner);
  return undefined;
}

/** First repeated value in a list of [field, port]: the later field. */
function repeatedPort(fields: Array<[string, number | undefined]>): { field: string; other: string; port: number } | undefined {
  const seen = new Map<number, string>();
  for (const [field, port] of fields) {
    if (port === undefined) continue;
    const other = seen.get(port);
    if (other !== undefined) return { field, other, port };
    seen.set(port, field);
  }
  return undefined;
}

function checkControlPlane(cands: Candidates, sink: IssueSink, skips: SkipLog): ControlPlaneCandidate | undefined {
  let chosen: ControlPlaneCandidate | undefined;
  for (const cp of cands.controlPlanes) {
    const l = label.controlPlane(cp.name);
    const fail = (rel: PathSegment[], code: Parameters<IssueSink['error']>[0], message: string, fix: string) => skips.skip(l, sink.error(code, l, cp.origin, rel, message, fix));
    const before = sink.issues.length;
    if (!isRouterId(cp.routerId)) {
      fail(['spec', 'router', 'id'], C.BAD_NAME, `router id \`${cp.routerId}\` is not usable as a router id`, `Set \`spec.router.id\` to ${ROUTER_ID_RULE}.`);
    }
    const rep = repeatedPort([['messagePort', cp.router.messagePort], ['interiorPort', cp.router.interiorPort], ['edgePort', cp.router.edgePort]]);
    if (rep) {
      fail(['spec', 'ingresses', 'router', rep.field], C.LISTENER_PORT_CONFLICT, `\`${rep.field}\` ${rep.port} is also the \`${rep.other}\``, `Give messagePort, interiorPort and edgePort three different numbers.`);
    }
    const range = cp.publicPortRange;
    if (range.start > range.end) {
      fail(['spec', 'publicPorts'], C.BAD_PORT_RANGE, `public port range ${range.start}–${range.end} is empty`, 'Set `spec.publicPorts.start` to at most `spec.publicPorts.end`.');
    }
    if (sink.issues.length !== before) continue;
    if (chosen) {
      fail([], C.EXTRA_CONTROL_PLANE, `a second control plane (${label.controlPlane(chosen.name)} from ${chosen.origin.ref.source} is used)`, 'Keep exactly one ControlPlane in the ECN; remove this one.');
      continue;
    }
    chosen = cp;
  }
  return chosen;
}

export function checkTopology(cands: Candidates, sink: IssueSink, skips: SkipLog): Topology {
  const cp = checkControlPlane(cands, sink, skips);
  const hostPorts: HostPorts = new Map();
  if (!cp) {
    const invalid = cands.controlPlaneDocuments > 0;
    sink.error(
      C.NO_CONTROL_PLANE, 'ControlPlane', { ref: { source: cands.controlPlanes[0]?.origin.ref.source ?? '(all sources)' }, base: [] }, [],
      invalid ? 'no valid ControlPlane (see the issues above)' : 'the ECN has no ControlPlane',
      invalid ? 'Fix the ControlPlane document.' : 'Add one `kind: ControlPlane` document with spec.ingresses.router.address.',
    );
  } else {
    const owner = label.controlPlane(cp.name);
    claim(hostPorts, cp.router.address, cp.router.messagePort, `${owner} messagePort`);
    claim(hostPorts, cp.router.address, cp.router.interiorPort, `${owner} interiorPort`);
    claim(hostPorts, cp.router.address, cp.router.edgePort, `${owner} edgePort`);
  }
  const cpAliases = cp ? new Set([cp.name, cp.routerId, DEFAULT_ROUTER_ID]) : new Set([DEFAULT_ROUTER_ID]);

  const names = [...cands.agents.keys()].sort();
  const upstreams = new Map<string, string[]>(); // agent → resolved router ids
  const okAgents = new Map<string, AgentCandidate>();

  // local checks, then listener ports per host (in load order: the later one loses)
  for (const name of cands.agents.keys()) {
    const a = cands.agents.get(name)!;
    const l = label.agent(name);
    const fail = (rel: PathSegment[], code: Parameters<IssueSink['error']>[0], message: string, fix: string) => skips.skip(l, sink.error(code, l, a.origin, rel, message, fix));
    if (!isRouterId(name)) {
      fail(['metadata', 'name'], C.BAD_NAME, `agent name \`${name}\` is not usable as a router id`, `Rename the agent: ${ROUTER_ID_RULE}.`);
      continue;
    }
    if (cpAliases.has(name)) {
      fail(['metadata', 'name'], C.ROUTER_ID_CONFLICT, `agent name \`${name}\` is also the control plane's name or router id`, 'Rename the agent: agent names are router ids and must differ from the control plane and `default-router`.');
      continue;
    }
    if (a.routerMode === 'edge') {
      for (const f of ['edgeRouterPort', 'interRouterPort'] as const) {
        if (a[f] !== undefined) {
          sink.warn(C.IGNORED_FIELD, l, a.origin, ['spec', 'config', 'routerConfig', f], `\`${f}\` is ignored: an edge-mode router has no ${f === 'edgeRouterPort' ? 'edge' : 'inter-router'} listener`, `Remove \`${f}\`, or set routerMode: interior.`);
          delete a[f];
        }
      }
    }
    const rep = repeatedPort([['messagingPort', a.messagingPort], ['edgeRouterPort', a.edgeRouterPort], ['interRouterPort', a.interRouterPort]]);
    if (rep) {
      fail(['spec', 'config', 'routerConfig', rep.field], C.LISTENER_PORT_CONFLICT, `\`${rep.field}\` ${rep.port} is also the \`${rep.other}\``, 'Give messagingPort, edgeRouterPort and interRouterPort different numbers (edge/inter-router default to 45672/55672).');
      continue;
    }
    const wanted: Array<[string, number | undefined]> = [['messagingPort', a.messagingPort], ['edgeRouterPort', a.edgeRouterPort], ['interRouterPort', a.interRouterPort]];
    const clash = wanted.find(([, port]) => port !== undefined && hostPorts.get(a.host)?.has(port));
    if (clash) {
      const [field, port] = clash as [string, number];
      fail(['spec', 'config', 'routerConfig', field], C.LISTENER_PORT_CONFLICT, `\`${field}\` ${port} on host ${a.host} is already used by ${hostPorts.get(a.host)!.get(port)!}`, `Choose another \`${field}\` for ${l}: every router listener on one host needs its own port.`);
      continue;
    }
    for (const [field, port] of wanted) if (port !== undefined) claim(hostPorts, a.host, port, `${l} ${field}`);
    okAgents.set(name, a);
  }

  // upstream routers
  for (const [name, a] of okAgents) {
    const l = label.agent(name);
    const resolved: string[] = [];
    let failed = false;
    const fail = (rel: PathSegment[], code: Parameters<IssueSink['error']>[0], message: string, fix: string) => {
      failed = true;
      skips.skip(l, sink.error(code, l, a.origin, rel, message, fix));
    };
    if (a.upstreamNames.length === 0) {
      if (cp) resolved.push(cp.routerId);
      else fail([], C.NO_CONTROL_PLANE, 'the agent connects to the control plane by default, and there is none', 'Add a ControlPlane, or list interior agents in `spec.config.upstreamRouters`.');
    }
    a.upstreamNames.forEach((up, i) => {
      const rel: PathSegment[] = ['spec', 'config', 'upstreamRouters', i];
      let id: string | undefined;
      if (cpAliases.has(up)) {
        if (cp) id = cp.routerId;
        else fail(rel, C.NO_CONTROL_PLANE, `upstream router \`${up}\` is the control plane, and there is none`, 'Add a ControlPlane.');
      } else if (up === name) {
        fail(rel, C.UPSTREAM_CYCLE, `the agent lists itself as an upstream router`, `Remove \`${up}\` from \`spec.config.upstreamRouters\`.`);
      } else {
        const target = cands.agents.get(up);
        if (!target && skips.has(label.agent(up))) {
          fail(rel, C.DEPENDENCY_SKIPPED, `skipped because its upstream ${label.agent(up)} was skipped (${skips.reason(label.agent(up))!})`, `Fix ${label.agent(up)}, or connect ${l} to another upstream router.`);
        } else if (!target) {
          fail(rel, C.UNKNOWN_UPSTREAM, `upstream router \`${up}\` is neither the control plane nor an agent`, `Use the control plane's name${cp ? ` (\`${cp.name}\`)` : ''}, \`${DEFAULT_ROUTER_ID}\`, or the name of an interior-mode agent.`);
        } else if (target.routerMode !== 'interior') {
          fail(rel, C.EDGE_UPSTREAM, `upstream router \`${up}\` is an edge-mode agent; an edge router cannot be an upstream`, `Set routerMode: interior on ${label.agent(up)}, or connect ${l} to the control plane or an interior agent.`);
        } else id = up;
      }
      if (id === undefined) return;
      if (resolved.includes(id)) {
        sink.warn(C.IGNORED_FIELD, l, a.origin, rel, `upstream router \`${up}\` is listed twice (as router \`${id}\`)`, `Remove the repeated entry from \`spec.config.upstreamRouters\`.`);
      } else resolved.push(id);
    });
    if (!failed) upstreams.set(name, resolved);
  }

  // cycles among interior agents
  for (const cycle of findCycles(upstreams)) {
    const members = cycle.join(' → ');
    for (const name of cycle) {
      const a = okAgents.get(name)!;
      const l = label.agent(name);
      const idx = a.upstreamNames.findIndex((u) => cycle.includes(u));
      skips.skip(l, sink.error(C.UPSTREAM_CYCLE, l, a.origin, ['spec', 'config', 'upstreamRouters', ...(idx >= 0 ? [idx] : [])], `upstream routers form a cycle: ${members} → ${cycle[0]}`, 'Make the interior agents form a tree towards the control plane: remove one upstream in the cycle.'));
      upstreams.delete(name);
    }
  }

  // agents behind skipped upstreams (until nothing changes)
  for (let changed = true; changed; ) {
    changed = false;
    for (const [name, ids] of [...upstreams]) {
      const agentIds = ids.filter((id) => id !== cp?.routerId);
      const missing = agentIds.find((id) => !upstreams.has(id));
      if (missing === undefined) continue;
      const a = okAgents.get(name)!;
      const l = label.agent(name);
      const i = a.upstreamNames.indexOf(missing);
      const why = skips.reason(label.agent(missing)) ?? 'invalid';
      skips.skip(l, sink.error(C.DEPENDENCY_SKIPPED, l, a.origin, ['spec', 'config', 'upstreamRouters', ...(i >= 0 ? [i] : [])], `skipped because its upstream ${label.agent(missing)} was skipped (${why})`, `Fix ${label.agent(missing)}, or connect ${l} to another upstream router.`));
      upstreams.delete(name);
      changed = true;
    }
  }

  const agents = new Map<string, Agent>();
  for (const name of names) {
    const ids = upstreams.get(name);
    if (!ids) continue;
    const a = okAgents.get(name)!;
    agents.set(name, {
      name,
      host: a.host,
      routerMode: a.routerMode,
      messagingPort: a.messagingPort,
      ...(a.edgeRouterPort !== undefined ? { edgeRouterPort: a.edgeRouterPort } : {}),
      ...(a.interRouterPort !== undefined ? { interRouterPort: a.interRouterPort } : {}),
      upstreamRouters: ids,
      ref: objectRef(a.origin),
    });
  }
  const controlPlane: ControlPlane | undefined = cp
    ? {
        name: cp.name,
        routerId: cp.routerId,
        router: { ...cp.router },
        ...(cp.tls ? { tls: { ...cp.tls } } : {}),
        publicPortRange: { ...cp.publicPortRange },
        ref: objectRef(cp.origin),
      }
    : undefined;
  return { controlPlane, agents, hostPorts };
}

/** Strongly connected components with more than one member (Tarjan), members sorted, cycles sorted. */
export function findCycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

