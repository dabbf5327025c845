// Raw-span equivalents. Both sides get the same {from}, {to} on interval boundaries. The
// aggregator files a span under the interval of its END time, so the raw queries select spans by
// end time (start + duration) too; the extra start-time bounds only let the primary key prune
// (spans here last well under a minute).

const RAW_WINDOW = (start, duration) =>
  `${start} >= {from:DateTime} - INTERVAL 1 MINUTE AND ${start} < {to:DateTime}
  AND ${start} + toIntervalNanosecond(${duration}) >= {from:DateTime} AND ${start} + toIntervalNanosecond(${duration}) < {to:DateTime}`;

export const RAW_QUERIES = {
  // Edges from the raw spans, the way one answers "who calls whom" from otel_traces alone: the
  // caller's view from client spans (this service -> the peer, named by the same attributes and
  // order as semantic-mapping's rules: peer.service, db system:namespace, server address[:port]),
  // the callee's view from server spans (the propagated caller, else client.address -> this
  // service); one view per edge, the caller's when there is one, as the stats query picks it.
  'service-map': `SELECT
  multiIf(isIPv4String(source_component) OR isIPv6String(source_component), concat('client (', source_component, ')'),
    source_component = '', 'client', source_component) AS source_component,
  target_component,
  calls,
  calls / dateDiff('second', {from:DateTime}, {to:DateTime}) AS calls_per_second,
  errors / calls AS error_ratio,
  q[1] / 1e6 AS p50_ms,
  q[2] / 1e6 AS p90_ms,
  q[3] / 1e6 AS p99_ms
FROM (
  SELECT source_component, target_component,
    argMax(view_calls, caller_view) AS calls, argMax(view_errors, caller_view) AS errors, argMax(view_q, caller_view) AS q
  FROM (
    SELECT
      SpanKind IN ('Client', 'Producer') AS caller_view,
      if(caller_view, ServiceName,
        if(SpanAttributes['tracepoint.caller.component'] != '', SpanAttributes['tracepoint.caller.component'], SpanAttributes['client.address'])
      ) AS source_component,
      if(caller_view,
        multiIf(
          SpanAttributes['peer.service'] != '', SpanAttributes['peer.service'],
          SpanAttributes['db.system.name'] != '',
            if(SpanAttributes['db.namespace'] != '', concat(SpanAttributes['db.system.name'], ':', SpanAttributes['db.namespace']), SpanAttributes['db.system.name']),
          SpanAttributes['server.port'] IN ('', '80', '443'), SpanAttributes['server.address'],
          concat(SpanAttributes['server.address'], ':', SpanAttributes['server.port'])),
        ServiceName
      ) AS target_component,
      count() AS view_calls, countIf(StatusCode = 'Error') AS view_errors,
      quantilesExact(0.5, 0.9, 0.99)(Duration) AS view_q
    FROM otel_traces
    WHERE SpanKind IN ('Client', 'Producer', 'Server', 'Consumer') AND ${RAW_WINDOW('Timestamp', 'Duration')}
    GROUP BY source_component, target_component, caller_view
    -- As the dashboard: no calls a service makes to itself, no client span that names no peer.
    HAVING source_component != target_component AND target_component != ''
  )
  GROUP BY source_component, target_component
)
ORDER BY calls DESC, source_component, target_component`,
  'endpoints-red': `SELECT
  ServiceName AS service,
  SpanName AS span_name,
  SpanKind AS span_kind,
  count() AS requests,
  requests / dateDiff('second', {from:DateTime}, {to:DateTime}) AS requests_per_second,
  countIf(StatusCode = 'Error') / requests AS error_ratio,
  avg(Duration) / 1e6 AS mean_ms,
  min(Duration) / 1e6 AS min_ms,
  max(Duration) / 1e6 AS max_ms,
  quantilesExact(0.5, 0.9, 0.99)(Duration) AS q,
  q[1] / 1e6 AS p50_ms,
  q[2] / 1e6 AS p90_ms,
  q[3] / 1e6 AS p99_ms
FROM otel_traces
WHERE SpanKind IN ('Server', 'Consumer') AND ${RAW_WINDOW('Timestamp', 'Duration')}
GROUP BY service, span_name, span_kind
ORDER BY requests DESC`,
  'latency-over-time': `SELECT
  toDateTime(toStartOfMinute(Timestamp + toIntervalNanosecond(Duration))) AS minute,
  ServiceName AS service,
  count() AS requests,
  quantilesExact(0.5, 0.9, 0.99)(Duration) AS q,
  q[1] / 1e6 AS p50_ms,
  q[2] / 1e6 AS p90_ms,
  q[3] / 1e6 AS p99_ms
FROM otel_traces
WHERE SpanKind IN ('Server', 'Consumer') AND ${RAW_WINDOW('Timestamp', 'Duration')}
GROUP BY minute, service
ORDER BY minute, service`,
  // Exceptions with a sample, from the spans' exception events as the errors dashboard samples
  // them, plus one for a span with status Error and no such event (typed by error.type, else
  // 'Error'), as semantic-mapping counts them; the service that threw is the span's own.
  errors: `SELECT service, exception_type, count() AS exceptions, any(message) AS message, any(stacktrace) AS stacktrace
FROM (
  SELECT ServiceName AS service, e.1 AS exception_type, e.2 AS message, e.3 AS stacktrace
  FROM otel_traces
  ARRAY JOIN if(has(Events.Name, 'exception'),
    arrayMap(a -> (a['exception.type'], a['exception.message'], a['exception.stacktrace']),
      arrayFilter((a, name) -> name = 'exception', Events.Attributes, Events.Name)),
    if(StatusCode = 'Error',
      [(if(SpanAttributes['error.type'] != '', SpanAttributes['error.type'], 'Error'),
        if(StatusMessage != '', StatusMessage, SpanAttributes['error.type']), '')],
      [])) AS e
  WHERE ${RAW_WINDOW('Timestamp', 'Duration')}
)
GROUP BY service, exception_type
ORDER BY exceptions DESC, service, exception_type
LIMIT {limit:UInt32}`,
};
