import {
  ERROR_TYPE,
  EXCEPTION_EVENT,
  EXCEPTION_MESSAGE,
  EXCEPTION_STACKTRACE,
  EXCEPTION_TYPE,
} from '@tracepoint/core';
import { legacyTracePointsSelect, TRACE_POINT_SPANS_SUFFIX } from './legacy-trace-point-spans.js';
import { TRACE_POINTS_CALL } from './otel-traces-schema.js';
import { type ColumnSpec, onCluster, qualifiedName, type SchemaTarget } from './table-ddl.js';

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
  // `event` (a span event named `exception`), `status` (status ERROR without one), '' (calls, responses).
  { name: 'exception_source', type: 'LowCardinality(String)' },
] as const satisfies readonly ColumnSpec[];

export interface TracePointsSchemaOptions {
  /** Name of the view. */
  table: string;
  /** The span table it reads. */
  tracesTable: string;
  /** The store has `<table>_spans` from a release before the trace-point columns: the view reads it too. */
  legacySpans: boolean;
}

const sqlString = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/**
 * The `trace_points` view over `otel_traces`: each span with trace points
 * expands into its call (k = 0), its exceptions (k = the index of each
 * `exception` event, or k = -2 for status ERROR without one) and its response
 * (k = -1), in the order and with the fields `mapSpan` gives them. Exceptions
 * go from this service (the callee of an inbound span, the caller of an
 * outbound one) to its counterpart.
 */
function viewSelect(from: string): string {
  const errorType = ERROR_TYPE[0];
  // Stored columns are renamed first: ClickHouse resolves a name to a select alias before a column.
  const stored = `SELECT Timestamp AS start_ns, Duration AS duration, TraceId AS trace, SpanId AS span,
    ParentSpanId AS parent, StatusCode AS status, StatusMessage AS status_message,
    SpanAttributes[${sqlString(errorType)}] AS error_type, SpanKind IN ('Client', 'Producer') AS outbound,
    TracePoints AS points, TracePointCaller AS caller, TracePointCallee AS callee,
    TracePointCallerMethod AS caller_method, TracePointCalleeMethod AS callee_method,
    TracePointParams AS point_params, \`Events.Timestamp\` AS event_times, \`Events.Attributes\` AS event_attributes,
    arrayFilter(i -> \`Events.Name\`[i] = ${sqlString(EXCEPTION_EVENT)}, arrayEnumerate(\`Events.Name\`)) AS exception_events
  FROM ${from}
  WHERE TracePoints > 0`;
  const forward = '(k = 0 OR (k != -1 AND outbound))';
  const attribute = (name: string) => `event_attributes[k][${sqlString(name)}]`;
  return `SELECT
  toLowCardinality(multiIf(k = 0, 'call', k = -1, 'response', 'exception')) AS trace_type,
  multiIf(k = 0, start_ns, k > 0, event_times[k], start_ns + toIntervalNanosecond(duration)) AS timestamp,
  toLowCardinality(if(${forward}, caller, callee)) AS source_component,
  toLowCardinality(if(${forward}, callee, caller)) AS target_component,
  toLowCardinality(if(${forward}, caller_method, callee_method)) AS source_method,
  toLowCardinality(if(${forward}, callee_method, caller_method)) AS target_method,
  trace AS trace_id,
  span AS span_id,
  parent AS parent_span_id,
  if(k = -1, duration, 0) AS duration_ns,
  toLowCardinality(if(k = 0, 'Unset', status)) AS status_code,
  toLowCardinality(multiIf(k > 0, ${attribute(EXCEPTION_TYPE)}, k = -2, if(error_type != '', error_type, 'Error'), '')) AS exception_type,
  multiIf(k > 0, ${attribute(EXCEPTION_MESSAGE)}, k = -2, if(status_message != '', status_message, error_type), '') AS exception_message,
  if(k > 0, ${attribute(EXCEPTION_STACKTRACE)}, '') AS exception_stacktrace,
  point_params AS params,
  toLowCardinality(multiIf(k > 0, 'event', k = -2, 'status', '')) AS exception_source
FROM (${stored})
ARRAY JOIN arrayConcat(
  if(points = ${TRACE_POINTS_CALL}, [0], []),
  exception_events,
  if(empty(exception_events) AND status = 'Error', [-2], []),
  if(points = ${TRACE_POINTS_CALL}, [-1], [])) AS k`;
}

/**
 * The statements that make `trace_points` a view over the span table (and,
 * in a store upgraded from a release that stored trace points apart, over the
 * old table too). OR REPLACE: an upgraded store had the old view.
 */
export function tracePointsStatements(target: SchemaTarget, options: TracePointsSchemaOptions): string[] {
  // On a cluster the view reads the Distributed tables, so it sees every shard.
  const spans = viewSelect(qualifiedName(target.database, options.tracesTable));
  const legacy = legacyTracePointsSelect(
    qualifiedName(target.database, `${options.table}${TRACE_POINT_SPANS_SUFFIX}`),
  );
  const select = options.legacySpans ? `${spans}\nUNION ALL\n${legacy}` : spans;
  return [
    `CREATE OR REPLACE VIEW ${qualifiedName(target.database, options.table)}${onCluster(target)} AS\n${select}`,
  ];
}
