import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { startTracing } from './tracing.js';

type Tracer = ReturnType<typeof startTracing>['tracer'];

/** Finished spans of the real SDK: `make(tracer, i)` starts and ends span `i` of `count`, as `serviceName`. */
export async function recordSpans(
  serviceName: string,
  count: number,
  make: (tracer: Tracer, i: number) => void,
): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const tracing = startTracing({ serviceName, spanProcessors: [simpleSpanProcessor(memory)] });
  for (let i = 0; i < count; i++) make(tracing.tracer, i);
  await tracing.provider.forceFlush();
  const finished = memory.getFinishedSpans().slice();
  await tracing.stop();
  return finished;
}

/** One `export()` call, as a span processor makes it, as a promise of its result. */
export function exportOnce<S, R>(
  exporter: { export(spans: S[], resultCallback: (result: R) => void): void },
  batch: readonly S[],
): Promise<R> {
  return new Promise((resolve) => exporter.export(batch as S[], resolve));
}
