// Server CPU per span ingested by the local ClickHouse HTTP server for the same spans sent as
// JSONCompactEachRow and as RowBinaryWithNamesAndTypes bodies, in the same run, rounds interleaved.
// Each body goes to a Null-engine table with otel_traces' columns (the server parses it and drops
// it: parsing only) and to the Collector's otel_traces table with its trace-id lookup view
// (parsing plus codecs, skip indexes, the materialized view, and the merges that run meanwhile).
// The server runs in its own process; its CPU is read from /proc before and after each insert.
import { planOf, runIfMain } from './lib/cli.mjs';
import { markdownTable } from './lib/format.mjs';
import { startLocalClickHouseServer } from './lib/local-clickhouse-server.mjs';
import { processCpuMicros } from './lib/process-cpu.mjs';
import { median } from './lib/stats.mjs';
import { inWorkDir } from './lib/work-dir.mjs';
import { collectorStatements } from './storage/collector-ddl.mjs';

// /proc CPU has 10 ms ticks: each sample inserts enough spans for ~100+ ticks.
const SIZES = {
  smoke: { rounds: 3, spans: 20_000, insertsPerSample: 1 },
  full: { rounds: 15, spans: 50_000, insertsPerSample: 2 },
};
const FORMATS = ['JSONCompactEachRow', 'RowBinaryWithNamesAndTypes'];
const TABLES = ['null_traces', 'otel_traces'];
const TARGET_PARSING_RATIO = 0.3;

// Spans shaped like the shop demo's HTTP, database and cache spans: ids as hex, resource and span
// attributes as maps, one span in 50 an error with an exception event.
const SPANS = (n) => `
SELECT
  toDateTime64('2026-12-02 10:00:00', 9) + toIntervalMicrosecond(number * 137) AS Timestamp,
  lower(hex(concat(reinterpretAsFixedString(cityHash64(intDiv(number, 8))), reinterpretAsFixedString(cityHash64(intDiv(number, 8), 1))))) AS TraceId,
  lower(hex(reinterpretAsFixedString(cityHash64(number, 2)))) AS SpanId,
  if(number % 8 = 0, '', lower(hex(reinterpretAsFixedString(cityHash64(number - 1, 2))))) AS ParentSpanId,
  '' AS TraceState,
  toLowCardinality(['GET /api/products/{id}', 'POST /api/cart', 'SELECT shop.products', 'redis GET', 'GET /'][number % 5 + 1]) AS SpanName,
  toLowCardinality(['Server', 'Client', 'Client', 'Client', 'Internal'][number % 5 + 1]) AS SpanKind,
  toLowCardinality(['frontend', 'cart', 'product-catalog'][number % 3 + 1]) AS ServiceName,
  CAST(map('service.name', ['frontend', 'cart', 'product-catalog'][number % 3 + 1], 'telemetry.sdk.language', 'nodejs',
      'telemetry.sdk.name', 'opentelemetry', 'telemetry.sdk.version', '2.2.0', 'host.name', 'shop-host-1',
      'process.pid', toString(4000 + number % 3), 'process.runtime.version', '20.20.2'), 'Map(LowCardinality(String), String)') AS ResourceAttributes,
  '@opentelemetry/instrumentation-http' AS ScopeName,
  '0.57.0' AS ScopeVersion,
  CAST(map('http.request.method', 'GET', 'url.path', concat('/api/products/', toString(number % 997)),
      'http.response.status_code', if(number % 50 = 0, '500', '200'), 'server.address', 'localhost', 'server.port', '8080',
      'network.peer.address', '127.0.0.1', 'user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0'), 'Map(LowCardinality(String), String)') AS SpanAttributes,
  toUInt64((number * 7919) % 5000000 + 20000) AS Duration,
  toLowCardinality(if(number % 50 = 0, 'Error', 'Unset')) AS StatusCode,
  if(number % 50 = 0, 'Internal Server Error', '') AS StatusMessage,
  if(number % 50 = 0, [Timestamp + toIntervalMicrosecond(10)], []) AS \`Events.Timestamp\`,
  CAST(if(number % 50 = 0, ['exception'], []), 'Array(LowCardinality(String))') AS \`Events.Name\`,
  CAST(if(number % 50 = 0, [map('exception.type', 'Error', 'exception.message', 'boom',
      'exception.stacktrace', repeat('    at handler (/app/server.js:42:13)\\n', 8))], []), 'Array(Map(LowCardinality(String), String))') AS \`Events.Attributes\`,
  CAST([], 'Array(String)') AS \`Links.TraceId\`,
  CAST([], 'Array(String)') AS \`Links.SpanId\`,
  CAST([], 'Array(String)') AS \`Links.TraceState\`,
  CAST([], 'Array(Map(LowCardinality(String), String))') AS \`Links.Attributes\`
FROM numbers(${n})`;

