import { Graph, layout } from '@dagrejs/dagre';
import {
  escapeHtml,
  formatMs,
  formatPercent,
  formatRate,
  LABEL_FONT_PX,
  num,
  textWidth,
} from './svg-text.js';

type Row = Record<string, unknown>;

/** What the page calls a caller without a name: the service-map SQL names it; older rows may carry '' or 'unknown'. */
export const UNNAMED_CALLER = 'client';
export const UNNAMED_CALLEE = 'unnamed peer';

function nodeName(value: unknown, unnamed: string): string {
  const name = String(value ?? '').trim();
  return name === '' || name === 'unknown' ? unnamed : name;
}

interface EdgeText {
  lines: [string, string];
  errors: boolean;
}

function edgeText(edge: Row): EdgeText {
  const calls = num(edge.calls);
  const perSecond = num(edge.calls_per_second);
  const ratio = num(edge.error_ratio);
  // The query's own `rate` text where it has one (it knows the time the data covers), else calls per second.
  const given = typeof edge.rate === 'string' ? edge.rate : '';
  const rate = given !== '' ? ` · ${given}` : perSecond > 0 ? ` · ${formatRate(perSecond)}` : '';
  return {
    lines: [
      `${calls} call${calls === 1 ? '' : 's'}${rate}`,
      `${ratio > 0 ? `${formatPercent(ratio)} failed` : 'no errors'} · p99 ${formatMs(num(edge.p99_ms))}`,
    ],
    errors: ratio > 0,
  };
}

const NODE_HEIGHT = 30;
const NODE_PAD_X = 14;
const LINE_HEIGHT = LABEL_FONT_PX + 4;
const LABEL_PAD = 5;

interface NodeBox {
  width: number;
  height: number;
  x?: number;
  y?: number;
}
interface EdgeBox {
  width: number;
  height: number;
  labelpos: 'c';
  x?: number;
  y?: number;
  points?: { x: number; y: number }[];
  /** The drawn path of a self-call (see below). */
  loop?: string;
}

