import { sketchQuantileSql, statsEndpointsSql, statsServiceGraphSql } from '@tracepoint/exporter-clickhouse';
import { type DashboardSources, type DashboardTables, dashboardSources } from './dashboard-tables.js';

export interface DashboardParameter {
  name: string;
  /** ClickHouse type of the `{name:Type}` placeholder. */
  type: 'DateTime' | 'String' | 'UInt32';
  doc: string;
}

export interface Dashboard {
  id: string;
  title: string;
  description: string;
  /** `aggregates` reads trace_point_stats only; `raw` reads spans or trace points. */
  reads: 'aggregates' | 'raw' | 'aggregates + raw sample';
  parameters: readonly DashboardParameter[];
  /**
   * The query over the given database and tables (the exporter's default
   * names for those left out, unqualified without a database). A name that is
   * not a plain identifier throws a TypeError.
   */
  query(tables?: DashboardTables, options?: DashboardOptions): string;
  /** `query()`: the exporter's default names, unqualified; what `dashboards/<id>.sql` holds. */
  readonly sql: string;
}

export interface DashboardOptions {
  /**
   * Every span kind (`tracepoint dashboard --all-spans`). Default false: the
   * RED table shows entry points (Server and Consumer spans) and the service
   * map calls between services and to named peers; the others ignore it.
   */
  allSpans?: boolean;
}

type Definition = Omit<Dashboard, 'query' | 'sql'> & {
  render: (from: DashboardSources, options: DashboardOptions) => string;
};

const FROM: DashboardParameter = {
  name: 'from',
  type: 'DateTime',
  doc: 'start of the time range (inclusive)',
};
const TO: DashboardParameter = { name: 'to', type: 'DateTime', doc: 'end of the time range (exclusive)' };
const LIMIT: DashboardParameter = { name: 'limit', type: 'UInt32', doc: 'how many rows' };
const TRACE_ID: DashboardParameter = { name: 'trace_id', type: 'String', doc: '32 hex characters' };
const MERGED = 'sumMap(sketch_keys, sketch_counts)';
/** How the aggregate dashboards count rates, in the words of their descriptions. */
const RATE_RULE =
  'Rates count over the time the data covers inside the range (from the first to the end of the last aggregation interval with traffic, not the whole range), shown per second from 1/s, else per minute or per hour.';

