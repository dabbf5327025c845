import { clip, escapeHtml, formatMs, LABEL_FONT_PX, num, serviceColours, textWidth } from './svg-text.js';

type Row = Record<string, unknown>;

export interface WaterfallSpan {
  name: string;
  service: string;
  kind: string;
  depth: number;
  offsetMs: number;
  durationMs: number;
  error: boolean;
}

const MAX_DEPTH = 32;

/**
 * The spans in tree order with their depth. Takes the `trace-waterfall` rows
 * as the query returns them (span_id, parent_span_id: each span right under
 * its parent, children in start order, spans of a broken tree as roots) or as
 * `tracepoint dashboard` prints them (`span`: the name indented two spaces per
 * level, already in tree order).
 */
export function waterfallSpans(rows: readonly Row[]): WaterfallSpan[] {
  const span = (row: Row, depth: number, name: string): WaterfallSpan => ({
    name,
    service: String(row.service ?? ''),
    kind: String(row.kind ?? ''),
    depth: Math.min(depth, MAX_DEPTH),
    offsetMs: Math.max(0, num(row.offset_ms)),
    durationMs: Math.max(0, num(row.duration_ms)),
    error: String(row.status ?? '') === 'Error',
  });
  if (rows.every((row) => row.span_id === undefined)) {
    return rows.map((row) => {
      const text = String(row.span ?? row.span_name ?? '');
      const indent = text.length - text.trimStart().length;
      return span(row, Math.floor(indent / 2), text.trimStart());
    });
  }
  const ids = new Set(rows.map((row) => String(row.span_id)));
  const children = new Map<string, Row[]>();
  const roots: Row[] = [];
  for (const row of rows) {
    const parent = String(row.parent_span_id ?? '');
    if (parent !== '' && ids.has(parent) && parent !== String(row.span_id)) {
      const list = children.get(parent);
      if (list === undefined) children.set(parent, [row]);
      else list.push(row);
    } else roots.push(row);
  }
  const out: WaterfallSpan[] = [];
  const placed = new Set<Row>();
  const visit = (row: Row, depth: number): void => {
    if (placed.has(row)) return;
    placed.add(row);
    out.push(span(row, depth, String(row.span_name ?? '')));
    for (const child of children.get(String(row.span_id)) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  for (const row of rows) visit(row, 0);
  return out;
}

/** Tick spacing of 1, 2 or 5 times a power of ten, about `count` ticks over `total`. */
function tickStep(total: number, count: number): number {
  const raw = total / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((m) => m * power >= raw) ?? 10;
  return step * power;
}

const ROW = 22;
const BAR = 14;
const INDENT = 12;
const NAMES = 360;
const GAP = 12;
const TIMELINE = 620;
const AFTER = 110;
const AXIS = 34;
const LEGEND = 22;

/**
 * One trace as timeline bars, the way Jaeger and Grafana draw it: one row per
 * span in tree order, its name indented by depth, a bar from its start offset
 * as long as its duration on a shared time axis, coloured by service; failed
 * spans in red with a marker.
 */
export function traceWaterfallSvg(rows: readonly Row[], traceId = ''): string {
  const spans = waterfallSpans(rows);
  if (spans.length === 0) return '';
  const colours = serviceColours(spans.map((s) => s.service));
  const total = Math.max(1e-3, ...spans.map((s) => s.offsetMs + s.durationMs));
  const step = tickStep(total, 6);
  const end = Math.max(total, Math.ceil(total / step - 1e-9) * step);
  const x0 = NAMES + GAP;
  const x = (ms: number) => x0 + (ms / end) * TIMELINE;
  const top = LEGEND + AXIS;
  const width = x0 + TIMELINE + AFTER;
  const height = top + spans.length * ROW + 8;

  let legendX = 0;
  const legend = [...colours].map(([service, colour]) => {
    const item = `<rect x="${legendX}" y="4" width="12" height="12" rx="2" fill="${colour}" class="swatch"/><text x="${legendX + 16}" y="14" class="axis-text">${escapeHtml(service)}</text>`;
    legendX += 16 + textWidth(service) + 18;
    return item;
  });
  const legendError = `<rect x="${legendX}" y="4" width="12" height="12" rx="2" class="swatch error-swatch"/><text x="${legendX + 16}" y="14" class="axis-text">failed span</text>`;

  const ticks: string[] = [];
  for (let ms = 0; ms <= end + step / 1e6; ms += step) {
    const tx = x(ms).toFixed(1);
    ticks.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${height - 4}" class="grid"/><text x="${tx}" y="${top - 10}" class="axis-text tick">${ms === 0 ? '0' : escapeHtml(formatMs(ms))}</text>`,
    );
  }
  const axis = `<g class="time-axis" data-start-x="${x0}" data-end-x="${x0 + TIMELINE}" data-end-ms="${end}">
<line x1="${x0}" y1="${top - 6}" x2="${x0 + TIMELINE}" y2="${top - 6}" class="axis-line"/>
${ticks.join('\n')}</g>`;

  const bars = spans.map((s, i) => {
    const y = top + i * ROW;
    const indent = Math.min(s.depth, 16) * INDENT;
    const room = Math.floor((NAMES - indent - 4) / (LABEL_FONT_PX * 0.62));
    const service = clip(s.service, 16);
    const name = clip(s.name, Math.max(4, room - [...service].length - 1));
    const barX = x(s.offsetMs);
    const barWidth = Math.max(1, x(s.offsetMs + s.durationMs) - barX);
    const cls = s.error ? 'span-row error' : 'span-row';
    const title = `${s.service} ${s.name} (${s.kind}): starts at ${formatMs(s.offsetMs)}, takes ${formatMs(s.durationMs)}${s.error ? ', failed' : ''}`;
    return `<g class="${cls}" data-depth="${s.depth}"><title>${escapeHtml(title)}</title>
<rect x="0" y="${y}" width="${width}" height="${ROW}" class="row-band${i % 2 === 1 ? ' odd' : ''}"/>
<text x="${indent}" y="${y + ROW / 2 + 4}" class="span-name"><tspan class="span-service">${escapeHtml(service)}</tspan> ${escapeHtml(name)}</text>
<rect x="${barX.toFixed(2)}" y="${y + (ROW - BAR) / 2}" width="${barWidth.toFixed(2)}" height="${BAR}" rx="2" fill="${colours.get(s.service)}" class="span-bar${s.error ? ' error' : ''}" data-offset-ms="${s.offsetMs}" data-duration-ms="${s.durationMs}"/>
<text x="${(barX + barWidth + 4).toFixed(1)}" y="${y + ROW / 2 + 4}" class="span-duration">${escapeHtml(formatMs(s.durationMs))}${s.error ? ' ✕ failed' : ''}</text></g>`;
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="trace waterfall${traceId === '' ? '' : ` of ${escapeHtml(traceId)}`}" class="waterfall">
<g class="legend">${legend.join('')}${legendError}</g>
${axis}
${bars.join('\n')}
</svg>`;
}
