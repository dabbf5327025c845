import { createClient } from '@clickhouse/client';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToNanoString } from '@tracepoint/core';
import {
  ClickHouseSpanExporter,
  statsEndpointsSql,
  statsServiceGraphSql,
} from '@tracepoint/exporter-clickhouse';
import { OTEL_TRACES_INSERT_COLUMNS } from '@tracepoint/exporter-clickhouse/internal';
import { mapSpan } from '@tracepoint/semantic-mapping';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnce } from '../../../test-support/recorded-spans.js';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

const store = testStore('exporter', { http: true });
let spans: ReadableSpan[];

/**
 * Real SDK spans: a root with three children. A client call that records an
 * exception and carries a link; a client call failed by status only (ERROR with
 * `error.type`, no exception event); an internal span that records an
 * exception (with the default internalSpans 'none': exceptions only).
 */
async function recordSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({
    serviceName: 'exporter-test',
    spanProcessors: [simpleSpanProcessor(memory)],
  });
  const { tracer } = tracing;
  await tracer.startActiveSpan('GET /orders/{id}', { kind: SpanKind.SERVER }, async (root) => {
    root.setAttributes({
      'http.request.method': 'GET',
      'http.response.status_code': 500,
      retry: true,
      ratio: 0.25,
      tags: ['a', 'b'],
    });
    const linked = root.spanContext();
    await tracer.startActiveSpan(
      'load order',
      { kind: SpanKind.CLIENT, links: [{ context: linked, attributes: { why: 'test' } }] },
      async (child) => {
        child.recordException(Object.assign(new Error('order 42 missing'), { name: 'NotFoundError' }));
        child.setStatus({ code: SpanStatusCode.ERROR, message: 'order 42 missing' });
        child.end();
      },
    );
    tracer.startActiveSpan('charge card', { kind: SpanKind.CLIENT }, (child) => {
      child.setAttributes({
        'http.request.method': 'POST',
        'url.full': 'http://payments/charge',
        'error.type': '502',
      });
      child.setStatus({ code: SpanStatusCode.ERROR });
      child.end();
    });
    tracer.startActiveSpan('validate order', (child) => {
      child.recordException(Object.assign(new Error('quantity 0'), { name: 'ValidationError' }));
      child.end();
    });
    root.end();
  });
  await tracing.provider.forceFlush();
  // Read before stop(): shutting the in-memory exporter down empties it.
  const finished = memory.getFinishedSpans().slice();
  await tracing.stop();
  return finished;
}

beforeAll(async () => {
  spans = await recordSpans();
});

const transports = [
  { name: 'embedded engine', database: 'via_embedded', client: () => store.client },
  { name: 'local HTTP server', database: 'via_http', client: () => createClient({ url: store.server.url }) },
];

