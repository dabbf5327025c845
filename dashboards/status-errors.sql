-- Error statuses without an exception (status-errors)
-- Requests and calls that failed by their status alone (an HTTP 5xx answered, a client call answered 4xx or 5xx, an RPC error code), with no exception recorded on the span: by service, endpoint, kind and status code. after_exception counts those whose service recorded an exception in the same request (trace): the status answers that exception, listed under Errors and exceptions; the rest failed without one. Counts the stored spans (sampled traces only).
-- Reads: raw.
-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):
--   {from:DateTime}  start of the time range (inclusive)
--   {to:DateTime}  end of the time range (exclusive)
--   {limit:UInt32}  how many rows
-- Tables: `otel_traces`, `trace_points` (a view over `otel_traces`), `trace_point_stats`, unqualified: run it in the database tracepoint writes to.
-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.
-- Generated from @tracepoint/node DASHBOARDS; edit there.
SELECT ServiceName AS service, SpanName AS endpoint, SpanKind AS kind,
  multiIf(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'],
    SpanAttributes['http.status_code'] != '', SpanAttributes['http.status_code'],
    SpanAttributes['rpc.grpc.status_code'] != '', concat('grpc ', SpanAttributes['rpc.grpc.status_code']),
    SpanAttributes['error.type']) AS status_code,
  toUInt32(count()) AS errors,
  toUInt32(countIf((TraceId, ServiceName) IN (
    SELECT TraceId, ServiceName FROM `otel_traces`
    WHERE Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime} AND has(Events.Name, 'exception')))) AS after_exception,
  any(StatusMessage) AS message, any(TraceId) AS trace_id
FROM `otel_traces`
WHERE Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime} AND StatusCode = 'Error' AND NOT has(Events.Name, 'exception')
GROUP BY service, endpoint, kind, status_code
ORDER BY errors - after_exception DESC, errors DESC, service, endpoint, kind, status_code
LIMIT {limit:UInt32};
