import { createClient } from '@clickhouse/client';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { classifyInsertError } from '@tracepoint/exporter-clickhouse/internal';
import { createSpanMapper, type SpanMapper, type TracePoint } from '@tracepoint/semantic-mapping';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { exportOnce } from '../../../test-support/recorded-spans.js';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

const store = testStore('exporter-bad-strings', { http: true });

const quiet = { warn() {}, error() {} };
const SMILE = '😀';
/** What ClickHouse holds where the encoder met a lone surrogate. */
const REPLACEMENT = '\uFFFD';
/** The SDK's attributeValueLengthLimit in these tests: it cuts `SMILE` after its high surrogate. */
const LIMIT = 8;
const CUT = `abcdefg${SMILE}`;

/** Real SDK spans, each with the given HTTP method; `good` strings are whole. */
async function recordMethods(methods: readonly string[]): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({ serviceName: 'bad-strings', spanProcessors: [simpleSpanProcessor(memory)] });
  for (const [i, method] of methods.entries()) {
    const span = tracing.tracer.startSpan(`op ${i}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': method, 'http.route': '/a/{id}' },
    });
    span.end();
  }
  await tracing.provider.forceFlush();
  const spans = memory.getFinishedSpans().slice();
  await tracing.stop();
  return spans;
}

/** Real SDK spans: `good` spans whose strings are whole, and one whose strings were cut or built inside a surrogate pair. */
async function recordBatch(good: number): Promise<{ spans: ReadableSpan[]; bad: ReadableSpan }> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({
    serviceName: 'bad-strings',
    spanProcessors: [simpleSpanProcessor(memory)],
    providerConfig: { spanLimits: { attributeValueLengthLimit: LIMIT } },
  });
  for (let i = 0; i < good; i++) {
    const span = tracing.tracer.startSpan(`GET ${i}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/a/{id}', note: `ok ${SMILE}`, i },
    });
    span.end();
  }
  const lone = SMILE.slice(0, 1);
  // Cut the way the SDK cuts span attributes; event and link attributes are not cut by every SDK line.
  const half = CUT.slice(0, LIMIT);
  const bad = tracing.tracer.startSpan(`GET ${lone}`, {
    kind: SpanKind.SERVER,
    // The SDK cuts both to LIMIT characters, in the middle of the emoji; http.route also becomes a trace-point param.
    attributes: { 'http.request.method': 'GET', 'http.route': CUT, note: CUT },
    links: [
      {
        context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 },
        attributes: { why: half },
      },
    ],
  });
  bad.addEvent(`event ${lone}`, { detail: half });
  bad.recordException(new Error(`boom ${lone}`));
  bad.setStatus({ code: SpanStatusCode.ERROR, message: `status ${lone}` });
  bad.end();
  await tracing.provider.forceFlush();
  const spans = memory.getFinishedSpans().slice();
  await tracing.stop();
  const badSpan = spans.find((span) => span.name === `GET ${SMILE.slice(0, 1)}`);
  if (badSpan === undefined || badSpan.attributes.note !== CUT.slice(0, LIMIT))
    throw new Error('the SDK did not cut the attribute inside the surrogate pair');
  // The bad span in the middle of the batch, as a flush would bring it.
  const goodSpans = spans.filter((span) => span !== badSpan);
  return { spans: [...goodSpans.slice(0, good >> 1), badSpan, ...goodSpans.slice(good >> 1)], bad: badSpan };
}

async function rows<T>(sql: string): Promise<T[]> {
  return (await store.client.query({ query: sql, format: 'JSONEachRow' })).json<T>();
}

async function count(sql: string): Promise<number> {
  const [row] = await rows<{ n: string }>(sql);
  return Number(row?.n);
}

/** A string as the store holds it: each lone surrogate written as U+FFFD. */
const asStored = (text: string) => text.replace(/\p{Cs}/gu, REPLACEMENT);

/** A trace point as the `trace_points` view gives it back (the columns mapSpan fills), its strings as stored. */
function asViewRow(point: TracePoint): Record<string, unknown> {
  return {
    trace_type: point.traceType,
    ts: point.timestamp,
    source_component: asStored(point.sourceComponent),
    target_component: asStored(point.targetComponent),
    source_method: asStored(point.sourceMethod),
    target_method: asStored(point.targetMethod),
    trace_id: point.traceId,
    span_id: point.spanId,
    parent_span_id: point.parentSpanId,
    duration: point.durationNs,
    status_code: point.statusCode,
    exception_type: asStored(point.exception?.type ?? ''),
    exception_message: asStored(point.exception?.message ?? ''),
    exception_stacktrace: asStored(point.exception?.stacktrace ?? ''),
    params: Object.fromEntries(
      Object.entries(point.params).map(([key, value]) => [asStored(key), asStored(value)]),
    ),
  };
}

