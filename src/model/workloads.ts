/**
 * Cross-object checks of what runs on the network: applications, microservices (agent, ports), public ports,
 * routes and edge resources. Runs after src/model/topology.ts; failing objects are reported and skipped.
 */
import type { Application, EdgeResource, Microservice, PublicPort, Route } from './ecn.js';
import type { Candidates, MicroserviceCandidate } from './collect.js';
import { IssueSink, SkipLog, label, objectRef } from './issues.js';
import { MODEL_ISSUE_CODES as C, type ModelIssueCode } from './issue-codes.js';
import { ADDRESS_SEGMENT_RULE, isAddressSegment } from './names.js';
import { RESERVED_PUBLIC_PORTS, allocatePublicPorts, type PublicPortRequest } from './public-ports.js';
import type { Topology } from './topology.js';
import type { PathSegment } from './validate.js';

export interface Workloads {
  applications: Map<string, Application>;
  microservices: Map<string, Microservice>;
  routes: Map<string, Route>;
  edgeResources: Map<string, EdgeResource>;
  publicPorts: PublicPort[];
}

export interface WorkloadOptions {
  previous?: readonly PublicPort[];
  reservedPorts?: readonly number[];
}

const sortedKeys = <V>(m: Map<string, V>): string[] => [...m.keys()].sort();

