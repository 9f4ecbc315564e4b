/**
 * Loading the ECN manifests for a command and telling the user about problems in them: every issue names the file,
 * the object, the field and the fix; objects with errors are skipped and the rest is used.
 */
import { buildModel, readManifestDocuments } from '../model/index.js';
import { chooseFreePorts } from '../../sim/sim-ports.js';
import type { EcnModel, ModelIssue } from '../model/ecn.js';
import { EcnError } from '../errors.js';
import { writeLine } from './io.js';

export function formatIssue(i: ModelIssue): string {
  const where = `${i.ref.source}${i.ref.line !== undefined ? `:${i.ref.line}` : ''}${i.ref.document !== undefined ? ` (document ${i.ref.document + 1})` : ''}`;
  return `${i.severity} ${i.code}: ${where}: ${i.object}${i.path ? ` ${i.path}` : ''}: ${i.message}\n  fix: ${i.fix}`;
}

export interface LoadForCommandOptions {
  /** the simulator's policy: router and microservice ports given as 0 or left out get free ports (sim/sim-ports.ts) */
  freePorts?: boolean;
}

export async function loadForCommand(paths: string[], stderr: NodeJS.WritableStream, opts: LoadForCommandOptions = {}): Promise<{ model: EcnModel; issues: ModelIssue[] }> {
  const read = await readManifestDocuments(paths);
  if (opts.freePorts) await chooseFreePorts(read.documents);
  const built = buildModel(read.documents);
  const model = built.model;
  const issues = [...read.issues, ...built.issues];
  for (const i of issues) writeLine(stderr, formatIssue(i));
  if (!model.controlPlane) {
    throw new EcnError('ECN_CONFIG', `no usable ControlPlane in ${paths.join(', ')}`, {
      hint: 'add a ControlPlane document (kind: ControlPlane, apiVersion: iofog.org/v3) with spec.ingresses.router',
    });
  }
  return { model, issues };
}
