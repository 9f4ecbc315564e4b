/**
 * The search box: matches node labels and keys (case-insensitive substring), lists the first matches, and on
 * choice hands the key to `focus`. One scan per keystroke (debounced), never per frame.
 */
import { el } from './dom.js';

export interface SearchSource {
  forEachNode(fn: (key: string, label: string, kind: string) => void): void;
}

const MAX_RESULTS = 12;

export class SearchBox {
  private readonly input: HTMLInputElement;
  private readonly results: HTMLUListElement;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private matches: string[] = [];

  constructor(root: HTMLElement, private readonly source: SearchSource, private readonly focus: (key: string) => void) {
    this.input = el('input', { attrs: { type: 'search', placeholder: 'search nodes by name or key\u2026', 'aria-label': 'search nodes', id: 'search-input' } });
    this.results = el('ul', { className: 'search-results', attrs: { role: 'listbox' } });
    root.replaceChildren(this.input, this.results);
    this.input.addEventListener('input', () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.run(), 120);
    });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') {
        if (this.timer) clearTimeout(this.timer);
        this.run();
        if (this.matches[0]) this.choose(this.matches[0]);
      } else if (ev.key === 'Escape') {
        this.clear();
      }
    });
  }

  private run(): void {
    const q = this.input.value.trim().toLowerCase();
    this.matches = [];
    const items: HTMLElement[] = [];
    if (q.length > 0) {
      const exact: Array<[string, string, string]> = [];
      const partial: Array<[string, string, string]> = [];
      this.source.forEachNode((key, label, kind) => {
        if (exact.length + partial.length >= 500) return;
        const l = label.toLowerCase();
        if (l === q || key.toLowerCase() === q) exact.push([key, label, kind]);
        else if (l.includes(q) || key.toLowerCase().includes(q)) partial.push([key, label, kind]);
      });
      partial.sort((a, b) => a[1].length - b[1].length || (a[1] < b[1] ? -1 : 1));
      for (const [key, label, kind] of [...exact, ...partial].slice(0, MAX_RESULTS)) {
        this.matches.push(key);
        const li = el('li', { attrs: { role: 'option', 'data-key': key } }, [el('span', { text: label || key }), el('span', { className: 'kind', text: kind })]);
        li.addEventListener('click', () => this.choose(key));
        items.push(li);
      }
      if (items.length === 0) items.push(el('li', { className: 'empty', text: 'no match' }));
    }
    this.results.replaceChildren(...items);
  }

  private choose(key: string): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.results.replaceChildren();
    this.focus(key);
  }

  private clear(): void {
    this.input.value = '';
    this.matches = [];
    this.results.replaceChildren();
  }
}
