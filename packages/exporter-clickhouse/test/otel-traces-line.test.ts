import { SpanKind } from '@opentelemetry/api';
import { OTEL_TRACES_INSERT_COLUMNS, OtelTracesLineEncoder } from '@tracepoint/exporter-clickhouse/internal';
import { attributesToStringMap } from '@tracepoint/semantic-mapping/internal';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { startTracing } from '../../../test-support/tracing.js';

const hostile = {
  quote: 'say "hi"\\ there',
  controls: 'line\nbreak\ttab\u0000nul\u001fus',
  unicode: 'Grüße 日本 🚀',
  lone: 'half \ud800 surrogate',
  number: 3.5,
  flag: true,
  list: ['a', 'b"c'],
  '12': 'integer-like key',
  'key "quoted"\n': 'value',
};

async function spansOf(serviceName: string, extra: Record<string, string>): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({
    serviceName,
    resourceAttributes: extra,
    spanProcessors: [simpleSpanProcessor(memory)],
  });
  const parent = tracing.tracer.startSpan('parent', { kind: SpanKind.SERVER, attributes: hostile });
  parent.addEvent('exception', { 'exception.type': 'Boom', 'exception.message': 'a "quoted"\nmessage' });
  parent.addEvent('plain');
  const child = tracing.tracer.startSpan('child', {
    kind: SpanKind.CLIENT,
    links: [{ context: parent.spanContext(), attributes: { why: 'retry' } }],
  });
  child.end();
  parent.end();
  await tracing.provider.forceFlush();
  const spans = memory.getFinishedSpans().slice();
  await tracing.stop();
  return spans;
}

function column(row: unknown[], name: string): unknown {
  return row[OTEL_TRACES_INSERT_COLUMNS.indexOf(name)];
}

describe('otel_traces line encoding', () => {
  it('writes one JSON array per span, in insert column order, with exact attribute maps', async () => {
    const spans = await spansOf('line-service', { 'deployment.environment.name': 'test' });
    const encoder = new OtelTracesLineEncoder();
    for (const span of spans) {
      const line = encoder.line(span);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      const row = JSON.parse(line) as unknown[];
      expect(row).toHaveLength(OTEL_TRACES_INSERT_COLUMNS.length);
      expect(column(row, 'SpanId')).toBe(span.spanContext().spanId);
      expect(column(row, 'SpanName')).toBe(span.name);
      expect(column(row, 'ServiceName')).toBe('line-service');
      // A lone surrogate has no UTF-8 form: the line carries U+FFFD in its place.
      const wellFormed = span.name === 'parent' ? { lone: 'half \uFFFD surrogate' } : {};
      expect(column(row, 'SpanAttributes')).toEqual({
        ...attributesToStringMap(span.attributes),
        ...wellFormed,
      });
      expect(column(row, 'ResourceAttributes')).toEqual(attributesToStringMap(span.resource.attributes));
      expect(column(row, 'Events.Name')).toEqual(span.events.map((e) => e.name));
      expect(column(row, 'Events.Attributes')).toEqual(
        span.events.map((e) => attributesToStringMap(e.attributes)),
      );
      expect(column(row, 'Links.SpanId')).toEqual(span.links.map((l) => l.context.spanId));
      expect(column(row, 'Links.Attributes')).toEqual(
        span.links.map((l) => attributesToStringMap(l.attributes)),
      );
    }
    const parent = JSON.parse(
      encoder.line(spans.find((s) => s.name === 'parent') as ReadableSpan),
    ) as unknown[];
    expect(column(parent, 'SpanAttributes')).toMatchObject({
      quote: hostile.quote,
      controls: hostile.controls,
      unicode: hostile.unicode,
      lone: 'half \uFFFD surrogate',
      number: '3.5',
      flag: 'true',
      list: '["a","b\\"c"]',
      '12': 'integer-like key',
    });
  });

  it('reuses the encoded resource only while spans share the resource object', async () => {
    const first = await spansOf('first', { 'host.name': 'a' });
    const second = await spansOf('second', { 'host.name': 'b' });
    const encoder = new OtelTracesLineEncoder();
    const interleaved = [first[0], second[0], first[1], second[1]] as ReadableSpan[];
    const services = interleaved.map((span) => {
      const row = JSON.parse(encoder.line(span)) as unknown[];
      return [
        column(row, 'ServiceName'),
        (column(row, 'ResourceAttributes') as Record<string, string>)['host.name'],
      ];
    });
    expect(services).toEqual([
      ['first', 'a'],
      ['second', 'b'],
      ['first', 'a'],
      ['second', 'b'],
    ]);
  });
});
