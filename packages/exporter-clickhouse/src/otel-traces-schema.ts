import { DEDUPLICATION_WINDOW } from './deduplication-window.js';
import {
  addColumnsStatements,
  type ColumnSpec,
  createTableStatements,
  insertColumnNames,
  onCluster,
  qualifiedName,
  type SchemaTarget,
  storageTableName,
  type TableSpec,
  ttlExpression,
} from './table-ddl.js';

/**
 * The OpenTelemetry-compatible span table: the columns the OpenTelemetry
 * Collector's ClickHouse exporter writes and Grafana's ClickHouse data source
 * reads, with the same names and types. This list is the one definition; DDL,
 * inserts, verification and docs derive from it.
 *
 * Codecs are the default the storage-variants benchmark computed (BENCHMARKS.md,
 * "Storage variants of otel_traces"): ZSTD(6) instead of the Collector's ZSTD(1)
 * took the table from 52.7 to 32.9 B/span on the shop demo (54.8 to 43.3 on the
 * 1M dashboard spans) at the same rows read; span ids came out smaller at
 * ZSTD(3), Duration with T64 in front.
 */
export const OTEL_TRACES_COLUMNS = [
  { name: 'Timestamp', type: 'DateTime64(9)', codec: 'Delta(8), ZSTD(6)' },
  { name: 'TraceId', type: 'String', codec: 'ZSTD(6)' },
  { name: 'SpanId', type: 'String', codec: 'ZSTD(3)' },
  { name: 'ParentSpanId', type: 'String', codec: 'ZSTD(3)' },
  { name: 'TraceState', type: 'String', codec: 'ZSTD(6)' },
  { name: 'SpanName', type: 'LowCardinality(String)', codec: 'ZSTD(6)' },
  { name: 'SpanKind', type: 'LowCardinality(String)', codec: 'ZSTD(6)' },
  { name: 'ServiceName', type: 'LowCardinality(String)', codec: 'ZSTD(6)' },
  { name: 'ResourceAttributes', type: 'Map(LowCardinality(String), String)', codec: 'ZSTD(6)' },
  { name: 'ScopeName', type: 'String', codec: 'ZSTD(6)' },
  { name: 'ScopeVersion', type: 'String', codec: 'ZSTD(6)' },
  { name: 'SpanAttributes', type: 'Map(LowCardinality(String), String)', codec: 'ZSTD(6)' },
  { name: 'Duration', type: 'UInt64', codec: 'T64, ZSTD(1)' },
  { name: 'StatusCode', type: 'LowCardinality(String)', codec: 'ZSTD(6)' },
  { name: 'StatusMessage', type: 'String', codec: 'ZSTD(6)' },
  {
    name: 'Events',
    type: 'Nested(Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String))',
    codec: 'ZSTD(6)',
    nested: ['Timestamp', 'Name', 'Attributes'],
  },
  {
    name: 'Links',
    type: 'Nested(TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String))',
    codec: 'ZSTD(6)',
    nested: ['TraceId', 'SpanId', 'TraceState', 'Attributes'],
  },
] as const satisfies readonly ColumnSpec[];

/**
 * What the `trace_points` view reads besides the span itself: the fields of a
 * span's trace points that SQL cannot derive (the semantic mapping's rules
 * decide the components and methods, its options the params). Exceptions are
 * not here: the view reads them from `Events` and the status. Every column has
 * a default, so a Collector's INSERT, which names only its own columns, still
 * lands (its spans have no trace points), and readers that select named
 * columns (Grafana, HyperDX) do not see them. Components and methods are in
 * call direction (caller -> callee).
 */
export const TRACE_POINT_COLUMNS = [
  // 0: no trace points (not mapped, or written by another writer); 1: exceptions only (an internal
  // span when internal spans make no calls); 2: a call and a response, and any exceptions.
  { name: 'TracePoints', type: 'UInt8', default: '0', codec: 'ZSTD(6)' },
  { name: 'TracePointCaller', type: 'LowCardinality(String)', default: "''", codec: 'ZSTD(6)' },
  { name: 'TracePointCallee', type: 'LowCardinality(String)', default: "''", codec: 'ZSTD(6)' },
  { name: 'TracePointCallerMethod', type: 'LowCardinality(String)', default: "''", codec: 'ZSTD(6)' },
  { name: 'TracePointCalleeMethod', type: 'LowCardinality(String)', default: "''", codec: 'ZSTD(6)' },
  {
    name: 'TracePointParams',
    type: 'Map(LowCardinality(String), String)',
    default: 'map()',
    codec: 'ZSTD(6)',
  },
] as const satisfies readonly ColumnSpec[];

/** `TracePoints` values. */
export const TRACE_POINTS_NONE = 0;
export const TRACE_POINTS_EXCEPTIONS = 1;
export const TRACE_POINTS_CALL = 2;

