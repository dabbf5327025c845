import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';

/** A span event as both SDK lines record it. */
export interface TimedEventLike {
  readonly name: string;
  readonly time: HrTime;
  readonly attributes?: Attributes | undefined;
  readonly droppedAttributesCount?: number | undefined;
}

/**
 * The parts of a finished span tracepoint reads. `ReadableSpan` has this shape
 * on OpenTelemetry JS 2.x (`@opentelemetry/sdk-trace-base`) and 3.x
 * (`@opentelemetry/sdk-trace`); typing it structurally keeps every package free
 * of SDK runtime imports and `instanceof` checks across the two lines.
 */
export interface SpanLike {
  readonly name: string;
  readonly kind: SpanKind;
  spanContext(): SpanContext;
  readonly parentSpanContext?: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly duration: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: readonly Link[];
  readonly events: readonly TimedEventLike[];
  readonly resource: { readonly attributes: Attributes };
  readonly instrumentationScope: { readonly name: string; readonly version?: string | undefined };
  readonly droppedAttributesCount?: number;
  readonly droppedEventsCount?: number;
  readonly droppedLinksCount?: number;
}
