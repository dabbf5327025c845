import { createRequire } from 'node:module';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';

// OpenTelemetry JS 3.x, as tests see it. legs/otel2 exports the same names from the 2.x line.
export { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
export { W3CTraceContextPropagator } from '@opentelemetry/core';
export { registerInstrumentations } from '@opentelemetry/instrumentation';
export { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
export { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
export { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
export { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
export { resourceFromAttributes } from '@opentelemetry/resources';
export { NodeSDK } from '@opentelemetry/sdk-node';
export {
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/**
 * Loads a package from this leg (express, ioredis). Instrumentations patch
 * modules as they are require()d, so tests load instrumented libraries through
 * this after registering the instrumentations.
 */
export const legRequire = createRequire(import.meta.url);

export const OTEL_LINE = 3;
export const SDK_PACKAGE = '@opentelemetry/sdk-trace';

/** 3.x takes `{ exporter }`; 2.x takes the exporter positionally. Tests build processors through these. */
export function simpleSpanProcessor(exporter: SpanExporter): SpanProcessor {
  return new SimpleSpanProcessor({ exporter });
}

export function batchSpanProcessor(
  exporter: SpanExporter,
  options: { maxExportBatchSize?: number; scheduledDelayMillis?: number; maxQueueSize?: number } = {},
): SpanProcessor {
  return new BatchSpanProcessor({ exporter, ...options });
}
