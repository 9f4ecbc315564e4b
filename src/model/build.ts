/**
 * The pure core of loading: parsed documents in, `{model, issues}` out. No I/O. Each document is validated on its
 * own; cross-object checks skip only the objects that fail (and what depends on them).
 */
import type { EcnModel, ModelIssue, PublicPort } from './ecn.js';
import { collect, type ManifestDocument } from './collect.js';
import { IssueSink, SkipLog } from './issues.js';
import { checkTopology } from './topology.js';
import { checkWorkloads } from './workloads.js';

export interface BuildOptions {
  /** the public ports of a previous load: unrequested ports keep these numbers when still free */
  previous?: readonly PublicPort[];
  /** public port numbers never allocated (default ioFog's 54321, 54322) */
  reservedPorts?: readonly number[];
}

export interface ModelResult {
  model: EcnModel;
  issues: ModelIssue[];
}

export function buildModel(documents: readonly ManifestDocument[], opts: BuildOptions = {}): ModelResult {
  const sink = new IssueSink();
  const skips = new SkipLog();
  const cands = collect(documents, sink, skips);
  const topo = checkTopology(cands, sink, skips);
  const w = checkWorkloads(cands, topo, sink, skips, opts);
  return {
    model: {
      controlPlane: topo.controlPlane,
      agents: topo.agents,
      applications: w.applications,
      microservices: w.microservices,
      routes: w.routes,
      edgeResources: w.edgeResources,
      publicPorts: w.publicPorts,
    },
    issues: sink.issues,
  };
}

/** Errors only (the objects they name were skipped). */
export function modelErrors(issues: readonly ModelIssue[]): ModelIssue[] {
  return issues.filter((i) => i.severity === 'error');
}
