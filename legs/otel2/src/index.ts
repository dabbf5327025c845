// OpenTelemetry JS 2.x, as tests see it. legs/otel3 exports the same names from the 3.x line.
export { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
export { W3CTraceContextPropagator } from '@opentelemetry/core';
export { registerInstrumentations } from '@opentelemetry/instrumentation';
export { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
export { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
export { resourceFromAttributes } from '@opentelemetry/resources';
export { NodeSDK } from '@opentelemetry/sdk-node';
export {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export const OTEL_LINE = 2;
export const SDK_PACKAGE = '@opentelemetry/sdk-trace-base';
