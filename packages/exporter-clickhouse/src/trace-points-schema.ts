import { mergeTreeSettings } from './otel-traces-schema.js';
import {
  type ColumnSpec,
  createTableStatements,
  insertColumnNames,
  onCluster,
  qualifiedName,
  type SchemaTarget,
  type TableSpec,
  ttlExpression,
} from './table-ddl.js';

/**
 * The seed's trace-point model, as the `trace_points` view shows it: one row
 * per call, response or exception. This list is what users and dashboards read.
 */
export const TRACE_POINTS_COLUMNS = [
  { name: 'trace_type', type: 'LowCardinality(String)' },
  { name: 'timestamp', type: 'DateTime64(9)' },
  { name: 'source_component', type: 'LowCardinality(String)' },
  { name: 'target_component', type: 'LowCardinality(String)' },
  { name: 'source_method', type: 'LowCardinality(String)' },
  { name: 'target_method', type: 'LowCardinality(String)' },
  { name: 'trace_id', type: 'String' },
  { name: 'span_id', type: 'String' },
  { name: 'parent_span_id', type: 'String' },
  { name: 'duration_ns', type: 'UInt64' },
  { name: 'status_code', type: 'LowCardinality(String)' },
  { name: 'exception_type', type: 'LowCardinality(String)' },
  { name: 'exception_message', type: 'String' },
  { name: 'exception_stacktrace', type: 'String' },
  { name: 'params', type: 'Map(LowCardinality(String), String)' },
] as const satisfies readonly ColumnSpec[];

/**
 * Storage of trace points: one row per span holding all of its points. The
 * call and the response of a span share ids, components, methods and params,
 * so a row per span stores them once: measured 31 bytes per span against 60
 * for a row per point (see README). Components and methods are stored in call
 * direction (caller -> callee); `outbound` says whether this service was the
 * caller, which is the direction of its exceptions.
 */
export const TRACE_POINT_SPANS_COLUMNS = [
  { name: 'timestamp', type: 'DateTime64(9)', codec: 'Delta(8), ZSTD(1)' },
  { name: 'source_component', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'target_component', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'source_method', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'target_method', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'trace_id', type: 'String', codec: 'ZSTD(1)' },
  { name: 'span_id', type: 'String', codec: 'ZSTD(1)' },
  { name: 'parent_span_id', type: 'String', codec: 'ZSTD(1)' },
  { name: 'duration_ns', type: 'UInt64', codec: 'T64, ZSTD(1)' },
  { name: 'status_code', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'has_call', type: 'UInt8', codec: 'ZSTD(1)' },
  { name: 'outbound', type: 'UInt8', codec: 'ZSTD(1)' },
  {
    name: 'exceptions',
    type: 'Nested(timestamp DateTime64(9), type LowCardinality(String), message String, stacktrace String)',
    codec: 'ZSTD(1)',
    nested: ['timestamp', 'type', 'message', 'stacktrace'],
  },
  { name: 'params', type: 'Map(LowCardinality(String), String)', codec: 'ZSTD(1)' },
] as const satisfies readonly ColumnSpec[];

export const TRACE_POINT_SPANS_INSERT_COLUMNS: readonly string[] =
  insertColumnNames(TRACE_POINT_SPANS_COLUMNS);

/** Storage table behind the `trace_points` view. */
export const TRACE_POINT_SPANS_SUFFIX = '_spans';

export interface TracePointsSchemaOptions {
  /** Name of the view; the storage table is `<name>_spans`. */
  table: string;
  ttlDays: number;
}

export function tracePointSpansTableSpec(options: TracePointsSchemaOptions): TableSpec {
  return {
    name: `${options.table}${TRACE_POINT_SPANS_SUFFIX}`,
    columns: TRACE_POINT_SPANS_COLUMNS,
    indexes: ['idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1'],
    engine: 'MergeTree',
    partitionBy: 'toDate(timestamp)',
    // "Who calls whom" reads a few (caller, callee) prefixes over a time range.
    orderBy: '(source_component, target_component, toStartOfMinute(timestamp))',
    ttl: ttlExpression('timestamp', options.ttlDays),
    settings: mergeTreeSettings(),
    shardingKey: 'cityHash64(trace_id)',
  };
}

/**
 * The `trace_points` view: expands each stored span into its call (k = 0),
 * exceptions (k = 1..n) and response (k = -1), with exceptions going from this
 * service to its counterpart.
 */
function viewSelect(from: string): string {
  // Stored columns are renamed first: ClickHouse resolves a name to a select alias before a column,
  // so reusing `source_component` as both would swap twice.
  const stored = `SELECT timestamp AS start_ns, source_component AS caller, target_component AS callee,
    source_method AS caller_method, target_method AS callee_method, trace_id, span_id, parent_span_id,
    duration_ns AS duration, status_code AS status, has_call, outbound, exceptions.timestamp AS exception_times,
    exceptions.type AS exception_types, exceptions.message AS exception_messages,
    exceptions.stacktrace AS exception_stacktraces, params
  FROM ${from}`;
  // toLowCardinality keeps the view's types those of TRACE_POINTS_COLUMNS.
  // Calls, and exceptions of a caller, keep the caller -> callee direction; the rest flip it.
  const forward = '(k = 0 OR (k > 0 AND outbound = 1))';
  return `SELECT
  toLowCardinality(multiIf(k = 0, 'call', k < 0, 'response', 'exception')) AS trace_type,
  multiIf(k = 0, start_ns, k < 0, start_ns + toIntervalNanosecond(duration), exception_times[k]) AS timestamp,
  toLowCardinality(if(${forward}, caller, callee)) AS source_component,
  toLowCardinality(if(${forward}, callee, caller)) AS target_component,
  toLowCardinality(if(${forward}, caller_method, callee_method)) AS source_method,
  toLowCardinality(if(${forward}, callee_method, caller_method)) AS target_method,
  trace_id,
  span_id,
  parent_span_id,
  if(k < 0, duration, 0) AS duration_ns,
  toLowCardinality(if(k = 0, 'Unset', status)) AS status_code,
  toLowCardinality(if(k > 0, exception_types[k], '')) AS exception_type,
  if(k > 0, exception_messages[k], '') AS exception_message,
  if(k > 0, exception_stacktraces[k], '') AS exception_stacktrace,
  params
FROM (${stored})
ARRAY JOIN arrayConcat(if(has_call = 1, [0], []), arrayEnumerate(exception_types), if(has_call = 1, [-1], [])) AS k`;
}

export function tracePointsStatements(target: SchemaTarget, options: TracePointsSchemaOptions): string[] {
  const spans = tracePointSpansTableSpec(options);
  // On a cluster the view reads the Distributed table, so it sees every shard.
  return [
    ...createTableStatements(spans, target),
    `CREATE VIEW IF NOT EXISTS ${qualifiedName(target.database, options.table)}${onCluster(target)} AS\n${viewSelect(qualifiedName(target.database, spans.name))}`,
  ];
}
