// Item 3 of the benchmarks: compressed bytes per span on disk. The example system's traffic is
// the shop demo (examples/shop/demo.mjs: three services traced by the add-on, PostgreSQL, load,
// dashboards) on a fresh data directory; once it has exited (and freed the directory) this opens
// the directory with the embedded engine, copies the same spans into the OpenTelemetry
// Collector's ClickHouse exporter layout in a separate database, settles both with OPTIMIZE FINAL
// and reads system.parts and system.parts_columns.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';

const repoRoot = resolve(import.meta.dirname, '..');
const SIZES = { smoke: { loadSeconds: 5 }, full: { loadSeconds: 60 } };
const TARGET_BYTES_PER_SPAN = 60;
const TARGET_RATIO = 0.7;
const COLLECTOR_DATABASE = 'collector_layout';
/** The Collector's batch processor as its ClickHouse exporter README configures it flushes every 5 s. */
const COLLECTOR_BATCH_SECONDS = 5;

/**
 * The OpenTelemetry Collector's ClickHouse exporter DDL for traces, transcribed (not generated)
 * from opentelemetry-collector-contrib exporter/clickhouseexporter/internal/sqltemplates/
 * traces_table.sql, traces_id_ts_lookup_table.sql and traces_id_ts_lookup_mv.sql in their
 * printf-template form (the 2025 v0.12x releases; the three files as of commits f92a576, 61540ce
 * and 57b29d7), with the database, table names and engine (MergeTree) filled in and no TTL
 * (the exporter's default). Later templates changed details: T64 on Duration, a tokenbf index on
 * lower(SpanName), Timestamp appended to the sort key, SimpleAggregateFunction columns in the lookup
 * table. What this layout does not have that tracepoint's has: the trace points and the aggregates
 * (the Collector has no equivalent tables), and a lookup table that collapses duplicates on merge.
 */
function collectorStatements(db) {
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    `CREATE TABLE IF NOT EXISTS ${db}.otel_traces (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE TABLE IF NOT EXISTS ${db}.otel_traces_trace_id_ts (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${db}.otel_traces_trace_id_ts_mv
TO ${db}.otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(Timestamp) as Start,
    max(Timestamp) as End
FROM ${db}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId`,
  ];
}

/** Runs the shop demo on `dataDir`; resolves with the requests it reports once it exited with 0. */
function runDemo({ dataDir, pageFile, loadSeconds }) {
  const env = {
    ...process.env,
    TRACEPOINT_DATA_DIR: dataDir,
    SHOP_LOAD_SECONDS: String(loadSeconds),
    SHOP_PAGE: pageFile,
  };
  // The embedded engine on dataDir, not a server the caller's environment may name.
  delete env.TRACEPOINT_CLICKHOUSE_URL;
  const child = spawn(process.execPath, [join(repoRoot, 'examples/shop/demo.mjs')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const limitMs = (loadSeconds + 240) * 1000;
  return new Promise((done, reject) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), limitMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(
          new Error(`shop demo exited with ${signal ?? code}:\n${output.split('\n').slice(-30).join('\n')}`),
        );
        return;
      }
      const load = /load done: (\d+) requests \(([^)]*)\)/.exec(output);
      done({ requests: load ? Number(load[1]) : undefined, statuses: load?.[2] });
    });
  });
}

async function rowsOf(client, query) {
  return (await client.query({ query, format: 'JSONEachRow' })).json();
}

