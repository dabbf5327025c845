import { type SpanContext, TraceFlags } from '@opentelemetry/api';
import type { SpanLike } from '@tracepoint/core';
import type { SpanPatch } from './span-cleaner.js';

/** Plain data fields on both SDK lines: assigned, which keeps the span's fast property layout. */
const DATA_FIELDS = [
  'name',
  'status',
  'attributes',
  'events',
  'links',
  'startTime',
  'endTime',
  'parentSpanContext',
  'resource',
] as const satisfies readonly (keyof SpanPatch)[];

/** Getters on both SDK lines (`duration`, `dropped*Count`): shadowed by an own property. */
const GETTER_FIELDS = [
  'duration',
  'droppedAttributesCount',
  'droppedEventsCount',
  'droppedLinksCount',
] as const satisfies readonly (keyof SpanPatch)[];

/**
 * Writes a patch onto the live span. Data fields are assigned; getters and
 * the `spanContext` method are shadowed with own properties (without touching
 * the SDK's private fields). `Object.defineProperty` only runs for those rare
 * fixes: on every span it would push the SDK's span objects into slow
 * dictionary mode, which was measured to triple the cost of everything after it.
 */
export function applyPatchInPlace(span: SpanLike, patch: SpanPatch): void {
  const target = span as unknown as Record<string, unknown>;
  for (const field of DATA_FIELDS) {
    const value = patch[field];
    if (value !== undefined) target[field] = value;
  }
  for (const field of GETTER_FIELDS) {
    const value = patch[field];
    if (value !== undefined)
      Object.defineProperty(span, field, { value, writable: true, configurable: true, enumerable: true });
  }
  if (patch.spanContext !== undefined) setSpanContext(span, patch.spanContext);
}

/**
 * Drops a span that is still ending: exporting processors (Batch and Simple
 * on both lines) skip spans whose context is not sampled, and spans started
 * under it later are not sampled either.
 */
export function dropInPlace(span: SpanLike): void {
  const context = span.spanContext();
  setSpanContext(span, { ...context, traceFlags: context.traceFlags & ~TraceFlags.SAMPLED });
}

function setSpanContext(span: SpanLike, context: SpanContext): void {
  Object.defineProperty(span, 'spanContext', { value: () => context, writable: true, configurable: true });
}

/** A finished span with the patch applied, leaving the original untouched (the shape of ReadableSpan on both lines). */
export function patchedCopy(span: SpanLike, patch: SpanPatch): SpanLike {
  const context = patch.spanContext ?? span.spanContext();
  const parentSpanContext = patch.parentSpanContext ?? span.parentSpanContext;
  return {
    name: patch.name ?? span.name,
    kind: span.kind,
    spanContext: () => context,
    parentSpanContext,
    startTime: patch.startTime ?? span.startTime,
    endTime: patch.endTime ?? span.endTime,
    duration: patch.duration ?? span.duration,
    status: patch.status ?? span.status,
    attributes: patch.attributes ?? span.attributes,
    links: patch.links ?? span.links,
    events: patch.events ?? span.events,
    resource: patch.resource ?? span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: patch.droppedAttributesCount ?? span.droppedAttributesCount ?? 0,
    droppedEventsCount: patch.droppedEventsCount ?? span.droppedEventsCount ?? 0,
    droppedLinksCount: patch.droppedLinksCount ?? span.droppedLinksCount ?? 0,
    ended: true,
  } as SpanLike;
}
