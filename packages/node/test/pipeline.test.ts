import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClickHouseSpanExporterOptions } from '@tracepoint/exporter-clickhouse';
import { tracepointSpanProcessors } from '@tracepoint/node';
import { HttpInstrumentation, legRequire, UndiciInstrumentation } from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

const store = testStore('node-pipeline');

const rows = <T>(query: string): Promise<T[]> => store.rows<T>(query);

/** tracepoint's processors into `database` on the embedded engine, under real SDK tracing as `orders`. */
function tracedPipeline(
  database: string,
  intervalMillis: number,
  tracing: Omit<Parameters<typeof startTracing>[0], 'serviceName' | 'spanProcessors'>,
  exporter: Omit<ClickHouseSpanExporterOptions, 'client' | 'database'> = {},
) {
  const pipeline = tracepointSpanProcessors({
    exporter: { client: store.client, database, flushIntervalMillis: 100, ...exporter },
    aggregator: { intervalMillis },
  });
  return {
    pipeline,
    tracing: startTracing({
      serviceName: 'orders',
      spanProcessors: pipeline.spanProcessors as never,
      ...tracing,
    }),
  };
}

/** A promise and the function that resolves it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

describe('tracepointSpanProcessors on real HTTP traffic', () => {
  it('cleans, aggregates and exports spans, trace points and stats into ClickHouse', async () => {
    const database = 'pipeline';
    const { pipeline, tracing } = tracedPipeline(database, 1_000, {
      instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
    });
    const http = legRequire('node:http') as typeof import('node:http');
    const server: Server = http.createServer((req, res) => {
      res.statusCode = req.url?.startsWith('/api/boom') ? 500 : 200;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const path of ['/healthz', '/api/orders/42?token=s3cr3t123', '/api/orders/43', '/api/boom']) {
      await (await fetch(`${base}${path}`)).text();
    }
    await new Promise((resolve) => server.close(resolve));
    await tracing.stop();

    const spans = await rows<{ SpanKind: string; url: string; StatusCode: string }>(
      `SELECT SpanKind, SpanAttributes['url.full'] AS url, StatusCode FROM ${database}.otel_traces ORDER BY Timestamp`,
    );
    // The probe is gone (server and client side: the client span's own path is not a probe rule, but its server is).
    expect(spans.filter((s) => s.SpanKind === 'Server')).toHaveLength(3);
    const urls = spans.map((s) => s.url).filter((url) => url !== '');
    expect(urls.some((url) => url.includes('token=REDACTED'))).toBe(true);
    expect(JSON.stringify(spans)).not.toContain('s3cr3t123');
    expect(spans.filter((s) => s.StatusCode === 'Error').length).toBeGreaterThanOrEqual(2);

    const [points] = await rows<{ n: string }>(
      `SELECT count() AS n FROM ${database}.trace_points WHERE trace_type = 'call'`,
    );
    expect(Number(points?.n)).toBe(spans.length);

    const edges = await rows<{ target_method: string; calls: number; errors: number }>(
      `SELECT target_method, sum(count) AS calls, sum(error_count) AS errors FROM ${database}.trace_point_stats
       WHERE stat_type = 'edge' AND span_kind = 'Server' GROUP BY target_method ORDER BY target_method`,
    );
    expect(edges).toEqual([
      { target_method: 'GET /api/boom', calls: 1, errors: 1 },
      { target_method: 'GET /api/orders/{id}', calls: 2, errors: 0 },
    ]);
    expect(pipeline.cleaner?.stats().dropped).toEqual({ healthCheck: 1 });
    expect(pipeline.aggregator?.stats()).toMatchObject({ recordsFailed: 0, skippedDropped: 1 });
  });
});

describe('a resource whose detectors are still async (NodeSDK host.id)', () => {
  it('settles it without waiting in the hot path, and writes every row with its late, cleaned attributes', async () => {
    const database = 'pipeline_async_resource';
    const hostId = deferred<string>();
    const token = deferred<string>();
    const { tracing } = tracedPipeline(database, 3_600_000, {
      resourceAttributes: { 'host.id': hostId.promise, 'deployment.api_token': token.promise },
    });
    // Spans end before the detector answers: nothing may block, and their rows must still get host.id.
    const first = tracing.tracer.startSpan('early 0');
    const resource = (first as unknown as { resource: { asyncAttributesPending: boolean } }).resource;
    expect(resource.asyncAttributesPending).toBe(true);
    first.end();
    for (let i = 1; i < 20; i++) tracing.tracer.startSpan(`early ${i}`).end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    hostId.resolve('host-7');
    token.resolve('s3cr3t-deploy-token-value');
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 20; i++) tracing.tracer.startSpan(`late ${i}`).end();
    await tracing.stop();

    const rows_ = await rows<{ host: string; token: string; n: string }>(
      `SELECT ResourceAttributes['host.id'] AS host, ResourceAttributes['deployment.api_token'] AS token, count() AS n
       FROM ${database}.otel_traces GROUP BY host, token`,
    );
    expect(rows_).toEqual([{ host: 'host-7', token: '[REDACTED:blockedKey]', n: '40' }]);
    // The processors started the wait themselves (no BatchSpanProcessor here to do it).
    expect(resource.asyncAttributesPending).toBe(false);
    const [stats] = await rows<{ n: string }>(
      `SELECT sum(count) AS n FROM ${database}.trace_point_stats WHERE stat_type = 'endpoint' AND service = 'orders'`,
    );
    expect(Number(stats?.n)).toBe(40);
  });

  it('does not hold spans for ever when a detector never answers: they go out without its attribute, with one warning', async () => {
    const database = 'pipeline_resource_never_settles';
    const warnings: string[] = [];
    const { tracing } = tracedPipeline(
      database,
      3_600_000,
      { resourceAttributes: { 'host.id': new Promise<string>(() => undefined) } },
      {
        exportTimeoutMillis: 600,
        requestTimeoutMillis: 500,
        logger: { warn: (message) => warnings.push(message), error: (message) => warnings.push(message) },
      },
    );
    for (let i = 0; i < 10; i++) tracing.tracer.startSpan(`stuck ${i}`).end();
    await tracing.stop();

    const [written] = await rows<{ n: string; host: string }>(
      `SELECT count() AS n, any(ResourceAttributes['host.id']) AS host, any(ServiceName) AS service FROM ${database}.otel_traces`,
    );
    expect(written).toMatchObject({ n: '10', host: '', service: 'orders' });
    expect(
      warnings.filter((w) => w.startsWith('resource attributes did not arrive within 600 ms')),
    ).toHaveLength(1);
  });
});
