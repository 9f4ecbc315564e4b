/**
 * The live link-graph viewer: the stream (stream-client) feeds the graph store, sigma draws the store's graph,
 * and the legend, search box, details panel and status line sit around it. `window.ecnViewer` is the test hook.
 */
import Sigma from 'sigma';
import { EdgeArrowProgram, EdgeRectangleProgram } from 'sigma/rendering';
import { GraphStore, type ViewAttributes, type ViewEdgeAttributes, type ViewGraph } from './graph-store.js';
import { StreamClient, type StreamStatus } from './stream-client.js';
import { createShapeProgram } from './shape-program.js';
import { Legend } from './legend.js';
import { SearchBox } from './search.js';
import { DetailsPanel } from './details.js';
import { edgeStyle, nodeStyle } from './theme.js';

interface ViewerHook {
  ready: boolean;
  /** performance.now() of the last snapshot's arrival and of its first drawing */
  timings: { snapshotReceived: number; snapshotDrawn: number };
  seq: number;
  status: string;
  nodeCount(): number;
  edgeCount(): number;
  edgeState(key: string): string | undefined;
  edgeColor(key: string): string | undefined;
  nodeColor(key: string): string | undefined;
  nodeState(key: string): string | undefined;
  nodePosition(key: string): { x: number; y: number } | undefined;
}

declare global {
  interface Window {
    ecnViewer: ViewerHook;
  }
}

/** above this many nodes, agents, microservices, ports and resources are hidden while zoomed out */
const LARGE_GRAPH = 3000;
const ZOOMED_OUT_RATIO = 0.3;

const $ = (id: string): HTMLElement => {
  const e = document.getElementById(id);
  if (!e) throw new Error(`viewer: #${id} missing from index.html`);
  return e;
};

