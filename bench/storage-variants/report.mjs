// The storage variants' table, the default picked from it, the target and the raw numbers.
import { int, markdownTable } from '../lib/format.mjs';
import { CURRENT } from './variants.mjs';

/** How much more than current a variant may read (rows) and still be a candidate for the default. */
export const MAX_READ_RATIO = 1.1;
/** The issue's goal for tracepoint's tables against the Collector's: the span table's share of it. */
const TARGET_RATIO = 0.7;

/** Reads no more than MAX_READ_RATIO x current's rows, on trace-by-id and on the search. */
export const eligible = (r, current) =>
  r.reads.traceById <= MAX_READ_RATIO * current.reads.traceById &&
  r.reads.search <= MAX_READ_RATIO * current.reads.search;

const toCurrent = (traffic, id) => traffic.results[id].compressed / traffic.results[CURRENT].compressed;

/** Geometric mean over the traffics of bytes against current: one number for a variant on both. */
const score = (traffics, id) =>
  Math.exp(traffics.reduce((s, t) => s + Math.log(toCurrent(t, id)), 0) / traffics.length);

/** The smallest variant (by `score`) among those eligible on every traffic. */
export function pickDefault(variants, traffics) {
  const candidates = variants.filter((v) =>
    traffics.every((t) => eligible(t.results[v.id], t.results[CURRENT])),
  );
  candidates.sort((a, b) => score(traffics, a.id) - score(traffics, b.id));
  return {
    variant: candidates[0],
    score: score(traffics, candidates[0].id),
    candidates: candidates.map((v) => v.id),
  };
}

const perSpan = (bytes, spans) => (bytes / spans).toFixed(1);

function trafficTable(traffic, variants, pick) {
  const collector = traffic.collector;
  const row = (name, differs, r) => [
    name,
    differs,
    `**${perSpan(r.compressed, traffic.spans)}**`,
    `${(r.compressed / collector.compressed).toFixed(2)}x`,
    `${(r.compressed / traffic.results[CURRENT].compressed).toFixed(2)}x`,
    int(r.reads.traceById),
    int(r.reads.search),
    r.writeSeconds.toFixed(1),
  ];
  const rows = [
    row('Collector DDL', '`bench/storage/collector-ddl.mjs`, its own lookup table', collector),
    ...variants.map((v) =>
      row(v.id === pick.variant.id ? `**${v.id}** (default)` : v.id, v.differs, traffic.results[v.id]),
    ),
  ];
  const p = traffic.probes;
  const unstable = [collector, ...variants.map((v) => traffic.results[v.id])].some((r) => !r.reads.stable);
  return `On ${traffic.name}: ${int(traffic.spans)} spans; trace-by-id averaged over ${p.traceIds.length} traces (${traffic.results[CURRENT].reads.traceSpans.toFixed(1)} spans each), the search is \`${p.service}\` over 15 minutes (${int(traffic.results[CURRENT].reads.searchSpans)} spans).

${markdownTable(
  [
    'variant',
    'what differs',
    'B/span:',
    'x Collector:',
    'x current:',
    'rows read trace-by-id:',
    'rows read search:',
    'insert + merge s:',
  ],
  rows,
)}${unstable ? '\n\n**Rows read differed between the two runs of a query** (something else read in the engine): see `stable` in the raw numbers.' : ''}`;
}

/** The columns that moved most between current and the default, per span on the dashboard traffic. */
function columnLines(traffic, pick) {
  const current = traffic.results[CURRENT].columns;
  const chosen = traffic.results[pick.variant.id].columns;
  return Object.keys(current)
    .map((c) => ({ c, before: current[c] / traffic.spans, after: (chosen[c] ?? 0) / traffic.spans }))
    .sort((a, b) => b.before - a.before)
    .slice(0, 8)
    .map((x) => [x.c, x.before.toFixed(2), x.after.toFixed(2)]);
}

export function variantsReport({ size, plan, demo, traffics, variants, pick }) {
  const dashboard = traffics.find((t) => t.id === 'dashboard');
  const ratio = dashboard.results[pick.variant.id].compressed / dashboard.collector.compressed;
  const targets = [
    {
      name: `default otel_traces variant (${pick.variant.id}) against the Collector DDL's otel_traces (dashboard traffic, ${int(dashboard.spans)} spans)`,
      target: TARGET_RATIO,
      measured: Number(ratio.toFixed(2)),
      unit: 'x',
      met: ratio <= TARGET_RATIO,
    },
  ];
  const markdown = `Variants of \`otel_traces\` side by side on the same rows (size ${size}; the shop demo served ${demo.requests ?? '?'} requests). Each traffic was written once by the real exporter; every variant is the exporter's own table read back from the engine (\`system.columns\`, \`system.data_skipping_indices\`, \`system.tables\`) with one change, filled by \`INSERT INTO variant SELECT ... FROM otel_traces\` and settled with \`OPTIMIZE FINAL\` (wide parts), so all hold the same rows (copied in sort-key order with TraceId, SpanId as tie-breakers, so granule boundaries, which adaptive granularity sets by bytes too, do not depend on the copy's thread timing). Every variant keeps the Collector's column names and types readers accept (String or LowCardinality(String); the benchmark refuses any other change), followed by the exporter's trace-point columns (TracePoint*), which the Collector DDL's table, filled with its own columns only, does not have. B/span = \`data_compressed_bytes\` of the span table's active parts / spans (skip indexes, marks and the lookup table not included; the lookup table is the same for every variant). Rows read = \`SelectedRows\` around the query (\`bench/lib/rows-read.mjs\`): Grafana's trace-by-id (the window from \`otel_traces_trace_id_ts\`, then \`TraceId = ...\`; lookup rows included) and a search \`WHERE ServiceName = ... AND Timestamp\` in a 15-minute window around the median span. Insert + merge s is the wall time of the INSERT ... SELECT and the OPTIMIZE FINAL: what the codec and key cost to write, on a shared machine (noisy, one run). \`combined\` is computed: every single change that was smaller than \`current\` on both traffics and read no more than ${MAX_READ_RATIO}x its rows, and where two change one column's type or codec the one whose column came out smaller.

${traffics.map((t) => trafficTable(t, variants, pick)).join('\n\n')}

**Default, computed: \`${pick.variant.id}\`** (${pick.variant.differs}): the smallest, by the geometric mean over both traffics of its bytes against \`current\` (${pick.score.toFixed(2)}x), among the variants that read no more than ${MAX_READ_RATIO}x \`current\`'s rows on both queries and both traffics (${pick.candidates.join(', ')}). On the dashboard traffic it is ${ratio.toFixed(2)}x the Collector DDL's \`otel_traces\`.

Largest columns of \`current\` and of the default (dashboard traffic, compressed B/span):

${markdownTable(['column', 'current:', pick.variant.id + ':'], columnLines(dashboard, pick))}`;
  return {
    id: 'storage-variants',
    title: 'Storage variants of otel_traces',
    raw: {
      size,
      plan,
      demo,
      pick: { ...pick, variant: pick.variant.id },
      traffics: traffics.map((t) => ({
        id: t.id,
        spans: t.spans,
        probes: t.probes,
        collector: t.collector,
        results: t.results,
      })),
      variants: variants.map((v) => ({ id: v.id, differs: v.differs })),
    },
    markdown,
    targets,
  };
}
