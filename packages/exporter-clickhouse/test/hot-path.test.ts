import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import {
  type BinarySpanRows,
  compressesRequests,
  declaredColumnTypes,
  insertTarget,
  OTEL_TRACES_INSERT_COLUMNS,
  resolveExporterConfig,
  SpanRowEncoder,
  TRACE_POINT_INSERT_COLUMNS,
} from '@tracepoint/exporter-clickhouse/internal';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportOnce } from '../../../test-support/recorded-spans.js';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

const store = testStore('hot-path', { http: true });
let spans: ReadableSpan[];

/** Real SDK spans of one provider (one resource): a server span with its client call. */
async function recordSpans(count: number): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({
    serviceName: 'hot-path-test',
    spanProcessors: [simpleSpanProcessor(memory)],
  });
  for (let i = 0; i < count; i++) {
    tracing.tracer.startActiveSpan('GET /items/{id}', { kind: SpanKind.SERVER }, (root) => {
      root.setAttributes({ 'http.request.method': 'GET', 'url.path': `/items/${i}`, n: i });
      const child = tracing.tracer.startSpan('GET', { kind: SpanKind.CLIENT });
      child.setAttribute('server.address', 'stock');
      child.end();
      root.end();
    });
  }
  await tracing.provider.forceFlush();
  const finished = memory.getFinishedSpans().slice();
  await tracing.stop();
  return finished;
}