const params = new URLSearchParams(location.search);
const token = params.get('token');
const withToken = (path: string, extra: Record<string, string> = {}): string => {
  const q = new URLSearchParams(extra);
  if (token) q.set('token', token);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
};
const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${withToken('/graph')}`;

const statusEl = $('status');
const legend = new Legend($('legend'));
const details = new DetailsPanel($('details'), (key) => withToken('/api/node', { key }));

let sigma: Sigma<ViewAttributes, ViewEdgeAttributes> | undefined;
let connection: StreamStatus = { state: 'connecting' };
let everConnected = false;
let lastError = '';
let zoomedOut = false;
let highlighted: string | undefined;

const store = new GraphStore(
  {
    replaced(graph) {
      // the reducers' zoom state is set before sigma indexes the graph, so it indexes it once
      zoomedOut = graph.order > LARGE_GRAPH && (sigma ? sigma.getCamera().ratio : 1) > ZOOMED_OUT_RATIO;
      if (!sigma) sigma = createRenderer(graph);
      else {
        sigma.setSetting('labelRenderedSizeThreshold', labelThreshold(graph));
        sigma.setGraph(graph);
      }
      hook.timings.snapshotDrawn = performance.now();
      hook.ready = true;
      refreshStatus();
    },
    applied(_seq, _ops, nodes, edges) {
      if (sigma && (nodes.length > 0 || edges.length > 0)) {
        // redraw just these: their attributes changed in place, positions and programs did not
        try {
          sigma.refresh({ partialGraph: { nodes, edges }, skipIndexation: true, schedule: true });
        } catch {
          // an element sigma has not indexed yet (added in the same frame): index everything again
          sigma.refresh({ schedule: true });
        }
      }
      refreshStatus();
    },
  },
  (fn) => requestAnimationFrame(fn),
);

/** every label on a small graph; on a large one only those of nodes drawn big enough (zoomed in) */
const labelThreshold = (graph: ViewGraph): number => (graph.order <= 300 ? 0 : 9);

function createRenderer(graph: ViewGraph): Sigma<ViewAttributes, ViewEdgeAttributes> {
  const s = new Sigma<ViewAttributes, ViewEdgeAttributes>(graph, $('graph'), {
    renderEdgeLabels: false,
    enableEdgeEvents: false,
    hideEdgesOnMove: graph.size > 20_000,
    hideLabelsOnMove: graph.order > LARGE_GRAPH,
    labelRenderedSizeThreshold: labelThreshold(graph),
    labelDensity: 0.5,
    labelFont: 'system-ui, sans-serif',
    labelSize: 12,
    defaultNodeType: 'circle',
    defaultEdgeType: 'line',
    minEdgeThickness: 1,
    zIndex: false,
    nodeProgramClasses: {
      circle: createShapeProgram('circle'),
      square: createShapeProgram('square'),
      diamond: createShapeProgram('diamond'),
      triangle: createShapeProgram('triangle'),
    },
    edgeProgramClasses: { line: EdgeRectangleProgram, arrow: EdgeArrowProgram },
    // sigma keeps what the reducers return for every element: only what it draws
    nodeReducer: (_key, a) => ({
      x: a.x,
      y: a.y,
      size: a.size,
      color: a.color,
      type: a.type,
      label: a.label,
      forceLabel: a.forceLabel === true,
      highlighted: a.highlighted === true,
      hidden: zoomedOut && !nodeStyle(a.kind).important && a.highlighted !== true,
    }),
    edgeReducer: (_key, a) => ({
      size: a.size,
      color: a.color,
      type: a.type,
      hidden: zoomedOut && !edgeStyle(a.kind).important,
    }),
  });
  s.on('clickNode', ({ node }) => {
    const g = store.graph;
    details.show(node, g.hasNode(node) ? g.getNodeAttributes(node) : undefined);
  });
  s.on('clickStage', () => details.hide());
  s.getCamera().on('updated', () => updateZoomState());
  return s;
}

/** Re-runs the reducers only when the zoom crosses the threshold (a full pass over the graph, not per frame). */
function updateZoomState(): void {
  if (!sigma) return;
  const next = store.graph.order > LARGE_GRAPH && sigma.getCamera().ratio > ZOOMED_OUT_RATIO;
  if (next !== zoomedOut) {
    zoomedOut = next;
    sigma.refresh();
  }
}

function focusNode(key: string): void {
  const g = store.graph;
  if (!sigma || !g.hasNode(key)) return;
  if (highlighted && g.hasNode(highlighted)) g.setNodeAttribute(highlighted, 'highlighted', false);
  highlighted = key;
  g.setNodeAttribute(key, 'highlighted', true);
  // the display data is in sigma's normalized space, which is what the camera moves in
  requestAnimationFrame(() => {
    const d = sigma?.getNodeDisplayData(key);
    // close enough to read the node's neighbourhood: nearer on a big graph
    const ratio = g.order > 2000 ? 0.06 : g.order > 200 ? 0.2 : 0.5;
    if (d) void sigma!.getCamera().animate({ x: d.x, y: d.y, ratio }, { duration: 500 });
  });
  details.show(key, g.getNodeAttributes(key));
}

new SearchBox($('search'), { forEachNode: (fn) => store.graph.forEachNode((key, a) => fn(key, a.label, a.kind)) }, focusNode);

function refreshStatus(): void {
  const g = store.graph;
  let conn: string;
  switch (connection.state) {
    case 'connected':
      conn = 'connected';
      break;
    case 'connecting':
      conn = 'connecting\u2026';
      break;
    case 'reconnecting':
      conn = `reconnecting in ${(connection.inMs / 1000).toFixed(1)} s (${connection.reason})`;
      // a refused upgrade (401) looks like a plain close to a browser
      if (!everConnected && !token) conn += ' \u00b7 if the manager was started with a token, open this page with ?token=\u2026';
      break;
    default:
      conn = 'closed';
  }
  const text = `${conn} \u00b7 seq ${store.seq < 0 ? '\u2014' : store.seq} \u00b7 ${g.order} nodes \u00b7 ${g.size} links${zoomedOut ? ' \u00b7 zoom in for agents and services' : ''}${lastError ? ` \u00b7 ${lastError}` : ''}`;
  statusEl.textContent = text;
  statusEl.dataset.state = connection.state;
  hook.status = text;
  legend.update(store.kindCounts);
}

const hook: ViewerHook = {
  ready: false,
  timings: { snapshotReceived: 0, snapshotDrawn: 0 },
  get seq() {
    return store.seq;
  },
  status: '',
  nodeCount: () => store.graph.order,
  edgeCount: () => store.graph.size,
  edgeState: (key) => (store.graph.hasEdge(key) ? store.graph.getEdgeAttribute(key, 'state') : undefined),
  edgeColor: (key) => (store.graph.hasEdge(key) ? store.graph.getEdgeAttribute(key, 'color') : undefined),
  nodeColor: (key) => (store.graph.hasNode(key) ? store.graph.getNodeAttribute(key, 'color') : undefined),
  nodeState: (key) => (store.graph.hasNode(key) ? store.graph.getNodeAttribute(key, 'state') : undefined),
  nodePosition: (key) => (store.graph.hasNode(key) ? { x: store.graph.getNodeAttribute(key, 'x'), y: store.graph.getNodeAttribute(key, 'y') } : undefined),
};
window.ecnViewer = hook;

const client = new StreamClient({
  url: wsUrl,
  socket: (url) => new WebSocket(url),
  // snapshots come gzipped (about 20× smaller at 10,000 agents); the browser decompresses them natively
  gunzip: async (data) => new Response(new Blob([data as ArrayBuffer]).stream().pipeThrough(new DecompressionStream('gzip'))).text(),
  listener: {
    snapshot: (msg) => {
      hook.timings.snapshotReceived = performance.now();
      store.push(msg);
    },
    delta: (msg) => store.push(msg),
    status: (s) => {
      connection = s;
      if (s.state === 'connected') {
        lastError = '';
        everConnected = true;
      }
      refreshStatus();
    },
    error: (code, message, hint) => {
      lastError = `${code}: ${message}${hint ? ` (${hint})` : ''}`;
      refreshStatus();
    },
  },
});
client.start();
refreshStatus();
