import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { type TracepointOptions, tracepointSpanProcessors } from '@tracepoint/node';
import { optionsFromEnvironment } from '@tracepoint/node/internal';
import { createSpanMapper, type SpanMappingOptions } from '@tracepoint/semantic-mapping';
import { describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { startTracing } from '../../../test-support/tracing.js';

const store = testStore('node-pipeline-wiring');

const rows = <T>(query: string): Promise<T[]> => store.rows<T>(query);

/**
 * Real SDK spans through the pipeline into `database`: a server span calling a client span,
 * an internal span and a failing client span with an exception. Returns the number of spans.
 */
async function traffic(
  database: string,
  serviceName: string,
  mapping: SpanMappingOptions,
  extra: Partial<TracepointOptions> = {},
): Promise<number> {
  const pipeline = tracepointSpanProcessors({
    exporter: { client: store.client, database, flushIntervalMillis: 100 },
    aggregator: { intervalMillis: 3_600_000 },
    mapping,
    ...extra,
  });
  const tracing = startTracing({ serviceName, spanProcessors: pipeline.spanProcessors as never });
  const { tracer } = tracing;
  let spans = 0;
  for (let i = 0; i < 5; i++) {
    const server = tracer.startSpan('GET /orders/{id}', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/orders/{id}', 'client.address': 'gateway' },
    });
    tracer
      .startSpan('SELECT', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system.name': 'postgresql', 'server.address': 'pg', 'db.operation.name': 'SELECT' },
      })
      .end();
    tracer.startSpan('price', { kind: SpanKind.INTERNAL, attributes: { 'db.password': 'hunter2' } }).end();
    const failing = tracer.startSpan('POST', {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'POST', 'server.address': 'payments', 'server.port': 443 },
    });
    failing.recordException(new RangeError('card declined'));
    failing.setStatus({ code: SpanStatusCode.ERROR });
    failing.end();
    server.end();
    spans += 4;
  }
  await tracing.stop();
  return spans;
}