describe.each(transports)('ClickHouseSpanExporter over the $name', ({ database, client }) => {
  it('writes every span exactly once with exact ids, times and attributes', async () => {
    await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    const exporter = new ClickHouseSpanExporter({ client: client(), database, mode: 'sync' });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();

    const rows = await (
      await store.client.query({
        query: `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, StatusCode, StatusMessage,
                       toUnixTimestamp64Nano(Timestamp) AS start, Duration, SpanAttributes, ScopeName, ScopeVersion,
                       Events.Name AS eventNames, Events.Attributes AS eventAttributes,
                       Links.SpanId AS linkSpanIds, Links.Attributes AS linkAttributes
                FROM ${database}.otel_traces`,
        format: 'JSONEachRow',
      })
    ).json<Record<string, unknown>>();

    expect(rows).toHaveLength(spans.length);
    // Spans may start in the same millisecond: rows are matched by span id, not time.
    const root = spans.find((span) => span.parentSpanContext === undefined);
    const child = spans.find((span) => span.name === 'load order');
    const rowOf = (span: ReadableSpan | undefined) =>
      rows.find((row) => row.SpanId === span?.spanContext().spanId);

    expect(rowOf(root)).toMatchObject({
      TraceId: root!.spanContext().traceId,
      SpanId: root!.spanContext().spanId,
      ParentSpanId: '',
      SpanName: 'GET /orders/{id}',
      SpanKind: 'Server',
      ServiceName: 'exporter-test',
      StatusCode: 'Unset',
      start: hrTimeToNanoString(root!.startTime),
      Duration: hrTimeToNanoString(root!.duration),
      ScopeName: 'tracepoint-test',
      ScopeVersion: '1.0.0',
      SpanAttributes: {
        'http.request.method': 'GET',
        'http.response.status_code': '500',
        retry: 'true',
        ratio: '0.25',
        tags: '["a","b"]',
      },
    });
    expect(rowOf(root)?.TraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(rowOf(child)).toMatchObject({
      SpanId: child!.spanContext().spanId,
      ParentSpanId: root!.spanContext().spanId,
      SpanKind: 'Client',
      StatusCode: 'Error',
      StatusMessage: 'order 42 missing',
      Duration: hrTimeToNanoString(child!.duration),
      eventNames: ['exception'],
      linkSpanIds: [root!.spanContext().spanId],
      linkAttributes: [{ why: 'test' }],
    });
    const exception = (rowOf(child)?.eventAttributes as Record<string, string>[] | undefined)?.[0];
    expect(exception).toMatchObject({
      'exception.type': 'NotFoundError',
      'exception.message': 'order 42 missing',
    });
    expect(exception?.['exception.stacktrace']).toContain('order 42 missing');
  });

  it('writes times before 2001 exactly (ClickHouse refuses 18-digit nanosecond text)', async () => {
    const memory = new InMemorySpanExporter();
    const tracing = startTracing({ serviceName: 'old-clock', spanProcessors: [simpleSpanProcessor(memory)] });
    // 1995-03-18 and 1973-03-04: 18 and 17 digits of nanoseconds.
    for (const start of [795_513_164_754, 100_000_000_123]) {
      const span = tracing.tracer.startSpan(`at ${start}`, { kind: SpanKind.CLIENT, startTime: start });
      span.setAttributes({ 'http.request.method': 'GET', 'url.full': 'http://x/y' });
      span.addEvent('mid', start + 1);
      span.end(start + 2);
    }
    await tracing.provider.forceFlush();
    const old = memory.getFinishedSpans().slice();
    await tracing.stop();
    const db = `${database}_old_times`;
    const exporter = new ClickHouseSpanExporter({ client: client(), database: db, mode: 'sync' });
    expect(await exportOnce(exporter, old)).toEqual({ code: 0 });
    await exporter.shutdown();
    const rows = await (
      await store.client.query({
        query: `SELECT SpanName, toString(Timestamp) AS ts, toString(Events.Timestamp[1]) AS event,
                  (SELECT toString(timestamp) FROM ${db}.trace_points WHERE span_id = t.SpanId) AS point
                FROM ${db}.otel_traces AS t ORDER BY Timestamp`,
        format: 'JSONEachRow',
      })
    ).json();
    expect(rows).toEqual([
      {
        SpanName: 'at 100000000123',
        ts: '1973-03-03 09:46:40.123000000',
        event: '1973-03-03 09:46:40.124000000',
        point: '1973-03-03 09:46:40.123000000',
      },
      {
        SpanName: 'at 795513164754',
        ts: '1995-03-18 07:52:44.754000000',
        event: '1995-03-18 07:52:44.755000000',
        point: '1995-03-18 07:52:44.754000000',
      },
    ]);
  });
});

const modes = ['sync', 'async', 'push'] as const;
const cases = transports.flatMap((transport) => modes.map((mode) => ({ ...transport, mode })));

describe.each(cases)('$mode mode over the $name', ({ name, mode, database }) => {
  const db = `${database}_${mode}`;

  async function query<T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
    return (await store.client.query({ query: sql, format: 'JSONEachRow', query_params: params })).json<T>();
  }

  it('writes spans, trace points and lookup rows exactly once; Grafana finds the trace by id', async () => {
    const options =
      name === 'embedded engine'
        ? { client: store.client }
        : { url: store.server.url, compression: true as const };
    const exporter = new ClickHouseSpanExporter({ ...options, database: db, mode, flushIntervalMillis: 100 });
    await exporter.ready();
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.forceFlush();
    await exporter.shutdown();

    const [counts] = await query<Record<string, string>>(
      `SELECT (SELECT count() FROM ${db}.otel_traces) AS spans, (SELECT uniqExact(SpanId) FROM ${db}.otel_traces) AS distinct_spans,
              (SELECT count() FROM ${db}.trace_points) AS points`,
    );
    const expectedPoints = spans.flatMap((span) => mapSpan(span));
    expect(counts).toEqual({
      spans: String(spans.length),
      distinct_spans: String(spans.length),
      points: String(expectedPoints.length),
    });
    expect(exporter.stats()).toMatchObject({ spansExported: spans.length, spansDropped: 0, spansFailed: 0 });

    // One row per span; TracePoints says which points the view makes of it (2: call, response and
    // exceptions; 1: exceptions only, the internal span).
    const levels = await query<{ SpanName: string; TracePoints: number }>(
      `SELECT SpanName, TracePoints FROM ${db}.otel_traces ORDER BY SpanName`,
    );
    expect(levels).toEqual([
      { SpanName: 'GET /orders/{id}', TracePoints: 2 },
      { SpanName: 'charge card', TracePoints: 2 },
      { SpanName: 'load order', TracePoints: 2 },
      { SpanName: 'validate order', TracePoints: 1 },
    ]);

    // The view gives back exactly the points semantic-mapping produced, and where each exception came from.
    const stored = await query<Record<string, unknown>>(
      `SELECT trace_type, toString(toUnixTimestamp64Nano(timestamp)) AS ts, source_component, target_component,
              source_method, target_method, trace_id, span_id, parent_span_id, toString(duration_ns) AS duration,
              status_code, exception_type, exception_message, exception_stacktrace, params, exception_source
       FROM ${db}.trace_points ORDER BY span_id, ts, trace_type`,
    );
    // mapSpan makes an exception per `exception` event, or one from the status when there is none.
    const hasExceptionEvent = new Set(
      spans
        .filter((span) => span.events.some((event) => event.name === 'exception'))
        .map((span) => span.spanContext().spanId),
    );
    const exceptionSources = expectedPoints
      .filter((p) => p.traceType === 'exception')
      .map((p) => (hasExceptionEvent.has(p.spanId) ? 'event' : 'status'));
    // Each source is exercised: two event exceptions (client, internal) and one status-only.
    expect(exceptionSources.sort()).toEqual(['event', 'event', 'status']);
    const expected = expectedPoints
      .map((p) => ({
        trace_type: p.traceType,
        ts: p.timestamp,
        source_component: p.sourceComponent,
        target_component: p.targetComponent,
        source_method: p.sourceMethod,
        target_method: p.targetMethod,
        trace_id: p.traceId,
        span_id: p.spanId,
        parent_span_id: p.parentSpanId,
        duration: p.durationNs,
        status_code: p.statusCode,
        exception_type: p.exception?.type ?? '',
        exception_message: p.exception?.message ?? '',
        exception_stacktrace: p.exception?.stacktrace ?? '',
        params: p.params,
        exception_source:
          p.traceType !== 'exception' ? '' : hasExceptionEvent.has(p.spanId) ? 'event' : 'status',
      }))
      .sort((a, b) =>
        a.span_id === b.span_id
          ? a.ts === b.ts
            ? a.trace_type.localeCompare(b.trace_type)
            : BigInt(a.ts) < BigInt(b.ts)
              ? -1
              : 1
          : a.span_id.localeCompare(b.span_id),
      );
    expect(stored).toEqual(expected);

    // Grafana's trace-by-id: the window from the lookup table, then the TraceId filter.
    const traceId = spans[0]!.spanContext().traceId;
    const trace = await query<{ SpanId: string }>(
      `WITH {trace_id:String} AS trace_id,
         (SELECT min(Start) FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_start,
         (SELECT max(End) + 1 FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_end
       SELECT SpanId FROM ${db}.otel_traces
       WHERE TraceId = trace_id AND Timestamp >= trace_start AND Timestamp <= trace_end ORDER BY SpanId`,
      { trace_id: traceId },
    );
    expect(trace.map((row) => row.SpanId)).toEqual(spans.map((span) => span.spanContext().spanId).sort());
    const [lookup] = await query<{ rows: string }>(
      `SELECT count() AS rows FROM ${db}.otel_traces_trace_id_ts FINAL WHERE TraceId = {trace_id:String}`,
      { trace_id: traceId },
    );
    expect(lookup?.rows).toBe('1');
  });
});

