/**
 * Manifest text → documents. Multi-document YAML (JSON is read by the same parser), each document with a line
 * lookup so issues can name the line. Syntax errors become ModelIssues (file + line); the bad document is dropped.
 */
import { LineCounter, isNode, parseAllDocuments, type Document } from 'yaml';
import type { ModelIssue } from './ecn.js';
import type { ManifestDocument } from './collect.js';
import { MODEL_ISSUE_CODES as C } from './issue-codes.js';
import type { Locate } from './issues.js';

export interface ParsedText {
  documents: ManifestDocument[];
  issues: ModelIssue[];
}

export function parseManifestText(text: string, source: string): ParsedText {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true }) as Document.Parsed[] | { empty: true };
  const documents: ManifestDocument[] = [];
  const issues: ModelIssue[] = [];
  if (!Array.isArray(docs)) return { documents, issues };
  docs.forEach((doc, document) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
        const firstLine = err.message.split('\n')[0] ?? err.message;
        issues.push({
          severity: 'error',
          code: C.YAML_SYNTAX,
          object: `file ${source}`,
          path: '',
          message: `YAML syntax error at line ${line}: ${firstLine}`,
          fix: `Correct the syntax at ${source}:${line}; the document is skipped until then.`,
          ref: { source, document, line },
        });
      }
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // empty document (a trailing `---`, only comments)
    const locate: Locate = (path) => {
      const node = path.length === 0 ? doc.contents : doc.getIn(path, true);
      if (!isNode(node) || !node.range) return undefined;
      return lineCounter.linePos(node.range[0]).line;
    };
    documents.push({ doc: value, ref: { source, document }, locate });
  });
  return { documents, issues };
}