/** A smooth path through dagre's control points (a quadratic curve through each bend's midpoints). */
function curve(points: readonly { x: number; y: number }[]): string {
  const p = (point: { x: number; y: number }) => `${point.x.toFixed(1)},${point.y.toFixed(1)}`;
  const [first, ...rest] = points;
  if (first === undefined) return '';
  if (rest.length <= 1) return `M${p(first)}${rest.map((point) => ` L${p(point)}`).join('')}`;
  let d = `M${p(first)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const bend = rest[i] as { x: number; y: number };
    const next = rest[i + 1] as { x: number; y: number };
    const mid = { x: (bend.x + next.x) / 2, y: (bend.y + next.y) / 2 };
    d += ` Q${p(bend)} ${i === rest.length - 2 ? p(next) : p(mid)}`;
  }
  return d;
}

/**
 * The service map as an inline SVG, laid out in Node by dagre (a layered
 * layout: callers left of their callees, each edge label a box of its own in
 * the layout, so labels sit between the nodes and apart from each other).
 * Each arrow is caller -> callee, labelled with its calls, rate, failed share
 * and p99; arrows with failures are red.
 */
export function serviceMapSvg(edges: readonly Row[]): string {
  if (edges.length === 0) return '';
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 24, edgesep: 16, ranksep: 48, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  const sources = new Set<string>();
  const targets = new Set<string>();
  const drawn = edges.map((edge, index) => {
    const source = nodeName(edge.source_component, UNNAMED_CALLER);
    const target = nodeName(edge.target_component, UNNAMED_CALLEE);
    sources.add(source);
    targets.add(target);
    for (const name of [source, target]) {
      if (!graph.hasNode(name)) {
        graph.setNode(name, { width: textWidth(name, 12) + 2 * NODE_PAD_X, height: NODE_HEIGHT });
      }
    }
    const text = edgeText(edge);
    const width = Math.max(...text.lines.map((line) => textWidth(line))) + 2 * LABEL_PAD;
    const label: EdgeBox = { width, height: 2 * LINE_HEIGHT + 2 * LABEL_PAD, labelpos: 'c' };
    if (source !== target) {
      graph.setEdge(source, target, label, String(index));
      return { source, target, text, label, loop: undefined };
    }
    // A service calling itself: dagre's own self-edge drawing is a knot under its label, so the
    // label is a node of its own one rank on, and the page draws a loop on the node and a line to it.
    const loop = `\u0000calls itself ${index}`;
    graph.setNode(loop, { width: label.width, height: label.height });
    graph.setEdge(source, loop, { width: 0, height: 0, minlen: 1 }, String(index));
    return { source, target, text, label, loop };
  });
  layout(graph);
  for (const edge of drawn) {
    if (edge.loop === undefined) continue;
    const box = graph.node(edge.loop) as NodeBox;
    const node = graph.node(edge.source) as NodeBox;
    const right = num(node.x) + node.width / 2;
    const top = num(node.y) - node.height / 2;
    edge.label.x = box.x;
    edge.label.y = box.y;
    edge.label.points = [];
    edge.label.loop = `M${right.toFixed(1)},${num(node.y).toFixed(1)} L${(num(box.x) - box.width / 2).toFixed(1)},${num(box.y).toFixed(1)} M${(right - 18).toFixed(1)},${top.toFixed(1)} A9,9 0 1 1 ${right.toFixed(1)},${(top + 10).toFixed(1)}`;
  }
  const size = graph.graph() as { width?: number; height?: number };
  const width = Math.ceil(num(size.width));
  const height = Math.ceil(num(size.height));

  const paths = drawn.map(({ source, target, text, label }) => {
    const cls = text.errors ? 'edge error' : 'edge';
    const d = label.loop ?? curve(label.points ?? []);
    return `<path d="${d}" class="${cls}" marker-end="url(#${text.errors ? 'arrow-error' : 'arrow'})"><title>${escapeHtml(`${source} -> ${target}`)}</title></path>`;
  });
  const labels = drawn.map(({ source, target, text, label }) => {
    const x = num(label.x) - label.width / 2;
    const y = num(label.y) - label.height / 2;
    const [first, second] = text.lines;
    return `<g class="map-label edge-label" data-edge="${escapeHtml(`${source} -> ${target}`)}">
<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${label.width.toFixed(1)}" height="${label.height.toFixed(1)}" rx="3" class="${text.errors ? 'label-box error' : 'label-box'}"/>
<text x="${(x + LABEL_PAD).toFixed(1)}" y="${(y + LABEL_PAD + LABEL_FONT_PX).toFixed(1)}" class="edge-text">${escapeHtml(first)}</text>
<text x="${(x + LABEL_PAD).toFixed(1)}" y="${(y + LABEL_PAD + LINE_HEIGHT + LABEL_FONT_PX).toFixed(1)}" class="${text.errors ? 'edge-text error' : 'edge-text'}">${escapeHtml(second)}</text></g>`;
  });
  const nodes = graph
    .nodes()
    .filter((name: string) => !name.startsWith('\u0000'))
    .map((name: string) => {
      const node = graph.node(name) as NodeBox;
      const x = num(node.x) - node.width / 2;
      const y = num(node.y) - node.height / 2;
      // A caller nobody calls (a client, a load generator): drawn apart from the traced services.
      const kind = !targets.has(name) ? 'caller' : !sources.has(name) ? 'callee' : 'service';
      return `<g class="map-label node ${kind}" data-node="${escapeHtml(name)}">
<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${node.width.toFixed(1)}" height="${node.height}" rx="6" class="node-box"/>
<text x="${num(node.x).toFixed(1)}" y="${(num(node.y) + 4).toFixed(1)}" class="name">${escapeHtml(name)}</text></g>`;
    });
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="service map" class="service-map">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="arrow"/></marker>
<marker id="arrow-error" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" class="arrow error"/></marker></defs>
${paths.join('\n')}
${nodes.join('\n')}
${labels.join('\n')}
</svg>`;
}
