/**
 * `<trace_points>_spans`: where releases before the trace-point columns of
 * `otel_traces` stored trace points, one row per span with its own copy of
 * ids and times (18.9 B/span on the shop demo, on top of `otel_traces`). Nothing
 * writes it any more and no new store has it; a store upgraded from such a
 * release keeps it, and its `trace_points` view goes on reading it beside
 * `otel_traces` until its rows age out (its TTL) or it is dropped (README).
 */
export const TRACE_POINT_SPANS_SUFFIX = '_spans';

/** The old table's columns, as the view reads them. */
export const TRACE_POINT_SPANS_COLUMNS = [
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
  { name: 'has_call', type: 'UInt8' },
  { name: 'outbound', type: 'UInt8' },
  {
    name: 'exceptions',
    type: 'Nested(timestamp DateTime64(9), type LowCardinality(String), message String, stacktrace String)',
    nested: ['timestamp', 'type', 'message', 'stacktrace'],
  },
  { name: 'params', type: 'Map(LowCardinality(String), String)' },
] as const;

/**
 * The old table's rows as trace points, in the `trace_points` view's columns:
 * each row expands into its call (k = 0), exceptions (k = 1..n) and response
 * (k = -1). The old rows do not say where an exception came from; one without
 * a stack trace at the span's end (or on a span without a call) is taken for a
 * status-only error, which is how the mapping made those.
 */
export function legacyTracePointsSelect(from: string): string {
  // Stored columns are renamed first: ClickHouse resolves a name to a select alias before a column,
  // so reusing `source_component` as both would swap twice.
  const stored = `SELECT timestamp AS start_ns, source_component AS caller, target_component AS callee,
    source_method AS caller_method, target_method AS callee_method, trace_id AS trace, span_id AS span,
    parent_span_id AS parent, duration_ns AS duration, status_code AS status, has_call, outbound,
    exceptions.timestamp AS exception_times, exceptions.type AS exception_types,
    exceptions.message AS exception_messages, exceptions.stacktrace AS exception_stacktraces,
    params AS point_params
  FROM ${from}`;
  // Calls, and exceptions of a caller, keep the caller -> callee direction; the rest flip it.
  const forward = '(k = 0 OR (k > 0 AND outbound = 1))';
  return `SELECT
  toLowCardinality(multiIf(k = 0, 'call', k < 0, 'response', 'exception')) AS trace_type,
  multiIf(k = 0, start_ns, k < 0, start_ns + toIntervalNanosecond(duration), exception_times[k]) AS timestamp,
  toLowCardinality(if(${forward}, caller, callee)) AS source_component,
  toLowCardinality(if(${forward}, callee, caller)) AS target_component,
  toLowCardinality(if(${forward}, caller_method, callee_method)) AS source_method,
  toLowCardinality(if(${forward}, callee_method, caller_method)) AS target_method,
  trace AS trace_id,
  span AS span_id,
  parent AS parent_span_id,
  if(k < 0, duration, 0) AS duration_ns,
  toLowCardinality(if(k = 0, 'Unset', status)) AS status_code,
  toLowCardinality(if(k > 0, exception_types[k], '')) AS exception_type,
  if(k > 0, exception_messages[k], '') AS exception_message,
  if(k > 0, exception_stacktraces[k], '') AS exception_stacktrace,
  point_params AS params,
  toLowCardinality(multiIf(k <= 0, '',
    exception_stacktraces[k] = '' AND (has_call = 0 OR exception_times[k] = start_ns + toIntervalNanosecond(duration)), 'status',
    'event')) AS exception_source
FROM (${stored})
ARRAY JOIN arrayConcat(if(has_call = 1, [0], []), arrayEnumerate(exception_types), if(has_call = 1, [-1], [])) AS k`;
}