export function checkWorkloads(cands: Candidates, topo: Topology, sink: IssueSink, skips: SkipLog, opts: WorkloadOptions): Workloads {
  // applications
  const applications = new Map<string, Application>();
  for (const name of sortedKeys(cands.applications)) {
    const a = cands.applications.get(name)!;
    const l = label.application(name);
    if (!isAddressSegment(name)) {
      skips.skip(l, sink.error(C.BAD_NAME, l, a.origin, ['metadata', 'name'], `application name \`${name}\` is not usable in a router address`, `Rename the application: ${ADDRESS_SEGMENT_RULE}.`));
      continue;
    }
    applications.set(name, { name, ref: objectRef(a.origin) });
  }

  const appProblem = (app: string): { code: ModelIssueCode; message: string; fix: string } | undefined => {
    if (applications.has(app)) return undefined;
    const l = label.application(app);
    if (skips.has(l)) return { code: C.DEPENDENCY_SKIPPED, message: `skipped because ${l} was skipped (${skips.reason(l)!})`, fix: `Fix ${l} first.` };
    return { code: C.UNKNOWN_APPLICATION, message: `application \`${app}\` does not exist`, fix: `Add an Application named \`${app}\`, or correct the application name.` };
  };

  // microservices
  const accepted = new Map<string, MicroserviceCandidate>();
  // host → external port → owner: agents sharing a host (the simulator runs every agent on one) share its ports
  const hostPorts = new Map<string, Map<number, string>>();
  for (const [key, m] of cands.microservices) { // load order: of two clashing ports, the later one loses
    const l = label.microservice(m.application, m.name);
    const nameRel: PathSegment[] = m.inline ? ['name'] : ['metadata', 'name'];
    const agentRel: PathSegment[] = m.inline ? ['agent', 'name'] : ['spec', 'agent', 'name'];
    const portsRel = (i: number): PathSegment[] => [...(m.inline ? [] : ['spec']), 'container', 'ports', i];
    const fail = (rel: PathSegment[], code: ModelIssueCode, message: string, fix: string): void => skips.skip(l, sink.error(code, l, m.origin, rel, message, fix));

    if (!isAddressSegment(m.name)) {
      fail(nameRel, C.BAD_NAME, `microservice name \`${m.name}\` is not usable in a router address`, `Rename the microservice: ${ADDRESS_SEGMENT_RULE}.`);
      continue;
    }
    const ap = appProblem(m.application);
    if (ap) {
      fail(m.inline ? [] : ['spec', 'application'], ap.code, ap.message, ap.fix);
      continue;
    }
    const agent = topo.agents.get(m.agent);
    if (!agent) {
      const al = label.agent(m.agent);
      if (skips.has(al)) fail(agentRel, C.DEPENDENCY_SKIPPED, `skipped because its ${al} was skipped (${skips.reason(al)!})`, `Fix ${al}, or move the microservice to another agent.`);
      else fail(agentRel, C.UNKNOWN_AGENT, `agent \`${m.agent}\` does not exist`, `Add an Agent named \`${m.agent}\`, or set the microservice's agent.name to an existing agent.`);
      continue;
    }
    const listeners = topo.hostPorts.get(agent.host) ?? new Map<number, string>();
    const mine = new Map<number, string>();
    const used = hostPorts.get(agent.host) ?? new Map<number, string>();
    let bad = false;
    m.ports.forEach((p, i) => {
      if (bad) return;
      if (p.public?.enabled && p.protocol === 'udp') {
        bad = true;
        return fail([...portsRel(i), 'public'], C.PUBLIC_UDP, `port ${p.external}/udp cannot be public: public ports carry tcp or http`, 'Use protocol tcp for this port, or remove `public`.');
      }
      const listener = listeners.get(p.external);
      const holder = listener !== undefined ? `the router listener ${listener}` : mine.get(p.external) ?? used.get(p.external);
      if (holder !== undefined) {
        bad = true;
        return fail([...portsRel(i), 'external'], C.PORT_CONFLICT, `external port ${p.external} on host ${agent.host} (agent ${agent.name}) is already used by ${holder}`, `Choose another \`external\` port: external ports must be unique on an agent's host and differ from the router listener ports there.`);
      }
      mine.set(p.external, `${l} (ports[${i}])`);
    });
    if (bad) continue;
    for (const [port, owner] of mine) used.set(port, owner);
    hostPorts.set(agent.host, used);
    accepted.set(key, m);
  }

  // public ports (need the control plane)
  let publicPorts: PublicPort[] = [];
  const cp = topo.controlPlane;
  const requests: Array<PublicPortRequest & { index: number }> = [];
  for (const m of accepted.values()) {
    m.ports.forEach((p, index) => {
      if (!p.public?.enabled) return;
      requests.push({ application: m.application, microservice: m.name, agent: m.agent, external: p.external, protocol: p.public.protocol, index, ...(p.public.port !== undefined ? { requested: p.public.port } : {}) });
    });
  }
  const dropMicroservice = (app: string, name: string, index: number, code: ModelIssueCode, message: string, fix: string, leaf: PathSegment[]): void => {
    const m = accepted.get(`${app}/${name}`);
    if (!m) return;
    const l = label.microservice(app, name);
    skips.skip(l, sink.error(code, l, m.origin, [...(m.inline ? [] : ['spec']), 'container', 'ports', index, 'public', ...leaf], message, fix));
    accepted.delete(`${app}/${name}`);
  };
  if (requests.length > 0 && !cp) {
    for (const r of requests) dropMicroservice(r.application, r.microservice, r.index, C.NO_CONTROL_PLANE, `public port for external ${r.external} needs the control plane's interior router, and there is none`, 'Add a ControlPlane, or remove `public`.', []);
  } else if (cp) {
    const taken = new Map<number, string>();
    for (const n of opts.reservedPorts ?? RESERVED_PUBLIC_PORTS) taken.set(n, 'a reserved port');
    for (const [n, owner] of topo.hostPorts.get(cp.router.address) ?? []) taken.set(n, owner);
    for (const [n, owner] of hostPorts.get(cp.router.address) ?? []) if (!taken.has(n)) taken.set(n, `${owner} external port`);
    const range = cp.publicPortRange;
    const first = allocatePublicPorts(requests, { range, taken, ...(opts.previous ? { previous: opts.previous } : {}) });
    for (const f of first.failures) {
      const r = requests.find((q) => q.application === f.request.application && q.microservice === f.request.microservice && q.external === f.request.external)!;
      if (f.reason === 'range') {
        dropMicroservice(r.application, r.microservice, r.index, C.PUBLIC_PORT_RANGE, `public port ${r.requested!} is outside the control plane's range ${range.start}–${range.end}`, `Choose a public port between ${range.start} and ${range.end}, or leave \`port\` out to have one allocated.`, ['port']);
      } else if (f.reason === 'conflict') {
        dropMicroservice(r.application, r.microservice, r.index, C.PUBLIC_PORT_CONFLICT, `public port ${r.requested!} is already used by ${f.heldBy!}`, 'Choose another public port, or leave `port` out to have one allocated.', ['port']);
      } else {
        dropMicroservice(r.application, r.microservice, r.index, C.PUBLIC_PORT_EXHAUSTED, `no free public port left in ${range.start}–${range.end}`, 'Widen `spec.publicPorts` of the ControlPlane, or make fewer ports public.', []);
      }
    }
    const remaining = requests.filter((r) => accepted.has(`${r.application}/${r.microservice}`));
    publicPorts = first.failures.length === 0 ? first.ports : allocatePublicPorts(remaining, { range, taken, ...(opts.previous ? { previous: opts.previous } : {}) }).ports;
  }

  const microservices = new Map<string, Microservice>();
  for (const key of sortedKeys(accepted)) {
    const m = accepted.get(key)!;
    microservices.set(key, { application: m.application, name: m.name, agent: m.agent, ports: m.ports.map((p) => ({ ...p, ...(p.public ? { public: { ...p.public } } : {}) })), ref: objectRef(m.origin) });
  }

  // routes
  const routes = new Map<string, Route>();
  for (const key of sortedKeys(cands.routes)) {
    const r = cands.routes.get(key)!;
    const l = label.route(r.application, r.name);
    const fail = (rel: PathSegment[], code: ModelIssueCode, message: string, fix: string): void => skips.skip(l, sink.error(code, l, r.origin, rel, message, fix));
    const at = (field: string): PathSegment[] => (r.inline ? [field] : ['spec', field]);
    if (!isAddressSegment(r.name)) {
      fail(r.inline ? ['name'] : ['metadata', 'name'], C.BAD_NAME, `route name \`${r.name}\` is not usable in a router address`, `Rename the route: ${ADDRESS_SEGMENT_RULE}.`);
      continue;
    }
    const ap = appProblem(r.application);
    if (ap) {
      fail(r.inline ? [] : ['spec', 'application'], ap.code, ap.message, ap.fix);
      continue;
    }
    const ends: Array<['from' | 'to', string]> = [['from', r.from], ['to', r.to]];
    const resolved: string[] = [];
    for (const [field, raw] of ends) {
      let ms = raw;
      const slash = raw.indexOf('/');
      if (slash >= 0) {
        const app = raw.slice(0, slash);
        if (app !== r.application) {
          fail(at(field), C.ROUTE_CROSS_APPLICATION, `\`${field}\` ${raw} is in application ${app}; a route connects microservices of its own application (${r.application})`, `Use a microservice of ${r.application} in \`${field}\`, or define the route in ${app}.`);
          break;
        }
        ms = raw.slice(slash + 1);
      }
      const msLabel = label.microservice(r.application, ms);
      if (microservices.has(`${r.application}/${ms}`)) resolved.push(ms);
      else if (skips.has(msLabel)) {
        fail(at(field), C.DEPENDENCY_SKIPPED, `skipped because its \`${field}\` ${msLabel} was skipped (${skips.reason(msLabel)!})`, `Fix ${msLabel} first.`);
        break;
      } else {
        const elsewhere = [...cands.microservices.values()].filter((m) => m.name === ms).map((m) => m.application).sort();
        if (elsewhere.length > 0) fail(at(field), C.ROUTE_CROSS_APPLICATION, `\`${field}\` ${ms} is a microservice of ${elsewhere.join(', ')}, not of ${r.application}`, `Routes connect microservices of one application: use a microservice of ${r.application} in \`${field}\`.`);
        else fail(at(field), C.UNKNOWN_MICROSERVICE, `\`${field}\` ${ms} is not a microservice of application ${r.application}`, `Set \`${field}\` to one of: ${[...microservices.values()].filter((m) => m.application === r.application).map((m) => m.name).join(', ') || '(no microservices)'}.`);
        break;
      }
    }
    if (resolved.length !== 2) continue;
    if (resolved[0] === resolved[1]) {
      fail(at('to'), C.ROUTE_SELF, `the route goes from ${resolved[0]!} to itself`, 'Point `to` at another microservice, or remove the route.');
      continue;
    }
    routes.set(key, { application: r.application, name: r.name, from: resolved[0]!, to: resolved[1]!, ref: objectRef(r.origin) });
  }

  // edge resources
  const edgeResources = new Map<string, EdgeResource>();
  for (const key of sortedKeys(cands.edgeResources)) {
    const e = cands.edgeResources.get(key)!;
    const l = label.edgeResource(e.name, e.version);
    const agents: string[] = [];
    let bad = false;
    e.agents.forEach((name, i) => {
      if (bad) return;
      const rel: PathSegment[] = ['spec', 'agents', i];
      if (topo.agents.has(name)) {
        if (!agents.includes(name)) agents.push(name);
      } else if (skips.has(label.agent(name))) {
        sink.warn(C.DEPENDENCY_SKIPPED, l, e.origin, rel, `${label.agent(name)} was skipped (${skips.reason(label.agent(name))!}); it is left out of the resource's agents`, `Fix ${label.agent(name)}.`);
      } else {
        bad = true;
        skips.skip(l, sink.error(C.UNKNOWN_AGENT, l, e.origin, rel, `agent \`${name}\` does not exist`, 'List only existing agents in `spec.agents`.'));
      }
    });
    if (bad) continue;
    edgeResources.set(key, {
      name: e.name,
      version: e.version,
      ...(e.description !== undefined ? { description: e.description } : {}),
      ...(e.interfaceProtocol !== undefined ? { interfaceProtocol: e.interfaceProtocol } : {}),
      agents,
      ref: objectRef(e.origin),
    });
  }

  return { applications, microservices, routes, edgeResources, publicPorts };
}
