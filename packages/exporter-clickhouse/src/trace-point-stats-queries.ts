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

export interface StatsQueryOptions {
  /**
   * Every span kind and every edge, as stored. Default false: entry points
   * only (Server and Consumer spans) in the endpoint query, and in the service
   * map no calls a service makes to itself and no client spans that name no
   * peer (DNS lookups).
   */
  allSpans?: boolean;
}

/**
 * Seconds the rows cover: from the start of the first interval with data to
 * the end of the last one (`interval_seconds` is each row's interval length),
 * over the grouped rows `first_start` / `last_end`, at least one second.
 * Rates divide by this, not by the whole window: 11 calls written in the
 * last 2 minutes of a 1-hour window are 5.5/min, not 0.003/s.
 */
const COVERED_SECONDS = `greatest(1, dateDiff('second', min(first_start) OVER (), max(last_end) OVER ())) AS covered_seconds`;
const COVERAGE = `min(interval_start) AS first_start, max(interval_start + interval_seconds) AS last_end`;

/**
 * A rate per second as text in the unit that reads best: per second from
 * 1/s, else per minute from 1/min, else per hour (`120/s`, `5.5/min`, `2/h`).
 */
function rateTextSql(perSecond: string): string {
  return `multiIf((${perSecond}) >= 1, concat(toString(round(${perSecond}, 1)), '/s'), (${perSecond}) * 60 >= 1, concat(toString(round((${perSecond}) * 60, 1)), '/min'), concat(toString(round((${perSecond}) * 3600, 2)), '/h'))`;
}

/**
 * A caller the server span could not name: `client (<address>)` for a
 * client address (an untraced client: curl, a browser, a load balancer),
 * `client` when not even that is known. Named callers stay as they are.
 */
function callerNameSql(caller: string): string {
  return `multiIf(isIPv4String(${caller}) OR isIPv6String(${caller}), concat('client (', ${caller}, ')'), ${caller} = 'unknown', 'client', ${caller})`;
}

/**
 * Who calls whom over [{from}, {to}): calls, rate, error ratio and latency
 * percentiles per edge, merged from every interval and process.
 * A call between two traced services is seen twice, by the caller (client
 * span) and by the callee (server span, naming the caller when it propagates
 * its name); each edge shows one view, the caller's when there is one (it
 * also counts calls that never arrived), else the callee's.
 * By default (as Jaeger's dependency graph and Tempo's service graph draw
 * it) an edge is a call between services or to a named peer (a database, a
 * third-party host): a call a service makes to itself (internal spans) and a
 * client span that names no peer (`dns.lookup`) are not edges. Callers
 * without a name show as `client (127.0.0.1)`.
 * Rates: over the time the rows cover (COVERED_SECONDS).
 * Parameters: `from`, `to` (DateTime).
 */
export function statsServiceGraphSql(target: StatsQueryTarget, options: StatsQueryOptions = {}): string {
  const edges = options.allSpans
    ? ''
    : ` AND source_component != target_component AND target_component != 'unknown'`;
  return `SELECT
  ${callerNameSql('caller')} AS source_component,
  callee AS target_component,
  calls,
  ${rateTextSql('calls / covered_seconds')} AS rate,
  calls / covered_seconds AS calls_per_second,
  errors / calls AS error_ratio,
  ${LATENCY('sketch')}
FROM (
  SELECT *, ${COVERED_SECONDS}
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
      FROM ${source(target)}
      WHERE stat_type = 'edge' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}${edges}
      GROUP BY source_component, target_component, span_kind
    )
    GROUP BY caller, callee
  )
)
ORDER BY calls DESC, source_component, target_component`;
}

/**
 * Rate, errors and duration per endpoint (service, span name, kind) over
 * [{from}, {to}). By default entry points only: Server and Consumer spans, as
 * HyperDX's service dashboard and the Collector's spanmetrics-based RED views
 * show them (middleware and handler spans are INTERNAL, often most of a
 * request's spans); `allSpans` shows every kind. `client_errors_4xx`: server
 * spans answered with an HTTP 4xx, which semantic conventions leave out of
 * the errors (the caller's mistake); unweighted span counts. Rates: over the
 * time the rows cover (COVERED_SECONDS). Parameters: `from`, `to`.
 */
export function statsEndpointsSql(target: StatsQueryTarget, options: StatsQueryOptions = {}): string {
  const kinds = options.allSpans ? '' : ` AND span_kind IN ('Server', 'Consumer')`;
  return `SELECT
  service,
  span_name,
  span_kind,
  requests,
  ${rateTextSql('requests / covered_seconds')} AS rate,
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
  SELECT *, ${COVERED_SECONDS}
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
      ${LATENCY('sumMap(sketch_keys, sketch_counts)')},
      ${COVERAGE}
    FROM ${source(target)}
    WHERE stat_type = 'endpoint' AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}${kinds}
    GROUP BY service, span_name, span_kind
  )
)
ORDER BY requests DESC, service, span_name, span_kind`;
}
