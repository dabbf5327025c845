// OpenTelemetry JS 3.x, as tests see it. legs/otel2 exports the same names from the 2.x line.
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
} from '@opentelemetry/sdk-trace';

export const OTEL_LINE = 3;
export const SDK_PACKAGE = '@opentelemetry/sdk-trace';