async function mergeTreeTables(client, database) {
  const rows = await rowsOf(
    client,
    `SELECT name FROM system.tables WHERE database = '${database}' AND engine LIKE '%MergeTree' ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

/**
 * Settles a table: wide parts (one file per column, as every part past 10 MB is on a server;
 * the demo's parts are small enough to be compact, which has no per-column sizes) and one part
 * per partition.
 */
async function settle(client, database, table) {
  await client.command({
    query: `ALTER TABLE ${database}.${table} MODIFY SETTING min_bytes_for_wide_part = 0, min_rows_for_wide_part = 0`,
  });
  await client.command({ query: `OPTIMIZE TABLE ${database}.${table} FINAL` });
}

async function partsOf(client, database) {
  const rows = await rowsOf(
    client,
    `SELECT table, count() AS parts, groupUniqArray(part_type) AS part_types, sum(rows) AS rows,
       sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed,
       sum(secondary_indices_compressed_bytes) AS skip_indexes, sum(bytes_on_disk) AS on_disk
     FROM system.parts WHERE active AND database = '${database}' GROUP BY table ORDER BY table`,
  );
  return rows.map((r) => ({
    database,
    table: r.table,
    parts: Number(r.parts),
    partTypes: r.part_types,
    rows: Number(r.rows),
    compressed: Number(r.compressed),
    uncompressed: Number(r.uncompressed),
    skipIndexes: Number(r.skip_indexes),
    onDisk: Number(r.on_disk),
  }));
}

async function columnsOf(client, database) {
  const rows = await rowsOf(
    client,
    `SELECT table, column, sum(column_data_compressed_bytes) AS compressed, sum(column_data_uncompressed_bytes) AS uncompressed
     FROM system.parts_columns WHERE active AND database = '${database}' GROUP BY table, column ORDER BY compressed DESC`,
  );
  return rows.map((r) => ({
    table: r.table,
    column: r.column,
    compressed: Number(r.compressed),
    uncompressed: Number(r.uncompressed),
  }));
}

function total(parts, key) {
  return parts.reduce((n, p) => n + p[key], 0);
}

const bytes = (n) => Math.round(n).toLocaleString('en-US');
const perSpan = (n, spans) => (n / spans).toFixed(1);

export async function run({ size = 'full' } = {}) {
  const plan = SIZES[size];
  if (plan === undefined) throw new Error(`size must be smoke or full, got ${size}`);
  const work = mkdtempSync(join(tmpdir(), 'tracepoint-bench-storage-'));
  const dataDir = join(work, 'clickhouse');
  let measured;
  try {
    const demo = await runDemo({
      dataDir,
      pageFile: join(work, 'dashboard.html'),
      loadSeconds: plan.loadSeconds,
    });
    const client = createEmbeddedClient({ path: dataDir });
    try {
      const spans = Number((await rowsOf(client, 'SELECT count() AS n FROM default.otel_traces'))[0].n);
      if (!(spans > 0)) throw new Error('the shop demo left no spans in default.otel_traces');

      // The Collector's layout holding the same spans, inserted in batches of 5 s of span end time
      // (what a Collector batching every 5 s sends; its lookup view adds a row per trace per insert).
      for (const statement of collectorStatements(COLLECTOR_DATABASE))
        await client.command({ query: statement });
      const columns = (
        await rowsOf(
          client,
          `SELECT name FROM system.columns WHERE database = '${COLLECTOR_DATABASE}' AND table = 'otel_traces' AND default_kind NOT IN ('ALIAS', 'MATERIALIZED', 'EPHEMERAL') ORDER BY position`,
        )
      )
        .map((r) => `\`${r.name}\``)
        .join(', ');
      const batchOf = `intDiv(toUnixTimestamp64Nano(Timestamp) + Duration, ${COLLECTOR_BATCH_SECONDS * 1e9})`;
      const batches = (
        await rowsOf(client, `SELECT DISTINCT ${batchOf} AS b FROM default.otel_traces ORDER BY b`)
      ).map((r) => r.b);
      for (const batch of batches) {
        await client.command({
          query: `INSERT INTO ${COLLECTOR_DATABASE}.otel_traces (${columns}) SELECT ${columns} FROM default.otel_traces WHERE ${batchOf} = ${batch}`,
        });
      }

      const layouts = [
        { name: 'tracepoint', database: 'default' },
        { name: 'Collector DDL', database: COLLECTOR_DATABASE },
      ];
      for (const layout of layouts) {
        for (const table of await mergeTreeTables(client, layout.database))
          await settle(client, layout.database, table);
        layout.parts = await partsOf(client, layout.database);
        layout.columns = await columnsOf(client, layout.database);
      }
      // Which attribute keys make the maps heavy: raw text per span, and distinct values (repeated
      // text compresses away, distinct text does not).
      const attributeKeys = [];
      for (const map of ['ResourceAttributes', 'SpanAttributes']) {
        const rows = await rowsOf(
          client,
          `SELECT k, sum(length(k) + length(v)) AS text_bytes, uniqExact(v) AS distinct_values
           FROM default.otel_traces ARRAY JOIN mapKeys(${map}) AS k, mapValues(${map}) AS v
           GROUP BY k ORDER BY ${map === 'SpanAttributes' ? 'distinct_values * text_bytes' : 'text_bytes'} DESC LIMIT 4`,
        );
        for (const r of rows) {
          attributeKeys.push({
            map,
            key: r.k,
            textBytes: Number(r.text_bytes),
            distinctValues: Number(r.distinct_values),
          });
        }
      }
      const copied = layouts[1].parts.find((p) => p.table === 'otel_traces')?.rows;
      if (copied !== spans)
        throw new Error(`the Collector layout holds ${copied} spans, tracepoint ${spans}`);
      measured = { demo, spans, batches: batches.length, layouts, attributeKeys };
    } finally {
      await client.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return report({ size, plan, ...measured });
}

