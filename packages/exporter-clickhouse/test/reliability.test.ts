import type { ChildProcess } from 'node:child_process';
import { type AddressInfo, connect, createServer } from 'node:net';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { SpanKind } from '@opentelemetry/api';
import {
  createEmbeddedClient,
  type LocalHttpServer,
  startLocalHttpServer,
} from '@tracepoint/clickhouse-local';
import {
  ClickHouseSpanExporter,
  type ExportResultLike,
  SchemaMismatchError,
} from '@tracepoint/exporter-clickhouse';
import { MAX_PARTITIONS_PER_INSERT, OtelTracesLineEncoder } from '@tracepoint/exporter-clickhouse/internal';
import { createSpanMapper } from '@tracepoint/semantic-mapping';
import type { ReadableSpan } from '@tracepoint-internal/otel-line';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { exportOnce, recordSpans as recordSpansOf } from '../../../test-support/recorded-spans.js';
import { fixedFreePort, startServerProcess } from '../../../test-support/restartable-server.js';

const quiet = { warn() {}, error() {} };

const dataDir = tempDataDir('exporter-reliability');
let embedded: ClickHouseClient;

/** Real SDK spans: `count` roots, with start times from `startOf(i)` when given. */
function recordSpans(count: number, startOf?: (i: number) => [number, number]): Promise<ReadableSpan[]> {
  return recordSpansOf('reliability', count, (tracer, i) => {
    const startTime = startOf?.(i);
    const span = tracer.startSpan(`op ${i}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/items/{id}', i },
      ...(startTime ? { startTime } : {}),
    });
    span.end(startTime ? [startTime[0], startTime[1] + 1000] : undefined);
  });
}

async function count(sql: string): Promise<number> {
  const [row] = await (await embedded.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>();
  return Number(row?.n);
}

/**
 * The `trace_points` view of `database` holds, per span, as many points as
 * mapSpan gives each span that landed, and none of any other span.
 */
async function expectPointsOf(database: string, landed: readonly ReadableSpan[]): Promise<void> {
  const mapper = createSpanMapper();
  const expected = Object.fromEntries(landed.map((span) => [span.spanContext().spanId, mapper(span).length]));
  const found = await (
    await embedded.query({
      query: `SELECT span_id, count() AS n FROM ${database}.trace_points GROUP BY span_id`,
      format: 'JSONEachRow',
    })
  ).json<{ span_id: string; n: string }>();
  expect(Object.fromEntries(found.map((row) => [row.span_id, Number(row.n)]))).toEqual(expected);
}

beforeAll(() => {
  embedded = createEmbeddedClient({ path: dataDir.path });
});

afterAll(async () => {
  await embedded?.close();
  dataDir.remove();
});

describe('bad rows and partitions', () => {
  it('splits a batch the server rejects so the good rows land and the bad row is counted and logged once', async () => {
    const good = await recordSpans(40);
    // Year 2286: DateTime64(9) cannot hold it, so ClickHouse rejects the row (a real SDK span with a hostile start time).
    const [bad] = await recordSpans(1, () => [10_000_000_000, 0]);
    const warnings: string[] = [];
    // Push mode inserts JSON text, which the server parses and refuses row by row; the RowBinary encoder
    // of the other modes refuses such a span itself before sending (bad-strings test).
    const exporter = new ClickHouseSpanExporter({
      client: embedded,
      database: 'bad_rows',
      mode: 'push',
      logger: { warn: (message) => warnings.push(message), error() {} },
    });
    const batch = [...good.slice(0, 17), bad!, ...good.slice(17)];
    expect(await exportOnce(exporter, batch)).toEqual({ code: 0 });
    await exporter.shutdown();
    expect(await count('SELECT count() AS n FROM bad_rows.otel_traces')).toBe(40);
    // The server refuses the span's row, and its trace points are in that row: the good spans have theirs, it has none.
    await expectPointsOf('bad_rows', good);
    const stats = exporter.stats();
    expect(stats).toMatchObject({ spansExported: 40, rowsRejected: 1, spansFailed: 0 });
    expect(stats.rowsWritten).toEqual({ otel_traces: 40 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/rejected one otel_traces row .*rest of its batch was written/);
  });

  it(`splits an insert that would touch more than ${MAX_PARTITIONS_PER_INSERT} daily partitions`, async () => {
    const day = 86_400;
    const spans = await recordSpans(150, (i) => [1_700_000_000 + i * day, 0]);
    // The same rows as one insert are refused by the server: the split is what makes them land.
    await embedded.command({
      query:
        'CREATE TABLE IF NOT EXISTS partitions_probe (t DateTime64(9)) ENGINE = MergeTree PARTITION BY toDate(t) ORDER BY t',
    });
    await expect(
      embedded.insert({
        table: 'partitions_probe',
        values: spans.map((span) => [JSON.parse(new OtelTracesLineEncoder().line(span))[0]]),
        format: 'JSONCompactEachRow',
      }),
    ).rejects.toMatchObject({ type: 'TOO_MANY_PARTS' });

    const exporter = new ClickHouseSpanExporter({ client: embedded, database: 'partitions', mode: 'sync' });
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();
    expect(await count('SELECT count() AS n FROM partitions.otel_traces')).toBe(150);
    expect(await count('SELECT uniqExact(toDate(Timestamp)) AS n FROM partitions.otel_traces')).toBe(150);
  });
});

describe('schema verification and queue limits', () => {
  it('with createSchema: false, names what is missing, fails exports cleanly, and passes a schema an earlier run made', async () => {
    await embedded.command({ query: 'CREATE DATABASE IF NOT EXISTS bare' });
    const errors: string[] = [];
    const exporter = new ClickHouseSpanExporter({
      client: embedded,
      database: 'bare',
      createSchema: false,
      mode: 'sync',
      logger: { warn() {}, error: (message) => errors.push(message) },
    });
    await expect(exporter.ready()).rejects.toBeInstanceOf(SchemaMismatchError);
    await expect(exporter.ready()).rejects.toThrow(
      /table otel_traces is missing; table trace_point_stats is missing\./,
    );
    const result = await exportOnce(exporter, await recordSpans(2));
    expect(result.code).toBe(1);
    expect(errors).toHaveLength(1);
    await exporter.shutdown();

    // Created by a run that may, then verified by one that may not: passes, trace-point columns included.
    const creator = new ClickHouseSpanExporter({ client: embedded, database: 'bare', mode: 'sync' });
    await creator.ready();
    await creator.shutdown();
    const warnings: string[] = [];
    const verifier = new ClickHouseSpanExporter({
      client: embedded,
      database: 'bare',
      createSchema: false,
      mode: 'sync',
      logger: { warn: (message) => warnings.push(message), error() {} },
    });
    await expect(verifier.ready()).resolves.toBeUndefined();
    const spans = await recordSpans(2);
    expect(await exportOnce(verifier, spans)).toEqual({ code: 0 });
    await verifier.shutdown();
    expect(warnings).toEqual([]);
    await expectPointsOf('bare', spans);
  });

  it('drops and counts spans beyond the memory queue, and reports them through the callback', async () => {
    const spans = await recordSpans(50);
    const exporter = new ClickHouseSpanExporter({
      url: 'http://127.0.0.1:1',
      mode: 'async',
      maxQueueBytes: 4_000,
      maxBatchBytes: 4_000,
      flushIntervalMillis: 60_000,
      maxRetries: 0,
      logger: quiet,
    });
    const result = await exportOnce(exporter, spans);
    expect(result.code).toBe(1);
    expect(result.error?.message).toMatch(/queue is full/);
    const stats = exporter.stats();
    expect(stats.spansDropped).toBeGreaterThan(0);
    expect(stats.spansDropped).toBeLessThan(50);
    await exporter.shutdown();
    const after = exporter.stats();
    // Nothing vanishes: every span is exported, dropped or failed.
    expect(after.spansExported + after.spansDropped + after.spansFailed).toBe(50);
  });
});

describe('failover and server-side async inserts', () => {
  let server: LocalHttpServer;
  beforeAll(async () => {
    server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('starts and writes through the second URL when the first refuses connections', async () => {
    const exporter = new ClickHouseSpanExporter({
      url: ['http://127.0.0.1:1', server.url],
      database: 'failover',
      mode: 'sync',
      retryInitialDelayMillis: 10,
      logger: quiet,
    });
    await exporter.ready();
    expect(await exportOnce(exporter, await recordSpans(30))).toEqual({ code: 0 });
    await exporter.shutdown();
    expect(await count('SELECT count() AS n FROM failover.otel_traces')).toBe(30);
  });

  it('with asyncInsert, batches land once through async_insert with wait_for_async_insert', async () => {
    const exporter = new ClickHouseSpanExporter({
      url: server.url,
      database: 'server_async',
      asyncInsert: true,
    });
    const spans = await recordSpans(25);
    expect(await exportOnce(exporter, spans)).toEqual({ code: 0 });
    await exporter.shutdown();
    const stats = exporter.stats();
    // One insert for the batch: a span and its trace points are one row.
    expect(stats).toMatchObject({ spansExported: 25, spansFailed: 0, inserts: 1 });
    expect(stats.rowsWritten).toEqual({ otel_traces: 25 });
    expect(await count('SELECT count() AS n FROM server_async.otel_traces')).toBe(25);
    await expectPointsOf('server_async', spans);
  });
});

describe('push mode', () => {
  let server: LocalHttpServer;
  beforeAll(async () => {
    server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('puts rows on the wire at export, before the streaming insert commits them at rollover', async () => {
    // A TCP relay in front of the server records what has crossed the wire.
    let wire = '';
    const target = new URL(server.url);
    const relay = createServer((inbound) => {
      const outbound = connect(Number(target.port), '127.0.0.1');
      inbound.on('data', (chunk: Buffer) => {
        wire += chunk.toString('latin1');
        outbound.write(chunk);
      });
      outbound.pipe(inbound);
      inbound.on('error', () => undefined);
      outbound.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const address = relay.address() as AddressInfo;
    const exporter = new ClickHouseSpanExporter({
      url: `http://127.0.0.1:${address.port}`,
      database: 'pushed',
      mode: 'push',
      pushRolloverMillis: 8_000,
    });
    try {
      await exporter.ready();
      const [span] = await recordSpans(1);
      const spanId = span!.spanContext().spanId;
      expect(await exportOnce(exporter, [span!])).toEqual({ code: 0 });
      while (!wire.includes(spanId)) await new Promise((resolve) => setTimeout(resolve, 5));
      // On the wire, not yet committed: the stream is still open.
      expect(await count('SELECT count() AS n FROM pushed.otel_traces')).toBe(0);
      await exporter.forceFlush();
      expect(await count('SELECT count() AS n FROM pushed.otel_traces')).toBe(1);
      await expectPointsOf('pushed', [span!]);
      // One stream, one insert: the trace points went in the span's row.
      const stats = exporter.stats();
      expect(stats).toMatchObject({ spansExported: 1, inserts: 1 });
      expect(stats.rowsWritten).toEqual({ otel_traces: 1 });
    } finally {
      await exporter.shutdown();
      relay.close();
    }
  });
});

