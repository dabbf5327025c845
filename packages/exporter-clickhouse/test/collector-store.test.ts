import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import {
  ClickHouseSpanExporter,
  type ClickHouseSpanExporterOptions,
  DEDUPLICATION_WINDOW,
  type TransmissionMode,
} from '@tracepoint/exporter-clickhouse';
import { describe, expect, it } from 'vitest';
import { exportOnce, recordSpans as recordSpansOf } from '../../../test-support/recorded-spans.js';
import { testStore } from '../../../test-support/test-store.js';

/**
 * The span store the OpenTelemetry Collector's ClickHouse exporter creates: test input, rendered
 * from open-telemetry/opentelemetry-collector-contrib exporter/clickhouseexporter/internal/sqltemplates/
 * traces_table.sql (commit 2bf6b9e1f8c8716ab54eaac1635e56b4d0649900, without full-text search),
 * traces_id_ts_lookup_table.sql and traces_id_ts_lookup_mv.sql, with engine MergeTree() and no TTL
 * or cluster. Its tables set no non_replicated_deduplication_window.
 */
function collectorStore(database: string): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS \`${database}\``,
    `CREATE TABLE IF NOT EXISTS \`${database}\`.\`otel_traces\`  (
    Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(T64, ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    ResourceAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(ResourceAttributes, 'Array(Tuple(String, String))')),
    SpanAttributeItems Array(String) ALIAS arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(SpanAttributes, 'Array(Tuple(String, String))')),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)

SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE TABLE IF NOT EXISTS \`${database}\`.\`otel_traces_trace_id_ts\`  (
    TraceId String CODEC(ZSTD(1)),
    Start SimpleAggregateFunction(min, DateTime) CODEC(ZSTD(1)),
    End SimpleAggregateFunction(max, DateTime) CODEC(ZSTD(1))
) ENGINE = MergeTree()
PARTITION BY toStartOfWeek(Start)
ORDER BY (TraceId)

SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`,
    `CREATE MATERIALIZED VIEW IF NOT EXISTS \`${database}\`.\`otel_traces_trace_id_ts_mv\`
TO \`${database}\`.\`otel_traces_trace_id_ts\`
AS SELECT
              TraceId,
              min(Timestamp) as Start,
              max(Timestamp) as End
   FROM \`${database}\`.\`otel_traces\`
   WHERE TraceId != ''
   GROUP BY TraceId`,
  ];
}

const store = testStore('exporter-collector-store', { http: true });

const recordSpans = (count: number) =>
  recordSpansOf('collector-store', count, (tracer, i) =>
    tracer
      .startSpan(`GET /items/${i % 7}`, {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'GET', 'http.route': '/items/{id}' },
      })
      .end(),
  );

async function scalar(query: string): Promise<string> {
  const [row] = await (await store.client.query({ query, format: 'JSONEachRow' })).json<{
    v: string | number;
  }>();
  return String(row?.v);
}

async function showCreate(table: string): Promise<string> {
  const [row] = await (
    await store.client.query({ query: `SHOW CREATE TABLE ${table}`, format: 'JSONEachRow' })
  ).json<{ statement: string }>();
  return String(row?.statement);
}

/** The table's columns as inserts name them (Nested flattened), without ALIAS columns. */
async function insertableColumns(database: string, table: string): Promise<string[]> {
  const rows = await (
    await store.client.query({
      query:
        "SELECT name FROM system.columns WHERE database = {database:String} AND table = {table:String} AND default_kind != 'ALIAS' ORDER BY position",
      format: 'JSONEachRow',
      query_params: { database, table },
    })
  ).json<{ name: string }>();
  return rows.map((row) => row.name);
}

async function tables(database: string): Promise<string[]> {
  const rows = await (
    await store.client.query({
      query: 'SELECT name FROM system.tables WHERE database = {database:String} ORDER BY name',
      format: 'JSONEachRow',
      query_params: { database },
    })
  ).json<{ name: string }>();
  return rows.map((row) => row.name);
}

function capture(): {
  warnings: string[];
  errors: string[];
  logger: ClickHouseSpanExporterOptions['logger'];
} {
  const warnings: string[] = [];
  const errors: string[] = [];
  return {
    warnings,
    errors,
    logger: { warn: (message) => warnings.push(message), error: (message) => errors.push(message) },
  };
}

