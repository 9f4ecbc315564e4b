/** The legend: node kinds (shape and colour, with live counts) and edge states (colour). */
import type { EdgeKind, ElementState, NodeKind } from '../src/graph/types.js';
import { el } from './dom.js';
import { NODE_STYLES, STATE_COLORS, STATE_LABELS, type Shape } from './theme.js';

function swatch(shape: Shape, color: string): HTMLElement {
  return el('span', { className: `swatch shape-${shape}`, attrs: { style: `--c:${color}` } });
}

export class Legend {
  private readonly counts = new Map<string, HTMLElement>();

  constructor(root: HTMLElement) {
    const nodes = el('ul', { className: 'legend-list' });
    for (const [kind, st] of Object.entries(NODE_STYLES) as Array<[NodeKind, (typeof NODE_STYLES)[NodeKind]]>) {
      const count = el('span', { className: 'count', text: '0' });
      this.counts.set(kind, count);
      nodes.append(el('li', { attrs: { 'data-kind': kind } }, [swatch(st.shape, st.color), el('span', { text: st.label }), count]));
    }
    const edges = el('ul', { className: 'legend-list' });
    for (const [state, color] of Object.entries(STATE_COLORS) as Array<[ElementState, string]>) {
      edges.append(el('li', { attrs: { 'data-state': state } }, [el('span', { className: 'line', attrs: { style: `--c:${color}` } }), el('span', { text: STATE_LABELS[state] })]));
    }
    const kinds: EdgeKind[] = ['uplink', 'inter-router', 'route', 'exposure', 'hosts', 'runs', 'advertises'];
    root.replaceChildren(
      el('h2', { text: 'Nodes (shape: kind)' }),
      nodes,
      el('p', { className: 'note', text: 'a node that is down or unexpected takes that state\u2019s colour' }),
      el('h2', { text: 'Links (colour: state)' }),
      edges,
      el('p', { className: 'note', text: `kinds: ${kinds.join(', ')}; routes have arrows` }),
    );
  }

  update(counts: ReadonlyMap<string, number>): void {
    for (const [kind, e] of this.counts) e.textContent = String(counts.get(kind) ?? 0);
  }
}