const VIEW_COLUMNS = `trace_type, toString(toUnixTimestamp64Nano(timestamp)) AS ts, source_component, target_component,
  source_method, target_method, trace_id, span_id, parent_span_id, toString(duration_ns) AS duration, status_code,
  exception_type, exception_message, exception_stacktrace, params`;

/** One order for both sides of a comparison (the view has none of its own). */
function sortPoints(points: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = (point: Record<string, unknown>) =>
    [point.span_id, point.trace_type, point.ts, point.exception_message].join('\u0000');
  return points.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * The `trace_points` view holds exactly the points `mapper` (the exporter's
 * mapping options) gives the spans that landed, and none of any other span.
 */
async function expectPointsOf(
  db: string,
  landed: readonly ReadableSpan[],
  mapper: SpanMapper,
): Promise<void> {
  const expected = landed.flatMap((span) => mapper(span)).map(asViewRow);
  expect(expected.length).toBeGreaterThan(0);
  const inView = await rows<Record<string, unknown>>(`SELECT ${VIEW_COLUMNS} FROM ${db}.trace_points`);
  expect(inView).toHaveLength(expected.length);
  expect(sortPoints(inView)).toEqual(sortPoints(expected));
}

const transports = [
  { name: 'embedded engine', database: 'cut_embedded', client: () => store.client },
  { name: 'local HTTP server', database: 'cut_http', client: () => createClient({ url: store.server.url }) },
];

describe.each(transports)('a string cut inside a surrogate pair, over the $name', ({ database, client }) => {
  it('lands as U+FFFD, counted, with the 40 good spans of its batch in one insert, trace points included', async () => {
    const { spans, bad } = await recordBatch(40);
    const exporter = new ClickHouseSpanExporter({ client: client(), database, mode: 'async', logger: quiet });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();

    expect(await count(`SELECT count() AS n FROM ${database}.otel_traces`)).toBe(41);
    await expectPointsOf(database, spans, createSpanMapper());
    const half = `abcdefg${REPLACEMENT}`;
    const [row] = await rows<Record<string, unknown>>(
      `SELECT SpanName, SpanAttributes, StatusMessage, Events.Name AS eventNames, Events.Attributes AS eventAttributes,
              Links.Attributes AS linkAttributes
       FROM ${database}.otel_traces WHERE SpanId = '${bad.spanContext().spanId}'`,
    );
    expect(row).toMatchObject({
      SpanName: `GET ${REPLACEMENT}`,
      SpanAttributes: { 'http.route': half, note: half },
      StatusMessage: `status ${REPLACEMENT}`,
      eventNames: [`event ${REPLACEMENT}`, 'exception'],
      linkAttributes: [{ why: half }],
    });
    const [detail, exception] = (row?.eventAttributes ?? []) as Record<string, string>[];
    expect(detail).toEqual({ detail: half });
    expect(exception?.['exception.message']).toBe(`boom ${REPLACEMENT}`);
    expect(
      await rows(
        `SELECT params['http.route'] AS route, exception_message FROM ${database}.trace_points
         WHERE span_id = '${bad.spanContext().spanId}' AND trace_type = 'exception'`,
      ),
    ).toEqual([{ route: half, exception_message: `boom ${REPLACEMENT}` }]);
    // Each lone surrogate is counted once per row it was written in: the U+FFFD the span's row now holds
    // (its trace-point columns included; the view adds none of its own).
    const replaced = await count(
      `SELECT sum(countSubstrings(formatRow('TSV', *), '${REPLACEMENT}')) AS n FROM ${database}.otel_traces`,
    );
    expect(replaced).toBeGreaterThan(0);
    const stats = exporter.stats();
    expect(stats).toMatchObject({
      spansExported: 41,
      spansFailed: 0,
      rowsRejected: 0,
      loneSurrogatesReplaced: replaced,
      inserts: 1,
    });
    // A span is one row: there is no second table whose insert could fail after this one landed.
    expect(stats.rowsWritten).toEqual({ otel_traces: 41 });
  });
});

describe.each(transports)('a batch with a bad string, over the $name', ({ database, client }) => {
  it('lands a span whose only cut is in a trace-point param (maxParamLength), its points as mapSpan gives them', async () => {
    const methods = Array.from({ length: 41 }, (_, i) => (i === 20 ? `GET${SMILE}` : 'GET'));
    const spans = await recordMethods(methods);
    const db = `${database}_param`;
    // maxParamLength 4 cuts `GET😀` after its high surrogate in TracePointParams only; SpanAttributes keep it whole.
    const mapping = { maxParamLength: 4 };
    const exporter = new ClickHouseSpanExporter({
      client: client(),
      database: db,
      mode: 'sync',
      mapping,
      logger: quiet,
    });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();
    expect(await count(`SELECT count() AS n FROM ${db}.otel_traces`)).toBe(41);
    await expectPointsOf(db, spans, createSpanMapper(mapping));
    expect(
      await rows(
        `SELECT DISTINCT params['http.request.method'] AS method FROM ${db}.trace_points WHERE method != 'GET'`,
      ),
    ).toEqual([{ method: `GET${REPLACEMENT}…` }]);
    expect(
      await rows(
        `SELECT SpanAttributes['http.request.method'] AS method FROM ${db}.otel_traces WHERE method != 'GET'`,
      ),
    ).toEqual([{ method: `GET${SMILE}` }]);
    const stats = exporter.stats();
    expect(stats).toMatchObject({
      spansExported: 41,
      rowsRejected: 0,
      loneSurrogatesReplaced: 1,
      inserts: 1,
    });
    expect(stats.rowsWritten).toEqual({ otel_traces: 41 });
  });

  it('writes a resource attribute with a lone surrogate as U+FFFD in every row of the resource, counted per row', async () => {
    const memory = new InMemorySpanExporter();
    const tracing = startTracing({
      serviceName: 'bad-strings',
      spanProcessors: [simpleSpanProcessor(memory)],
      resourceAttributes: { 'host.name': `box ${SMILE.slice(0, 1)}` },
    });
    for (let i = 0; i < 3; i++) tracing.tracer.startSpan(`op ${i}`, { kind: SpanKind.SERVER }).end();
    await tracing.provider.forceFlush();
    const spans = memory.getFinishedSpans().slice();
    await tracing.stop();
    const db = `${database}_resource`;
    const exporter = new ClickHouseSpanExporter({
      client: client(),
      database: db,
      mode: 'async',
      logger: quiet,
    });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();
    expect(
      await rows(
        `SELECT ResourceAttributes['host.name'] AS host, count() AS n FROM ${db}.otel_traces GROUP BY host`,
      ),
    ).toEqual([{ host: `box ${REPLACEMENT}`, n: '3' }]);
    expect(exporter.stats()).toMatchObject({ spansExported: 3, loneSurrogatesReplaced: 3 });
  });

  it('classifies CANNOT_PARSE_ESCAPE_SEQUENCE (code 25) as bad data, so its batch is split', async () => {
    const probe = client();
    const table = `${database}_escape_probe`;
    await probe.command({
      query: `CREATE TABLE IF NOT EXISTS default.${table} (s String) ENGINE = MergeTree ORDER BY s`,
    });
    // What any encoder that lets a lone surrogate through sends: the server refuses the whole insert.
    const error = await probe
      .insert({ table: `default.${table}`, values: [['\uD83D']], format: 'JSONCompactEachRow' })
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );
    expect(error).toMatchObject({ code: '25' });
    expect(classifyInsertError(error)).toBe('bad-data');
  });
});

