import {
  attributesToStringMap,
  attributeValueToString,
  hrTimeToNanoString,
  type SpanLike,
  spanKindName,
  statusCodeName,
} from '@tracepoint/semantic-mapping';
import { hrTimeToDateTime64Text } from './date-time-text.js';

/**
 * One `otel_traces` row as a JSONCompactEachRow array, in OTEL_TRACES_INSERT_COLUMNS order.
 * Times and durations are exact decimal strings (times per `dateTime64Text`, durations in nanoseconds).
 */
export function otelTracesRow(span: SpanLike): unknown[] {
  const context = span.spanContext();
  const resource = span.resource.attributes;
  const events = span.events;
  const links = span.links;
  return [
    hrTimeToDateTime64Text(span.startTime),
    context.traceId,
    context.spanId,
    span.parentSpanContext?.spanId ?? '',
    context.traceState?.serialize() ?? '',
    span.name,
    spanKindName(span.kind),
    attributeValueToString(resource['service.name']),
    attributesToStringMap(resource),
    span.instrumentationScope.name,
    span.instrumentationScope.version ?? '',
    attributesToStringMap(span.attributes),
    hrTimeToNanoString(span.duration),
    statusCodeName(span.status.code),
    span.status.message ?? '',
    events.map((event) => hrTimeToDateTime64Text(event.time)),
    events.map((event) => event.name),
    events.map((event) => attributesToStringMap(event.attributes)),
    links.map((link) => link.context.traceId),
    links.map((link) => link.context.spanId),
    links.map((link) => link.context.traceState?.serialize() ?? ''),
    links.map((link) => attributesToStringMap(link.attributes)),
  ];
}
