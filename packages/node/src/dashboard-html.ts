import { DASHBOARDS, type Dashboard } from './dashboards.js';
import { serviceMapSvg } from './service-map-svg.js';
import { clip, escapeHtml, formatMs, LABEL_FONT, LABEL_FONT_PX, num } from './svg-text.js';
import { traceWaterfallSvg } from './trace-waterfall-svg.js';

export { escapeHtml } from './svg-text.js';

type Row = Record<string, unknown>;

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

/** p50/p90/p99 per minute as polylines, one small chart per service (services differ by orders of magnitude). */
function latencySvg(rows: readonly Row[]): string {
  const byService = new Map<string, Row[]>();
  for (const row of rows) {
    const service = String(row.service ?? '');
    const list = byService.get(service);
    if (list === undefined) byService.set(service, [row]);
    else list.push(row);
  }
  if (byService.size === 0) return '';
  const charts = [...byService].map(([service, serviceRows]) => latencyChart(service, serviceRows));
  return `<div class="charts">${charts.join('\n')}</div>`;
}

const SERIES = ['p50_ms', 'p90_ms', 'p99_ms'] as const;

/** `hh:mm` of a `YYYY-MM-DD hh:mm:ss` minute (the date is in the page's heading). */
function minuteText(value: unknown): string {
  const text = String(value ?? '');
  return /^\d{4}-\d\d-\d\d \d\d:\d\d/.test(text) ? text.slice(11, 16) : text;
}

function latencyChart(service: string, rows: readonly Row[]): string {
  const width = 420;
  const height = 190;
  const left = 64;
  const right = 16;
  const top = 40;
  const bottom = 28;
  const max = Math.max(1e-9, ...rows.flatMap((row) => SERIES.map((s) => num(row[s]))));
  const x = (i: number) =>
    left +
    (rows.length === 1 ? (width - left - right) / 2 : (i * (width - left - right)) / (rows.length - 1));
  const y = (v: number) => height - bottom - (v / max) * (height - top - bottom);
  const grid = [0, 0.5, 1].map((f) => {
    const gy = y(f * max).toFixed(1);
    return `<line x1="${left}" y1="${gy}" x2="${width - right}" y2="${gy}" class="grid"/><text x="${left - 6}" y="${(Number(gy) + 4).toFixed(1)}" class="axis end">${escapeHtml(formatMs(f * max))}</text>`;
  });
  const lines = SERIES.map((s) => {
    const points = rows.map((row, i) => `${x(i).toFixed(1)},${y(num(row[s])).toFixed(1)}`).join(' ');
    const dots = rows
      .map(
        (row, i) =>
          `<circle cx="${x(i).toFixed(1)}" cy="${y(num(row[s])).toFixed(1)}" r="3" class="dot ${s}"><title>${escapeHtml(`${minuteText(row.minute)} ${s.slice(0, 3)} ${formatMs(num(row[s]))}`)}</title></circle>`,
      )
      .join('');
    return `<polyline points="${points}" class="line ${s}"/>${dots}`;
  });
  const first = minuteText(rows[0]?.minute);
  const last = minuteText(rows[rows.length - 1]?.minute);
  const times =
    rows.length <= 1 || first === last
      ? `<text x="${x(0).toFixed(1)}" y="${height - 8}" class="axis middle">${escapeHtml(first)}</text>`
      : `<text x="${left}" y="${height - 8}" class="axis">${escapeHtml(first)}</text><text x="${width - right}" y="${height - 8}" class="axis end">${escapeHtml(last)}</text>`;
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="latency over time of ${escapeHtml(service)}">
<text x="${left}" y="16" class="name-left">${escapeHtml(service)}</text>
<text x="${width - right}" y="16" class="axis end"><tspan class="p50_ms">p50</tspan> <tspan class="p90_ms">p90</tspan> <tspan class="p99_ms">p99</tspan></text>
${grid.join('\n')}
${lines.join('\n')}
${times}
</svg>`;
}

/** Error ratio per endpoint as horizontal bars, the endpoint's name clipped to its column. */
function errorBarsSvg(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const width = 760;
  const names = 340;
  const scale = 340;
  const bar = 18;
  const height = rows.length * (bar + 6) + 4;
  const room = Math.floor((names - 8) / (LABEL_FONT_PX * 0.62));
  const bars = rows.map((row, i) => {
    const ratio = Math.min(1, num(row.error_ratio));
    const label = `${String(row.service)} ${String(row.span_name)} (${String(row.span_kind)})`;
    const y = i * (bar + 6);
    return `<g><title>${escapeHtml(label)}</title><text x="0" y="${y + 13}" class="label">${escapeHtml(clip(label, room))}</text>
<rect x="${names}" y="${y}" width="${scale}" height="${bar}" class="bar-track"/>
<rect x="${names}" y="${y}" width="${(ratio * scale).toFixed(1)}" height="${bar}" class="${ratio > 0 ? 'bar error' : 'bar'}"/>
<text x="${names + scale + 6}" y="${y + 13}" class="label">${(ratio * 100).toFixed(1)}% failed</text></g>`;
  });
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="error rates">${bars.join('\n')}</svg>`;
}

