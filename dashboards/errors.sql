-- Errors and exceptions (errors)
-- What failed, one row per cause: each exception counts once per request (trace), at the span that recorded it first (the deepest, where it was thrown: thrown_in), even when the framework and the app record the same exception again on the spans it passes through (propagated_through). Causes are told apart by service, exception type, span and the first frame of the stack (thrown_at); a sample message, stack and trace id come with each. Counts the stored spans (sampled traces only).
-- Reads: raw.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
--   {limit:UInt32}  how many rows
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT service, exception_type, toUInt32(count()) AS exceptions, thrown_in, thrown_at,
  arrayDistinct(arrayFlatten(groupArray(through))) AS propagated_through,
  any(failure_message) AS message, any(failure_stack) AS stacktrace, any(trace) AS trace_id
FROM (
  SELECT trace, event_type AS exception_type, event_message AS failure_message, event_stack AS failure_stack,
    extract(event_stack, '\n[ \t]+at ([^\n]*)') AS thrown_at,
    argMin(span_service, (span_duration, event_time)) AS service,
    argMin(span_label, (span_duration, event_time)) AS thrown_in,
    arrayFilter(name -> name != thrown_in, groupUniqArray(span_label)) AS through
  FROM (
    SELECT TraceId AS trace, ServiceName AS span_service, Duration AS span_duration, event_time,
      if(SpanAttributes['http.route'] != '' AND position(SpanName, SpanAttributes['http.route']) = 0,
        concat(SpanName, ' ', SpanAttributes['http.route']), SpanName) AS span_label,
      event_attributes['exception.type'] AS event_type, event_attributes['exception.message'] AS event_message,
      event_attributes['exception.stacktrace'] AS event_stack
    FROM `otel_traces`
    ARRAY JOIN Events.Name AS event_name, Events.Timestamp AS event_time, Events.Attributes AS event_attributes
    WHERE Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime} AND has(Events.Name, 'exception') AND event_name = 'exception'
  )
  GROUP BY trace, event_type, event_message, event_stack
)
GROUP BY service, exception_type, thrown_in, thrown_at
ORDER BY exceptions DESC, service, exception_type, thrown_in
LIMIT {limit:UInt32};
