import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ClickHouseSpanExporter,
  OTEL_TRACES_COLUMNS,
  TRACE_POINT_COLUMNS,
} from '@tracepoint/exporter-clickhouse';
import { MIGRATIONS_TABLE, OTEL_TRACES_INSERT_COLUMNS } from '@tracepoint/exporter-clickhouse/internal';
import { mapSpan, type TracePoint } from '@tracepoint/semantic-mapping';
import { describe, expect, it } from 'vitest';
import { exportOnce, recordSpans } from '../../../test-support/recorded-spans.js';
import { testStore } from '../../../test-support/test-store.js';

const store = testStore('schema-migration', { http: true });

/** The Collector's columns as a table definition, without codecs (not every engine takes them). */
const OTEL_TRACES_COLUMN_DEFINITIONS = OTEL_TRACES_COLUMNS.map(
  (column) => `\`${column.name}\` ${column.type}`,
);

/** Real SDK spans with every kind of trace point: calls, event and status exceptions, an exceptions-only internal span. */
async function variedSpans(serviceName: string) {
  return recordSpans(serviceName, 1, (tracer) => {
    const server = tracer.startSpan('GET /orders/:id', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'url.path': '/orders/7' },
    });
    server.setStatus({ code: SpanStatusCode.ERROR, message: 'order 7 failed' });
    server.setAttribute('error.type', '500');
    server.end();
    const client = tracer.startSpan('SELECT orders', {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = $1' },
    });
    client.recordException(new TypeError('connection reset'));
    client.recordException(new RangeError('second failure'));
    client.setStatus({ code: SpanStatusCode.ERROR });
    client.end();
    const internal = tracer.startSpan('validate', { kind: SpanKind.INTERNAL });
    internal.recordException(new Error('invalid order'));
    internal.addEvent('checked', { rule: 'total > 0' });
    internal.end();
    const quiet = tracer.startSpan('quiet internal', { kind: SpanKind.INTERNAL });
    quiet.end();
  });
}

/** A trace point as the `trace_points` view returns it (SELECT below), from mapSpan's form. */
function viewRow(point: TracePoint, source: string) {
  return {
    trace_type: point.traceType,
    ts: point.timestamp,
    source_component: point.sourceComponent,
    target_component: point.targetComponent,
    source_method: point.sourceMethod,
    target_method: point.targetMethod,
    trace_id: point.traceId,
    span_id: point.spanId,
    parent_span_id: point.parentSpanId,
    duration: point.durationNs,
    status_code: point.statusCode,
    exception_type: point.exception?.type ?? '',
    exception_message: point.exception?.message ?? '',
    exception_stacktrace: point.exception?.stacktrace ?? '',
    params: point.params,
    exception_source: source,
  };
}

const VIEW_SELECT = `SELECT trace_type, toString(toUnixTimestamp64Nano(timestamp)) AS ts, source_component, target_component,
  source_method, target_method, trace_id, span_id, parent_span_id, toString(duration_ns) AS duration, status_code,
  exception_type, exception_message, exception_stacktrace, params, exception_source`;

const transports = [
  { name: 'embedded engine', database: 'mig_embedded', client: () => store.client },
  { name: 'local HTTP server', database: 'mig_http', client: () => createClient({ url: store.server.url }) },
] as const;

