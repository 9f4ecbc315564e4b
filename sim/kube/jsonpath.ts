/**
 * The JSONPath subset CRD printer columns use: `.a.b`, `[*]`, `[N]`, `['key']` and filters `[?(@.k=="v")]`.
 * Returns every match; unknown syntax matches nothing (the column prints empty, as kubectl does on errors).
 */
type Step = { kind: 'field'; name: string } | { kind: 'all' } | { kind: 'index'; i: number } | { kind: 'filter'; path: string[]; value: string };

function parse(expr: string): Step[] | undefined {
  const steps: Step[] = [];
  let s = expr.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '');
  while (s.length > 0) {
    let m: RegExpExecArray | null;
    if ((m = /^\.([A-Za-z0-9_-]+)/.exec(s))) steps.push({ kind: 'field', name: m[1]! });
    else if ((m = /^\[\*\]/.exec(s))) steps.push({ kind: 'all' });
    else if ((m = /^\[(\d+)\]/.exec(s))) steps.push({ kind: 'index', i: Number(m[1]) });
    else if ((m = /^\[['"]([^'"]+)['"]\]/.exec(s))) steps.push({ kind: 'field', name: m[1]! });
    else if ((m = /^\[\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*==\s*["']([^"']*)["']\)\]/.exec(s))) {
      steps.push({ kind: 'filter', path: m[1]!.slice(1).split('.'), value: m[2]! });
    } else return undefined;
    s = s.slice(m[0].length);
  }
  return steps;
}

export function jsonPath(obj: unknown, expr: string): unknown[] {
  const steps = parse(expr);
  if (!steps) return [];
  let cur: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (step.kind === 'field') {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && (v as Record<string, unknown>)[step.name] !== undefined) next.push((v as Record<string, unknown>)[step.name]);
      } else if (step.kind === 'all') {
        if (Array.isArray(v)) next.push(...v);
        else if (v !== null && typeof v === 'object') next.push(...Object.values(v));
      } else if (step.kind === 'index') {
        if (Array.isArray(v) && step.i < v.length) next.push(v[step.i]);
      } else if (Array.isArray(v)) {
        for (const item of v) {
          let x: unknown = item;
          for (const p of step.path) x = x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[p] : undefined;
          if (x !== undefined && String(x) === step.value) next.push(item);
        }
      }
    }
    cur = next;
  }
  return cur;
}
