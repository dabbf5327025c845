-- Latency percentiles over time (latency-over-time)
-- How fast each service answered, minute by minute: p50, p90 and p99 of the requests and messages it received (server and consumer spans).
-- Reads: aggregates.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT
  toStartOfMinute(interval_start) AS minute,
  service,
  sum(count) AS requests,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.5 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p50_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.9 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p90_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.99 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p99_ms
FROM `trace_point_stats`
WHERE stat_type = 'endpoint' AND span_kind IN ('Server', 'Consumer') AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}
GROUP BY minute, service
ORDER BY minute, service;