async function countRows(database: string): Promise<number> {
  const result = await store.client.query({
    query: `SELECT count() AS n FROM ${database}.otel_traces`,
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n);
}

beforeAll(async () => {
  spans = await recordSpans(5);
});

describe('export in async mode once started (the hot path)', () => {
  it('queues and reports through the callback before export returns, once, and counts drops', async () => {
    const database = 'hot_sync_path';
    const exporter = new ClickHouseSpanExporter({
      url: store.server.url,
      database,
      // Room for the first export's rows only: the second export's spans are dropped.
      maxQueueBytes: 1,
      maxBatchBytes: 1,
      flushIntervalMillis: 60_000,
    });
    await exporter.ready();
    const results: Array<{ code: number; error?: Error }> = [];
    exporter.export(spans.slice(0, 1), (result) => results.push(result));
    // Reported at once: no promise, no later turn.
    expect(results).toEqual([{ code: 0 }]);
    // A callback that throws does not reach the caller.
    expect(() =>
      exporter.export(spans.slice(1, 3), () => {
        throw new Error('a throwing callback');
      }),
    ).not.toThrow();
    exporter.export(spans.slice(3), (result) => results.push(result));
    expect(results).toHaveLength(2);
    expect(results[1]?.code).toBe(1);
    expect(results[1]?.error?.message).toMatch(/queue is full/);
    await exporter.forceFlush();
    await exporter.shutdown();
    expect(await countRows(database)).toBe(1);
    expect(exporter.stats()).toMatchObject({
      spansExported: 1,
      spansDropped: spans.length - 1,
      spansFailed: 0,
    });
  });

  it('sync mode still reports once, when its insert is done', async () => {
    const database = 'hot_async_path';
    const exporter = new ClickHouseSpanExporter({ url: store.server.url, database, mode: 'sync' });
    const result = await new Promise<{ code: number }>((resolve) => exporter.export(spans, resolve));
    expect(result).toEqual({ code: 0 });
    await exporter.shutdown();
    expect(await countRows(database)).toBe(spans.length);
  });
});

describe('binary rows written into the batch', () => {
  const columns = [...OTEL_TRACES_INSERT_COLUMNS, ...TRACE_POINT_INSERT_COLUMNS];
  const target = insertTarget('otel_traces', 'otel_traces', columns, 'RowBinaryWithNamesAndTypes');

  it('leave nothing of a span that fails half-way, and reuse the resource bytes of one provider', () => {
    const encoder = new SpanRowEncoder();
    encoder.useBinary(target, columns, declaredColumnTypes());
    const alone = encoder.newRows();
    encoder.encode([spans[0] as ReadableSpan, spans[1] as ReadableSpan], alone);
    // The bad span fails on its attributes, written after the resource columns.
    const bad = Object.create(spans[0] as ReadableSpan, {
      attributes: {
        get() {
          throw new Error('unreadable');
        },
      },
    }) as ReadableSpan;
    const mixed = encoder.newRows();
    encoder.encode([spans[0] as ReadableSpan, bad, spans[1] as ReadableSpan], mixed);
    expect(mixed.rows).toBe(2);
    expect(Buffer.concat(mixed.body({ from: 0, to: 2 }))).toEqual(
      Buffer.concat(alone.body({ from: 0, to: 2 })),
    );
  });
});

describe('batch buffers kept for the next batch', () => {
  const columns = [...OTEL_TRACES_INSERT_COLUMNS, ...TRACE_POINT_INSERT_COLUMNS];
  const target = insertTarget('otel_traces', 'otel_traces', columns, 'RowBinaryWithNamesAndTypes');
  const many = (times: number) => Array.from({ length: times }, () => spans).flat();

  it('writes the next batch into the Buffer of one whose insert ended, and lets a mostly empty one go', () => {
    const encoder = new SpanRowEncoder();
    encoder.useBinary(target, columns, declaredColumnTypes());
    const first = encoder.newRows() as BinarySpanRows;
    encoder.encode(many(60), first);
    const buffer = first.writer.buffer;
    // A quarter of the buffer or more was used: worth keeping.
    expect(first.bytes * 4).toBeGreaterThanOrEqual(buffer.length);
    encoder.release(first);
    // Released rows are gone: a late read finds none, never the next batch's bytes.
    expect(first.rows).toBe(0);
    expect(Buffer.concat(first.body({ from: 0, to: 1 })).length).toBe(0);
    const second = encoder.newRows() as BinarySpanRows;
    expect(second.writer.buffer).toBe(buffer);
    encoder.encode(spans.slice(0, 1), second);
    encoder.release(second);
    // One row in a buffer sized for 600: not kept, the next batch starts small again.
    expect((encoder.newRows() as BinarySpanRows).writer.buffer).not.toBe(buffer);
  });

  it('inserts every row of a smaller batch written over a bigger one exactly', async () => {
    const database = 'hot_reused_buffer';
    const exporter = new ClickHouseSpanExporter({
      url: store.server.url,
      database,
      flushIntervalMillis: 60_000,
    });
    await exporter.ready();
    await exportOnce(exporter, many(60));
    await exporter.forceFlush();
    // The second batch reuses the first one's Buffer: stale bytes past its rows must not be sent.
    await exportOnce(exporter, spans.slice(0, 3));
    await exporter.forceFlush();
    await exporter.shutdown();
    expect(exporter.stats()).toMatchObject({ spansExported: 60 * spans.length + 3, spansFailed: 0 });
    const rows = await store.rows<{ SpanName: string; n: string }>(
      `SELECT SpanName, count() AS n FROM ${database}.otel_traces GROUP BY SpanName ORDER BY SpanName`,
    );
    const expected = new Map<string, number>();
    for (const span of [...many(60), ...spans.slice(0, 3)])
      expected.set(span.name, (expected.get(span.name) ?? 0) + 1);
    expect(rows.map((row) => [row.SpanName, Number(row.n)])).toEqual(
      [...expected].sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  });
});

/** A real HTTP hop in front of the local server that notes each request's Content-Encoding. */
async function recordingProxy(
  upstream: string,
): Promise<{ url: string; encodings: string[]; server: Server }> {
  const target = new URL(upstream);
  const encodings: string[] = [];
  const server = createServer((incoming, outgoing) => {
    if (incoming.method === 'POST' && /INSERT/i.test(decodeURIComponent(incoming.url ?? '')))
      encodings.push(incoming.headers['content-encoding'] ?? 'none');
    const forward = request(
      {
        host: target.hostname,
        port: target.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, encodings, server };
}

describe('request compression', () => {
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  beforeAll(async () => {
    proxy = await recordingProxy(store.server.url);
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.server.close(resolve));
  });

  it('is off by default for a loopback server and on when asked for', async () => {
    for (const [compression, database] of [
      [undefined, 'gzip_default'],
      [true, 'gzip_on'],
    ] as const) {
      const exporter = new ClickHouseSpanExporter({
        url: proxy.url,
        database,
        mode: 'sync',
        ...(compression === undefined ? {} : { compression }),
      });
      const result = await new Promise<{ code: number }>((resolve) => exporter.export(spans, resolve));
      expect(result).toEqual({ code: 0 });
      await exporter.shutdown();
      expect(await countRows(database)).toBe(spans.length);
    }
    // One INSERT per exporter (sync mode, one export each): the default's first, then compression: true's.
    expect(proxy.encodings).toEqual(['none', 'gzip']);
  });

  it('is chosen per destination: gzip for remote servers, none on this machine; true and false win', () => {
    const decide = (options: Parameters<typeof resolveExporterConfig>[0], url: string) =>
      compressesRequests(resolveExporterConfig(options, {}), url);
    expect(resolveExporterConfig({}, {}).compression).toBe('auto');
    for (const url of [
      'http://127.0.0.1:8123',
      'http://localhost:8123',
      'http://[::1]:8123',
      'http://127.0.0.2',
    ])
      expect({ url, gzip: decide({ url }, url) }).toEqual({ url, gzip: false });
    for (const url of ['https://ch.example.com:8443', 'http://10.0.0.5:8123'])
      expect({ url, gzip: decide({ url }, url) }).toEqual({ url, gzip: true });
    // The store service and a private engine listen on loopback addresses the exporter finds later.
    expect(decide({ url: './store' }, 'http://127.0.0.1:1')).toBe(false);
    expect(decide({ url: 'chdb:./engine' }, 'http://127.0.0.1:1')).toBe(false);
    expect(decide({ url: 'http://localhost:8123', compression: true }, 'http://localhost:8123')).toBe(true);
    expect(decide({ url: 'https://ch.example.com', compression: false }, 'https://ch.example.com')).toBe(
      false,
    );
    expect(() => resolveExporterConfig({ compression: 'gzip' as never }, {})).toThrow(/compression/);
  });
});

describe('a written span keeps nothing of its trace points', () => {
  // The app can hold ended spans for seconds (a keep-alive socket keeps the context it was
  // opened in): the points mapped for the row must not stay on them once the row is written.
  it('the exporter forgets the points of each span once its row is queued, and the rows land', async () => {
    const database = 'hot_points_released';
    const exporter = new ClickHouseSpanExporter({ url: store.server.url, database });
    await exporter.ready();
    const fresh = await recordSpans(3);
    const symbolValues = (span: object) =>
      Object.getOwnPropertySymbols(span).map((key) => (span as Record<symbol, unknown>)[key]);
    const before = fresh.map((span) => symbolValues(span).filter((value) => value !== undefined).length);
    await new Promise<void>((resolve) => exporter.export(fresh, () => resolve()));
    // Whatever a mapper put under a symbol key while encoding is gone again.
    expect(fresh.map((span) => symbolValues(span).filter((value) => value !== undefined).length)).toEqual(
      before,
    );
    await exporter.forceFlush();
    expect(await countRows(database)).toBe(6);
    await exporter.shutdown();
  });
});
