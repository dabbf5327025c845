import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing, type TestTracing } from '../../../test-support/tracing.js';

const store = testStore('aggregator-echoes');

/**
 * Real SDK spans: per trace, a server span and a child that both record the same exception (the
 * child ends first, as spans do); the aggregator counts it once per trace, at the child.
 */
describe('an exception recorded on several spans of one trace counts once', () => {
  let tracing: TestTracing;
  let exporter: ClickHouseSpanExporter;

  beforeAll(async () => {
    exporter = new ClickHouseSpanExporter({ client: store.client, mode: 'sync', database: 'echoes' });
    await exporter.ready();
  });
  afterAll(async () => {
    await exporter?.shutdown();
  });

  async function run(
    aggregatorOptions: Record<string, number>,
    shape: (tracer: TestTracing['tracer']) => void,
  ): Promise<AggregatorSpanProcessor> {
    const aggregator = new AggregatorSpanProcessor({
      sink: exporter,
      intervalMillis: 60_000,
      ...aggregatorOptions,
    });
    tracing = startTracing({ serviceName: 'echoes', spanProcessors: [aggregator as never] });
    shape(tracing.tracer);
    await tracing.stop();
    await aggregator.forceFlush();
    return aggregator;
  }

  /** A request whose handler fails with `error`; `echoed`: the server span records it too. */
  function request(tracer: TestTracing['tracer'], error: Error, echoed = true) {
    const server = tracer.startSpan('GET /pay', { kind: SpanKind.SERVER });
    const child = tracer.startSpan('charge', {}, trace.setSpan(context.active(), server));
    child.recordException(error);
    child.setStatus({ code: SpanStatusCode.ERROR });
    return () => {
      child.end();
      return () => {
        if (echoed) server.recordException(error);
        server.setStatus({ code: SpanStatusCode.ERROR });
        server.end();
      };
    };
  }

  it('counts at the span that ended first; another exception, or the same one in another trace, counts again', async () => {
    const aggregator = await run({}, (tracer) => {
      const same = new TypeError('declined');
      for (let i = 0; i < 5; i++) request(tracer, same)()();
      // The same type and message with another stack: another exception.
      const other = new TypeError('declined');
      other.stack = 'TypeError: declined\n    at elsewhere (other.js:1:1)';
      const end = request(tracer, same)();
      const server = tracer.startSpan('retry', {}, context.active());
      server.recordException(other);
      server.end();
      end();
    });
    const exceptions = aggregator.stats();
    expect(exceptions.exceptionEchoes).toEqual({ skipped: 6, forgotten: 0 });
    const rows = await store.rows<{ source_method: string; n: number }>(
      "SELECT source_method, sum(count) AS n FROM echoes.trace_point_stats WHERE stat_type = 'exception' GROUP BY source_method ORDER BY source_method",
    );
    expect(rows).toEqual([
      { source_method: 'charge', n: 6 },
      { source_method: 'retry', n: 1 },
    ]);
  });

  it('holds recent exceptions within its share of maxMemoryBytes; past it a new one is not remembered and its echo counts again, in stats', async () => {
    const traces = 300;
    const aggregator = await run({ maxMemoryBytes: 65_536 }, (tracer) => {
      // 300 failing requests in flight at once: every child ends before any server span.
      const ends = [];
      for (let i = 0; i < traces; i++) ends.push(request(tracer, new Error(`failure ${i}`))());
      for (const end of ends) end();
    });
    // At 64 KiB the ring may take an eighth: 256 entries (7,424 bytes). All of them recent, the
    // 44 newer exceptions are counted without being remembered, and so are their 44 echoes.
    const { exceptionEchoes } = aggregator.stats();
    expect(exceptionEchoes).toEqual({ skipped: 256, forgotten: 2 * (traces - 256) });
    // Flushed, the intervals gave their bytes back: the account holds the ring alone.
    expect(aggregator.heldBytes).toBe(7_424);
    const [counted] = await store.rows<{ n: number }>(
      "SELECT sum(count) AS n FROM echoes.trace_point_stats WHERE stat_type = 'exception' AND exception_type = 'Error'",
    );
    // Each failure once, and once more for each forgotten one's echo.
    expect(counted?.n).toBe(traces + (traces - 256));
  });

  it('a full ring makes room with entries older than ECHO_WINDOW_SECONDS before it grows: later exceptions are remembered again', async () => {
    const aggregator = await run({}, (tracer) => {
      const batch = (endMillis: number, label: string) => {
        const servers = [];
        for (let i = 0; i < 256; i++) {
          const error = new Error(`${label} ${i}`);
          const server = tracer.startSpan('GET /pay', { kind: SpanKind.SERVER, startTime: endMillis - 5 });
          const child = tracer.startSpan(
            'charge',
            { startTime: endMillis - 4 },
            trace.setSpan(context.active(), server),
          );
          child.recordException(error);
          child.end(endMillis - 1);
          servers.push({ server, error });
        }
        for (const { server, error } of servers) {
          server.recordException(error);
          server.end(endMillis);
        }
      };
      batch(Date.now() - 30_000, 'earlier');
      batch(Date.now(), 'now');
    });
    // The second 256 replace the first (30 s older): every echo of both batches caught, and the
    // ring stayed at 256 entries (7,424 bytes) though the account had room to double it.
    expect(aggregator.stats().exceptionEchoes).toEqual({ skipped: 512, forgotten: 0 });
    expect(aggregator.heldBytes).toBe(7_424);
  });

  it('a status-only error (no exception event) makes no exception row; its endpoint counts the error', async () => {
    const aggregator = await run({}, (tracer) => {
      const span = tracer.startSpan('GET /down', {
        kind: SpanKind.SERVER,
        attributes: { 'http.response.status_code': 503, 'error.type': '503' },
      });
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    expect(aggregator.stats().spans).toBe(1);
    const rows = await store.rows<{ stat_type: string; errors: number }>(
      "SELECT stat_type, sum(error_count) AS errors FROM echoes.trace_point_stats WHERE span_name = 'GET /down' OR exception_type = '503' GROUP BY stat_type",
    );
    expect(rows).toEqual([{ stat_type: 'endpoint', errors: 1 }]);
  });
});
