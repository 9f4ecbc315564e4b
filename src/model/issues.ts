/** Collecting ModelIssues: where an object came from, how to find a field's line, and one place to add issues. */
import type { ModelIssue, ModelIssueSeverity, SourceRef } from './ecn.js';
import type { ModelIssueCode } from './issue-codes.js';
import { formatPath, type PathSegment } from './validate.js';

/** Maps a path inside a document to its 1-based line (the YAML loader provides it; absent for plain objects). */
export type Locate = (path: readonly PathSegment[]) => number | undefined;

/** Where an object sits: its document, and (for inline objects) the path of the object inside it. */
export interface Origin {
  ref: SourceRef;
  locate?: Locate;
  /** e.g. ['spec', 'microservices', 2] for an inline microservice; [] for a whole document */
  base: PathSegment[];
}

export function lineOf(origin: Origin, segments: readonly PathSegment[]): number | undefined {
  if (!origin.locate) return undefined;
  for (let n = segments.length; n >= 0; n--) {
    const line = origin.locate(segments.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** The SourceRef of an object (the line where the object starts, when known). */
export function objectRef(origin: Origin): SourceRef {
  const line = lineOf(origin, origin.base);
  return line === undefined ? { ...origin.ref } : { ...origin.ref, line };
}

export class IssueSink {
  readonly issues: ModelIssue[] = [];

  /** `rel` is relative to the object's base path (for whole documents: the document path). */
  add(severity: ModelIssueSeverity, code: ModelIssueCode, object: string, origin: Origin, rel: readonly PathSegment[], message: string, fix: string): ModelIssue {
    const segments = [...origin.base, ...rel];
    const line = lineOf(origin, segments);
    const issue: ModelIssue = {
      severity,
      code,
      object,
      path: formatPath(segments),
      message,
      fix,
      ref: line === undefined ? { ...origin.ref } : { ...origin.ref, line },
    };
    this.issues.push(issue);
    return issue;
  }

  error(code: ModelIssueCode, object: string, origin: Origin, rel: readonly PathSegment[], message: string, fix: string): ModelIssue {
    return this.add('error', code, object, origin, rel, message, fix);
  }

  warn(code: ModelIssueCode, object: string, origin: Origin, rel: readonly PathSegment[], message: string, fix: string): ModelIssue {
    return this.add('warning', code, object, origin, rel, message, fix);
  }
}

/** Why objects were skipped, by object label (`Agent fog-1`), so dependants can say why they are skipped too. */
export class SkipLog {
  private readonly reasons = new Map<string, string>();

  skip(object: string, issue: Pick<ModelIssue, 'code' | 'message'>): void {
    if (!this.reasons.has(object)) this.reasons.set(object, `${issue.code}: ${issue.message}`);
  }

  reason(object: string): string | undefined {
    return this.reasons.get(object);
  }

  has(object: string): boolean {
    return this.reasons.has(object);
  }
}

export const label = {
  controlPlane: (name: string) => `ControlPlane ${name}`,
  agent: (name: string) => `Agent ${name}`,
  application: (name: string) => `Application ${name}`,
  microservice: (app: string, name: string) => `Microservice ${app}/${name}`,
  route: (app: string, name: string) => `Route ${app}/${name}`,
  edgeResource: (name: string, version: string) => `EdgeResource ${name}@${version}`,
};