describe.each(transports)('a new store over the $name', ({ database, client }) => {
  async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await client().query({ query, format: 'JSONEachRow', query_params: params })).json<T>();
  }

  it('has one row per span: the trace-point columns in otel_traces and trace_points a view over it, equal to mapSpan', async () => {
    const spans = await variedSpans('orders');
    const exporter = new ClickHouseSpanExporter({ client: client(), database, mode: 'sync' });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();

    const tables = await rows<{ name: string; engine: string }>(
      'SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name',
      { db: database },
    );
    expect(tables).toEqual([
      { name: 'otel_traces', engine: 'MergeTree' },
      { name: 'otel_traces_trace_id_ts', engine: 'AggregatingMergeTree' },
      { name: 'otel_traces_trace_id_ts_mv', engine: 'MaterializedView' },
      { name: 'trace_point_stats', engine: 'MergeTree' },
      { name: 'trace_points', engine: 'View' },
      { name: MIGRATIONS_TABLE, engine: 'ReplacingMergeTree' },
    ]);
    const versions = await rows<{ version: number }>(
      `SELECT version FROM ${database}.${MIGRATIONS_TABLE} ORDER BY version`,
    );
    expect(versions.map((row) => Number(row.version))).toEqual([1, 3, 4, 5, 6]);
    const columns = await rows<{ name: string; default_expression: string }>(
      "SELECT name, default_expression FROM system.columns WHERE database = {db:String} AND table = 'otel_traces' AND name LIKE 'TracePoint%' ORDER BY position",
      { db: database },
    );
    expect(columns.map((column) => column.name)).toEqual(TRACE_POINT_COLUMNS.map((column) => column.name));
    expect(columns.every((column) => column.default_expression !== '')).toBe(true);

    const stored = await rows<{ SpanName: string; TracePoints: number }>(
      `SELECT SpanName, TracePoints FROM ${database}.otel_traces ORDER BY SpanName`,
    );
    // One row per span; the quiet internal span has no trace points (internalSpans: 'none'), the
    // internal span with an exception has its exception only.
    expect(stored).toEqual([
      { SpanName: 'GET /orders/:id', TracePoints: 2 },
      { SpanName: 'SELECT orders', TracePoints: 2 },
      { SpanName: 'quiet internal', TracePoints: 0 },
      { SpanName: 'validate', TracePoints: 1 },
    ]);

    const view = await rows(`${VIEW_SELECT} FROM ${database}.trace_points ORDER BY span_id, ts, trace_type`);
    const expected = spans
      .flatMap((span) => {
        const hasEvent = span.events.some((event) => event.name === 'exception');
        return mapSpan(span).map((point) =>
          viewRow(point, point.traceType !== 'exception' ? '' : hasEvent ? 'event' : 'status'),
        );
      })
      .sort((a, b) =>
        a.span_id !== b.span_id
          ? a.span_id.localeCompare(b.span_id)
          : a.ts !== b.ts
            ? BigInt(a.ts) < BigInt(b.ts)
              ? -1
              : 1
            : a.trace_type.localeCompare(b.trace_type),
      );
    expect(expected.filter((row) => row.exception_source === 'status')).toHaveLength(1);
    expect(expected.filter((row) => row.exception_source === 'event')).toHaveLength(3);
    expect(view).toEqual(expected);
  });

  it("takes the Collector's INSERT (its 22 columns) and answers Grafana's trace-by-id query through the lookup table", async () => {
    // opentelemetry-collector-contrib exporter/clickhouseexporter/internal/sqltemplates/traces_insert.sql
    // (commit 61540ce) names these columns, in this order.
    const collectorColumns = [
      'Timestamp',
      'TraceId',
      'SpanId',
      'ParentSpanId',
      'TraceState',
      'SpanName',
      'SpanKind',
      'ServiceName',
      'ResourceAttributes',
      'ScopeName',
      'ScopeVersion',
      'SpanAttributes',
      'Duration',
      'StatusCode',
      'StatusMessage',
      'Events.Timestamp',
      'Events.Name',
      'Events.Attributes',
      'Links.TraceId',
      'Links.SpanId',
      'Links.TraceState',
      'Links.Attributes',
    ];
    expect(collectorColumns).toEqual(OTEL_TRACES_INSERT_COLUMNS);
    const traceId = 'c011ec70c011ec70c011ec70c011ec70';
    await client().command({
      query: `INSERT INTO ${database}.otel_traces (${collectorColumns.join(', ')}) VALUES
        ('2026-12-02 10:00:00.000000001', '${traceId}', 'aaaaaaaaaaaaaaa1', '', '', 'collector root', 'Server', 'collected',
         {'service.name': 'collected'}, 'scope', '1.0', {'http.route': '/x'}, 5000000, 'Error', 'boom',
         ['2026-12-02 10:00:00.000000002'], ['exception'], [{'exception.type': 'Boom', 'exception.message': 'boom'}],
         [], [], [], []),
        ('2026-12-02 10:00:00.000000003', '${traceId}', 'aaaaaaaaaaaaaaa2', 'aaaaaaaaaaaaaaa1', '', 'collector child', 'Client', 'collected',
         {'service.name': 'collected'}, 'scope', '1.0', {}, 1000000, 'Unset', '', [], [], [], [], [], [], [])`,
    });
    const landed = await rows<{ SpanId: string; TracePoints: number; TracePointCaller: string }>(
      `SELECT SpanId, TracePoints, TracePointCaller FROM ${database}.otel_traces WHERE TraceId = {t:String} ORDER BY SpanId`,
      { t: traceId },
    );
    expect(landed).toEqual([
      { SpanId: 'aaaaaaaaaaaaaaa1', TracePoints: 0, TracePointCaller: '' },
      { SpanId: 'aaaaaaaaaaaaaaa2', TracePoints: 0, TracePointCaller: '' },
    ]);
    // Spans another writer made have no trace points: the view leaves them out.
    expect(
      await rows(`SELECT count() AS n FROM ${database}.trace_points WHERE trace_id = {t:String}`, {
        t: traceId,
      }),
    ).toEqual([{ n: '0' }]);

    // grafana/clickhouse-datasource src/data/sqlGenerator.test.ts, "trace ID query with additional fields,
    // flatten nested disabled" (OTel columns: Kind -> SpanKind, InstrumentationLibrary* -> Scope*).
    const grafana = `WITH {trace_id:String} as trace_id, (SELECT min(Start) FROM "${database}"."otel_traces_trace_id_ts" WHERE TraceId = trace_id) as trace_start,
      (SELECT max(End) + 1 FROM "${database}"."otel_traces_trace_id_ts" WHERE TraceId = trace_id) as trace_end
      SELECT "TraceId" as traceID, "SpanId" as spanID, "ParentSpanId" as parentSpanID,
      "ServiceName" as serviceName, "SpanName" as operationName, multiply(toUnixTimestamp64Nano("Timestamp"), 0.000001) as startTime,
      multiply("Duration", 0.000001) as duration,
      arrayMap(key -> map('key', key, 'value',"SpanAttributes"[key]), mapKeys("SpanAttributes")) as tags,
      arrayMap(key -> map('key', key, 'value',"ResourceAttributes"[key]), mapKeys("ResourceAttributes")) as serviceTags,
      if("StatusCode" IN ('Error', 'STATUS_CODE_ERROR'), 2, 0) as statusCode,
      arrayMap((name, timestamp, attributes) -> tuple(name, toString(toUnixTimestamp64Milli(timestamp)), arrayMap( key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))::Tuple(name String, timestamp String, fields Array(Map(String, String))), "Events".Name, "Events".Timestamp, "Events".Attributes) AS logs,
      arrayMap((traceID, spanID, attributes) -> tuple(traceID, spanID, arrayMap(key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))::Tuple(traceID String, spanID String, tags Array(Map(String, String))), "Links".TraceId, "Links".SpanId, "Links".Attributes) AS references,
      "SpanKind" as kind, "StatusMessage" as statusMessage, "ScopeName" as instrumentationLibraryName,
      "ScopeVersion" as instrumentationLibraryVersion, "TraceState" as traceState
      FROM "${database}"."otel_traces" WHERE traceID = trace_id AND "Timestamp" >= trace_start AND "Timestamp" <= trace_end
      LIMIT 1000`;
    const trace = (await rows<Record<string, unknown>>(grafana, { trace_id: traceId })).sort((a, b) =>
      String(a.spanID).localeCompare(String(b.spanID)),
    );
    expect(trace.map((span) => [span.spanID, span.operationName, span.statusCode, span.kind])).toEqual([
      ['aaaaaaaaaaaaaaa1', 'collector root', 2, 'Server'],
      ['aaaaaaaaaaaaaaa2', 'collector child', 0, 'Client'],
    ]);
    expect(trace[0]?.logs).toEqual([
      {
        name: 'exception',
        timestamp: String(Date.UTC(2026, 11, 2, 10)),
        fields: [
          { key: 'exception.type', value: 'Boom' },
          { key: 'exception.message', value: 'boom' },
        ],
      },
    ]);

    // The same query finds a trace the exporter wrote, every span of it.
    const spans = await variedSpans('grafana-read');
    const exporter = new ClickHouseSpanExporter({ client: client(), database, mode: 'sync' });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();
    const written = spans[0]!.spanContext().traceId;
    const ours = await rows<{ spanID: string }>(grafana, { trace_id: written });
    expect(ours.map((span) => span.spanID).sort()).toEqual(
      spans
        .filter((span) => span.spanContext().traceId === written)
        .map((span) => span.spanContext().spanId)
        .sort(),
    );
  });
});

