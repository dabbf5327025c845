-- Service map (service-map)
-- Who calls whom: calls, rate, error ratio and latency percentiles per edge.
-- Reads: aggregates.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT
  source_component,
  target_component,
  calls,
  calls / dateDiff('second', {from:DateTime}, {to:DateTime}) AS calls_per_second,
  errors / calls AS error_ratio,
  (2 * pow(1.0202020202020201, (sketch).1[greatest(1, arrayFirstIndex(c -> c > 0.5 * arraySum((sketch).2), arrayCumSum((sketch).2)))]) / (1.0202020202020201 + 1)) AS p50_ms,
  (2 * pow(1.0202020202020201, (sketch).1[greatest(1, arrayFirstIndex(c -> c > 0.9 * arraySum((sketch).2), arrayCumSum((sketch).2)))]) / (1.0202020202020201 + 1)) AS p90_ms,
  (2 * pow(1.0202020202020201, (sketch).1[greatest(1, arrayFirstIndex(c -> c > 0.99 * arraySum((sketch).2), arrayCumSum((sketch).2)))]) / (1.0202020202020201 + 1)) AS p99_ms
FROM (
  SELECT
    source_component,
    target_component,
    argMax(view_calls, span_kind = 'Client') AS calls,
    argMax(view_errors, span_kind = 'Client') AS errors,
    argMax(view_sketch, span_kind = 'Client') AS sketch
  FROM (
    SELECT source_component, target_component, span_kind,
      sum(count) AS view_calls, sum(error_count) AS view_errors, sumMap(sketch_keys, sketch_counts) AS view_sketch
    FROM `trace_point_stats`
    WHERE stat_type = 'edge' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}
    GROUP BY source_component, target_component, span_kind
  )
  GROUP BY source_component, target_component
)
ORDER BY calls DESC, source_component, target_component;
