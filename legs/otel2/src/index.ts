import { createRequire } from 'node:module';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

// OpenTelemetry JS 2.x, as tests see it. legs/otel3 exports the same names from the 3.x line.
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
  BasicTracerProvider as TracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/**
 * Loads a package from this leg (express, ioredis). Instrumentations patch
 * modules as they are require()d, so tests load instrumented libraries through
 * this after registering the instrumentations.
 */
export const legRequire = createRequire(import.meta.url);

export const OTEL_LINE = 2;
export const SDK_PACKAGE = '@opentelemetry/sdk-trace-base';

/** 2.x takes the exporter positionally; 3.x takes `{ exporter }`. Tests build processors through these. */
export function simpleSpanProcessor(exporter: SpanExporter): SpanProcessor {
  return new SimpleSpanProcessor(exporter);
}

export function batchSpanProcessor(
  exporter: SpanExporter,
  options: { maxExportBatchSize?: number; scheduledDelayMillis?: number; maxQueueSize?: number } = {},
): SpanProcessor {
  return new BatchSpanProcessor(exporter, options);
}
