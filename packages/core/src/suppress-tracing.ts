import { type Context, context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';

// The same key @opentelemetry/core uses (createContextKey is Symbol.for-based), so
// every instrumentation on either SDK line sees it without a dependency on core.
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/**
 * The context ClickHouse calls run in: the root context with tracing
 * suppressed, never the app's active one. Sockets, timers and requests
 * started in a context keep it (async context propagation), so an insert
 * begun while a request's context was active kept that request's spans alive
 * for as long as the keep-alive socket or the batch timer lived. Measured in
 * an HTTP app at 300 req/s: those spans were promoted to the old generation
 * (the add-on promoted 0.9 MB per scavenge against the SDK floor's 0.2 MB) and
 * the mark-compacts that followed were most of the add-on's GC CPU.
 */
const SUPPRESSED: Context = ROOT_CONTEXT.setValue(SUPPRESS_TRACING_KEY, true);

/** Runs `fn` with tracing suppressed, in a context that holds nothing of the app's (see SUPPRESSED). */
export function withTracingSuppressed<T>(fn: () => T): T {
  return context.with(SUPPRESSED, fn);
}
