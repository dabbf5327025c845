import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Context, context, createContextKey, trace } from '@opentelemetry/api';
import type { SpanBatchStage } from '@tracepoint/core';
import {
  ExportingSpanProcessor,
  HAND_OFF_DELAY_MILLIS,
  HAND_OFF_SPANS,
  MAX_PENDING_SPANS,
} from '@tracepoint/exporter-clickhouse';
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
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Past the hand-off delay, with room for a slow turn on a shared machine. */
const afterDelay = () => sleep(HAND_OFF_DELAY_MILLIS + 60);

function tracingWith(exporter: CountingExporter) {
  const processor = new ExportingSpanProcessor(exporter as never);
  const tracing = startTracing({ serviceName: 'handoff', spanProcessors: [processor as never] });
  return { processor, tracing };
}

describe('ExportingSpanProcessor hands spans over in batches, never inside onEnd', () => {
  it(`spans ended within ${HAND_OFF_DELAY_MILLIS} ms of the first go in one call, after the delay and not on the next turn`, async () => {
    const exporter = new CountingExporter();
    const { processor, tracing } = tracingWith(exporter);
    const began = performance.now();
    for (let i = 0; i < 3; i++) tracing.tracer.startSpan(`op ${i}`).end();
    expect(exporter.calls).toEqual([]);
    await nextTurn();
    for (let i = 3; i < 5; i++) tracing.tracer.startSpan(`op ${i}`).end();
    await nextTurn();
    // A turn slower than the delay itself (a stalled machine) may let the timer go first.
    if (performance.now() - began < HAND_OFF_DELAY_MILLIS) expect(exporter.calls).toEqual([]);
    await afterDelay();
    expect(exporter.calls).toEqual([5]);
    // The timer is re-armed by the next first span.
    tracing.tracer.startSpan('later').end();
    await afterDelay();
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

  it(`${HAND_OFF_SPANS} waiting spans go on the next turn, with those ended in the same turn`, async () => {
    const exporter = new CountingExporter();
    const { tracing } = tracingWith(exporter);
    for (let i = 0; i < HAND_OFF_SPANS - 1; i++) tracing.tracer.startSpan('busy').end();
    await nextTurn();
    const waited = exporter.calls.length;
    for (let i = 0; i < 40; i++) tracing.tracer.startSpan('busy').end();
    expect(exporter.calls).toHaveLength(waited);
    await nextTurn();
    // Unless the delay ran out first (a stalled machine), the batch went as one on the turn after.
    expect(exporter.calls).toEqual(waited === 0 ? [HAND_OFF_SPANS + 39] : [HAND_OFF_SPANS - 1, 40]);
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

  it('shutdown hands over what waits, and a batch that went early leaves no stale timer behind', async () => {
    const exporter = new CountingExporter();
    const { tracing } = tracingWith(exporter);
    tracing.tracer.startSpan('first').end();
    await tracing.provider.forceFlush();
    tracing.tracer.startSpan('second').end();
    await tracing.stop();
    expect(exporter.calls).toEqual([1, 1]);
    await afterDelay();
    expect(exporter.calls).toEqual([1, 1]);
  });

  it(`a synchronous loop past ${MAX_PENDING_SPANS} spans is handed over at once (bounded memory)`, async () => {
    const exporter = new CountingExporter();
    const { tracing } = tracingWith(exporter);
    for (let i = 0; i < MAX_PENDING_SPANS + 10; i++) tracing.tracer.startSpan('bulk').end();
    expect(exporter.calls).toEqual([MAX_PENDING_SPANS]);
    await afterDelay();
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
    await afterDelay();
    expect(processor.stats()).toEqual({ handed: 2, failed: 2 });
    await tracing.stop();
  });
});

describe('stages run on each batch before it is exported', () => {
  /** A record-only sampler: such spans reach the processors but are not sampled. */
  const recordOnlyFor = (name: string) => ({
    shouldSample: (_c: unknown, _t: string, spanName: string) => ({ decision: spanName === name ? 1 : 2 }),
    toString: () => 'record-only-for-test',
  });

  function tracingWithStages(exporter: CountingExporter, stages: SpanBatchStage[], sampler?: object) {
    const processor = new ExportingSpanProcessor(exporter as never, [], stages);
    const tracing = startTracing({
      serviceName: 'handoff-stages',
      spanProcessors: [processor as never],
      ...(sampler === undefined ? {} : { providerConfig: { sampler } }),
    });
    return { processor, tracing };
  }

  it('every ended span reaches the stages, in order, with its end clock; only those still sampled are exported', async () => {
    const exporter = new CountingExporter();
    const seen: string[] = [];
    let clocks: number[] = [];
    const stages: SpanBatchStage[] = [
      {
        processBatch(spans, endedAt) {
          clocks = spans.map((_, i) => endedAt[i] as number);
          for (const span of spans) {
            seen.push(`first ${span.name}`);
            (span as { name: string }).name = `${span.name} (cleaned)`;
            // A stage drops a span as the cleaner does: by clearing its sampled flag.
            if (span.name.startsWith('drop')) {
              const ctx = span.spanContext();
              Object.defineProperty(span, 'spanContext', { value: () => ({ ...ctx, traceFlags: 0 }) });
            }
          }
        },
      },
      { processBatch: (spans) => seen.push(...spans.map((span) => `second ${span.name}`)) },
    ];
    const { processor, tracing } = tracingWithStages(exporter, stages, recordOnlyFor('record-only'));
    const before = Date.now();
    tracing.tracer.startSpan('kept').end();
    tracing.tracer.startSpan('record-only').end();
    tracing.tracer.startSpan('drop me').end();
    const after = Date.now();
    expect(seen).toEqual([]);
    await afterDelay();
    expect(seen).toEqual([
      'first kept',
      'first record-only',
      'first drop me',
      'second kept (cleaned)',
      'second record-only (cleaned)',
      'second drop me (cleaned)',
    ]);
    for (const clock of clocks) {
      expect(clock).toBeGreaterThanOrEqual(before);
      expect(clock).toBeLessThanOrEqual(after);
    }
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['kept (cleaned)']);
    expect(processor.stats()).toEqual({ handed: 1, failed: 0 });
    await tracing.stop();
  });

  it('a stage that throws keeps its batch from being exported (it may not be clean), counted', async () => {
    const exporter = new CountingExporter();
    const { processor, tracing } = tracingWithStages(exporter, [
      {
        processBatch() {
          throw new Error('broken stage');
        },
      },
    ]);
    tracing.tracer.startSpan('a').end();
    tracing.tracer.startSpan('b').end();
    await afterDelay();
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(processor.stats()).toEqual({ handed: 2, failed: 2 });
    await tracing.stop();
  });

  it('forceFlush and shutdown run the stages on what waits', async () => {
    const exporter = new CountingExporter();
    let processed = 0;
    const { tracing } = tracingWithStages(exporter, [
      {
        processBatch(spans) {
          processed += spans.length;
        },
      },
    ]);
    tracing.tracer.startSpan('flushed').end();
    await tracing.provider.forceFlush();
    expect(processed).toBe(1);
    tracing.tracer.startSpan('at shutdown').end();
    await tracing.stop();
    expect(processed).toBe(2);
    expect(exporter.calls).toEqual([1, 1]);
  });
});

describe('the hand-off runs outside the app context', () => {
  // Timers, sockets and requests begun in a context keep it: an export begun in a request's
  // context would keep that request's spans alive as long as the batch timer or keep-alive socket.
  const APP_KEY = createContextKey('app value');
  const SUPPRESS = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

  it('the hand-off timer does not keep the context of the request whose span armed it first', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const exporter = new CountingExporter();
    const { tracing } = tracingWith(exporter);
    let appContext: Context | undefined = context.active().setValue(APP_KEY, { request: 1 });
    const gone = new WeakRef(appContext);
    context.with(appContext, () => tracing.tracer.startSpan('child').end());
    appContext = undefined;
    await afterDelay();
    expect(exporter.calls).toEqual([1]);
    // The timer lives as long as the processor: made inside the request, it would hold its context.
    // deref() keeps its target for the rest of the job (turn), so collect in turns that never deref.
    for (let i = 0; i < 3; i++) {
      gc();
      await nextTurn();
    }
    expect(gone.deref()).toBeUndefined();
    await tracing.stop();
  });

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
