import { SpanKind } from '@opentelemetry/api';
import {
  OTEL_TRACES_INSERT_COLUMNS,
  OtelTracesLineEncoder,
  RowBatch,
  TRACE_POINT_INSERT_COLUMNS,
  TRACE_POINTS_CALL,
  tracePointFields,
  withoutTracePointFields,
} from '@tracepoint/exporter-clickhouse/internal';
import { mapSpan } from '@tracepoint/semantic-mapping';
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

  it('appends the trace-point fields in TRACE_POINT_INSERT_COLUMNS order, and cutting them gives the plain line', async () => {
    const spans = await spansOf('line-service', {});
    const parent = spans.find((span) => span.name === 'parent') as ReadableSpan;
    const fields = tracePointFields(parent, mapSpan(parent));
    const call = mapSpan(parent).find((point) => point.traceType === 'call');
    // A server span: called by its caller (unknown here), this service the callee.
    expect(fields).toMatchObject({
      points: TRACE_POINTS_CALL,
      callee: 'line-service',
      calleeMethod: 'parent',
    });
    expect(fields).toMatchObject({ caller: call?.sourceComponent, params: call?.params });

    const repairs = { loneSurrogatesReplaced: 0 };
    const encoder = new OtelTracesLineEncoder(repairs);
    const plain = encoder.line(parent);
    const withFields = encoder.line(parent, {
      ...fields,
      caller: 'half \ud800',
      params: { key: 'v \udc00' },
    });
    const row = JSON.parse(withFields) as unknown[];
    expect(row).toHaveLength(OTEL_TRACES_INSERT_COLUMNS.length + TRACE_POINT_INSERT_COLUMNS.length);
    expect(row.slice(0, OTEL_TRACES_INSERT_COLUMNS.length)).toEqual(JSON.parse(plain));
    // Lone surrogates in the fields are repaired like the span's own text.
    expect(row.slice(OTEL_TRACES_INSERT_COLUMNS.length)).toEqual([
      TRACE_POINTS_CALL,
      'half \uFFFD',
      'line-service',
      fields.callerMethod,
      'parent',
      { key: 'v \uFFFD' },
    ]);
    // The span's `lone` attribute in each line, and the two in the fields.
    expect(repairs.loneSurrogatesReplaced).toBe(4);

    // A batch queued with the fields, for a span table without the columns: each row comes back as the plain line.
    const batch = new RowBatch();
    batch.append(withFields, 20_000);
    batch.append(plain, 20_001);
    const cut = withoutTracePointFields(batch, { loneSurrogatesReplaced: 0 });
    expect([cut.line(0), cut.line(1)].map((line) => JSON.parse(line))).toEqual([
      JSON.parse(plain),
      JSON.parse(plain),
    ]);
    expect(cut.days).toEqual([20_000, 20_001]);
  });
});