// Each query reads only the references in `t`, never a table name of its own: custom names reach every query.
const DEFINITIONS: readonly Definition[] = [
  {
    id: 'service-map',
    title: 'Service map',
    description: `Who calls whom: one row per caller and callee (another service, a database, a third-party host) with calls, rate, the share that failed and latency (p50/p90/p99). Callers that did not name themselves show as client (their address). Calls inside a service and DNS lookups are left out (--all-spans shows them). ${RATE_RULE}`,
    reads: 'aggregates',
    parameters: [FROM, TO],
    render: (t, options) => statsServiceGraphSql({ database: t.database, table: t.statsTable }, options),
  },
  {
    id: 'endpoints-red',
    title: 'RED per endpoint',
    description: `What each service was asked to do: requests, rate, the share that failed and latency per endpoint, for the requests and messages a service received (server and consumer spans). client_errors_4xx counts requests answered with a 4xx: the caller's mistake (not found, bad input, not allowed), so not in the failed share. Middleware, handlers and outgoing calls are left out (--all-spans shows every span). ${RATE_RULE}`,
    reads: 'aggregates',
    parameters: [FROM, TO],
    render: (t, options) => statsEndpointsSql({ database: t.database, table: t.statsTable }, options),
  },
  {
    id: 'latency-over-time',
    title: 'Latency percentiles over time',
    description:
      'How fast each service answered, minute by minute: p50, p90 and p99 of the requests and messages it received (server and consumer spans).',
    reads: 'aggregates',
    parameters: [FROM, TO],
    render: (t) => `SELECT
  toStartOfMinute(interval_start) AS minute,
  service,
  sum(count) AS requests,
  ${sketchQuantileSql(0.5, MERGED)} AS p50_ms,
  ${sketchQuantileSql(0.9, MERGED)} AS p90_ms,
  ${sketchQuantileSql(0.99, MERGED)} AS p99_ms
FROM ${t.stats}
WHERE stat_type = 'endpoint' AND span_kind IN ('Server', 'Consumer') AND interval_start >= {from:DateTime} AND interval_start < {to:DateTime}
GROUP BY minute, service
ORDER BY minute, service`,
  },
  {
    // The origin is the recording span with the shortest duration: it is nested in the others that
    // recorded the same exception. Event times of different spans were not reliable for this (a CI
    // run put express's handler event before the app's own span's, which recorded it first).
    id: 'errors',
    title: 'Errors and exceptions',
    description:
      'What failed, one row per cause: each exception counts once per request (trace), at the span that recorded it first (the deepest, where it was thrown: thrown_in), even when the framework and the app record the same exception again on the spans it passes through (propagated_through). Causes are told apart by service, exception type, span and the first frame of the stack (thrown_at); a sample message, stack and trace id come with each. Counts the stored spans (sampled traces only).',
    reads: 'raw',
    parameters: [FROM, TO, LIMIT],
    render: (t) => `SELECT service, exception_type, toUInt32(count()) AS exceptions, thrown_in, thrown_at,
  arrayDistinct(arrayFlatten(groupArray(through))) AS propagated_through,
  any(failure_message) AS message, any(failure_stack) AS stacktrace, any(trace) AS trace_id
FROM (
  SELECT trace, event_type AS exception_type, event_message AS failure_message, event_stack AS failure_stack,
    extract(event_stack, '\\n[ \\t]+at ([^\\n]*)') AS thrown_at,
    argMin(span_service, (span_duration, event_time)) AS service,
    argMin(span_label, (span_duration, event_time)) AS thrown_in,
    arrayFilter(name -> name != thrown_in, groupUniqArray(span_label)) AS through
  FROM (
    SELECT TraceId AS trace, ServiceName AS span_service, Duration AS span_duration, event_time,
      if(SpanAttributes['http.route'] != '' AND position(SpanName, SpanAttributes['http.route']) = 0,
        concat(SpanName, ' ', SpanAttributes['http.route']), SpanName) AS span_label,
      event_attributes['exception.type'] AS event_type, event_attributes['exception.message'] AS event_message,
      event_attributes['exception.stacktrace'] AS event_stack
    FROM ${t.traces}
    ARRAY JOIN Events.Name AS event_name, Events.Timestamp AS event_time, Events.Attributes AS event_attributes
    WHERE Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime} AND has(Events.Name, 'exception') AND event_name = 'exception'
  )
  GROUP BY trace, event_type, event_message, event_stack
)
GROUP BY service, exception_type, thrown_in, thrown_at
ORDER BY exceptions DESC, service, exception_type, thrown_in
LIMIT {limit:UInt32}`,
  },
  {
    id: 'status-errors',
    title: 'Error statuses without an exception',
    description:
      'Requests and calls that failed by their status alone (an HTTP 5xx answered, a client call answered 4xx or 5xx, an RPC error code), with no exception recorded on the span: by service, endpoint, kind and status code. after_exception counts those whose service recorded an exception in the same request (trace): the status answers that exception, listed under Errors and exceptions; the rest failed without one. Counts the stored spans (sampled traces only).',
    reads: 'raw',
    parameters: [FROM, TO, LIMIT],
    render: (t) => `SELECT ServiceName AS service, SpanName AS endpoint, SpanKind AS kind,
  multiIf(SpanAttributes['http.response.status_code'] != '', SpanAttributes['http.response.status_code'],
    SpanAttributes['http.status_code'] != '', SpanAttributes['http.status_code'],
    SpanAttributes['rpc.grpc.status_code'] != '', concat('grpc ', SpanAttributes['rpc.grpc.status_code']),
    SpanAttributes['error.type']) AS status_code,
  toUInt32(count()) AS errors,
  toUInt32(countIf((TraceId, ServiceName) IN (
    SELECT TraceId, ServiceName FROM ${t.traces}
    WHERE Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime} AND has(Events.Name, 'exception')))) AS after_exception,
  any(StatusMessage) AS message, any(TraceId) AS trace_id
FROM ${t.traces}
WHERE Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime} AND StatusCode = 'Error' AND NOT has(Events.Name, 'exception')
GROUP BY service, endpoint, kind, status_code
ORDER BY errors - after_exception DESC, errors DESC, service, endpoint, kind, status_code
LIMIT {limit:UInt32}`,
  },
  {
    id: 'slowest-traces',
    title: 'Slowest traces',
    description:
      'The slowest requests in the range, whole traces by their first span, with the trace id to open in the one-trace views (--trace-id).',
    reads: 'raw',
    parameters: [FROM, TO, LIMIT],
    render: (
      t,
    ) => `SELECT TraceId AS trace_id, ServiceName AS service, SpanName AS span_name, Duration / 1e6 AS duration_ms, StatusCode AS status
FROM ${t.traces}
WHERE ParentSpanId = '' AND Timestamp >= {from:DateTime} AND Timestamp < {to:DateTime}
ORDER BY Duration DESC, TraceId
LIMIT {limit:UInt32}`,
  },
  {
    id: 'trace-waterfall',
    title: 'One trace as a waterfall',
    description:
      'One request from start to end: every span with its service, when it started after the first one and how long it took; the command indents each span under its caller.',
    reads: 'raw',
    parameters: [TRACE_ID],
    render: (
      t,
    ) => `SELECT SpanId AS span_id, ParentSpanId AS parent_span_id, ServiceName AS service, SpanName AS span_name, SpanKind AS kind,
  dateDiff('microsecond', min(Timestamp) OVER (), Timestamp) / 1e3 AS offset_ms, Duration / 1e6 AS duration_ms, StatusCode AS status
FROM ${t.traces}
WHERE TraceId = {trace_id:String}
ORDER BY Timestamp`,
  },
  {
    id: 'trace-timeline',
    title: 'Trace-point timeline of one trace',
    description:
      'One request as the calls, answers and exceptions between services and components, in time order.',
    reads: 'raw',
    parameters: [TRACE_ID],
    render: (
      t,
    ) => `SELECT timestamp, trace_type, source_component, target_component, source_method, target_method,
  duration_ns / 1e6 AS duration_ms, status_code, exception_type
FROM ${t.tracePoints}
WHERE trace_id = {trace_id:String}
ORDER BY timestamp, trace_type = 'response'`,
  },
];