describe('ClickHouseSpanExporter failure handling', () => {
  it('reports an unreachable ClickHouse through the callback, once, without throwing', async () => {
    const exporter = new ClickHouseSpanExporter({
      url: 'http://127.0.0.1:1',
      database: 'nowhere',
      mode: 'sync',
      maxRetries: 1,
      logger: { warn() {}, error() {} },
    });
    const calls: Array<{ code: number }> = [];
    await new Promise<void>((resolve) => {
      exporter.export(spans, (result) => {
        calls.push(result);
        resolve();
      });
    });
    await exporter.shutdown();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.code).toBe(1);
  });

  it('refuses names that are not identifiers at construction', () => {
    expect(
      () => new ClickHouseSpanExporter({ client: store.client, tracesTable: 'spans; DROP TABLE x' }),
    ).toThrow(/tracesTable must be a plain identifier/);
  });

  it('refuses a stats table name that is not an identifier, with or without a database', () => {
    for (const query of [statsServiceGraphSql, statsEndpointsSql]) {
      expect(() => query({ table: 'stats` WHERE 1; DROP TABLE x; --' })).toThrow(TypeError);
      expect(() => query({ database: 'db', table: 'stats`x' })).toThrow(TypeError);
      expect(query({ table: 'stats_custom' })).toContain('`stats_custom`');
    }
  });

  it('inserts the flattened Nested columns of the schema', () => {
    expect(OTEL_TRACES_INSERT_COLUMNS).toContain('Events.Attributes');
    expect(OTEL_TRACES_INSERT_COLUMNS).toContain('Links.TraceState');
  });
});

describe('README options table', () => {
  it('states the defaults the code uses', async () => {
    const { EXPORTER_DEFAULTS } = await import('@tracepoint/exporter-clickhouse');
    const { expectReadmeStatesDefaults } = await import('../../../test-support/readme-options.js');
    expectReadmeStatesDefaults(new URL('../README.md', import.meta.url), EXPORTER_DEFAULTS);
  });
});
