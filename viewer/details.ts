/**
 * The details panel: on a node click, what the viewer already knows (the node's attributes from the stream) at
 * once, then the manager's fuller answer from /api/node?key=… (sync status, last error, planned entities, last
 * audit entries…). The answer is rendered generically: scalars in a table, objects as nested tables, lists as lists,
 * so new fields show up without a viewer change. Everything is set as text.
 */
import { el } from './dom.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const MAX_LIST = 50;
/** the manager's names for a router's extras, as the panel titles them */
const SECTION_NAMES: Record<string, string> = { sync: 'sync status', audit: 'last audit entries', planned: 'planned' };
/** the sections shown first, in this order, when the answer has them */
const FIRST = ['kind', 'label', 'state', 'last error', 'desired', 'observed', 'router', 'sync status', 'counters', 'details', 'planned', 'last audit entries'];

function scalar(v: Json): string {
  if (v === null) return '\u2014';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function isScalar(v: Json): v is null | boolean | number | string {
  return v === null || typeof v !== 'object';
}

/** epoch times read as times: `…At` in milliseconds, `…Since` in seconds (the link graph's start times) */
function timeOf(key: string, v: Json): string | undefined {
  if (typeof v !== 'number') return undefined;
  if (/At$/.test(key) && v > 1e12) return new Date(v).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  if (/[Ss]ince$/.test(key) && v > 1e9 && v < 1e11) return new Date(v * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return undefined;
}

function render(v: Json, depth: number, key = ''): HTMLElement {
  if (isScalar(v)) {
    const t = timeOf(key, v);
    if (t !== undefined) return el('span', { className: 'value v-time', text: t, title: String(v) });
    return el('span', { className: `value v-${v === null ? 'null' : typeof v}`, text: scalar(v) });
  }
  if (Array.isArray(v)) {
    if (v.length === 0) return el('span', { className: 'value v-null', text: 'none' });
    const ul = el('ol', { className: 'list' });
    for (const item of v.slice(0, MAX_LIST)) ul.append(el('li', {}, [render(item, depth + 1)]));
    if (v.length > MAX_LIST) ul.append(el('li', { className: 'more', text: `\u2026 ${v.length - MAX_LIST} more` }));
    return ul;
  }
  const entries = Object.entries(v);
  if (entries.length === 0) return el('span', { className: 'value v-null', text: 'none' });
  // a flat object deep down reads better on one line
  if (depth >= 2 && entries.every(([, x]) => isScalar(x))) {
    return el('span', { className: 'value inline', text: entries.map(([k, x]) => `${k}=${timeOf(k, x) ?? scalar(x)}`).join('  ') });
  }
  const table = el('table', { className: 'kv' });
  for (const [k, x] of entries) table.append(el('tr', {}, [el('th', { text: k }), el('td', {}, [render(x, depth + 1, k)])]));
  return table;
}

function ordered(obj: Record<string, Json>): Array<[string, Json]> {
  const keys = Object.keys(obj);
  const first = FIRST.filter((k) => keys.includes(k));
  return [...first, ...keys.filter((k) => !FIRST.includes(k))].map((k) => [k, obj[k]!]);
}

export class DetailsPanel {
  private current: string | undefined;
  private abort: AbortController | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly apiUrl: (key: string) => string,
  ) {
    this.hide();
  }

  hide(): void {
    this.abort?.abort();
    this.current = undefined;
    this.root.hidden = true;
    this.root.replaceChildren();
  }

  /** Shows `key` with what the stream says (`known`), then fetches the manager's details. */
  show(key: string, known: Record<string, unknown> | undefined): void {
    this.abort?.abort();
    this.current = key;
    this.root.hidden = false;
    const close = el('button', { className: 'close', text: '\u00d7', title: 'close', attrs: { 'aria-label': 'close details' } });
    close.addEventListener('click', () => this.hide());
    const body = el('div', { className: 'details-body' });
    const status = el('p', { className: 'loading', text: 'loading details\u2026' });
    this.root.replaceChildren(el('header', {}, [el('h2', { text: String(known?.label || key) }), close]), el('p', { className: 'key', text: key }), status, body);
    if (known) body.replaceChildren(this.sections(known as Record<string, Json>));
    const ctl = new AbortController();
    this.abort = ctl;
    fetch(this.apiUrl(key), { signal: ctl.signal, headers: { accept: 'application/json' } })
      .then(async (res) => {
        const text = await res.text();
        let data: Json;
        try {
          data = JSON.parse(text) as Json;
        } catch {
          data = text;
        }
        if (this.current !== key) return;
        if (!res.ok) {
          const e = data && typeof data === 'object' && !Array.isArray(data) ? (data.error ?? data) : null;
          const msg =
            e && typeof e === 'object' && !Array.isArray(e)
              ? [e.code, e.message, e.hint].filter((x) => typeof x === 'string' && x).join(': ')
              : String(e ?? (data || res.statusText));
          status.textContent = `details unavailable: HTTP ${res.status} ${msg}`;
          status.className = 'error';
          return;
        }
        status.remove();
        const obj = data && typeof data === 'object' && !Array.isArray(data) ? data : { value: data };
        // the answer may wrap the attributes ({attributes: {...}, ...}): lift them to the top
        const flat: Record<string, Json> = {};
        const put = (k: string, v: Json): void => {
          flat[SECTION_NAMES[k] ?? k] = v;
        };
        for (const [k, v] of Object.entries(obj)) {
          if (k === 'attributes' && v && typeof v === 'object' && !Array.isArray(v)) Object.assign(flat, v);
          else if (k === 'router' && v && typeof v === 'object' && !Array.isArray(v)) {
            // a router's sync status, plan and audit nested under `router`: sections of their own
            for (const [rk, rv] of Object.entries(v)) if (rk !== 'id' && rk !== 'router') put(rk, rv);
            flat.router = v.id ?? v.router ?? null;
          } else put(k, v);
        }
        // the last error, wherever it was reported (the link graph's details, or the router's sync status)
        const pick = (o: Json | undefined, k: string): Json => (o && typeof o === 'object' && !Array.isArray(o) ? (o[k] ?? null) : null);
        if (!('last error' in flat)) flat['last error'] = pick(flat.details, 'lastError') ?? pick(flat['sync status'], 'lastError');
        body.replaceChildren(this.sections(flat));
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted || this.current !== key) return;
        status.textContent = `details unavailable: ${String(err)}`;
        status.className = 'error';
      });
  }

  private sections(obj: Record<string, Json>): HTMLElement {
    const wrap = el('div');
    const summary = el('table', { className: 'kv summary' });
    for (const [k, v] of ordered(obj)) {
      if (k === 'x' || k === 'y' || k === 'size' || k === 'color' || k === 'type' || k === 'highlighted' || k === 'key') continue;
      if (isScalar(v)) {
        const td = el('td', {}, [render(v, 0, k)]);
        if (k === 'state') td.firstElementChild?.classList.add(`state-${String(v)}`);
        summary.append(el('tr', {}, [el('th', { text: k }), td]));
      } else {
        wrap.append(el('section', {}, [el('h3', { text: k }), render(v, 1)]));
      }
    }
    wrap.prepend(summary);
    return wrap;
  }
}