function report({ size, plan, demo, spans, batches, layouts, attributeKeys }) {
  const [tracepoint, collector] = layouts;
  for (const layout of layouts) {
    layout.compressed = total(layout.parts, 'compressed');
    layout.uncompressed = total(layout.parts, 'uncompressed');
    layout.onDisk = total(layout.parts, 'onDisk');
    layout.bytesPerSpan = layout.compressed / spans;
  }
  const ratio = tracepoint.compressed / collector.compressed;
  const targets = [
    {
      name: 'tracepoint: compressed bytes per span, all its tables (shop demo)',
      target: TARGET_BYTES_PER_SPAN,
      measured: Number(tracepoint.bytesPerSpan.toFixed(1)),
      unit: ' B',
      met: tracepoint.bytesPerSpan <= TARGET_BYTES_PER_SPAN,
    },
    {
      name: 'tracepoint against the Collector DDL holding the same spans (compressed bytes)',
      target: TARGET_RATIO,
      measured: Number(ratio.toFixed(2)),
      unit: 'x',
      met: ratio <= TARGET_RATIO,
    },
  ];

  const tableLines = layouts.flatMap((layout) => [
    ...layout.parts.map(
      (p) =>
        `| ${layout.name} | ${p.table} | ${p.rows.toLocaleString('en-US')} | ${bytes(p.compressed)} | **${perSpan(p.compressed, spans)}** | ${perSpan(p.uncompressed, spans)} | ${(p.uncompressed / Math.max(p.compressed, 1)).toFixed(1)}x | ${perSpan(p.skipIndexes, spans)} | ${perSpan(p.onDisk, spans)} |`,
    ),
    `| ${layout.name} | **total** | | ${bytes(layout.compressed)} | **${perSpan(layout.compressed, spans)}** | ${perSpan(layout.uncompressed, spans)} | ${(layout.uncompressed / layout.compressed).toFixed(1)}x | ${perSpan(total(layout.parts, 'skipIndexes'), spans)} | ${perSpan(layout.onDisk, spans)} |`,
  ]);
  const topColumns = (layout, n) => layout.columns.slice(0, n);
  const columnLines = layouts.flatMap((layout) =>
    topColumns(layout, 8).map(
      (c) =>
        `| ${layout.name} | ${c.table}.${c.column} | ${perSpan(c.compressed, spans)} | ${((100 * c.compressed) / layout.compressed).toFixed(0)}% | ${perSpan(c.uncompressed, spans)} |`,
    ),
  );

  // What the difference is made of: tracepoint's tables the Collector has no counterpart for, and
  // the biggest columns overall.
  const tpTable = (name) => tracepoint.parts.find((p) => p.table === name)?.compressed ?? 0;
  const colTable = (name) => collector.parts.find((p) => p.table === name)?.compressed ?? 0;
  const extra = tracepoint.parts.filter((p) => !collector.parts.some((c) => c.table === p.table));
  const extraBytes = total(extra, 'compressed');
  const spanTable = tpTable('otel_traces');
  const attributes = tracepoint.columns.filter(
    (c) => c.table === 'otel_traces' && /Attributes$/.test(c.column),
  );
  const attributeBytes = total(attributes, 'compressed');
  const ids = tracepoint.columns.filter(
    (c) =>
      (c.table === 'otel_traces' || c.table === 'trace_points_spans') &&
      /^(TraceId|SpanId|ParentSpanId|trace_id|span_id|parent_span_id)$/.test(c.column),
  );
  const keysOf = (map) =>
    attributeKeys
      .filter((a) => a.map === map)
      .map(
        (a) =>
          `${a.key} (${perSpan(a.textBytes, spans)} B of text, ${a.distinctValues.toLocaleString('en-US')} distinct)`,
      )
      .join(', ');
  const idBytes = total(ids, 'compressed');
  const notes = [];
  const [bytesTarget, ratioTarget] = targets;
  const biggest = tracepoint.columns
    .slice(0, 3)
    .map((c) => `${c.table}.${c.column} ${perSpan(c.compressed, spans)} B`)
    .join(', ');
  if (!bytesTarget.met) {
    notes.push(
      `**Missed: ${bytesTarget.measured} B per span against ${bytesTarget.target} B** (${(tracepoint.bytesPerSpan - TARGET_BYTES_PER_SPAN).toFixed(1)} B over). ` +
        `The OTel-compatible \`otel_traces\` alone takes ${perSpan(spanTable, spans)} B/span, ${perSpan(attributeBytes, spans)} of it the attribute maps (${attributes.map((c) => `${c.column} ${perSpan(c.compressed, spans)}`).join(', ')}); ` +
        `the biggest columns are ${biggest}. Ids (trace, span, parent) take ${perSpan(idBytes, spans)} B/span over the two span tables, which both store them: ZSTD already packs hex text to about 4 bits a character, so binary ids would save little, storing them once would save ${perSpan(
          total(
            ids.filter((c) => c.table === 'trace_points_spans'),
            'compressed',
          ),
          spans,
        )} B. ` +
        `Per span, ResourceAttributes repeats the same text (heaviest keys: ${keysOf('ResourceAttributes')}), which ZSTD(1) shrinks but does not remove; SpanAttributes is driven by distinct values (${keysOf('SpanAttributes')}). ` +
        `Closing the gap needs less per span in the two span tables: trace_points_spans without its own copy of the ids (read from otel_traces by span id), and the cleaner dropping what no dashboard reads (per-process resource attributes such as command lines and paths, raw URLs next to their templates).`,
    );
  }
  if (!ratioTarget.met) {
    notes.push(
      `**Missed: ${ratioTarget.measured}x the Collector DDL against ${ratioTarget.target}x.** tracepoint's \`otel_traces\` is the Collector's table with the same columns and codecs (${perSpan(spanTable, spans)} B/span against ${perSpan(colTable('otel_traces'), spans)}), so tracepoint cannot be smaller than the Collector while it writes that table too; ` +
        `on top of it come ${extra.map((p) => `${p.table} ${perSpan(p.compressed, spans)}`).join(', ')} B/span (${perSpan(extraBytes, spans)} in all), which the Collector layout does not have. ` +
        `Reaching 0.7x needs \`otel_traces\` itself below ${perSpan(TARGET_RATIO * collector.compressed - extraBytes - tpTable('otel_traces_trace_id_ts'), spans)} B/span: fewer attributes stored per span (the maps dominate, above), or the trace points served as a view over \`otel_traces\` instead of a second copy of ids and times.`,
    );
  }

  const markdown = `The shop demo (\`examples/shop/demo.mjs\`: gateway, orders, inventory and PostgreSQL, traced by the add-on) under load for ${plan.loadSeconds} s: ${demo.requests ?? '?'} requests${demo.statuses ? ` (${demo.statuses})` : ''}, ${spans.toLocaleString('en-US')} spans in \`otel_traces\`. After the demo exited, every MergeTree table was settled with \`OPTIMIZE FINAL\` (one part per partition, wide parts). The same spans were copied into the OpenTelemetry Collector's ClickHouse exporter DDL (transcribed in \`bench/storage.mjs\`: \`otel_traces\`, \`otel_traces_trace_id_ts\` and its materialized view) in ${batches} inserts of ${COLLECTOR_BATCH_SECONDS} s of span end time, as a Collector batching every ${COLLECTOR_BATCH_SECONDS} s would send them. Bytes per span divide each table's bytes by the ${spans.toLocaleString('en-US')} spans; compressed = \`data_compressed_bytes\` of the active parts (column data; skip indexes and on-disk totals, which add marks, primary index and checksums, shown apart).

| layout | table | rows | compressed bytes | B/span compressed | B/span uncompressed | compression | B/span skip indexes | B/span on disk |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${tableLines.join('\n')}

tracepoint / Collector DDL (compressed): **${ratio.toFixed(2)}x**.

Largest columns (compressed B/span, share of the layout's total):

| layout | column | B/span | share | B/span uncompressed |
| --- | --- | ---: | ---: | ---: |
${columnLines.join('\n')}
${notes.length ? `\n${notes.join('\n\n')}\n` : ''}`;

  return {
    id: 'storage',
    title: 'Storage per span',
    raw: {
      size,
      plan,
      demo,
      spans,
      collectorInserts: batches,
      ratio,
      layouts: layouts.map((l) => ({
        name: l.name,
        database: l.database,
        compressed: l.compressed,
        uncompressed: l.uncompressed,
        onDisk: l.onDisk,
        bytesPerSpan: l.bytesPerSpan,
        tables: l.parts,
        columns: l.columns,
      })),
    },
    markdown,
    targets,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run({ size: process.argv[2] ?? 'full' });
  console.log(result.markdown);
  console.log(result.targets);
}
