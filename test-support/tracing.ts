import { context, propagation, type TextMapPropagator, trace } from '@opentelemetry/api';
import {
  AsyncLocalStorageContextManager,
  registerInstrumentations,
  resourceFromAttributes,
  type SpanProcessor,
  TracerProvider,
  W3CTraceContextPropagator,
} from '@tracepoint-internal/otel-line';

type Instrumentations = Parameters<typeof registerInstrumentations>[0]['instrumentations'];

export interface TestTracing {
  provider: InstanceType<typeof TracerProvider>;
  tracer: ReturnType<InstanceType<typeof TracerProvider>['getTracer']>;
  /** Flushes, shuts the provider down and removes every global it set. */
  stop(): Promise<void>;
}

/**
 * Real SDK tracing for a test, on the OpenTelemetry line under test
 * (TRACEPOINT_OTEL_LINE): AsyncLocalStorage context, W3C propagation, the given
 * span processors and instrumentations.
 */
export function startTracing(options: {
  serviceName: string;
  spanProcessors: SpanProcessor[];
  instrumentations?: Instrumentations;
  /** Default: W3C trace context. */
  propagator?: TextMapPropagator;
  /** Passed to the provider as they are (e.g. `idGenerator`, `spanLimits`). */
  providerConfig?: Record<string, unknown>;
  /**
   * Resource attributes besides `service.name`; `serviceName: ''` leaves the name out. A promise
   * value is an attribute a resource detector delivers later (as NodeSDK's `host.id`).
   */
  resourceAttributes?: Record<string, string | Promise<string>>;
}): TestTracing {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(options.propagator ?? new W3CTraceContextPropagator());
  const provider = new TracerProvider({
    ...options.providerConfig,
    resource: resourceFromAttributes({
      ...(options.serviceName === '' ? {} : { 'service.name': options.serviceName }),
      ...options.resourceAttributes,
    } as Record<string, string>),
    spanProcessors: options.spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    instrumentations: options.instrumentations ?? [],
    tracerProvider: provider,
  });
  return {
    provider,
    tracer: provider.getTracer('tracepoint-test', '1.0.0'),
    async stop() {
      await provider.forceFlush();
      await provider.shutdown();
      unregister();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