describe('the HTTP server killed during export', () => {
  const serverDir = tempDataDir('exporter-kill');
  let child: ChildProcess | undefined;

  const startServer = (port: number) => startServerProcess(port, serverDir.path);

  afterAll(() => {
    child?.kill('SIGKILL');
    serverDir.remove();
  });

  it('retries across the restart: every span present exactly once', async () => {
    // Below the kernel's ephemeral range: no server on port 0 elsewhere in the run can take it while ours restarts.
    const port = await fixedFreePort();
    child = await startServer(port);
    const exporter = new ClickHouseSpanExporter({
      url: `http://127.0.0.1:${port}`,
      mode: 'sync',
      // At least (200 + 400 + 800 + 1600 + 6 × 2000) / 2 = 7.5 s of retrying: well past the 0.7 s outage plus a restart.
      maxRetries: 10,
      retryInitialDelayMillis: 200,
      retryMaxDelayMillis: 2_000,
      logger: quiet,
    });
    await exporter.ready();
    const batches = await Promise.all(Array.from({ length: 20 }, () => recordSpans(50)));
    const results: Promise<ExportResultLike>[] = [];
    for (const [i, batch] of batches.entries()) {
      results.push(exportOnce(exporter, batch));
      if (i === 8) {
        child.kill('SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, 700));
        child = await startServer(port);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const failures = (await Promise.all(results)).filter((result) => result.code !== 0);
    expect(failures.map((result) => result.error?.message)).toEqual([]);
    const stats = exporter.stats();
    await exporter.shutdown();
    expect(stats.spansExported).toBe(1000);
    expect(stats.insertsRetried).toBeGreaterThan(0);

    // Read back over HTTP from the restarted server.
    const reader = createClient({ url: `http://127.0.0.1:${port}` });
    try {
      const [row] = await (
        await reader.query({
          query: 'SELECT count() AS n, uniqExact(SpanId) AS d FROM default.otel_traces',
          format: 'JSONEachRow',
        })
      ).json<{ n: string; d: string }>();
      expect(row).toEqual({ n: '1000', d: '1000' });
    } finally {
      await reader.close();
    }
  });
});