describe('a span table the server will not ALTER', () => {
  it('gets spans without trace points and one warning saying why (createSchema: true)', async () => {
    const database = 'mig_no_alter';
    // A File-engine table takes INSERTs but refuses ADD COLUMN (NOT_IMPLEMENTED): the refusal of a
    // real server, as a user without the ALTER grant on a Collector-made table would meet it.
    await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    const columns = OTEL_TRACES_COLUMN_DEFINITIONS.join(', ');
    await store.client.command({
      query: `CREATE TABLE ${database}.otel_traces (${columns}) ENGINE = File(JSONEachRow)`,
    });
    const warnings: string[] = [];
    const spans = await variedSpans('no-alter');
    const exporter = new ClickHouseSpanExporter({
      client: store.client,
      database,
      mode: 'sync',
      logger: { warn: (message) => warnings.push(message), error: (message) => warnings.push(message) },
    });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();
    expect(exporter.stats()).toMatchObject({ spansExported: 2 * spans.length, spansFailed: 0 });
    const off = warnings.filter((message) => message.includes('trace points are off'));
    expect(off).toHaveLength(1);
    expect(off[0]).toMatch(/lacks column\(s\) TracePoints.*ALTER TABLE refused to add them/);
    expect(await store.rows<{ n: string }>(`SELECT count() AS n FROM ${database}.otel_traces`)).toEqual([
      { n: String(2 * spans.length) },
    ]);
    // The view needs the columns: it is not made until a start can add them.
    expect(
      await store.rows(
        `SELECT name FROM system.tables WHERE database = '${database}' AND name = 'trace_points'`,
      ),
    ).toEqual([]);
  });
});

