import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { hrTimeToNanoString } from '@tracepoint/core';
import { ClickHouseSpanExporter, type ClickHouseSpanExporterOptions } from '@tracepoint/exporter-clickhouse';
import { declaredColumnTypes, describeColumns } from '@tracepoint/exporter-clickhouse/internal';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnce } from '../../../test-support/recorded-spans.js';
import { spanTableRows } from '../../../test-support/span-table-rows.js';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

const store = testStore('exporter-binary-insert', { http: true });

const SMILE = '😀';
const LONE = SMILE.slice(0, 1);
const MULTI = 'Grüße 日本 🚀 ';
/** More keys than one LEB128 byte counts (127), and a value longer than one byte of length. */
const HUGE: Record<string, string> = {};
for (let i = 0; i < 300; i++) HUGE[`key.${i}.${MULTI}`] = `${MULTI.repeat(i % 20)}${i}`;

let spans: ReadableSpan[] = [];

/** Real SDK spans with every kind of column value: multi-byte and cut text, empty and huge maps, events and links with attributes. */
async function recordSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({
    serviceName: `binary ${MULTI}`,
    resourceAttributes: { 'deployment.environment.name': `prod ${MULTI}`, 'host.cut': `a${LONE}b` },
    spanProcessors: [simpleSpanProcessor(memory)],
    // The SDK keeps 128 attributes by default; the huge map needs more than one LEB128 byte of count.
    providerConfig: { spanLimits: { attributeCountLimit: 1000 } },
  });
  const { tracer } = tracing;
  await tracer.startActiveSpan(`GET /orders/{id} ${MULTI}`, { kind: SpanKind.SERVER }, async (root) => {
    root.setAttributes({
      ...HUGE,
      'http.request.method': 'GET',
      'http.route': '/orders/{id}',
      'http.response.status_code': 500,
      lone: `half ${LONE} surrogate`,
      [`key ${LONE}`]: 'lone in a key',
      quote: 'say "hi"\\ there\n\t\u0000',
      long: MULTI.repeat(400),
      ratio: 0.25,
      flag: true,
      tags: ['a', `b${MULTI}`],
    });
    root.addEvent(`exception ${MULTI}`, { 'exception.type': 'Boom', 'exception.message': `bad ${MULTI}` });
    root.addEvent('no attributes');
    root.setStatus({ code: SpanStatusCode.ERROR, message: `failed ${MULTI}${LONE}` });
    const context = {
      ...root.spanContext(),
      traceState: root.spanContext().traceState,
      traceFlags: TraceFlags.SAMPLED,
    };
    tracer.startActiveSpan(
      'charge card',
      {
        kind: SpanKind.CLIENT,
        links: [
          { context, attributes: { why: `retry ${MULTI}`, n: 3 } },
          { context, attributes: {} },
        ],
        attributes: { 'http.request.method': 'POST', 'url.full': 'http://payments/charge' },
      },
      (child) => child.end(),
    );
    tracer.startActiveSpan('empty', { kind: SpanKind.INTERNAL }, (child) => child.end());
    root.end();
  });
  await tracing.provider.forceFlush();
  const finished = memory.getFinishedSpans().slice();
  await tracing.stop();
  return finished;
}

beforeAll(async () => {
  spans = await recordSpans();
});

const quietLogger = () => {
  const warnings: string[] = [];
  return {
    warnings,
    logger: { warn: (m: string) => warnings.push(m), error: (m: string) => warnings.push(m) },
  };
};

async function write(
  database: string,
  options: ClickHouseSpanExporterOptions,
): Promise<ClickHouseSpanExporter> {
  await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  const exporter = new ClickHouseSpanExporter({ database, ...options });
  await exporter.ready();
  expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
  await exporter.forceFlush();
  await exporter.shutdown();
  return exporter;
}

const allColumns = (database: string) => spanTableRows(store, database);

/**
 * Which format an exporter inserted in, seen from what lands: a span that started in 1970 is exact
 * in RowBinary (Int64 nanoseconds), while DateTime64 text before 1973 is refused as a bad row.
 */
