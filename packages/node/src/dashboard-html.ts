import { DASHBOARDS, type Dashboard } from './dashboards.js';

type Row = Record<string, unknown>;

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function num(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function fmt(value: unknown): string {
  return typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3) : String(value ?? '');
}

function table(rows: readonly Row[]): string {
  if (rows.length === 0) return '<p class="empty">no rows</p>';
  const columns = Object.keys(rows[0] as Row);
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${columns.map((c) => `<td>${escapeHtml(fmt(row[c]))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Components on a circle, an arrow per edge labelled with calls, error ratio and p99. */
function serviceMapSvg(edges: readonly Row[]): string {
  const names = [...new Set(edges.flatMap((e) => [String(e.source_component), String(e.target_component)]))];
  if (names.length === 0) return '';
  const size = 520;
  const radius = names.length === 1 ? 0 : 190;
  const at = new Map(
    names.map((name, i) => {
      const angle = (2 * Math.PI * i) / names.length - Math.PI / 2;
      return [name, { x: size / 2 + radius * Math.cos(angle), y: size / 2 + radius * Math.sin(angle) }];
    }),
  );
  const lines = edges.map((edge) => {
    const a = at.get(String(edge.source_component)) as { x: number; y: number };
    const b = at.get(String(edge.target_component)) as { x: number; y: number };
    const errors = num(edge.error_ratio);
    const label = `${fmt(edge.calls)} calls, ${(errors * 100).toFixed(1)}% err, p99 ${num(edge.p99_ms).toFixed(1)} ms`;
    return `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" class="${errors > 0 ? 'edge error' : 'edge'}" marker-end="url(#arrow)"/>
<text x="${(a.x + b.x) / 2}" y="${(a.y + b.y) / 2 - 6}" class="label">${escapeHtml(label)}</text>`;
  });
  const nodes = names.map((name) => {
    const p = at.get(name) as { x: number; y: number };
    return `<circle cx="${p.x}" cy="${p.y}" r="34" class="node"/><text x="${p.x}" y="${p.y + 4}" class="name">${escapeHtml(name)}</text>`;
  });
  return `<svg viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img" aria-label="service map">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="44" refY="5" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>
${lines.join('\n')}
${nodes.join('\n')}
</svg>`;
}

/** p50/p90/p99 per minute as polylines, one small chart per service (services differ by orders of magnitude). */
function latencySvg(rows: readonly Row[]): string {
  const byService = new Map<string, Row[]>();
  for (const row of rows) {
    const service = String(row.service ?? '');
    const list = byService.get(service);
    if (list === undefined) byService.set(service, [row]);
    else list.push(row);
  }
  return [...byService].map(([service, serviceRows]) => latencyChart(service, serviceRows)).join('\n');
}

function latencyChart(service: string, rows: readonly Row[]): string {
  const width = 420;
  const height = 200;
  const series = ['p50_ms', 'p90_ms', 'p99_ms'] as const;
  const max = Math.max(1e-9, ...rows.flatMap((row) => series.map((s) => num(row[s]))));
  const x = (i: number) =>
    40 + (rows.length === 1 ? (width - 60) / 2 : (i * (width - 60)) / (rows.length - 1));
  const y = (v: number) => height - 30 - (v / max) * (height - 60);
  const lines = series.map((s) => {
    const points = rows.map((row, i) => `${x(i).toFixed(1)},${y(num(row[s])).toFixed(1)}`).join(' ');
    return `<polyline points="${points}" class="line ${s}"/>${rows.map((row, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(num(row[s])).toFixed(1)}" r="3" class="dot ${s}"/>`).join('')}`;
  });
  const first = escapeHtml(String(rows[0]?.minute ?? ''));
  const last = escapeHtml(String(rows[rows.length - 1]?.minute ?? ''));
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="latency over time of ${escapeHtml(service)}">
<text x="40" y="14" class="name-left">${escapeHtml(service)}</text><text x="40" y="28" class="axis">max ${max.toFixed(1)} ms</text>
${lines.join('\n')}
<text x="40" y="${height - 8}" class="axis">${first}</text><text x="${width - 20}" y="${height - 8}" class="axis end">${last}</text>
<text x="${width - 120}" y="14" class="legend"><tspan class="p50_ms">p50</tspan> <tspan class="p90_ms">p90</tspan> <tspan class="p99_ms">p99</tspan></text>
</svg>`;
}

/** Error ratio per endpoint as horizontal bars. */
function errorBarsSvg(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const width = 720;
  const bar = 22;
  const height = rows.length * (bar + 6) + 10;
  const bars = rows.map((row, i) => {
    const ratio = Math.min(1, num(row.error_ratio));
    const label = `${String(row.service)} ${String(row.span_name)} (${String(row.span_kind)})`;
    return `<text x="0" y="${i * (bar + 6) + 16}" class="label">${escapeHtml(label)}</text>
<rect x="300" y="${i * (bar + 6)}" width="${(ratio * 380).toFixed(1)}" height="${bar}" class="${ratio > 0 ? 'bar error' : 'bar'}"/>
<text x="${306 + ratio * 380}" y="${i * (bar + 6) + 16}" class="label">${(ratio * 100).toFixed(1)}%</text>`;
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="error rates">${bars.join('\n')}</svg>`;
}

const CSS = `body{font:14px system-ui,sans-serif;margin:24px;color:#1b1f24}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font:12px ui-monospace,monospace}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:pre}
th{background:#f6f8fa}.empty{color:#888}.edge{stroke:#57606a;stroke-width:2}.edge.error{stroke:#cf222e}.node{fill:#ddf4ff;stroke:#0969da;stroke-width:2}
.name{text-anchor:middle;font-size:11px}.label{font-size:11px;fill:#24292f}polyline.line{fill:none;stroke-width:2}.name-left{font-size:13px;font-weight:600}.axis.end{text-anchor:end}.p50_ms{stroke:#1a7f37;fill:#1a7f37}
.p90_ms{stroke:#9a6700;fill:#9a6700}.p99_ms{stroke:#cf222e;fill:#cf222e}.bar{fill:#8c959f}.bar.error{fill:#cf222e}.axis{font-size:11px;fill:#57606a}`;

/** A self-contained page (no scripts, no external resources): charts and every dashboard's table. */
export function renderDashboardHtml(results: ReadonlyMap<string, readonly Row[]>, heading: string): string {
  const section = (dashboard: Dashboard, chart = '') =>
    `<section id="${escapeHtml(dashboard.id)}"><h2>${escapeHtml(dashboard.title)}</h2><p>${escapeHtml(dashboard.description)} <em>(${escapeHtml(dashboard.reads)})</em></p>
${chart}
${table(results.get(dashboard.id) ?? [])}</section>`;
  const charts: Record<string, (rows: readonly Row[]) => string> = {
    'service-map': serviceMapSvg,
    'latency-over-time': latencySvg,
    'endpoints-red': errorBarsSvg,
  };
  const sections = DASHBOARDS.map((d) => section(d, charts[d.id]?.(results.get(d.id) ?? []) ?? ''));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tracepoint dashboards</title><style>${CSS}</style></head>
<body><h1>tracepoint dashboards</h1><p>${escapeHtml(heading)}</p>
${sections.join('\n')}
</body></html>
`;
}
