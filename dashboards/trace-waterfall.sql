-- One trace as a waterfall (trace-waterfall)
-- One request from start to end: every span with its service, when it started after the first one and how long it took; the command indents each span under its caller.
-- Reads: raw.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {trace_id:String}  32 hex characters
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT SpanId AS span_id, ParentSpanId AS parent_span_id, ServiceName AS service, SpanName AS span_name, SpanKind AS kind,
  dateDiff('microsecond', min(Timestamp) OVER (), Timestamp) / 1e3 AS offset_ms, Duration / 1e6 AS duration_ms, StatusCode AS status
FROM `otel_traces`
WHERE TraceId = {trace_id:String}
ORDER BY Timestamp;
