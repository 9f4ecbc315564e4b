/**
 * Loading the ECN manifests for a command and telling the user about problems in them: every issue names the file,
 * the object, the field and the fix; objects with errors are skipped and the rest is used.
 */
import { loadManifests } from '../model/load.js';
import type { EcnModel, ModelIssue } from '../model/ecn.js';
import { EcnError } from '../errors.js';
import { writeLine } from './io.js';

export function formatIssue(i: ModelIssue): string {
  const where = `${i.ref.source}${i.ref.line !== undefined ? `:${i.ref.line}` : ''}${i.ref.document !== undefined ? ` (document ${i.ref.document + 1})` : ''}`;
  return `${i.severity} ${i.code}: ${where}: ${i.object}${i.path ? ` ${i.path}` : ''}: ${i.message}\n  fix: ${i.fix}`;
}

export async function loadForCommand(paths: string[], stderr: NodeJS.WritableStream): Promise<{ model: EcnModel; issues: ModelIssue[] }> {
  const { model, issues } = await loadManifests(paths);
  for (const i of issues) writeLine(stderr, formatIssue(i));
  if (!model.controlPlane) {
    throw new EcnError('ECN_CONFIG', `no usable ControlPlane in ${paths.join(', ')}`, {
      hint: 'add a ControlPlane document (kind: ControlPlane, apiVersion: iofog.org/v3) with spec.ingresses.router',
    });
  }
  return { model, issues };
}
