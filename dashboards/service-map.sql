-- Service map (service-map)
-- Who calls whom: calls, rate, error ratio and latency percentiles per edge.
-- Reads: aggregates.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT
  source_component,
  target_component,
  sum(count) AS calls,
  calls / dateDiff('second', {from:DateTime}, {to:DateTime}) AS calls_per_second,
  sum(error_count) / calls AS error_ratio,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.5 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p50_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.9 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p90_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.99 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p99_ms
FROM `trace_point_stats`
WHERE stat_type = 'edge' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}
GROUP BY source_component, target_component
ORDER BY calls DESC;
