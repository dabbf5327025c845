-- Slowest traces (slowest-traces)
-- The slowest requests in the range, whole traces by their first span, with the trace id to open in the one-trace views (--trace-id).
-- Reads: raw.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
--   {limit:UInt32}  how many rows
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT TraceId AS trace_id, ServiceName AS service, SpanName AS span_name, Duration / 1e6 AS duration_ms, StatusCode AS status
FROM `otel_traces`
WHERE ParentSpanId = '' AND Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime}
ORDER BY Duration DESC, TraceId
LIMIT {limit:UInt32};
