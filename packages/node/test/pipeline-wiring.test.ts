import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { tracepointSpanProcessors } from '@tracepoint/node';
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
async function traffic(database: string, serviceName: string, mapping: SpanMappingOptions): Promise<number> {
  const pipeline = tracepointSpanProcessors({
    exporter: { client: store.client, database, flushIntervalMillis: 100 },
    aggregator: { intervalMillis: 3_600_000 },
    mapping,
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
    tracer.startSpan('price', { kind: SpanKind.INTERNAL }).end();
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
