import { type Context, context, createContextKey } from '@opentelemetry/api';

// The same key @opentelemetry/core uses (createContextKey is Symbol.for-based), so
// every instrumentation on either SDK line sees it without a dependency on core.
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** Runs `fn` with tracing suppressed, so ClickHouse calls do not trace themselves. */
export function withTracingSuppressed<T>(fn: () => T): T {
  const suppressed: Context = context.active().setValue(SUPPRESS_TRACING_KEY, true);
  return context.with(suppressed, fn);
}