/** Insert column names: Nested columns are written as their flattened `Parent.Child` arrays. */
export const OTEL_TRACES_INSERT_COLUMNS: readonly string[] = insertColumnNames(OTEL_TRACES_COLUMNS);

/** The trace-point columns, in the order the line encoder appends them after OTEL_TRACES_INSERT_COLUMNS. */
export const TRACE_POINT_INSERT_COLUMNS: readonly string[] = insertColumnNames(TRACE_POINT_COLUMNS);

/** Grafana's trace-by-id lookup: first and last span start per trace. */
export const TRACE_ID_TS_COLUMNS = [
  { name: 'TraceId', type: 'String', codec: 'ZSTD(1)' },
  // SimpleAggregateFunction: rows of one trace from many inserts collapse into one on merge,
  // and min()/max() over them is right before the merge too (the Collector's table keeps duplicates).
  { name: 'Start', type: 'SimpleAggregateFunction(min, DateTime)', codec: 'Delta(4), ZSTD(1)' },
  { name: 'End', type: 'SimpleAggregateFunction(max, DateTime)', codec: 'Delta(4), ZSTD(1)' },
] as const satisfies readonly ColumnSpec[];

export const TRACE_ID_TS_SUFFIX = '_trace_id_ts';
export const TRACE_ID_TS_MV_SUFFIX = '_trace_id_ts_mv';

export interface OtelTracesSchemaOptions {
  /** Span table name (the lookup table and view are named after it). */
  table: string;
  /** Days to keep spans; 0 keeps them forever. */
  ttlDays: number;
}

/** Table settings shared by the tables the exporter writes. */
export function mergeTreeSettings(): Record<string, number> {
  return {
    index_granularity: 8192,
    // Whole daily parts expire at once instead of being rewritten row by row.
    ttl_only_drop_parts: 1,
    // insert_deduplication_token works on non-replicated MergeTree only with a window.
    non_replicated_deduplication_window: DEDUPLICATION_WINDOW,
  };
}

export function otelTracesTableSpec(options: OtelTracesSchemaOptions): TableSpec {
  return {
    name: options.table,
    columns: OTEL_TRACES_COLUMNS,
    indexes: [
      'idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1',
      'idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
      'idx_duration Duration TYPE minmax GRANULARITY 1',
    ],
    engine: 'MergeTree',
    partitionBy: 'toDate(Timestamp)',
    // The hour before the span name (storage-variants benchmark, `key-hour`): a service/time search
    // reads 0.93x the rows of the Collector's (ServiceName, SpanName, toDateTime(Timestamp)), and
    // the table is a little smaller; trace-by-id goes through the lookup table either way.
    orderBy: '(ServiceName, toStartOfHour(Timestamp), SpanName, Timestamp)',
    ttl: ttlExpression('Timestamp', options.ttlDays),
    settings: mergeTreeSettings(),
    // Spans of one trace on one shard: trace-by-id reads one shard's parts.
    shardingKey: 'cityHash64(TraceId)',
  };
}

export function traceIdTsTableSpec(options: OtelTracesSchemaOptions): TableSpec {
  return {
    name: `${options.table}${TRACE_ID_TS_SUFFIX}`,
    columns: TRACE_ID_TS_COLUMNS,
    indexes: ['idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1'],
    engine: 'AggregatingMergeTree',
    partitionBy: 'toDate(Start)',
    orderBy: '(TraceId)',
    ttl: ttlExpression('Start', options.ttlDays),
    settings: { index_granularity: 8192, ttl_only_drop_parts: 1 },
    shardingKey: 'cityHash64(TraceId)',
  };
}

/** Adds the trace-point columns to a span table (one tracepoint made before them, or the Collector's). */
export function tracePointColumnsStatements(
  target: SchemaTarget,
  options: OtelTracesSchemaOptions,
): string[] {
  return addColumnsStatements({ name: options.table }, TRACE_POINT_COLUMNS, target);
}

/** The statements that create the span table, the lookup table and the view that fills it. */
export function otelTracesStatements(target: SchemaTarget, options: OtelTracesSchemaOptions): string[] {
  const lookup = traceIdTsTableSpec(options);
  // On a cluster the view runs on each shard, from the shard's spans into the shard's lookup rows.
  const source = storageTableName(target, options.table);
  const destination = storageTableName(target, lookup.name);
  return [
    ...createTableStatements(otelTracesTableSpec(options), target),
    ...createTableStatements(lookup, target),
    `CREATE MATERIALIZED VIEW IF NOT EXISTS ${qualifiedName(target.database, `${options.table}${TRACE_ID_TS_MV_SUFFIX}`)}${onCluster(target)}\n` +
      `TO ${qualifiedName(target.database, destination)} AS\n` +
      'SELECT TraceId, min(toDateTime(Timestamp)) AS Start, max(toDateTime(Timestamp)) AS End\n' +
      `FROM ${qualifiedName(target.database, source)}\n` +
      "WHERE TraceId != ''\nGROUP BY TraceId",
  ];
}