/** Real SDK spans, then decoded data (with BigInts) assigned into them as an app does with `Object.assign`. */
async function recordDecoded(): Promise<{ spans: ReadableSpan[]; decoded: ReadableSpan }> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({
    serviceName: 'bigints',
    spanProcessors: [simpleSpanProcessor(memory)],
    resourceAttributes: { 'build.ids': [7n] } as unknown as Record<string, string>,
  });
  const plain = tracing.tracer.startSpan('plain', { kind: SpanKind.SERVER, attributes: { n: [1, 2] } });
  plain.end();
  const span = tracing.tracer.startSpan('decoded', {
    kind: SpanKind.SERVER,
    links: [
      {
        context: { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 },
        attributes: { why: 'x' },
      },
    ],
  });
  span.addEvent('message', { kind: 'x' });
  span.end();
  await tracing.provider.forceFlush();
  const spans = memory.getFinishedSpans().slice();
  await tracing.stop();
  const decoded = spans.find((s) => s.name === 'decoded') as ReadableSpan;
  Object.assign(decoded.attributes, {
    ids: [1n, 12345678901234567890n],
    nested: [[2n, -3n], 'x', 0.5],
    big: 12345678901234567890n,
    'http.response.status_code': [200n],
  });
  const [event] = decoded.events;
  const [link] = decoded.links;
  if (event?.attributes === undefined || link?.attributes === undefined)
    throw new Error('no event or link attributes');
  Object.assign(event.attributes, { seq: [3n] });
  Object.assign(link.attributes, { seq: [4n] });
  return { spans, decoded };
}

