-- Errors and exceptions (errors)
-- Top exception types by count, with a sample message and stack from the raw spans (their exception events, read from the span table, whose time key a window can prune; the trace_points view computes its timestamp after the ARRAY JOIN).
-- Reads: aggregates + raw sample.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
--   {limit:UInt32}  how many rows
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT counted.service, counted.exception_type, counted.exceptions, sample.message, sample.stacktrace
FROM (
  SELECT service, exception_type, sum(count) AS exceptions
  FROM `trace_point_stats`
  WHERE stat_type = 'exception' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}
  GROUP BY service, exception_type
) AS counted
LEFT JOIN (
  SELECT event_attributes['exception.type'] AS exception_type, any(event_attributes['exception.message']) AS message,
    any(event_attributes['exception.stacktrace']) AS stacktrace
  FROM `otel_traces`
  ARRAY JOIN Events.Name AS event_name, Events.Attributes AS event_attributes
  WHERE Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime} AND event_name = 'exception'
  GROUP BY exception_type
) AS sample USING (exception_type)
ORDER BY counted.exceptions DESC, counted.service, counted.exception_type
LIMIT {limit:UInt32};
