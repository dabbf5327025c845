// Item 4 of the benchmarks: rows read by the aggregate dashboards against the raw-span queries
// that answer the same question. Spans of a four-service shop (lib/traffic/shop-traffic.mjs) go
// through the real pipeline (tracepointSpanProcessors: caller, cleaner, aggregator, exporter) in
// this process, one BasicTracerProvider per service, into the embedded engine (chDB) on a temp
// directory, with explicit start and end times spread over a past time range (the aggregator
// files a span under the interval its end time falls in, so the stats rows spread the same way).
// Rows read are measured as lib/rows-read.mjs explains; the raw-span queries are in
// dashboard-reads/raw-queries.mjs.
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { tracepointSpanProcessors } from '@tracepoint/node';
import { AGGREGATOR_DEFAULTS } from '@tracepoint/processor-aggregator';
import { RAW_QUERIES } from './dashboard-reads/raw-queries.mjs';
import { dashboardReport, utcText } from './dashboard-reads/report.mjs';
import { compareRows } from './dashboard-reads/result-check.mjs';
import { planOf, runIfMain } from './lib/cli.mjs';
import { aggregateDashboards } from './lib/dashboards.mjs';
import { measuredRowsOf, measureRowsRead } from './lib/rows-read.mjs';
import { ShopTraffic } from './lib/traffic/shop-traffic.mjs';
import { inWorkDir } from './lib/work-dir.mjs';

const SIZES = {
  smoke: { spans: 20_000, rangeMinutes: 10, recentMinutes: 2 },
  full: { spans: 1_000_000, rangeMinutes: 120, recentMinutes: 15 },
};
/** The aggregator's default interval: what users get. */
const INTERVAL_MS = AGGREGATOR_DEFAULTS.intervalMillis;
/** Spans go to the exporter's queue as they end; flushing it every so often keeps it far below maxQueueBytes. */
const FLUSH_EVERY_SPANS = 20_000;

/** Spans of the shop through the real pipeline into `client`, timestamps over a past range ending on a minute. */
export async function generate(client, plan) {
  const started = Date.now();
  const rangeEnd = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
  const rangeStart = rangeEnd - plan.rangeMinutes * 60_000;
  const pipeline = tracepointSpanProcessors({
    exporter: { client, logger: { warn: console.warn, error: console.error } },
    // The cleaner moves spans that end more than maxClockSkewMillis (5 min) from the local clock
    // to end now; these end up to the whole range in the past on purpose.
    cleaner: { maxClockSkewMillis: (plan.rangeMinutes + 10) * 60_000 },
    // Likewise the aggregator folds spans ending more than maxLatenessMillis ago into its oldest
    // open interval; here every past interval stays open, so they share a larger memory budget.
    aggregator: {
      intervalMillis: INTERVAL_MS,
      maxLatenessMillis: (plan.rangeMinutes + 10) * 60_000,
      maxMemoryBytes: 128 * 1024 * 1024,
    },
  });
  await pipeline.exporter.ready();
  const traffic = new ShopTraffic(pipeline.spanProcessors, 8);
  // ~5 spans per request: space requests evenly (with jitter) so the spans fill the range;
  // the last request starts 30 s before its end, so every span ends inside it.
  const requests = Math.ceil(plan.spans / 5);
  const step = (rangeEnd - rangeStart - 30_000) / requests;
  let nextFlush = FLUSH_EVERY_SPANS;
  for (let i = 0; traffic.spans < plan.spans; i++) {
    const t0 = rangeStart + Math.min(i, requests - 1) * step + traffic.rand() * step;
    traffic.request(t0);
    if (traffic.spans >= nextFlush) {
      nextFlush += FLUSH_EVERY_SPANS;
      await pipeline.exporter.forceFlush();
    }
  }
  await traffic.providers[0].forceFlush();
  for (const provider of traffic.providers) await provider.shutdown();
  const exporterStats = pipeline.exporter.stats();
  if (exporterStats.spansDropped + exporterStats.spansFailed > 0) {
    throw new Error(`exporter lost spans: ${JSON.stringify(exporterStats)}`);
  }
  return {
    traffic,
    exporterStats,
    aggregatorStats: pipeline.aggregator.stats(),
    generateSeconds: (Date.now() - started) / 1000,
    rangeStart,
    rangeEnd,
  };
}

/**
 * One part per partition, so both sides read settled data; the tables' row counts (and the
 * trace_points view's, the points it derives from otel_traces) and the stats rows' shape.
 */
async function settleTables(client, spans) {
  const tables = ['otel_traces', 'otel_traces_trace_id_ts', 'trace_point_stats'];
  for (const table of tables) await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  const counts = {};
  for (const table of [...tables, 'trace_points']) {
    counts[table] = Number((await measuredRowsOf(client, `SELECT count() AS n FROM ${table}`))[0].n);
  }
  if (counts.otel_traces !== spans) {
    throw new Error(`otel_traces holds ${counts.otel_traces} spans, ${spans} were made`);
  }
  const statsShape = (
    await measuredRowsOf(
      client,
      `SELECT stat_type, count() AS rows, uniqExact(interval_start, service, span_name, span_kind, status_code,
         source_component, target_component, source_method, target_method, exception_type) AS keys
       FROM trace_point_stats GROUP BY stat_type ORDER BY stat_type`,
    )
  ).map((r) => ({ statType: r.stat_type, rows: Number(r.rows), keyIntervals: Number(r.keys) }));
  return { counts, statsShape };
}

/** Each aggregate dashboard against its raw-span equivalent, over the whole range and the last minutes. */
async function measureDashboards(client, plan, { rangeStart, rangeEnd }) {
  const windows = [
    { name: `whole range (${plan.rangeMinutes} min)`, from: rangeStart, to: rangeEnd },
    { name: `last ${plan.recentMinutes} min`, from: rangeEnd - plan.recentMinutes * 60_000, to: rangeEnd },
  ];
  const measurements = [];
  for (const window of windows) {
    const params = { from: utcText(window.from), to: utcText(window.to), limit: 1000 };
    for (const dashboard of aggregateDashboards()) {
      if (RAW_QUERIES[dashboard.id] === undefined)
        throw new Error(`no raw-span equivalent for dashboard ${dashboard.id}`);
      const aggregate = await measureRowsRead(client, dashboard.sql, params);
      const raw = await measureRowsRead(client, RAW_QUERIES[dashboard.id], params);
      measurements.push({
        window: window.name,
        from: params.from,
        to: params.to,
        dashboard: dashboard.id,
        reads: dashboard.reads,
        aggregate: { ...aggregate, data: undefined, resultRows: aggregate.data.length },
        raw: { ...raw, data: undefined, resultRows: raw.data.length },
        ratio: aggregate.readRows / raw.readRows,
        check: compareRows(dashboard.id, aggregate.data, raw.data),
      });
    }
  }
  return measurements;
}

export async function run({ size = 'full' } = {}) {
  const plan = planOf(SIZES, size);
  return inWorkDir('dashboards', async (work) => {
    const client = createEmbeddedClient({ path: work });
    try {
      const generated = await generate(client, plan);
      const tables = await settleTables(client, generated.traffic.spans);
      const measurements = await measureDashboards(client, plan, generated);
      return dashboardReport({
        intervalMillis: INTERVAL_MS,
        plan,
        size,
        ...generated,
        ...tables,
        measurements,
      });
    } finally {
      await client.close();
    }
  });
}

await runIfMain(import.meta.url, run);