/**
 * What each panel answers and how to read it, for the person reading the
 * page (the dashboards' own descriptions say what the query computes, for
 * whoever runs the SQL). A dashboard without a text here shows its description.
 */
export const PANEL_TEXTS: Readonly<Record<string, string>> = {
  'service-map':
    'Who calls whom, and where calls fail or wait. Each box is a service, a caller that sent it requests, or a database or peer it talks to; each arrow goes from caller to callee and says how many calls it carried in this time range, what share of them failed, and how long the slowest 1% took (p99). Red arrows carry failures: follow them to the service that returns the errors.',
  'endpoints-red':
    "What each service was asked to do and how it went (rate, errors, duration): one row per endpoint, for the requests and messages the service received. The bars show the share of its requests that failed; a request answered 4xx is the caller's mistake and does not count as failed. Look at the failed share first, then at p99: a high p99 with a low p50 means the endpoint is slow only sometimes.",
  'latency-over-time':
    "Is it getting slower? The typical (p50), slow (p90) and slowest-1% (p99) time of each service's incoming requests, minute by minute. A p99 that rises while p50 stays flat means some requests wait (a lock, a pool, a retry); all three rising means everything got slower.",
  errors:
    'What failed, one row per cause: the kind of exception, how many requests it failed, where it was thrown, a sample message and the stack of one occurrence (its first frames are where it was thrown). Open its trace id with --trace-id to see the whole request around it.',
  'status-errors':
    'Requests and calls that failed by their status alone, with no exception recorded: an HTTP 5xx answered, a call answered 4xx or 5xx, an RPC error, by service, endpoint and status code. Those counted as after_exception answer an exception listed above; the others failed without one: read their message, or open their trace.',
  'slowest-traces':
    'The slowest requests in this time range, each with its trace id: run tracepoint dashboard --trace-id <id> to see one of them as a waterfall.',
  'trace-waterfall':
    'Where the time of one request went (the slowest one, unless --trace-id names another). Each row is one operation, indented under the operation that started it; its bar shows when it started and how long it took on the timeline of the whole request, coloured by service. The time is spent in the longest bars without long bars under them; a gap between bars is time spent in code without spans; red bars failed.',
  'trace-timeline':
    'The same request as calls between services in time order: each call, its response and any exception, with the caller and the callee.',
};

const SOURCES: Readonly<Record<Dashboard['reads'], string>> = {
  aggregates: 'From the aggregated stats.',
  raw: 'From the stored spans.',
  'aggregates + raw sample': 'Counts from the aggregated stats, samples from the stored spans.',
};

