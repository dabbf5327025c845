import { context, createContextKey, trace } from '@opentelemetry/api';
import { withTracingSuppressed } from '@tracepoint/core';
import { afterAll, describe, expect, it } from 'vitest';
import { startTracing } from '../../../test-support/tracing.js';

// ClickHouse calls run in a context of their own: a request or timer begun inside keeps the
// context it started in, so the app's context (its spans, its baggage) must not be that one.
const tracing = startTracing({ serviceName: 'suppress', spanProcessors: [] });
afterAll(() => tracing.stop());
const APP_KEY = createContextKey('app value');
const SUPPRESS = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

describe('withTracingSuppressed', () => {
  it('runs with tracing suppressed in a context that holds nothing of the app context', () => {
    const span = tracing.tracer.startSpan('GET /orders/:id');
    const app = trace.setSpan(context.active().setValue(APP_KEY, 'request 1'), span);
    const inside = context.with(app, () => withTracingSuppressed(() => context.active()));
    expect(inside.getValue(SUPPRESS)).toBe(true);
    expect(inside.getValue(APP_KEY)).toBeUndefined();
    expect(trace.getSpan(inside)).toBeUndefined();
    // One context for every call: nothing is allocated per ClickHouse call.
    expect(withTracingSuppressed(() => context.active())).toBe(inside);
    span.end();
  });

  it('returns what the function returns, and the app context is back afterwards', () => {
    const app = context.active().setValue(APP_KEY, 'request 2');
    const result = context.with(app, () => {
      const value = withTracingSuppressed(() => 42);
      return { value, after: context.active().getValue(APP_KEY) };
    });
    expect(result).toEqual({ value: 42, after: 'request 2' });
  });
});