describe('tracepointSpanProcessors takes one mapping for both stages', () => {
  it('refuses a per-stage mapping with a TypeError that points to the top-level mapping', () => {
    for (const options of [
      { exporter: { client: store.client, database: 'wiring_refused', mapping: {} } },
      { aggregator: { mapping: { serviceName: 'a' } } },
    ]) {
      let thrown: unknown;
      try {
        tracepointSpanProcessors(options as never);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      const stage = 'exporter' in options ? 'exporter' : 'aggregator';
      expect((thrown as Error).message).toContain(`option ${stage}.mapping`);
      expect((thrown as Error).message).toContain('top-level option mapping');
    }
    // A bad top-level mapping is refused before any stage is built, naming the mapping option.
    expect(() => tracepointSpanProcessors({ mapping: { maxParams: -1 }, aggregator: false })).toThrow(
      /semantic-mapping option maxParams/,
    );
    // A ready exporter carries its own options: nothing to refuse.
    const ready = new ClickHouseSpanExporter({ client: store.client, database: 'wiring_ready' });
    expect(tracepointSpanProcessors({ exporter: ready, aggregator: false }).exporter).toBe(ready);
    void ready.shutdown();
  });

  it('maps each span once, and the stats and the trace points name the components that mapping gives', async () => {
    const database = 'wiring_shared_mapper';
    const mapping: SpanMappingOptions = { serviceName: 'billing-edge', internalSpans: 'calls' };
    const spans = await traffic(database, 'orders', mapping);

    // The one mapper of these options: the aggregator mapped each span and the exporter reused its points.
    expect(createSpanMapper(mapping).spansMapped).toBe(spans);

    const [traces] = await rows<{ n: string }>(`SELECT count() AS n FROM ${database}.otel_traces`);
    expect(Number(traces?.n)).toBe(spans);
    const pointEdges = await rows<{ source: string; target: string }>(
      `SELECT DISTINCT source_component AS source, target_component AS target FROM ${database}.trace_points
       WHERE trace_type = 'call' ORDER BY source, target`,
    );
    const statEdges = await rows<{ source: string; target: string }>(
      `SELECT DISTINCT source_component AS source, target_component AS target FROM ${database}.trace_point_stats
       WHERE stat_type = 'edge' ORDER BY source, target`,
    );
    expect(pointEdges.length).toBeGreaterThanOrEqual(4);
    expect(statEdges).toEqual(pointEdges);
    // The INTERNAL spans made calls only because the shared mapping says internalSpans: 'calls'.
    expect(pointEdges).toContainEqual({ source: 'billing-edge', target: 'billing-edge' });
    expect(JSON.stringify(pointEdges)).not.toContain('orders');
    const [internal] = await rows<{ calls: number }>(
      `SELECT sum(count) AS calls FROM ${database}.trace_point_stats
       WHERE stat_type = 'edge' AND source_component = 'billing-edge' AND target_component = 'billing-edge'`,
    );
    expect(internal?.calls).toBe(5);
  });

  it('names the service once: with mapping.serviceName and no service.name, endpoint rows, edges and trace points all say it', async () => {
    const database = 'wiring_service_name';
    const spans = await traffic(database, '', { serviceName: 'svc-x' });

    const services = await rows<{ stat_type: string; service: string; n: number }>(
      `SELECT stat_type, service, toUInt32(sum(span_count)) AS n FROM ${database}.trace_point_stats
       GROUP BY stat_type, service ORDER BY stat_type, service`,
    );
    expect(services).toEqual([
      { stat_type: 'edge', service: 'svc-x', n: 15 },
      { stat_type: 'endpoint', service: 'svc-x', n: spans },
      { stat_type: 'exception', service: 'svc-x', n: 5 },
    ]);
    const [edges] = await rows<{ bad: string; n: string }>(
      `SELECT countIf(source_component != 'svc-x' AND target_component != 'svc-x') AS bad, count() AS n
       FROM ${database}.trace_point_stats WHERE stat_type = 'edge'`,
    );
    expect(edges).toEqual({ bad: '0', n: expect.any(String) });
    const points = await rows<{ local: string; n: string }>(
      `SELECT if(trace_type = 'exception', source_component,
                 if(source_component = 'svc-x', source_component, target_component)) AS local, count() AS n
       FROM ${database}.trace_points GROUP BY local`,
    );
    // 5 × (server, db client, failing client) × (call, response) + 5 exceptions; INTERNAL spans make none.
    expect(points).toEqual([{ local: 'svc-x', n: '35' }]);
  });
});

describe('deferred: the cleaner and the aggregator on the hand-off batches', () => {
  it('stores the same rows and stats as cleaning and aggregating in each span end, secrets masked', async () => {
    const mapping: SpanMappingOptions = {};
    const spans = await traffic('wiring_immediate', 'orders', mapping);
    expect(await traffic('wiring_deferred', 'orders', mapping, { deferred: true })).toBe(spans);
    const columns = `SpanName, SpanKind, ServiceName, StatusCode, toString(SpanAttributes) AS attributes,
      TracePoints, TracePointCaller, TracePointCallee, TracePointCallerMethod, TracePointCalleeMethod`;
    const stored = (database: string) =>
      rows<Record<string, string>>(`SELECT ${columns} FROM ${database}.otel_traces ORDER BY ALL`);
    const deferred = await stored('wiring_deferred');
    expect(deferred).toHaveLength(spans);
    expect(deferred).toEqual(await stored('wiring_immediate'));
    expect(JSON.stringify(deferred)).not.toContain('hunter2');
    expect(JSON.stringify(deferred)).toContain('db.password');
    const stats = (database: string) =>
      rows<Record<string, string>>(
        `SELECT stat_type, span_name, source_component, target_component, toUInt32(sum(span_count)) AS n,
           toUInt32(sum(error_count)) AS errors FROM ${database}.trace_point_stats
         GROUP BY ALL ORDER BY ALL`,
      );
    const deferredStats = await stats('wiring_deferred');
    expect(deferredStats.length).toBeGreaterThan(3);
    expect(deferredStats).toEqual(await stats('wiring_immediate'));
  });

  it('registers no aggregator with the SDK (the hand-off runs it), and validates the option', () => {
    const pipeline = tracepointSpanProcessors({
      exporter: { client: store.client, database: 'wiring_deferred_shape' },
      deferred: true,
    });
    expect(pipeline.spanProcessors).not.toContain(pipeline.aggregator);
    expect(pipeline.spanProcessors).toContain(pipeline.cleaner);
    expect(pipeline.spanProcessors).toHaveLength(3);
    void pipeline.exporter.shutdown();
    void pipeline.aggregator?.shutdown();
    expect(() => tracepointSpanProcessors({ deferred: 'yes' as never })).toThrow(/option deferred/);
  });

  it('is what the add-on runs, unless it also exports to OTLP or TRACEPOINT_DEFERRED=off', () => {
    expect(optionsFromEnvironment({}).deferred).toBe(true);
    expect(optionsFromEnvironment({ TRACEPOINT_DEFERRED: 'off' }).deferred).toBe(false);
    expect(optionsFromEnvironment({ OTEL_TRACES_EXPORTER: 'console, otlp' }).deferred).toBe(false);
    expect(optionsFromEnvironment({ OTEL_TRACES_EXPORTER: 'none' }).deferred).toBe(true);
    expect(() => optionsFromEnvironment({ TRACEPOINT_DEFERRED: 'maybe' })).toThrow(
      /TRACEPOINT_DEFERRED must be on or off/,
    );
  });
});
