import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ClickHouseSpanExporter,
  statsEndpointsSql,
  statsServiceGraphSql,
} from '@tracepoint/exporter-clickhouse';
import { AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

const store = testStore('aggregator');

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await store.client.query({ query, format: 'JSONEachRow', query_params: params })).json<T>();
}

/** Seeded normal numbers (Box-Muller over mulberry32), for a reproducible skewed latency distribution. */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4_294_967_297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

describe('aggregates against the raw spans in the real engine', () => {
  const database = 'agg';
  let exporter: ClickHouseSpanExporter;
  let spans: ReadableSpan[];
  let aggregator: AggregatorSpanProcessor;
  const range = { from: '2000-01-01 00:00:00', to: '2100-01-01 00:00:00' };

  beforeAll(async () => {
    exporter = new ClickHouseSpanExporter({ client: store.client, database, mode: 'sync' });
    await exporter.ready();
    aggregator = new AggregatorSpanProcessor({ sink: exporter, intervalMillis: 10_000 });
    const memory = new InMemorySpanExporter();
    const tracing = startTracing({
      serviceName: 'shop',
      spanProcessors: [aggregator as never, simpleSpanProcessor(memory)],
    });
    const normal = normals(5);
    const now = Date.now() - 120_000;
    // Log-normal latencies (median 20 ms, long right tail) plus 3% ten times slower: a skewed distribution.
    for (let i = 0; i < 20_000; i++) {
      let millis = 20 * Math.exp(1.1 * normal());
      if (i % 33 === 0) millis *= 10;
      const start = now + i * 5;
      const target = i % 4 === 0 ? 'payments:8443' : 'inventory:8080';
      const span = tracing.tracer.startSpan('GET', { kind: SpanKind.CLIENT, startTime: start });
      span.setAttributes({
        'http.request.method': 'GET',
        'url.full': `http://${target}/items/${i % 50}`,
        'http.response.status_code': i % 20 === 0 ? 503 : 200,
      });
      if (i % 20 === 0) span.setStatus({ code: SpanStatusCode.ERROR });
      if (i % 100 === 0) span.recordException(Object.assign(new Error('timeout'), { name: 'TimeoutError' }));
      span.end(start + millis);
    }
    await tracing.provider.forceFlush();
    spans = memory.getFinishedSpans().slice();
    await tracing.stop();
    expect(await new Promise((resolve) => exporter.export(spans, (r) => resolve(r.code)))).toBe(0);
    await aggregator.shutdown();
  }, 120_000);

  afterAll(async () => {
    await exporter?.shutdown();
  });

  it('counts every span exactly once', async () => {
    const [stats] = await rows<{ spans: string; weighted: number; errors: number }>(
      `SELECT sum(span_count) AS spans, sum(count) AS weighted, sum(error_count) AS errors FROM ${database}.trace_point_stats WHERE stat_type = 'endpoint'`,
    );
    const [raw] = await rows<{ spans: string; errors: string }>(
      `SELECT count() AS spans, countIf(StatusCode = 'Error') AS errors FROM ${database}.otel_traces`,
    );
    expect(Number(stats?.spans)).toBe(20_000);
    expect(Number(raw?.spans)).toBe(20_000);
    expect(stats?.weighted).toBe(20_000);
    expect(stats?.errors).toBe(Number(raw?.errors));
    expect(aggregator.stats()).toMatchObject({ spans: 20_000, recordsFailed: 0 });
  });

  it('p50, p90 and p99 from merged sketch rows are within 1% of quantileExact over the raw spans', async () => {
    const [merged] = await rows<{ p50_ms: number; p90_ms: number; p99_ms: number; requests: number }>(
      statsEndpointsSql({ database }, { allSpans: true }),
      range,
    );
    const [exact] = await rows<{ p50: number; p90: number; p99: number }>(
      `SELECT quantileExact(0.5)(Duration) / 1e6 AS p50, quantileExact(0.9)(Duration) / 1e6 AS p90,
              quantileExact(0.99)(Duration) / 1e6 AS p99 FROM ${database}.otel_traces`,
    );
    expect(merged?.requests).toBe(20_000);
    const report: string[] = [];
    for (const q of ['50', '90', '99'] as const) {
      const estimate = merged?.[`p${q}_ms`] as number;
      const truth = exact?.[`p${q}`] as number;
      const relative = Math.abs(estimate - truth) / truth;
      report.push(`p${q} ${estimate} ms vs exact ${truth} ms (${(relative * 100).toFixed(3)}%)`);
      expect(relative, `p${q}`).toBeLessThanOrEqual(0.01);
    }
    console.log(`sketch quantiles over ${database}.trace_point_stats: ${report.join('; ')}`);
    // The rows really span several intervals: the merge is across rows.
    const [{ intervals } = { intervals: '0' }] = await rows<{ intervals: string }>(
      `SELECT uniqExact(interval_start) AS intervals FROM ${database}.trace_point_stats`,
    );
    expect(Number(intervals)).toBeGreaterThan(5);
  });

  it('the service graph over the stats table equals the same query over raw trace_points', async () => {
    const fromStats = await rows<{
      source_component: string;
      target_component: string;
      calls: number;
      error_ratio: number;
    }>(statsServiceGraphSql({ database }), range);
    const fromRaw = await rows<{
      source_component: string;
      target_component: string;
      calls: string;
      errors: string;
    }>(
      `SELECT c.source_component, c.target_component, count() AS calls, countIf(r.status_code = 'Error') AS errors
       FROM ${database}.trace_points AS c
       LEFT JOIN (SELECT span_id, status_code FROM ${database}.trace_points WHERE trace_type = 'response') AS r USING (span_id)
       WHERE c.trace_type = 'call' GROUP BY c.source_component, c.target_component ORDER BY calls DESC`,
    );
    expect(fromStats.map((e) => [e.source_component, e.target_component, e.calls])).toEqual(
      fromRaw.map((e) => [e.source_component, e.target_component, Number(e.calls)]),
    );
    expect(fromStats.map((e) => e.error_ratio)).toEqual(
      fromRaw.map((e) => Number(e.errors) / Number(e.calls)),
    );
    expect(fromStats.map((e) => e.target_component).sort()).toEqual(['inventory:8080', 'payments:8443']);
  });

  it('counts exceptions per component and type: the exception events of trace_points, not its status-only rows', async () => {
    const exceptions = await rows<{ exception_type: string; n: number }>(
      `SELECT exception_type, sum(count) AS n FROM ${database}.trace_point_stats WHERE stat_type = 'exception' GROUP BY exception_type ORDER BY exception_type`,
    );
    const raw = await rows<{ exception_type: string; n: string }>(
      `SELECT exception_type, count() AS n FROM ${database}.trace_points WHERE trace_type = 'exception' AND exception_source = 'event' GROUP BY exception_type ORDER BY exception_type`,
    );
    // Every span is a trace of its own here, so no exception is an echo of another.
    expect(exceptions.map((e) => [e.exception_type, e.n])).toEqual(
      raw.map((e) => [e.exception_type, Number(e.n)]),
    );
    expect(exceptions.find((e) => e.exception_type === 'TimeoutError')?.n).toBe(200);
    // The 800 spans with status ERROR and no exception event (the 503s) make no exception type.
    expect(exceptions.map((e) => e.exception_type)).toEqual(['TimeoutError']);
  });
});
