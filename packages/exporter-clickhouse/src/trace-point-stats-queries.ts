import { SKETCH_GAMMA } from '@tracepoint/core';
import { assertIdentifier } from './identifier.js';
import { qualifiedName, quoteIdentifier } from './table-ddl.js';

/**
 * The value at quantile `q` of merged sketch buckets. `merged` is a
 * `sumMap(sketch_keys, sketch_counts)` expression: sorted keys and summed
 * counts. The rank rule is quantileExact's (the first bucket whose cumulative
 * count exceeds q × total), and the bucket's value is 2γ^k / (γ + 1), within
 * the sketch's relative accuracy of every duration in that bucket.
 */
export function sketchQuantileSql(q: number, merged: string): string {
  if (!(q > 0 && q < 1)) throw new RangeError(`quantile must be between 0 and 1 (exclusive), got ${q}`);
  const gamma = SKETCH_GAMMA.toPrecision(17);
  return `(2 * pow(${gamma}, (${merged}).1[greatest(1, arrayFirstIndex(c -> c > ${q} * arraySum((${merged}).2), arrayCumSum((${merged}).2)))]) / (${gamma} + 1))`;
}

export interface StatsQueryTarget {
  /** Omitted: the table name alone, for the connection's default database (dashboard files). */
  database?: string;
  /** Default `trace_point_stats`. */
  table?: string;
}

function source(target: StatsQueryTarget): string {
  const table = target.table ?? 'trace_point_stats';
  // The name goes into SQL text: checked as an identifier whether or not a database qualifies it.
  return target.database === undefined
    ? quoteIdentifier(assertIdentifier('table', table))
    : qualifiedName(target.database, table);
}

// Not rounded: the sketch's 1% bound is the whole error budget; format for display where it is shown.
const LATENCY = (merged: string) =>
  `${sketchQuantileSql(0.5, merged)} AS p50_ms,
  ${sketchQuantileSql(0.9, merged)} AS p90_ms,
  ${sketchQuantileSql(0.99, merged)} AS p99_ms`;

/**
 * Who calls whom over [{from}, {to}): calls, rate per second, error ratio and
 * latency percentiles per edge, merged from every interval and process.
 * A call between two traced services is seen twice, by the caller (client
 * span) and by the callee (server span, naming the caller when it propagates
 * its name); each edge shows one view, the caller's when there is one (it
 * also counts calls that never arrived), else the callee's.
 * Parameters: `from`, `to` (DateTime).
 */
export function statsServiceGraphSql(target: StatsQueryTarget): string {
  return `SELECT
  source_component,
  target_component,
  calls,
  calls / dateDiff('second', {from:DateTime}, {to:DateTime}) AS calls_per_second,
  errors / calls AS error_ratio,
  ${LATENCY('sketch')}
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
    FROM ${source(target)}
    WHERE stat_type = 'edge' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}
    GROUP BY source_component, target_component, span_kind
  )
  GROUP BY source_component, target_component
)
ORDER BY calls DESC, source_component, target_component`;
}

/** Rate, errors and duration per endpoint (service, span name, kind). Parameters: `from`, `to`. */
export function statsEndpointsSql(target: StatsQueryTarget): string {
  return `SELECT
  service,
  span_name,
  span_kind,
  sum(count) AS requests,
  requests / dateDiff('second', {from:DateTime}, {to:DateTime}) AS requests_per_second,
  sumIf(count, status_code = 'Error') / requests AS error_ratio,
  sum(duration_sum_ms) / requests AS mean_ms,
  min(duration_min_ms) AS min_ms,
  max(duration_max_ms) AS max_ms,
  ${LATENCY('sumMap(sketch_keys, sketch_counts)')}
FROM ${source(target)}
WHERE stat_type = 'endpoint' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}
GROUP BY service, span_name, span_kind
ORDER BY requests DESC`;
}
