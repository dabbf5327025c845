import type { ReadableSpan } from '@tracepoint-internal/otel-line';

/**
 * A span processor that only keeps every ended span and the `Date.now()` it
 * ended at: what a deferred stage (SpanBatchStage) gets at the hand-off.
 */
export function endedSpans() {
  const spans: ReadableSpan[] = [];
  const endedAt: number[] = [];
  const processor = {
    onStart() {},
    onEnd(span: ReadableSpan) {
      spans.push(span);
      endedAt.push(Date.now());
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return { spans, endedAt, processor };
}
