/**
 * Replays a recorded transcript against simulated management agents (no network): every case whose request a
 * router's own agent answers is sent, in file order, to the agent of the router it reaches, and the reply is
 * compared with the recording after normalisation. Cases the network itself answers (a RELEASED delivery: no route
 * to the target) are skipped; they belong to the router/network tests.
 */
import { ManagementAgent } from '../../sim/router/agent.js';
import type { AgentResult } from '../../sim/router/contract.js';
import { RECORDED_PORT_NAMES, RECORDED_ROUTERS, recordedTopology } from './fake-runtime.js';
import {
  assignPorts,
  loadTranscript,
  managementTarget,
  normaliseReply,
  portNames,
  recordedReply,
  replyDifferences,
  substituteRequest,
  transcriptRouter,
  type TranscriptCase,
} from './transcripts.js';

/**
 * Cases whose simulated reply deliberately differs from the recording, by transcript file then case name, with the
 * reason. The replay test reports them and does not fail on them. Empty: every replayable case matches.
 */
export const AGENT_REPLAY_ALLOW_LIST: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

export interface ReplayOutcome {
  index: number;
  case: TranscriptCase;
  /** 'skipped': not answered by an agent (routing); 'allowed': differs but allow-listed */
  status: 'match' | 'mismatch' | 'skipped' | 'allowed';
  target?: string;
  differences: string[];
  reason?: string;
}

function describe(result: AgentResult): string {
  return result.kind === 'silent' ? `no reply (${result.agent} agent)` : `${result.statusCode} ${result.statusDescription}`;
}

export function replayTranscriptAgainstAgents(file: string): ReplayOutcome[] {
  const cases = loadTranscript(file);
  const { flavor, version } = transcriptRouter(file);
  const ports = assignPorts([...new Set([...RECORDED_PORT_NAMES, ...portNames(cases)])]);
  const agents = new Map(
    recordedTopology(cases, ports, flavor, version).map((r) => [
      r.identity.id,
      new ManagementAgent({ identity: r.identity, runtime: r.runtime, hooks: r.runtime, config: r.config }),
    ]),
  );
  const allowed = AGENT_REPLAY_ALLOW_LIST[file] ?? {};
  return cases.map((c, index): ReplayOutcome => {
    const target = c.delivery.state === 'ACCEPTED' ? managementTarget(c.request, RECORDED_ROUTERS) : undefined;
    const agent = target ? agents.get(target) : undefined;
    if (!target || !agent) return { index, case: c, status: 'skipped', differences: [] };
    const req = substituteRequest(c.request, ports);
    const result = agent.handle({ applicationProperties: req.applicationProperties, body: req.body, hasReplyTo: req.replyTo });
    const expected = recordedReply(c);
    let differences: string[];
    if (!expected) differences = result.kind === 'silent' ? [] : [`expected no reply, got ${describe(result)}`];
    else if (result.kind === 'silent') differences = [`expected ${expected.statusCode} ${expected.statusDescription}, got no reply`];
    else differences = replyDifferences(expected, normaliseReply(req, result, ports));
    const reason = allowed[c.case];
    const status = differences.length === 0 ? 'match' : reason ? 'allowed' : 'mismatch';
    return { index, case: c, status, target, differences, reason };
  });
}
