import type { StatsRecord } from '@tracepoint/core';
import { mergeTreeSettings } from './otel-traces-schema.js';
import {
  addColumnsStatements,
  type ColumnSpec,
  createTableStatements,
  insertColumnNames,
  type SchemaTarget,
  type TableSpec,
  ttlExpression,
} from './table-ddl.js';

/**
 * Columns added after the table's first release (migration 6), last in the
 * table so that a new store and a migrated one list the same columns in the
 * same order; parts written before the migration read the default.
 */
export const TRACE_POINT_STATS_CLIENT_ERRORS_COLUMNS = [
  /**
   * Endpoint rows of SERVER spans answered with an HTTP 4xx status (`http.response.status_code`,
   * or the older `http.status_code`): not errors by the semantic conventions (the client's
   * fault), counted apart so they stay visible. Spans seen, unweighted like span_count.
   */
  { name: 'client_errors', type: 'UInt64', default: '0', codec: 'T64, ZSTD(1)' },
] as const satisfies readonly ColumnSpec[];

/**
 * Aggregates of @tracepoint/processor-aggregator: one row per key and
 * interval (delta). Rows from any number of intervals and processes merge by
 * summing: counts and sums add, min/max take min/max, and the latency
 * sketches merge with `sumMap(sketch_keys, sketch_counts)` because every
 * writer uses the same logarithmic bucket layout (SKETCH_GAMMA of @tracepoint/core).
 */
export const TRACE_POINT_STATS_COLUMNS = [
  { name: 'interval_start', type: "DateTime('UTC')", codec: 'Delta(4), ZSTD(1)' },
  { name: 'interval_seconds', type: 'UInt32', codec: 'ZSTD(1)' },
  /** `endpoint` (service, span name, kind, status), `edge` (caller -> callee) or `exception`. */
  { name: 'stat_type', type: 'LowCardinality(String)' },
  /** The service that wrote the row. */
  { name: 'service', type: 'LowCardinality(String)' },
  { name: 'span_name', type: 'LowCardinality(String)' },
  { name: 'span_kind', type: 'LowCardinality(String)' },
  { name: 'status_code', type: 'LowCardinality(String)' },
  { name: 'source_component', type: 'LowCardinality(String)' },
  { name: 'target_component', type: 'LowCardinality(String)' },
  { name: 'source_method', type: 'LowCardinality(String)' },
  { name: 'target_method', type: 'LowCardinality(String)' },
  { name: 'exception_type', type: 'LowCardinality(String)' },
  /** Spans seen, unweighted. */
  { name: 'span_count', type: 'UInt64', codec: 'T64, ZSTD(1)' },
  /** Spans represented: sampling weights applied. */
  { name: 'count', type: 'Float64', codec: 'ZSTD(1)' },
  { name: 'error_count', type: 'Float64', codec: 'ZSTD(1)' },
  { name: 'duration_sum_ms', type: 'Float64', codec: 'ZSTD(1)' },
  { name: 'duration_min_ms', type: 'Float64', codec: 'ZSTD(1)' },
  { name: 'duration_max_ms', type: 'Float64', codec: 'ZSTD(1)' },
  /** Logarithmic latency buckets: key k holds durations in (γ^(k-1), γ^k] ms. */
  { name: 'sketch_keys', type: 'Array(Int32)', codec: 'ZSTD(1)' },
  { name: 'sketch_counts', type: 'Array(Float64)', codec: 'ZSTD(1)' },
  ...TRACE_POINT_STATS_CLIENT_ERRORS_COLUMNS,
] as const satisfies readonly ColumnSpec[];

export const TRACE_POINT_STATS_INSERT_COLUMNS: readonly string[] =
  insertColumnNames(TRACE_POINT_STATS_COLUMNS);

/** Rows per granule of the stats table (8192 elsewhere). */
export const STATS_INDEX_GRANULARITY = 1024;

export interface TracePointStatsSchemaOptions {
  table: string;
  ttlDays: number;
}

export function tracePointStatsTableSpec(options: TracePointStatsSchemaOptions): TableSpec {
  return {
    name: options.table,
    columns: TRACE_POINT_STATS_COLUMNS,
    engine: 'MergeTree',
    partitionBy: 'toDate(interval_start)',
    // Dashboards read one stat type over a time range, grouped by service or by edge: time right
    // after the type, so a window reads only its own granules (with time last, the last 15
    // minutes read every row of the type); small granules, since a key's row stands for
    // many spans and the table is small.
    orderBy: '(stat_type, interval_start, service, source_component, target_component)',
    ttl: ttlExpression('interval_start', options.ttlDays),
    settings: { ...mergeTreeSettings(), index_granularity: STATS_INDEX_GRANULARITY },
    shardingKey: 'cityHash64(service)',
  };
}

export function tracePointStatsStatements(
  target: SchemaTarget,
  options: TracePointStatsSchemaOptions,
): string[] {
  return createTableStatements(tracePointStatsTableSpec(options), target);
}

/** Migration 6: adds the columns of TRACE_POINT_STATS_CLIENT_ERRORS_COLUMNS to a stats table made before them. */
export function tracePointStatsClientErrorsStatements(
  target: SchemaTarget,
  options: TracePointStatsSchemaOptions,
): string[] {
  return addColumnsStatements({ name: options.table }, TRACE_POINT_STATS_CLIENT_ERRORS_COLUMNS, target);
}

/** What the aggregator hands over for one key and interval. */
export type TracePointStatsRecord = StatsRecord;

/** One JSONCompactEachRow row, in TRACE_POINT_STATS_INSERT_COLUMNS order. */
export function tracePointStatsRow(record: TracePointStatsRecord): unknown[] {
  return [
    record.intervalStartSeconds,
    record.intervalSeconds,
    record.statType,
    record.service,
    record.spanName,
    record.spanKind,
    record.statusCode,
    record.sourceComponent,
    record.targetComponent,
    record.sourceMethod,
    record.targetMethod,
    record.exceptionType,
    record.spanCount,
    record.count,
    record.errorCount,
    record.durationSumMs,
    record.durationMinMs,
    record.durationMaxMs,
    record.sketchKeys,
    record.sketchCounts,
    // A writer of an earlier release (or a custom one) may leave it out: none counted.
    record.clientErrors ?? 0,
  ];
}