const COLLECTOR_TABLES = ['otel_traces', 'otel_traces_trace_id_ts', 'otel_traces_trace_id_ts_mv'];

/** What the Collector's exporter inserts: its 22 columns, none of the trace-point ones. */
const COLLECTOR_INSERT_COLUMNS = [
  ...['Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName'],
  ...[
    'ResourceAttributes',
    'ScopeName',
    'ScopeVersion',
    'SpanAttributes',
    'Duration',
    'StatusCode',
    'StatusMessage',
  ],
  ...['Events.Timestamp', 'Events.Name', 'Events.Attributes'],
  ...['Links.TraceId', 'Links.SpanId', 'Links.TraceState', 'Links.Attributes'],
];

const TRACE_POINT_COLUMN_NAMES = [
  'TracePoints',
  'TracePointCaller',
  'TracePointCallee',
  'TracePointCallerMethod',
  'TracePointCalleeMethod',
  'TracePointParams',
];

/** One span as the Collector's exporter writes it: an INSERT that names only the Collector's columns. */
function collectorInsert(database: string, spanId: string): string {
  return `INSERT INTO \`${database}\`.otel_traces (${COLLECTOR_INSERT_COLUMNS.map((name) => `\`${name}\``).join(', ')})
VALUES (now64(9), '0af7651916cd43dd8448eb211c80319c', '${spanId}', '', '', 'GET /from-collector', 'Server',
  'collector-service', map('service.name', 'collector-service'), 'scope', '1.0', map('http.route', '/from-collector'),
  1000000, 'Unset', '', [], [], [], [], [], [], [])`;
}

describe('a store made by the OpenTelemetry Collector, with createSchema: false', () => {
  it('takes spans with tracePoints: false and no stats writer, asks for no tracepoint table, and warns once that retries may duplicate', async () => {
    const database = 'collector_plain';
    for (const query of collectorStore(database)) await store.client.command({ query });
    const log = capture();
    const exporter = new ClickHouseSpanExporter({
      client: store.client,
      database,
      createSchema: false,
      tracePoints: false,
      mode: 'sync',
      logger: log.logger,
    });
    await exporter.ready();
    for (let i = 0; i < 3; i++)
      expect(await exportOnce(exporter, await recordSpans(10))).toEqual({ code: 0 });
    await exporter.shutdown();
    expect(await scalar(`SELECT count() AS v FROM ${database}.otel_traces`)).toBe('30');
    // The Collector's lookup view keeps working on rows written by tracepoint.
    expect(
      Number(await scalar(`SELECT count() AS v FROM ${database}.otel_traces_trace_id_ts`)),
    ).toBeGreaterThan(0);
    expect(await tables(database)).toEqual(COLLECTOR_TABLES);
    expect(log.errors).toEqual([]);
    expect(log.warnings).toEqual([
      `no deduplication window on ${database}.otel_traces: a retried insert that had landed is written twice. Set one with ALTER TABLE <table> MODIFY SETTING non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}, or start once with createSchema: true`,
    ]);
  });

  it.each<TransmissionMode>(['async', 'sync', 'push'])(
    'with tracePoints on and no trace-point columns (%s): spans land in the 22 columns, one warning turns trace points off',
    async (mode) => {
      const database = `collector_points_${mode}`;
      for (const query of collectorStore(database)) await store.client.command({ query });
      const log = capture();
      const exporter = new ClickHouseSpanExporter({
        client: store.client,
        database,
        createSchema: false,
        mode,
        logger: log.logger,
      });
      // async and push: these rows are queued (encoded with the trace-point fields) before start-up
      // has found the columns missing; they are cut down to the span columns on the way.
      expect(await exportOnce(exporter, await recordSpans(10))).toEqual({ code: 0 });
      await exporter.ready();
      for (let i = 0; i < 2; i++) {
        expect(await exportOnce(exporter, await recordSpans(10))).toEqual({ code: 0 });
        await exporter.forceFlush();
      }
      // The stats table is only needed by an aggregator: writeStats fails clearly, warned once.
      const record = {
        intervalStartSeconds: 1_700_000_000,
        intervalSeconds: 60,
        statType: 'endpoint' as const,
        service: 'collector-store',
        spanName: 'GET /items/{id}',
        spanKind: 'Server',
        statusCode: 'Unset',
        sourceComponent: '',
        targetComponent: 'collector-store',
        sourceMethod: '',
        targetMethod: 'GET /items/{id}',
        exceptionType: '',
        spanCount: 1,
        count: 1,
        errorCount: 0,
        durationSumMs: 1,
        durationMinMs: 1,
        durationMaxMs: 1,
        sketchKeys: [1],
        sketchCounts: [1],
      };
      for (let i = 0; i < 2; i++)
        await expect(exporter.writeStats([record])).rejects.toThrow(
          /aggregate rows are not written: table trace_point_stats is missing/,
        );
      await exporter.shutdown();

      expect(await scalar(`SELECT count() AS v FROM ${database}.otel_traces`)).toBe('30');
      // Every span, the ones queued before start-up included, with its own values.
      expect(await scalar(`SELECT uniqExact(SpanId) AS v FROM ${database}.otel_traces`)).toBe('30');
      expect(
        await scalar(
          `SELECT countIf(ServiceName = 'collector-store' AND SpanAttributes['http.route'] = '/items/{id}') AS v FROM ${database}.otel_traces`,
        ),
      ).toBe('30');
      expect(exporter.stats()).toMatchObject({
        spansExported: 30,
        spansFailed: 0,
        spansDropped: 0,
        rowsRejected: 0,
      });
      // Nothing was changed: the Collector's columns and tables, as they were.
      expect(await insertableColumns(database, 'otel_traces')).toEqual(COLLECTOR_INSERT_COLUMNS);
      expect(await tables(database)).toEqual(COLLECTOR_TABLES);
      expect(log.errors).toEqual([]);
      expect(log.warnings).toHaveLength(3);
      const off = log.warnings.filter((message) => message.includes('trace points are off'));
      expect(off).toEqual([
        `trace points are off: table otel_traces lacks column(s) ${TRACE_POINT_COLUMN_NAMES.join(', ')} (createSchema is false; start once with createSchema: true to add them); spans are still written to otel_traces`,
      ]);
      expect(log.warnings.filter((message) => /^no deduplication window on/.test(message))).toHaveLength(1);
      expect(log.warnings.filter((message) => /^aggregate rows are not written/.test(message))).toHaveLength(
        1,
      );
    },
  );

  it('still refuses a store without the span table, naming every missing table', async () => {
    const database = 'collector_none';
    await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    const log = capture();
    const exporter = new ClickHouseSpanExporter({
      client: store.client,
      database,
      createSchema: false,
      mode: 'sync',
      logger: log.logger,
    });
    await expect(exporter.ready()).rejects.toThrow(
      /table otel_traces is missing; table trace_point_stats is missing/,
    );
    await exporter.shutdown();
  });
});

/**
 * A TCP relay in front of the HTTP server that lets each insert commit, then drops the
 * connection before its response: the client cannot know the rows landed, and retries
 * with the same deduplication token.
 */
async function responseDroppingRelay(
  target: URL,
): Promise<{ url: string; dropped: () => number; server: Server }> {
  const seenTokens = new Set<string>();
  let dropped = 0;
  const relay = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    let dropNextResponse = false;
    inbound.on('data', (chunk: Buffer) => {
      const token = /[?&]insert_deduplication_token=([^&\s]+)/.exec(chunk.toString('latin1'))?.[1];
      if (token !== undefined && !seenTokens.has(token)) {
        seenTokens.add(token);
        dropNextResponse = true;
      }
      outbound.write(chunk);
    });
    outbound.on('data', (chunk: Buffer) => {
      if (dropNextResponse) {
        // The server answers an insert after it has committed the rows.
        dropped++;
        inbound.destroy();
        outbound.destroy();
        return;
      }
      inbound.write(chunk);
    });
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    inbound.on('error', () => undefined);
    outbound.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, dropped: () => dropped, server: relay };
}

describe('a Collector-made otel_traces with createSchema: true', () => {
  it("gets the trace-point columns: the Collector still inserts its own columns, the exporter's spans are trace points", async () => {
    const database = 'collector_columns';
    for (const query of collectorStore(database)) await store.client.command({ query });
    const log = capture();
    const exporter = new ClickHouseSpanExporter({
      client: store.client,
      database,
      mode: 'sync',
      logger: log.logger,
    });
    await exporter.ready();
    // Added after the Collector's columns, which keep their order, types and codecs.
    expect(await insertableColumns(database, 'otel_traces')).toEqual([
      ...COLLECTOR_INSERT_COLUMNS,
      ...TRACE_POINT_COLUMN_NAMES,
    ]);
    expect(await showCreate(`${database}.otel_traces`)).toMatch(
      /`SpanName` LowCardinality\(String\) CODEC\(ZSTD\(1\)\)/,
    );
    const spans = await recordSpans(20);
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    // The Collector, still writing the same table, names only its columns: the row lands with the defaults.
    await store.client.command({ query: collectorInsert(database, 'c0ffee0000000001') });
    await exporter.shutdown();

    expect(await scalar(`SELECT count() AS v FROM ${database}.otel_traces`)).toBe('21');
    const [collectorRow] = await (
      await store.client.query({
        query: `SELECT TracePoints, TracePointCaller, TracePointCallee, TracePointCallerMethod, TracePointCalleeMethod, TracePointParams
                FROM ${database}.otel_traces WHERE SpanId = 'c0ffee0000000001'`,
        format: 'JSONEachRow',
      })
    ).json<Record<string, unknown>>();
    expect(collectorRow).toEqual({
      TracePoints: 0,
      TracePointCaller: '',
      TracePointCallee: '',
      TracePointCallerMethod: '',
      TracePointCalleeMethod: '',
      TracePointParams: {},
    });
    // Each of the exporter's server spans is a call and a response; the Collector's span has no points.
    expect(await scalar(`SELECT count() AS v FROM ${database}.trace_points`)).toBe('40');
    expect(
      await scalar(
        `SELECT uniqExact(span_id) AS v FROM ${database}.trace_points WHERE span_id IN (${spans.map((span) => `'${span.spanContext().spanId}'`).join(', ')})`,
      ),
    ).toBe('20');
    expect(
      await scalar(`SELECT count() AS v FROM ${database}.trace_points WHERE span_id = 'c0ffee0000000001'`),
    ).toBe('0');
    expect(
      await scalar(
        `SELECT groupArray(version) AS v FROM (SELECT version FROM ${database}.tracepoint_schema_migrations ORDER BY version)`,
      ),
    ).toBe('1,3,4,5,6');
    expect(log.errors).toEqual([]);
    expect(log.warnings).toEqual([]);
  });

  it('gets the deduplication window, so inserts retried after a lost response land once', async () => {
    const database = 'collector_dedup';
    for (const query of collectorStore(database)) await store.client.command({ query });
    const relay = await responseDroppingRelay(new URL(store.server.url));
    const log = capture();
    const exporter = new ClickHouseSpanExporter({
      url: relay.url,
      database,
      mode: 'sync',
      retryInitialDelayMillis: 10,
      logger: log.logger,
    });
    try {
      await exporter.ready();
      for (const table of ['otel_traces', 'trace_point_stats']) {
        expect(await showCreate(`${database}.${table}`)).toMatch(
          `non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`,
        );
      }
      const spans = await recordSpans(400);
      for (let i = 0; i < 400; i += 100)
        expect(await exportOnce(exporter, spans.slice(i, i + 100))).toEqual({ code: 0 });
      await exporter.shutdown();
      // Every insert (4 batches, one row per span) committed once, lost its response and was sent again.
      expect(relay.dropped()).toBe(4);
      expect(exporter.stats()).toMatchObject({
        spansExported: 400,
        insertsRetried: 4,
        rowsWritten: { otel_traces: 400 },
      });
      expect(await scalar(`SELECT count() AS v FROM ${database}.otel_traces`)).toBe('400');
      // Their trace points (a call and a response per server span) landed once with them.
      expect(await scalar(`SELECT count() AS v FROM ${database}.trace_points`)).toBe('800');
      expect(log.warnings).toEqual([]);
      expect(log.errors).toEqual([]);
    } finally {
      await exporter.shutdown();
      relay.server.close();
    }

    // The window stays with the table: a later run that may not change the schema has nothing to warn about.
    const verifier = capture();
    const later = new ClickHouseSpanExporter({
      client: store.client,
      database,
      createSchema: false,
      mode: 'sync',
      logger: verifier.logger,
    });
    await later.ready();
    await later.shutdown();
    expect(verifier.warnings).toEqual([]);
  });
});