const CSS = `body{font:14px system-ui,sans-serif;margin:24px;color:#1b1f24;background:#fff}h1{font-size:20px}h2{font-size:16px;margin:0 0 6px}
section{margin-top:28px;padding:4px 0 8px}p.about{max-width:920px;line-height:1.45;margin:4px 0}p.source{color:#57606a;font-size:12px;margin:2px 0 10px}
table{border-collapse:collapse;font:12px ui-monospace,monospace;margin-top:10px}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top;max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:pre}
th{background:#f6f8fa}.empty{color:#57606a}svg{display:block;max-width:100%;height:auto;margin:6px 0}svg text{${LABEL_FONT};fill:#24292f}
.service-map .edge{fill:none;stroke:#6e7781;stroke-width:1.5}.service-map .edge.error{stroke:#cf222e;stroke-width:2}.arrow{fill:#6e7781}.arrow.error{fill:#cf222e}
.node-box{fill:#ddf4ff;stroke:#0969da;stroke-width:1.5}.node.caller .node-box{fill:#f6f8fa;stroke:#57606a;stroke-dasharray:4 3}.node.callee .node-box{fill:#fff8c5;stroke:#9a6700}
.service-map text.name{text-anchor:middle;font-size:12px;font-weight:600}.label-box{fill:#fff;fill-opacity:.94;stroke:#d0d7de}.label-box.error{stroke:#cf222e}
.edge-text.error{fill:#a40e26;font-weight:600}.label{fill:#24292f}polyline.line{stroke-width:2}svg text.name-left{font-size:13px;font-weight:600}
svg text.axis.end,svg text.end{text-anchor:end}svg text.middle{text-anchor:middle}.line.p50_ms,.dot.p50_ms{stroke:#1a7f37;fill:#1a7f37}.line.p90_ms,.dot.p90_ms{stroke:#9a6700;fill:#9a6700}.line.p99_ms,.dot.p99_ms{stroke:#cf222e;fill:#cf222e}polyline.line{fill:none}
svg tspan.p50_ms{fill:#1a7f37}svg tspan.p90_ms{fill:#9a6700}svg tspan.p99_ms{fill:#cf222e}.charts{display:flex;flex-wrap:wrap;gap:8px 24px}.charts svg{margin:0}svg .grid{stroke:#d8dee4;stroke-width:1}
.bar-track{fill:#f6f8fa}.bar{fill:#8c959f}.bar.error{fill:#cf222e}svg text.axis,svg text.axis-text{fill:#57606a}
.waterfall .row-band{fill:transparent}.waterfall .row-band.odd{fill:#f6f8fa}.waterfall .grid{stroke:#d8dee4;stroke-width:1}.waterfall .axis-line{stroke:#57606a}
.waterfall text.tick{text-anchor:middle}.waterfall tspan.span-service{fill:#57606a}.span-bar{stroke:rgba(27,31,36,.35);stroke-width:.5}
.span-bar.error{stroke:#cf222e;stroke-width:2}.span-row.error text.span-name,.span-row.error text.span-duration,.span-row.error tspan.span-service{fill:#a40e26;font-weight:600}
.error-swatch{fill:#fff;stroke:#cf222e;stroke-width:2}`;

/** A self-contained page (no scripts, no external resources): charts and every dashboard's table. */
export function renderDashboardHtml(results: ReadonlyMap<string, readonly Row[]>, heading: string): string {
  const section = (dashboard: Dashboard, chart = '') =>
    `<section id="${escapeHtml(dashboard.id)}"><h2>${escapeHtml(dashboard.title)}</h2>
<p class="about">${escapeHtml(PANEL_TEXTS[dashboard.id] ?? dashboard.description)}</p><p class="source">${escapeHtml(SOURCES[dashboard.reads] ?? '')}</p>
${chart}
${tableOf(dashboard.id, chart)}</section>`;
  // A chart that shows every row (the waterfall) keeps its table folded: the numbers, one click away.
  const tableOf = (id: string, chart: string) =>
    id === 'trace-waterfall' && chart !== ''
      ? `<details><summary>The spans as a table</summary>${table(results.get(id) ?? [])}</details>`
      : table(results.get(id) ?? []);
  const charts: Record<string, (rows: readonly Row[]) => string> = {
    'service-map': serviceMapSvg,
    'latency-over-time': latencySvg,
    'endpoints-red': errorBarsSvg,
    'trace-waterfall': (rows) => traceWaterfallSvg(rows),
  };
  const sections = DASHBOARDS.filter((d) => results.has(d.id)).map((d) =>
    section(d, charts[d.id]?.(results.get(d.id) ?? []) ?? ''),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tracepoint dashboards</title><style>${CSS}</style></head>
<body><h1>tracepoint dashboards</h1><p>${escapeHtml(heading)}</p>
${sections.join('\n')}
</body></html>
`;
}
