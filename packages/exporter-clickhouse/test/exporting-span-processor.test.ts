import { context, createContextKey, trace } from '@opentelemetry/api';
import { ExportingSpanProcessor, MAX_PENDING_SPANS } from '@tracepoint/exporter-clickhouse';
import { InMemorySpanExporter, type ReadableSpan } from '@tracepoint-internal/otel-line';
import { describe, expect, it } from 'vitest';
import { startTracing } from '../../../test-support/tracing.js';

/** The SDK's in-memory exporter, recording how many spans each export call carried. */
class CountingExporter extends InMemorySpanExporter {
  readonly calls: number[] = [];
  override export(spans: ReadableSpan[], callback: Parameters<InMemorySpanExporter['export']>[1]): void {
    this.calls.push(spans.length);
    super.export(spans, callback);
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function tracingWith(exporter: CountingExporter) {
  const processor = new ExportingSpanProcessor(exporter as never);
  const tracing = startTracing({ serviceName: 'handoff', spanProcessors: [processor as never] });
  return { processor, tracing };
}

describe('ExportingSpanProcessor hands spans over once per event-loop turn', () => {
  it('never exports inside onEnd; the spans of one turn go in one call on the next', async () => {
    const exporter = new CountingExporter();
    const { processor, tracing } = tracingWith(exporter);
    for (let i = 0; i < 5; i++) tracing.tracer.startSpan(`op ${i}`).end();
    expect(exporter.calls).toEqual([]);
    await nextTurn();
    expect(exporter.calls).toEqual([5]);
    tracing.tracer.startSpan('later').end();
    await nextTurn();
    expect(exporter.calls).toEqual([5, 1]);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([
      'op 0',
      'op 1',
      'op 2',
      'op 3',
      'op 4',
      'later',
    ]);
    expect(processor.stats()).toEqual({ handed: 6, failed: 0 });
    await tracing.stop();
  });

  it('forceFlush hands over what waits', async () => {
    const exporter = new CountingExporter();
    const { tracing } = tracingWith(exporter);
    tracing.tracer.startSpan('waiting').end();
    await tracing.provider.forceFlush();
    expect(exporter.calls).toEqual([1]);
    await tracing.stop();
  });

  it(`a synchronous loop past ${MAX_PENDING_SPANS} spans is handed over at once (bounded memory)`, async () => {
    const exporter = new CountingExporter();
    const { tracing } = tracingWith(exporter);
    for (let i = 0; i < MAX_PENDING_SPANS + 10; i++) tracing.tracer.startSpan('bulk').end();
    expect(exporter.calls).toEqual([MAX_PENDING_SPANS]);
    await nextTurn();
    expect(exporter.calls).toEqual([MAX_PENDING_SPANS, 10]);
    await tracing.stop();
  });

  it('an exporter that throws is counted, never thrown into the app', async () => {
    const exporter = new CountingExporter();
    exporter.export = () => {
      throw new Error('broken exporter');
    };
    const { processor, tracing } = tracingWith(exporter);
    tracing.tracer.startSpan('a').end();
    tracing.tracer.startSpan('b').end();
    await nextTurn();
    expect(processor.stats()).toEqual({ handed: 2, failed: 2 });
    await tracing.stop();
  });
});

describe('the hand-off runs outside the app context', () => {
  // Timers, sockets and requests begun in a context keep it: an export begun in a request's
  // context would keep that request's spans alive as long as the batch timer or keep-alive socket.
  const APP_KEY = createContextKey('app value');
  const SUPPRESS = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

  it('the export, and a timer it starts, see no app value and no active span, with tracing suppressed', async () => {
    const seen: { app: unknown; span: unknown; suppressed: unknown; where: string }[] = [];
    const look = (where: string) => {
      const active = context.active();
      seen.push({
        app: active.getValue(APP_KEY),
        span: trace.getSpan(active),
        suppressed: active.getValue(SUPPRESS),
        where,
      });
    };
    let timerFired: () => void = () => {};
    const fired = new Promise<void>((resolve) => {
      timerFired = resolve;
    });
    const exporter = new CountingExporter();
    const exportSpans = exporter.export.bind(exporter);
    exporter.export = (spans, callback) => {
      look('export');
      setTimeout(() => {
        look('timer');
        timerFired();
      }, 1);
      exportSpans(spans, callback);
    };
    const { tracing } = tracingWith(exporter);
    const request = tracing.tracer.startSpan('GET /orders/:id');
    const appContext = trace.setSpan(context.active().setValue(APP_KEY, 'request 1'), request);
    context.with(appContext, () => tracing.tracer.startSpan('child', {}, appContext).end());
    await fired;
    expect(seen).toEqual([
      { app: undefined, span: undefined, suppressed: true, where: 'export' },
      { app: undefined, span: undefined, suppressed: true, where: 'timer' },
    ]);
    request.end();
    await tracing.stop();
  });
});