describe('a span table made again after the trace-point columns were added', () => {
  it('gets the columns again at the next start (createSchema: true), with no warning', async () => {
    const database = 'mig_remade';
    const warnings: string[] = [];
    const logger = {
      warn: (message: string) => warnings.push(message),
      error: (message: string) => warnings.push(message),
    };
    const first = new ClickHouseSpanExporter({ client: store.client, database, mode: 'sync', logger });
    await first.ready();
    await first.shutdown();
    // Another writer drops the table and makes its own, without the columns; step 4 stays recorded.
    await store.client.command({ query: `DROP TABLE ${database}.otel_traces SYNC` });
    await store.client.command({
      query: `CREATE TABLE ${database}.otel_traces (${OTEL_TRACES_COLUMN_DEFINITIONS.join(', ')}) ENGINE = MergeTree ORDER BY tuple() SETTINGS non_replicated_deduplication_window = 1000`,
    });
    const spans = await variedSpans('remade');
    const second = new ClickHouseSpanExporter({ client: store.client, database, mode: 'sync', logger });
    expect(await exportOnce(second, spans)).toEqual({ code: 0 });
    await second.shutdown();
    expect(warnings).toEqual([]);
    const points = spans.reduce((sum, span) => sum + mapSpan(span).length, 0);
    expect(await store.rows(`SELECT count() AS n FROM ${database}.trace_points`)).toEqual([
      { n: String(points) },
    ]);
  });
});

const LEGACY = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'legacy-store');

/** Recreates the store the release before the trace-point columns made and filled (fixtures/legacy-store/README.md). */
async function loadLegacyStore(database: string): Promise<void> {
  const client = store.client;
  const statements = readFileSync(join(LEGACY, 'schema.sql'), 'utf8')
    .split(';\n\n')
    .map((statement) => statement.trim().replaceAll('{database}', database))
    .filter((statement) => statement !== '');
  await client.command({ query: `CREATE DATABASE ${database}` });
  const isTable = (statement: string) => statement.startsWith('CREATE TABLE');
  for (const statement of statements.filter(isTable)) await client.command({ query: statement });
  const manifest = JSON.parse(readFileSync(join(LEGACY, 'manifest.json'), 'utf8')) as {
    tables: Array<{ table: string; file: string }>;
  };
  for (const { table, file } of manifest.tables) {
    const text = readFileSync(join(LEGACY, file), 'utf8');
    if (text.trim() === '') continue;
    await client.command({
      query: `INSERT INTO ${database}.${table} SETTINGS optimize_on_insert = 0 FORMAT JSONEachRow ${text}`,
    });
  }
  for (const statement of statements.filter((statement) => !isTable(statement)))
    await client.command({ query: statement });
}

