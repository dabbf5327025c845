import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { DASHBOARDS, tracepointSpanProcessors } from '@tracepoint/node';
import { ExpressInstrumentation, HttpInstrumentation, legRequire } from '@tracepoint-internal/otel-line';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { startTracing } from '../../../test-support/tracing.js';

// A real express app (node:http + express instrumentations, the real SDK, the whole pipeline
// into the embedded engine) whose failed checkout records the same exception on three spans:
// the app's own `charge card` span records and rethrows, express records it on its request
// handler span, and the app's error middleware records it on the active span, the HTTP server
// span. Beside it: a stock lookup that throws (recorded by express alone; the server span
// answers 502 with no exception of its own), an endpoint that answers 503 without throwing, and
// one that answers 404.

const dataDir = tempDataDir('failure-causes');
let client: ReturnType<typeof createEmbeddedClient>;
let aggregatorStats: () => { exceptionEchoes: { skipped: number; forgotten: number } };
const FAILED_CHECKOUTS = 3;

type Row = Record<string, unknown>;
const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const params = () => ({ from: time(Date.now() - 3_600_000), to: time(Date.now() + 60_000), limit: 20 });
async function rows(query: string, query_params: Record<string, unknown> = {}): Promise<Row[]> {
  return (await client.query({ query, format: 'JSONEachRow', query_params })).json<Row>();
}
const dashboard = (id: string) => rows(DASHBOARDS.find((d) => d.id === id)?.sql as string, params());

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}
class StockError extends Error {
  override name = 'StockError';
}