async function clickhouse(url, query, body) {
  const response = await fetch(`${url}/?query=${encodeURIComponent(query)}`, { method: 'POST', body });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${query.slice(0, 80)}: ${bytes.toString()}`);
  return bytes;
}

export async function run({ size = 'full' } = {}) {
  const plan = planOf(SIZES, size);
  const samples = await inWorkDir('insert-format', (work) => measure(work, plan));
  return report(plan, samples);
}

async function measure(work, plan) {
  const server = await startLocalClickHouseServer(work);
  try {
    for (const statement of collectorStatements('bench')) await clickhouse(server.url, statement);
    await clickhouse(server.url, 'CREATE TABLE bench.null_traces AS bench.otel_traces ENGINE = Null');
    // The same spans in both formats, written by ClickHouse itself.
    const bodies = {};
    for (const format of FORMATS) {
      bodies[format] = await clickhouse(server.url, `${SPANS(plan.spans)} FORMAT ${format}`);
    }
    const samples = [];
    for (let round = 0; round < plan.rounds; round += 1) {
      const variants = FORMATS.flatMap((format) => TABLES.map((table) => ({ format, table })));
      // Rotate the order so no variant always runs right after the otel_traces inserts (their merges).
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const { format, table } of order) {
        const before = processCpuMicros(server.child.pid);
        for (let i = 0; i < plan.insertsPerSample; i += 1) {
          await clickhouse(server.url, `INSERT INTO bench.${table} FORMAT ${format}`, bodies[format]);
        }
        const micros = processCpuMicros(server.child.pid) - before;
        samples.push({ round, format, table, micros, spans: plan.spans * plan.insertsPerSample });
      }
    }
    return { samples, bodyBytes: Object.fromEntries(FORMATS.map((f) => [f, bodies[f].length])) };
  } finally {
    await server.stop();
  }
}

function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: median(sorted), min: sorted[0], max: sorted[sorted.length - 1] };
}

function report(plan, { samples, bodyBytes }) {
  const perSpan = (format, table, round) => {
    const sample = samples.find((s) => s.format === format && s.table === table && s.round === round);
    return sample.micros / sample.spans;
  };
  const rounds = [...new Set(samples.map((s) => s.round))];
  const [json, binary] = FORMATS;
  const series = {};
  for (const format of FORMATS) {
    series[`${format} parsing`] = rounds.map((r) => perSpan(format, 'null_traces', r));
    series[`${format} total`] = rounds.map((r) => perSpan(format, 'otel_traces', r));
    series[`${format} rest`] = rounds.map(
      (r) => perSpan(format, 'otel_traces', r) - perSpan(format, 'null_traces', r),
    );
  }
  const parsingRatio = spread(
    rounds.map((r) => perSpan(binary, 'null_traces', r) / perSpan(json, 'null_traces', r)),
  );
  const totalRatio = spread(
    rounds.map((r) => perSpan(binary, 'otel_traces', r) / perSpan(json, 'otel_traces', r)),
  );
  const us = (s) => `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  const ratio = (s) => `${s.median.toFixed(2)}x (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
  const table = markdownTable(
    [
      'body format',
      'body bytes/span',
      'parsing µs/span (Null table)',
      'rest µs/span (codecs, indexes, view, merges)',
      'total µs/span (otel_traces)',
    ],
    FORMATS.map((format) => [
      format,
      (bodyBytes[format] / plan.spans).toFixed(0),
      us(spread(series[`${format} parsing`])),
      us(spread(series[`${format} rest`])),
      us(spread(series[`${format} total`])),
    ]),
  );
  const markdown = `Server process CPU (user + system, /proc) per span ingested by the local ClickHouse HTTP server (chDB in its own process), for the same ${plan.spans} spans per insert sent as ${json} and as ${binary} bodies (both written by ClickHouse from one SELECT), ${plan.insertsPerSample} insert(s) per sample, ${plan.rounds} interleaved rounds with rotating order. "Parsing" inserts into a Null-engine table with otel_traces' columns; "total" into the Collector's otel_traces (codecs, bloom-filter and minmax indexes, the trace-id lookup view); "rest" is their difference per round, and background merges land in whichever sample runs while they do. Medians with min–max over rounds. The binary body reaches chDB through a tmpfs file (\`INSERT ... FROM INFILE\`), the JSON body as query text: both costs are in the numbers.

${table}

${binary}/${json} per span: parsing ${ratio(parsingRatio)}, total ${ratio(totalRatio)}.
`;
  return {
    id: 'insert-format',
    title: 'Insert body format: server CPU per span',
    raw: { plan, bodyBytes, samples },
    markdown,
    targets: [
      {
        name: `ClickHouse-side parsing CPU per span, ${binary} / ${json} (total ${totalRatio.median.toFixed(2)}x)`,
        target: `<= ${TARGET_PARSING_RATIO}`,
        measured: Number(parsingRatio.median.toFixed(2)),
        unit: 'x',
        met: parsingRatio.median <= TARGET_PARSING_RATIO,
      },
    ],
  };
}

await runIfMain(import.meta.url, run);
