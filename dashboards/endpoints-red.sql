-- RED per endpoint (endpoints-red)
-- What each service was asked to do: requests, rate, the share that failed and latency per endpoint, for the requests and messages a service received (server and consumer spans). client_errors_4xx counts requests answered with a 4xx: the caller's mistake (not found, bad input, not allowed), so not in the failed share. Middleware, handlers and outgoing calls are left out (--all-spans shows every span). Rates count over the time the data covers inside the range (from the first to the end of the last aggregation interval with traffic, not the whole range), shown per second from 1/s, else per minute or per hour.
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
  requests,
  multiIf((requests / covered_seconds) >= 1, concat(toString(round(requests / covered_seconds, 1)), '/s'), (requests / covered_seconds) * 60 >= 1, concat(toString(round((requests / covered_seconds) * 60, 1)), '/min'), concat(toString(round((requests / covered_seconds) * 3600, 2)), '/h')) AS rate,
  requests / covered_seconds AS requests_per_second,
  errors / requests AS error_ratio,
  client_errors_4xx,
  mean_ms,
  min_ms,
  max_ms,
  p50_ms,
  p90_ms,
  p99_ms
FROM (
  SELECT *, greatest(1, dateDiff('second', min(first_start) OVER (), max(last_end) OVER ())) AS covered_seconds
  FROM (
    SELECT
      service,
      span_name,
      span_kind,
      sum(count) AS requests,
      sumIf(count, status_code = 'Error') AS errors,
      -- A number in JSON output (a UInt64 sum is quoted there), as the other counts are.
      toFloat64(sum(client_errors)) AS client_errors_4xx,
      sum(duration_sum_ms) / requests AS mean_ms,
      min(duration_min_ms) AS min_ms,
      max(duration_max_ms) AS max_ms,
      (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.5 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p50_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.9 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p90_ms,
  (2 * pow(1.0202020202020201, (sumMap(sketch_keys, sketch_counts)).1[greatest(1, arrayFirstIndex(c -> c > 0.99 * arraySum((sumMap(sketch_keys, sketch_counts)).2), arrayCumSum((sumMap(sketch_keys, sketch_counts)).2)))]) / (1.0202020202020201 + 1)) AS p99_ms,
      min(interval_start) AS first_start, max(interval_start + interval_seconds) AS last_end
    FROM `trace_point_stats`
    WHERE stat_type = 'endpoint' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime} AND span_kind IN ('Server', 'Consumer')
    GROUP BY service, span_name, span_kind
  )
)
ORDER BY requests DESC, service, span_name, span_kind;
