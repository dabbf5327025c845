import { TraceFlags, type Tracer } from '@opentelemetry/api';
import {
  CleanerSpanProcessor,
  type CleanerSpanProcessorOptions,
  type CleanerStatsSnapshot,
} from '@tracepoint/processor-cleaner';
import { InMemorySpanExporter, type ReadableSpan, simpleSpanProcessor } from '@tracepoint-internal/otel-line';
import { endedSpans } from '../../../test-support/ended-spans.js';
import { startTracing } from '../../../test-support/tracing.js';

/**
 * In place: the cleaner registered first, mutating in `onEnding`. Copy: the cleaner wraps the
 * exporting processor. Deferred: the cleaner's hand-off stage cleans the ended spans in one batch
 * afterwards, with the clock each span ended at (as @tracepoint/node's deferred pipeline runs it).
 */
export type CleanerMode = 'in place' | 'copy' | 'deferred';
export const MODES: readonly CleanerMode[] = ['in place', 'copy', 'deferred'];

export interface CleanerRun {
  spans: ReadableSpan[];
  stats: CleanerStatsSnapshot;
  warnings: string[];
  /** Exported spans by name (the last one of each name). */
  byName: Map<string, ReadableSpan>;
}

/** Real SDK spans from `drive`, through the cleaner in `mode`, collected by an in-memory exporter. */
export async function recordCleaned(
  mode: CleanerMode,
  options: CleanerSpanProcessorOptions,
  drive: (tracer: Tracer) => void | Promise<void>,
  tracing: {
    serviceName?: string;
    providerConfig?: Record<string, unknown>;
    resourceAttributes?: Record<string, string>;
    /**
     * Pointed at this run's provider and left enabled afterwards: disabling
     * unpatches node:http, and re-enabling does not reliably patch it again.
     */
    instrumentations?: readonly { setTracerProvider(provider: unknown): void; enable(): void }[];
  } = {},
): Promise<CleanerRun> {
  const memory = new InMemorySpanExporter();
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message) };
  const exporting = simpleSpanProcessor(memory);
  const cleaner =
    mode === 'copy'
      ? new CleanerSpanProcessor({ ...options, logger, next: exporting as never })
      : new CleanerSpanProcessor({ ...options, logger });
  const stage = mode === 'deferred' ? cleaner.deferToHandOff() : undefined;
  const { spans: ended, endedAt, processor: collecting } = endedSpans();
  const run = startTracing({
    serviceName: tracing.serviceName ?? 'cleaner-test',
    spanProcessors:
      mode === 'copy'
        ? [cleaner as never]
        : [cleaner as never, mode === 'deferred' ? (collecting as never) : exporting],
    providerConfig: tracing.providerConfig,
    resourceAttributes: tracing.resourceAttributes,
  });
  for (const instrumentation of tracing.instrumentations ?? []) {
    instrumentation.setTracerProvider(run.provider);
    instrumentation.enable();
  }
  try {
    await drive(run.tracer as unknown as Tracer);
    await run.provider.forceFlush();
    let spans = memory.getFinishedSpans().slice();
    if (stage !== undefined) {
      stage.processBatch(ended, Float64Array.from(endedAt));
      // What an exporting processor takes: the spans still sampled (the cleaner drops by clearing the flag).
      spans = ended.filter((span) => (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0);
    }
    return { spans, stats: cleaner.stats(), warnings, byName: new Map(spans.map((s) => [s.name, s])) };
  } finally {
    await run.stop();
  }
}

/** Ends a span the SDK way, after writing values the API would refuse (an instrumentation bug or a bypass). */
export function writeRaw(span: unknown, attributes: Record<string, unknown>): void {
  Object.assign((span as { attributes: Record<string, unknown> }).attributes, attributes);
}
