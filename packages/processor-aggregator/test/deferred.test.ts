import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { StatsRecord } from '@tracepoint/core';
import { AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { describe, expect, it } from 'vitest';
import { endedSpans } from '../../../test-support/ended-spans.js';
import { startTracing } from '../../../test-support/tracing.js';

function collectingSink() {
  const records: StatsRecord[] = [];
  return { records, writeStats: async (batch: readonly StatsRecord[]) => void records.push(...batch) };
}

/** Real SDK spans: a server span, a client call that fails with an exception, an internal span. */
async function endSpans(processors: object[]): Promise<void> {
  const tracing = startTracing({ serviceName: 'shop', spanProcessors: processors as never });
  const t0 = Date.now() - 5_000;
  for (let i = 0; i < 20; i++) {
    const server = tracing.tracer.startSpan('GET /orders/{id}', {
      kind: SpanKind.SERVER,
      startTime: t0 + i,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/orders/{id}',
        'http.response.status_code': 200,
      },
    });
    const client = tracing.tracer.startSpan('POST', {
      kind: SpanKind.CLIENT,
      startTime: t0 + i,
      attributes: { 'http.request.method': 'POST', 'server.address': 'payments', 'server.port': 443 },
    });
    if (i % 4 === 0) {
      client.recordException(new RangeError('card declined'));
      client.setStatus({ code: SpanStatusCode.ERROR });
    }
    client.end(t0 + i + 3);
    tracing.tracer.startSpan('price', { startTime: t0 + i }).end(t0 + i + 1);
    server.end(t0 + i + 5);
  }
  await tracing.stop();
}

/** Records without the sketches' object identity, in a stable order. */
const comparable = (records: StatsRecord[]) => records.map((record) => JSON.stringify(record)).sort();

describe('the aggregator deferred to the hand-off', () => {
  it('ignores onEnd, and its stage gives the same rows and counts as aggregating in onEnd', async () => {
    const direct = collectingSink();
    const inOnEnd = new AggregatorSpanProcessor({ sink: direct, intervalMillis: 3_600_000 });
    await endSpans([inOnEnd]);

    const deferredSink = collectingSink();
    const deferred = new AggregatorSpanProcessor({ sink: deferredSink, intervalMillis: 3_600_000 });
    const stage = deferred.deferToHandOff();
    const { spans: ended, processor: collecting } = endedSpans();
    await endSpans([collecting]);
    // Its onEnd no longer counts: the stage is the only way in.
    for (const span of ended) deferred.onEnd(span as never);
    expect(deferred.stats().spans).toBe(0);
    stage.processBatch(ended, new Float64Array(ended.length).fill(Date.now()));
    await deferred.forceFlush();

    expect(direct.records.length).toBeGreaterThan(3);
    expect(comparable(deferredSink.records)).toEqual(comparable(direct.records));
    expect(deferred.stats()).toEqual(inOnEnd.stats());
    expect(deferred.stats().spans).toBe(60);
    await Promise.all([inOnEnd.shutdown(), deferred.shutdown()]);
  });
});