/**
 * The dashboards, defined once: the .sql files in `dashboards/`, the Grafana
 * JSON, the `tracepoint dashboard` command and the tests are rendered from or
 * read these. Aggregates wherever they can answer; raw rows only for what only
 * raw rows have (one trace, a sample stack).
 */
export const DASHBOARDS: readonly Dashboard[] = DEFINITIONS.map(({ render, ...dashboard }) => {
  const query = (tables?: DashboardTables, options: DashboardOptions = {}) =>
    render(dashboardSources(tables), options);
  return Object.freeze({ ...dashboard, query, sql: query() });
});

/**
 * The .sql file of a dashboard: a header documenting it and its parameters,
 * then the query over `tables` (default: the exporter's names, unqualified).
 */
export function renderDashboardFile(dashboard: Dashboard, tables?: DashboardTables): string {
  const t = dashboardSources(tables);
  const header = [
    `-- ${dashboard.title} (${dashboard.id})`,
    `-- ${dashboard.description}`,
    `-- Reads: ${dashboard.reads}.`,
    '-- Parameters (ClickHouse query parameters, e.g. --param_from=... in clickhouse-client):',
    ...dashboard.parameters.map((p) => `--   {${p.name}:${p.type}}  ${p.doc}`),
    `-- Tables: ${t.traces}, ${t.tracePoints} (a view over ${t.traces}), ${t.stats}${t.database === undefined ? ', unqualified: run it in the database tracepoint writes to' : ''}.`,
    '-- Other names: tracepoint dashboard --database --traces-table --trace-points-table --stats-table, or query(tables) of DASHBOARDS.',
    '-- Generated from @tracepoint/node DASHBOARDS; edit there.',
  ];
  return `${header.join('\n')}\n${dashboard.query(tables)};\n`;
}

/**
 * A dashboard's SQL for Grafana's ClickHouse data source: query parameters
 * become its macros and dashboard variables (`$__fromTime`, `$__toTime`,
 * `${limit}`, `'${trace_id}'`).
 */
export function grafanaSql(dashboard: Dashboard, tables?: DashboardTables): string {
  return dashboard
    .query(tables)
    .replaceAll('{from:DateTime}', '$__fromTime')
    .replaceAll('{to:DateTime}', '$__toTime')
    .replaceAll('{limit:UInt32}', grafanaVariable('limit'))
    .replaceAll('{trace_id:String}', `'${grafanaVariable('trace_id')}'`);
}

/** `${name}`: a Grafana dashboard variable reference. */
export function grafanaVariable(name: string): string {
  return `$${'{'}${name}}`;
}

/**
 * A Grafana dashboard (JSON model) with one panel per dashboard, for the
 * grafana-clickhouse-datasource plugin, over `tables` (default: the
 * exporter's names, unqualified: the data source's database).
 */
export function renderGrafanaDashboard(tables?: DashboardTables): Record<string, unknown> {
  const datasource = { type: 'grafana-clickhouse-datasource', uid: grafanaVariable('datasource') };
  const panels = DASHBOARDS.map((dashboard, index) => {
    const timeSeries = dashboard.id === 'latency-over-time';
    return {
      id: index + 1,
      title: dashboard.title,
      description: dashboard.description,
      type: timeSeries ? 'timeseries' : 'table',
      datasource,
      gridPos: { h: 9, w: 24, x: 0, y: index * 9 },
      targets: [
        {
          refId: 'A',
          datasource,
          editorType: 'sql',
          queryType: timeSeries ? 'timeseries' : 'table',
          format: timeSeries ? 0 : 1,
          rawSql: grafanaSql(dashboard, tables),
        },
      ],
    };
  });
  return {
    title: 'tracepoint',
    uid: 'tracepoint',
    tags: ['tracepoint', 'clickhouse', 'traces'],
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        {
          name: 'datasource',
          type: 'datasource',
          query: 'grafana-clickhouse-datasource',
          label: 'ClickHouse',
        },
        { name: 'limit', type: 'textbox', query: '10', current: { text: '10', value: '10' }, label: 'Rows' },
        { name: 'trace_id', type: 'textbox', query: '', label: 'Trace id (one-trace panels)' },
      ],
    },
    panels,
  };
}