const legacyLines = (file: string) =>
  readFileSync(join(LEGACY, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe.each(transports)(
  'a store of the release before the trace-point columns, upgraded over the $name',
  ({ name, database: base }) => {
    const database = `${base}_legacy`;

    it('still shows every old trace point, adds the new spans as rows of otel_traces only, and keeps the old table', async () => {
      await loadLegacyStore(database);
      const oldPoints = legacyLines('trace_points.jsonl');
      const oldSpans = legacyLines('otel_traces.jsonl');
      expect(oldPoints).toHaveLength(29);

      const spans = await variedSpans('upgraded');
      const warnings: string[] = [];
      const exporter = new ClickHouseSpanExporter({
        ...(name === 'embedded engine' ? { client: store.client } : { url: store.server.url }),
        database,
        mode: 'sync',
        logger: { warn: (message) => warnings.push(message), error: (message) => warnings.push(message) },
      });
      expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
      await exporter.shutdown();
      expect(warnings).toEqual([]);
      expect(exporter.stats().rowsWritten).toEqual({ otel_traces: spans.length });

      const versions = await store.rows<{ version: number }>(
        `SELECT version FROM ${database}.${MIGRATIONS_TABLE} FINAL ORDER BY version`,
      );
      expect(versions.map((row) => Number(row.version))).toEqual([1, 2, 3, 4, 5, 6]);
      // Migration 6 gave the old stats table its client_errors column.
      expect(
        await store.rows(
          `SELECT type FROM system.columns WHERE database = '${database}' AND table = 'trace_point_stats' AND name = 'client_errors'`,
        ),
      ).toEqual([{ type: 'UInt64' }]);
      // The old table stays as it was (no copy, nothing new written to it); its rows age out by its own TTL.
      expect(await store.rows(`SELECT count() AS n FROM ${database}.trace_points_spans`)).toEqual([
        { n: '13' },
      ]);
      expect(await store.rows(`SELECT count() AS n FROM ${database}.otel_traces`)).toEqual([
        { n: String(oldSpans.length + spans.length) },
      ]);
      // Old span rows read their new columns' defaults, so the view does not count them twice.
      expect(
        await store.rows(
          `SELECT count() AS n FROM ${database}.otel_traces WHERE TracePoints > 0 AND ServiceName = 'legacy-svc'`,
        ),
      ).toEqual([{ n: '0' }]);

      // Every old point, field for field, as the old view showed it.
      const oldIds = [...new Set(oldPoints.map((point) => point.span_id as string))];
      const kept = await store.rows<Record<string, unknown>>(
        `SELECT * EXCEPT exception_source FROM ${database}.trace_points
       WHERE span_id IN (${oldIds.map((id) => `'${id}'`).join(', ')}) ORDER BY span_id, timestamp, trace_type`,
      );
      expect(kept).toEqual(oldPoints);

      // Where each old exception came from, inferred from the old row; the spans' events say it.
      const eventSpans = new Set(
        oldSpans
          .filter((span) => (span['Events.Name'] as string[]).includes('exception'))
          .map((span) => span.SpanId as string),
      );
      const sources = await store.rows<{ span_id: string; exception_source: string }>(
        `SELECT span_id, exception_source FROM ${database}.trace_points
       WHERE trace_type = 'exception' AND span_id IN (${oldIds.map((id) => `'${id}'`).join(', ')})`,
      );
      expect(sources.length).toBeGreaterThan(2);
      for (const row of sources)
        expect([row.span_id, row.exception_source]).toEqual([
          row.span_id,
          eventSpans.has(row.span_id) ? 'event' : 'status',
        ]);
      expect(new Set(sources.map((row) => row.exception_source))).toEqual(new Set(['event', 'status']));

      // The new spans' points come from otel_traces alone, as mapSpan gives them.
      const newPoints = await store.rows<{ n: string }>(
        `SELECT count() AS n FROM ${database}.trace_points WHERE span_id NOT IN (${oldIds.map((id) => `'${id}'`).join(', ')})`,
      );
      expect(newPoints).toEqual([{ n: String(spans.reduce((sum, span) => sum + mapSpan(span).length, 0)) }]);
    });
  },
);
