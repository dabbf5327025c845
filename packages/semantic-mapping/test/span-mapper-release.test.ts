import { SpanKind } from '@opentelemetry/api';
import { createSpanMapper, forgetSpanMapping } from '@tracepoint/semantic-mapping';
import {
  InMemorySpanExporter,
  resourceFromAttributes,
  simpleSpanProcessor,
  TracerProvider,
} from '@tracepoint-internal/otel-line';
import { afterAll, describe, expect, it } from 'vitest';

// An ended span can outlive its export wherever the app's context still holds it (a keep-alive
// socket keeps the context it was opened in): the points a mapper kept on it must go with
// forgetSpanMapping, which the exporter calls once the span's row is written.

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'orders' }),
  spanProcessors: [simpleSpanProcessor(exporter)],
});
afterAll(() => provider.shutdown());

function endedServerSpan() {
  exporter.reset();
  provider
    .getTracer('release')
    .startSpan('GET /orders/:id', {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': 'GET', 'http.route': '/orders/:id' },
    })
    .end();
  const [span] = exporter.getFinishedSpans();
  if (span === undefined) throw new Error('no span');
  return span;
}

/** Every value the span holds under a symbol key (where mappers keep what they computed). */
function symbolValues(span: object): unknown[] {
  return Object.getOwnPropertySymbols(span).map((key) => (span as Record<symbol, unknown>)[key]);
}

describe('forgetSpanMapping', () => {
  it('drops the points the mapper kept on the span, so the next call maps it again', () => {
    const mapper = createSpanMapper();
    const span = endedServerSpan();
    const points = mapper(span);
    expect(points.length).toBeGreaterThan(0);
    expect(mapper(span)).toBe(points);
    expect(symbolValues(span)).toContain(points);
    forgetSpanMapping(span);
    expect(symbolValues(span)).not.toContain(points);
    const again = mapper(span);
    expect(again).not.toBe(points);
    expect(again).toEqual(points);
  });
});
