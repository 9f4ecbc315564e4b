/**
 * The I/O edge of the model: files, lists of files or directories (`*.yaml`, `*.yml`, `*.json`, sorted) → the
 * pure buildModel (src/model/build.ts).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelIssue } from './ecn.js';
import type { ManifestDocument } from './collect.js';
import { buildModel, type BuildOptions, type ModelResult } from './build.js';
import { MODEL_ISSUE_CODES as C } from './issue-codes.js';
import { parseManifestText } from './parse.js';
import { errorMessage } from '../errors.js';

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export interface LoadOptions extends BuildOptions {
  /** descend into sub-directories (sorted, depth first); default false */
  recursive?: boolean;
}

const isManifest = (name: string): boolean => MANIFEST_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

/** The manifest files under `paths`: files as given, directories expanded (sorted by name). */
export async function listManifestFiles(paths: string | readonly string[], opts: { recursive?: boolean } = {}): Promise<{ files: string[]; issues: ModelIssue[] }> {
  const files: string[] = [];
  const issues: ModelIssue[] = [];
  const visit = async (p: string, top: boolean): Promise<void> => {
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      issues.push(readIssue(p, err));
      return;
    }
    if (st.isDirectory()) {
      if (!top && !opts.recursive) return;
      const entries = (await readdir(p)).sort();
      for (const e of entries) {
        const child = join(p, e);
        const cst = await stat(child).catch(() => undefined);
        if (cst?.isDirectory()) {
          if (opts.recursive) await visit(child, false);
        } else if (isManifest(e)) files.push(child);
      }
    } else files.push(p);
  };
  for (const p of typeof paths === 'string' ? [paths] : paths) await visit(p, true);
  return { files, issues };
}

function readIssue(source: string, err: unknown): ModelIssue {
  return {
    severity: 'error',
    code: C.READ,
    object: `file ${source}`,
    path: '',
    message: `cannot read ${source}: ${errorMessage(err)}`,
    fix: 'Check the path and its permissions.',
    ref: { source },
  };
}

/** Read and parse manifests (no model checks): the documents and any read/syntax issues. */
export async function readManifestDocuments(paths: string | readonly string[], opts: { recursive?: boolean } = {}): Promise<{ documents: ManifestDocument[]; issues: ModelIssue[] }> {
  const { files, issues } = await listManifestFiles(paths, opts);
  const documents: ManifestDocument[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      issues.push(readIssue(file, err));
      continue;
    }
    const parsed = parseManifestText(text, file);
    documents.push(...parsed.documents);
    issues.push(...parsed.issues);
  }
  return { documents, issues };
}

/** Load an ECN from files and/or directories. Never throws for bad input: problems are issues. */
export async function loadManifests(paths: string | readonly string[], opts: LoadOptions = {}): Promise<ModelResult> {
  const read = await readManifestDocuments(paths, opts.recursive === undefined ? {} : { recursive: opts.recursive });
  const built = buildModel(read.documents, opts);
  return { model: built.model, issues: [...read.issues, ...built.issues] };
}
