-- Trace-point timeline of one trace (trace-timeline)
-- One request as the calls, answers and exceptions between services and components, in time order.
-- Reads: raw.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {trace_id:String}  32 hex characters
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT timestamp, trace_type, source_component, target_component, source_method, target_method,
  duration_ns / 1e6 AS duration_ms, status_code, exception_type
FROM `trace_points`
WHERE trace_id = {trace_id:String}
ORDER BY timestamp, trace_type = 'response';