describe.each(transports)(
  'a BigInt inside an array attribute value, over the $name',
  ({ database, client }) => {
    it('lands as a plain decimal number in the JSON array text, wherever it sits, trace-point params too', async () => {
      const { spans, decoded } = await recordDecoded();
      const db = `${database}_bigint`;
      const warnings: string[] = [];
      const exporter = new ClickHouseSpanExporter({
        client: client(),
        database: db,
        mode: 'sync',
        logger: { warn: (message) => warnings.push(message), error() {} },
      });
      expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
      await exporter.shutdown();
      expect(warnings).toEqual([]);
      expect(await count(`SELECT count() AS n FROM ${db}.otel_traces`)).toBe(2);
      await expectPointsOf(db, spans, createSpanMapper());
      const id = decoded.spanContext().spanId;
      const [row] = await rows<Record<string, unknown>>(
        `SELECT SpanAttributes, ResourceAttributes, Events.Attributes AS events, Links.Attributes AS links
       FROM ${db}.otel_traces WHERE SpanId = '${id}'`,
      );
      expect(row).toMatchObject({
        SpanAttributes: {
          ids: '[1,12345678901234567890]',
          nested: '[[2,-3],"x",0.5]',
          big: '12345678901234567890',
          'http.response.status_code': '[200]',
        },
        events: [{ seq: '[3]' }],
        links: [{ seq: '[4]' }],
      });
      // OpenTelemetry JS 3 drops a BigInt from a resource's attributes itself; 2.x passes it on.
      const resourceIds = decoded.resource.attributes['build.ids'] === undefined ? undefined : '[7]';
      expect((row?.ResourceAttributes as Record<string, string> | undefined)?.['build.ids']).toBe(
        resourceIds,
      );
      expect(
        await rows(
          `SELECT DISTINCT params['http.response.status_code'] AS status FROM ${db}.trace_points WHERE span_id = '${id}'`,
        ),
      ).toEqual([{ status: '[200]' }]);
      expect(exporter.stats()).toMatchObject({ spansExported: 2, spansFailed: 0 });
    });
  },
);

/** 40 real SDK spans and one whose only bad value is an event time DateTime64(9) cannot hold (year 2286). */
async function recordLateEvent(): Promise<{ spans: ReadableSpan[]; bad: ReadableSpan }> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({ serviceName: 'one-fate', spanProcessors: [simpleSpanProcessor(memory)] });
  for (let i = 0; i < 41; i++) {
    const span = tracing.tracer.startSpan(`GET ${i}`, { kind: SpanKind.SERVER });
    // Not an exception: the time is in the span's Events only, not in its trace points.
    if (i === 20) span.addEvent('cache.miss', {}, [10_000_000_000, 0]);
    span.end();
  }
  await tracing.provider.forceFlush();
  const spans = memory.getFinishedSpans().slice();
  await tracing.stop();
  const bad = spans.find((span) => span.events.length > 0);
  if (bad === undefined) throw new Error('the SDK dropped the event');
  return { spans, bad };
}

const modes = transports.flatMap((transport) =>
  (['sync', 'async', 'push'] as const).map((mode) => ({ ...transport, mode })),
);

describe.each(modes)(
  'a span the server refuses, over the $name in $mode mode',
  ({ database, client, mode }) => {
    it('has neither its row nor its trace points; the 40 others of its batch have both', async () => {
      const { spans, bad } = await recordLateEvent();
      const db = `${database}_fate_${mode}`;
      const exporter = new ClickHouseSpanExporter({ client: client(), database: db, mode, logger: quiet });
      expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
      await exporter.shutdown();
      expect(await count(`SELECT count() AS n FROM ${db}.otel_traces`)).toBe(40);
      const id = bad.spanContext().spanId;
      expect(await count(`SELECT count() AS n FROM ${db}.otel_traces WHERE SpanId = '${id}'`)).toBe(0);
      // The view reads the span rows: every landed span's points, none of the refused one's.
      await expectPointsOf(
        db,
        spans.filter((span) => span !== bad),
        createSpanMapper(),
      );
      expect(await count(`SELECT count() AS n FROM ${db}.trace_points WHERE span_id = '${id}'`)).toBe(0);
      const stats = exporter.stats();
      // An event time past DateTime64(9)'s range has no Int64 form: the RowBinary encoder (sync mode, which
      // starts before encoding) refuses the span before it is sent (spansFailed). JSON text (push mode, and an
      // async export encoded while start-up still reads the table) reaches the server, which refuses the row.
      expect(stats).toMatchObject(
        mode === 'sync'
          ? { spansExported: 40, rowsRejected: 0, spansFailed: 1 }
          : { spansExported: 40, rowsRejected: 1, spansFailed: 0 },
      );
      expect(stats.rowsWritten).toEqual({ otel_traces: 40 });
    });
  },
);
