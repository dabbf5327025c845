-- Service map (service-map)
-- Who calls whom: one row per caller and callee (another service, a database, a third-party host) with calls, rate, the share that failed and latency (p50/p90/p99). Callers that did not name themselves show as client (their address). Calls inside a service and DNS lookups are left out (--all-spans shows them). Rates count over the time the data covers inside the range (from the first to the end of the last aggregation interval with traffic, not the whole range), shown per second from 1/s, else per minute or per hour.
-- Reads: aggregates.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT
  multiIf(isIPv4String(caller) OR isIPv6String(caller), concat('client (', caller, ')'), caller = 'unknown', 'client', caller) AS source_component,
  callee AS target_component,
  calls,
  multiIf((calls / covered_seconds) >= 1, concat(toString(round(calls / covered_seconds, 1)), '/s'), (calls / covered_seconds) * 60 >= 1, concat(toString(round((calls / covered_seconds) * 60, 1)), '/min'), concat(toString(round((calls / covered_seconds) * 3600, 2)), '/h')) AS rate,
  calls / covered_seconds AS calls_per_second,
  errors / calls AS error_ratio,
  (2 * pow(1.0202020202020201, (sketch).1[greatest(1, arrayFirstIndex(c -> c > 0.5 * arraySum((sketch).2), arrayCumSum((sketch).2)))]) / (1.0202020202020201 + 1)) AS p50_ms,
  (2 * pow(1.0202020202020201, (sketch).1[greatest(1, arrayFirstIndex(c -> c > 0.9 * arraySum((sketch).2), arrayCumSum((sketch).2)))]) / (1.0202020202020201 + 1)) AS p90_ms,
  (2 * pow(1.0202020202020201, (sketch).1[greatest(1, arrayFirstIndex(c -> c > 0.99 * arraySum((sketch).2), arrayCumSum((sketch).2)))]) / (1.0202020202020201 + 1)) AS p99_ms
FROM (
  SELECT *, greatest(1, dateDiff('second', min(first_start) OVER (), max(last_end) OVER ())) AS covered_seconds
  FROM (
    SELECT
      source_component AS caller,
      target_component AS callee,
      argMax(view_calls, span_kind = 'Client') AS calls,
      argMax(view_errors, span_kind = 'Client') AS errors,
      argMax(view_sketch, span_kind = 'Client') AS sketch,
      min(view_first_start) AS first_start,
      max(view_last_end) AS last_end
    FROM (
      SELECT source_component, target_component, span_kind,
        sum(count) AS view_calls, sum(error_count) AS view_errors, sumMap(sketch_keys, sketch_counts) AS view_sketch,
        min(interval_start) AS view_first_start, max(interval_start + interval_seconds) AS view_last_end
      FROM `trace_point_stats`
      WHERE stat_type = 'edge' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime} AND source_component != target_component AND target_component != 'unknown'
      GROUP BY source_component, target_component, span_kind
    )
    GROUP BY caller, callee
  )
)
ORDER BY calls DESC, source_component, target_component;