async function formatSeen(
  database: string,
  options: ClickHouseSpanExporterOptions,
): Promise<'binary' | 'json'> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({ serviceName: 'old', spanProcessors: [simpleSpanProcessor(memory)] });
  tracing.tracer.startSpan('from 1970', { startTime: [100, 5] }).end([101, 0]);
  await tracing.provider.forceFlush();
  const old = memory.getFinishedSpans().slice();
  await tracing.stop();
  const exporter = new ClickHouseSpanExporter({ database, ...options, logger: quietLogger().logger });
  await exportOnce(exporter, old);
  await exporter.forceFlush();
  await exporter.shutdown();
  const [row] = await store.rows<{ ts: string }>(
    `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts FROM ${database}.otel_traces WHERE SpanName = 'from 1970'`,
  );
  if (row === undefined) return 'json';
  expect(row.ts).toBe('100000000005');
  return 'binary';
}

const transports = [
  { name: 'embedded engine', options: () => ({ client: store.client }) },
  { name: 'local HTTP server', options: () => ({ url: store.server.url }) },
  {
    name: 'local HTTP server via createClient',
    options: () => ({
      client: createClient({ url: store.server.url, log: { level: ClickHouseLogLevel.OFF } }),
    }),
  },
];

describe.each(transports)('binary inserts over the $name', ({ name, options }) => {
  const slug = name.replace(/\W+/g, '_');

  it('round-trips every otel_traces column exactly, as the JSON path writes it', async () => {
    const binary = await write(`bin_${slug}`, { ...options(), mode: 'sync' });
    // Push mode streams JSON lines: the oracle, written by the same exporter from the same spans.
    const json = await write(`json_${slug}`, { ...options(), mode: 'push' });

    const rows = await allColumns(`bin_${slug}`);
    expect(rows).toHaveLength(spans.length);
    expect(rows).toEqual(await allColumns(`json_${slug}`));
    // Buffer writes lone surrogates as U+FFFD silently: the binary path counts the same repairs as the JSON one.
    expect(binary.stats().loneSurrogatesReplaced).toBe(json.stats().loneSurrogatesReplaced);
    expect(binary.stats().loneSurrogatesReplaced).toBeGreaterThanOrEqual(3);
    expect(binary.stats().spansExported).toBe(spans.length);

    // And against the spans themselves, not only against the other path.
    const root = spans.find((span) => span.kind === SpanKind.SERVER) as ReadableSpan;
    const row = rows.find((r) => r.SpanId === root.spanContext().spanId) as Record<string, unknown>;
    const exact = await store.rows<Record<string, string>>(
      `SELECT toUnixTimestamp64Nano(Timestamp) AS ts, toString(Duration) AS d,
              toString(arrayMap(t -> toUnixTimestamp64Nano(t), Events.Timestamp)) AS events
       FROM bin_${slug}.otel_traces WHERE SpanId = '${root.spanContext().spanId}'`,
    );
    expect(exact[0]).toEqual({
      ts: hrTimeToNanoString(root.startTime),
      d: hrTimeToNanoString(root.duration),
      events: `[${root.events.map((e) => hrTimeToNanoString(e.time)).join(',')}]`,
    });
    expect(row.SpanName).toBe(root.name);
    expect(row.ServiceName).toBe(`binary ${MULTI}`);
    const attributes = row.SpanAttributes as Record<string, string>;
    expect(Object.keys(attributes)).toHaveLength(Object.keys(root.attributes).length);
    expect(Object.keys(attributes).length).toBeGreaterThan(300);
    expect(attributes['key.299.Grüße 日本 🚀 ']).toBe(HUGE['key.299.Grüße 日本 🚀 ']);
    expect(attributes.long).toBe(MULTI.repeat(400));
    expect(attributes.lone).toBe('half \uFFFD surrogate');
    expect(attributes['key \uFFFD']).toBe('lone in a key');
    expect(attributes.quote).toBe('say "hi"\\ there\n\t\u0000');
    expect(attributes.tags).toBe(`["a","b${MULTI}"]`);
    expect(row.StatusMessage).toBe(`failed ${MULTI}\uFFFD`);
    expect(row['Events.Name']).toEqual([`exception ${MULTI}`, 'no attributes']);
    expect(row['Events.Attributes']).toEqual([
      { 'exception.type': 'Boom', 'exception.message': `bad ${MULTI}` },
      {},
    ]);
    expect(row.TracePoints).toBe(2);
    const client = rows.find((r) => r.SpanName === 'charge card') as Record<string, unknown>;
    expect(client['Links.SpanId']).toEqual([root.spanContext().spanId, root.spanContext().spanId]);
    expect(client['Links.Attributes']).toEqual([{ why: `retry ${MULTI}`, n: '3' }, {}]);
    expect(client.TracePointCallee).not.toBe('');
    const empty = rows.find((r) => r.SpanName === 'empty') as Record<string, unknown>;
    expect(empty.SpanAttributes).toEqual({});
    expect(empty['Events.Name']).toEqual([]);
    expect(await formatSeen(`bin_${slug}`, { ...options(), mode: 'sync' })).toBe('binary');
    expect(await formatSeen(`bin_${slug}`, { ...options(), mode: 'async' })).toBe('binary');
    expect(await formatSeen(`json_${slug}`, { ...options(), mode: 'push' })).toBe('json');
  });

  it('writes a table whose types differ from its own schema in those types, and falls back to JSON for a type it cannot write', async () => {
    const differing = `types_${slug}`;
    await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${differing}` });
    // The exporter's own table, then columns redeclared the way other writers declare them.
    const first = new ClickHouseSpanExporter({ ...options(), database: differing, mode: 'sync' });
    await first.ready();
    await first.shutdown();
    for (const change of [
      'SpanAttributes Map(String, String)',
      'StatusMessage Nullable(String)',
      'ScopeName String',
      'TracePoints UInt32',
      'TraceState FixedString(64)',
      'Duration Int64',
    ])
      await store.client.command({ query: `ALTER TABLE ${differing}.otel_traces MODIFY COLUMN ${change}` });
    const { warnings, logger } = quietLogger();
    await write(differing, { ...options(), mode: 'sync', logger });
    expect(warnings).toEqual([]);
    const rows = await store.rows<Record<string, unknown>>(
      `SELECT SpanName, length(SpanAttributes) AS n, StatusMessage, TracePoints, toString(Duration) AS d FROM ${differing}.otel_traces ORDER BY SpanName`,
    );
    expect(rows.map((row) => row.SpanName)).toEqual([
      'GET /orders/{id} Grüße 日本 🚀 ',
      'charge card',
      'empty',
    ]);
    const root = spans.find((span) => span.kind === SpanKind.SERVER) as ReadableSpan;
    expect(rows[0]).toMatchObject({
      n: String(Object.keys(root.attributes).length),
      StatusMessage: `failed ${MULTI}\uFFFD`,
      TracePoints: 2,
      d: hrTimeToNanoString(root.duration),
    });
    expect(await formatSeen(differing, { ...options(), mode: 'sync' })).toBe('binary');

    // An Enum the binary writer does not write: JSON lines (which the server parses by name), one warning.
    const enumDb = `enum_${slug}`;
    await store.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${enumDb}` });
    const second = new ClickHouseSpanExporter({ ...options(), database: enumDb, mode: 'sync' });
    await second.ready();
    await second.shutdown();
    await store.client.command({
      query: `ALTER TABLE ${enumDb}.otel_traces MODIFY COLUMN SpanKind Enum8('Unspecified' = 0, 'Internal' = 1, 'Server' = 2, 'Client' = 3, 'Producer' = 4, 'Consumer' = 5)`,
    });
    const fallback = quietLogger();
    const exporter = await write(enumDb, { ...options(), mode: 'async', logger: fallback.logger });
    expect(fallback.warnings).toHaveLength(1);
    expect(fallback.warnings[0]).toMatch(/JSONCompactEachRow instead of RowBinary.*SpanKind has type Enum8/);
    expect(exporter.stats().spansExported).toBe(spans.length);
    expect(await formatSeen(enumDb, { ...options(), mode: 'sync' })).toBe('json');
    expect(
      await store.count(`SELECT count() AS n FROM ${enumDb}.otel_traces WHERE SpanKind = 'Server'`),
    ).toBe(1);
  });
});

describe('declared column types', () => {
  it('are the types system.columns reports for a span table the exporter made (the benchmarks encode with them)', async () => {
    await write('declared_types', { client: store.client, mode: 'sync' });
    const described = await describeColumns(store.client, 'declared_types', 'otel_traces');
    const declared = declaredColumnTypes();
    expect([...declared.keys()].every((name) => described.has(name))).toBe(true);
    for (const [name, type] of declared) expect({ name, type }).toEqual({ name, type: described.get(name) });
  });
});
