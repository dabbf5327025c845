-- RED per endpoint (endpoints-red)
-- Requests, rate, error ratio and duration per service, span name and kind.
-- Reads: aggregates.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT
  service,
  span_name,
  span_kind,
  sum(count) AS requests,
  requests / dateDiff('second', {from:DateTime}, {to:DateTime}) AS requests_per_second,
  sumIf(count, status_code = 'Error') / requests AS error_ratio,
  sum(duration_sum_ms) / requests AS mean_ms,
  min(duration_min_ms) AS min_ms,
  max(duration_max_ms) AS max_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.5 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p50_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.9 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p90_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.99 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p99_ms
FROM `trace_point_stats`
WHERE stat_type = 'endpoint' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}
GROUP BY service, span_name, span_kind
ORDER BY requests DESC;
