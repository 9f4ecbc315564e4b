/** Shared by the deploy tests: repository paths, YAML files as objects, kubectl. */
import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../scripts/gen-deploy.js';

export { REPO_ROOT };
export const DEPLOY = join(REPO_ROOT, 'deploy');
export const OVERLAYS = ['loadbalancer', 'clusterip-ingress'] as const;

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [field: string]: unknown;
}

export function parseObjects(text: string, source: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as KubeObject | null;
    if (value !== null) out.push(value);
  }
  return out;
}

export async function readObjects(path: string): Promise<KubeObject[]> {
  return parseObjects(await readFile(path, 'utf8'), path);
}

/** The YAML files of a directory (sorted), each with its objects. */
export async function readDir(dir: string): Promise<Array<{ file: string; objects: KubeObject[] }>> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  return Promise.all(files.map(async (f) => ({ file: join(dir, f), objects: await readObjects(join(dir, f)) })));
}

export const byKind = (objects: readonly KubeObject[], kind: string): KubeObject[] => objects.filter((o) => o.kind === kind);

export function one(objects: readonly KubeObject[], kind: string): KubeObject {
  const found = byKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

const run = promisify(execFile);

export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

/** kubectl's client version line, or undefined when there is no kubectl. */
export async function kubectlVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run(KUBECTL, ['version', '--client'], { timeout: 30_000 });
    return `kubectl ${/v\d+\.\d+\.\d+/.exec(stdout)?.[0] ?? stdout.trim().split('\n')[0]}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** `kubectl kustomize DIR`, offline. */
export async function kustomize(dir: string): Promise<KubeObject[]> {
  const { stdout } = await run(KUBECTL, ['kustomize', dir], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return parseObjects(stdout, `kubectl kustomize ${dir}`);
}