beforeAll(async () => {
  client = createEmbeddedClient({ path: dataDir.path });
  const pipeline = tracepointSpanProcessors({
    exporter: { client, flushIntervalMillis: 100 },
    aggregator: { intervalMillis: 1_000 },
  });
  const aggregator = pipeline.aggregator;
  if (aggregator === undefined) throw new Error('the pipeline has an aggregator');
  aggregatorStats = () => aggregator.stats();
  const tracing = startTracing({
    serviceName: 'shop',
    spanProcessors: pipeline.spanProcessors as never,
    instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()],
  });
  legRequire('node:http');
  const express = legRequire('express');
  const tracer = trace.getTracer('shop');
  const app = express();
  app.use(express.json());
  app.post('/checkout', () => {
    tracer.startActiveSpan('charge card', (span) => {
      try {
        throw new PaymentDeclinedError('card declined by the issuer');
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  });
  app.get('/stock', () => {
    throw new StockError('stock service gave no answer');
  });
  app.get('/unavailable', (_req: unknown, res: { status(code: number): { end(): void } }) =>
    res.status(503).end(),
  );
  app.get(
    '/orders/:id',
    (req: { params: { id: string } }, res: { status(code: number): { send(v: string): void } }) =>
      res.status(req.params.id === '1' ? 200 : 404).send('order'),
  );
  app.use(
    (
      error: Error,
      _req: unknown,
      res: { status(code: number): { json(v: unknown): void } },
      _next: unknown,
    ) => {
      // The app reports payment failures on the request's span; other errors only get an answer.
      if (error instanceof PaymentDeclinedError) trace.getActiveSpan()?.recordException(error);
      res.status(502).json({ error: error.name });
    },
  );
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (let i = 0; i < FAILED_CHECKOUTS; i++) {
    const answer = await fetch(`${base}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sku":"A-1"}',
    });
    expect(answer.status).toBe(502);
    await answer.text();
  }
  for (const path of ['/stock', '/unavailable', '/unavailable', '/orders/1', '/orders/2', '/orders/3'])
    await (await fetch(base + path)).text();
  await new Promise((resolve) => server.close(resolve));
  await tracing.stop();
}, 60_000);

afterAll(async () => {
  await client?.close();
  dataDir.remove();
});

describe('failures counted once, at their origin (an express app)', () => {
  it('the data really has the echo: each failed checkout recorded the same exception on three spans', async () => {
    const [recorded] = await rows(
      "SELECT count() AS events, uniqExact(TraceId) AS traces FROM otel_traces ARRAY JOIN Events.Name AS name WHERE name = 'exception'",
    );
    expect(recorded).toEqual({
      events: String(3 * FAILED_CHECKOUTS + 1),
      traces: String(FAILED_CHECKOUTS + 1),
    });
  });

  it('the errors dashboard shows one row for the cause, counted once per failed request, thrown in the deepest span', async () => {
    const errors = await dashboard('errors');
    // The rows in the message: a flake seen once under CI load gave a third row.
    expect(errors, JSON.stringify(errors.map(({ stacktrace: _, ...row }) => row))).toHaveLength(2);
    const [row, stock] = errors;
    expect(row).toMatchObject({
      service: 'shop',
      exception_type: 'PaymentDeclinedError',
      exceptions: FAILED_CHECKOUTS,
      thrown_in: 'charge card',
      thrown_at: expect.stringMatching(/failure-causes\.test\.ts:\d+:\d+/),
      message: 'card declined by the issuer',
    });
    expect([...((row?.propagated_through ?? []) as string[])].sort()).toEqual([
      'POST /checkout',
      'request handler /checkout',
    ]);
    expect(String(row?.stacktrace)).toMatch(/^PaymentDeclinedError: card declined by the issuer\n +at /);
    expect(stock).toMatchObject({
      exception_type: 'StockError',
      exceptions: 1,
      thrown_in: 'request handler /stock',
      propagated_through: [],
    });
  });

  it('status-only errors are listed apart by endpoint and status code, not as exception types', async () => {
    const statuses = await dashboard('status-errors');
    const pick = (row: Row) => ({
      endpoint: row.endpoint,
      kind: row.kind,
      status_code: row.status_code,
      errors: Number(row.errors),
      after_exception: Number(row.after_exception),
    });
    expect(statuses.map(pick)).toEqual([
      // Failed by status alone: first.
      { endpoint: 'GET /unavailable', kind: 'Server', status_code: '503', errors: 2, after_exception: 0 },
      // The 502 the error middleware answered for the StockError: the exception's answer, marked
      // so. The checkouts' 502s are not here: their server spans recorded the exception.
      { endpoint: 'GET /stock', kind: 'Server', status_code: '502', errors: 1, after_exception: 1 },
    ]);
  });

  it('the aggregator counts the exception once per failure, and no status code as an exception type', async () => {
    const exceptions = await rows(
      "SELECT exception_type, source_method, sum(count) AS n FROM trace_point_stats WHERE stat_type = 'exception' GROUP BY exception_type, source_method",
    );
    expect(
      exceptions.sort((a, b) => String(a.exception_type).localeCompare(String(b.exception_type))),
    ).toEqual([
      { exception_type: 'PaymentDeclinedError', source_method: 'charge card', n: FAILED_CHECKOUTS },
      { exception_type: 'StockError', source_method: 'request handler', n: 1 },
    ]);
    expect(aggregatorStats().exceptionEchoes).toEqual({ skipped: 2 * FAILED_CHECKOUTS, forgotten: 0 });
    // The status-only errors still count as errors of their endpoints.
    const [unavailable] = await rows(
      "SELECT sum(error_count) AS errors FROM trace_point_stats WHERE stat_type = 'endpoint' AND span_name = 'GET /unavailable'",
    );
    expect(unavailable?.errors).toBe(2);
  });

  it('a 404 is no error of the server, but counted in client_errors', async () => {
    const [orders] = await rows(
      "SELECT sum(span_count) AS requests, sum(error_count) AS errors, sum(client_errors) AS client_errors FROM trace_point_stats WHERE stat_type = 'endpoint' AND span_kind = 'Server' AND span_name = 'GET /orders/:id'",
    );
    expect(orders).toEqual({ requests: '3', errors: 0, client_errors: '2' });
  });
});
