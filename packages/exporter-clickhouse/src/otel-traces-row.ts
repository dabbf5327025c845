import type { Attributes } from '@opentelemetry/api';
import {
  attributeValueToString,
  hrTimeToNanoString,
  type SpanLike,
  spanKindName,
  statusCodeName,
} from '@tracepoint/semantic-mapping';
import { hrTimeToDateTime64Text } from './date-time-text.js';

const quote = JSON.stringify as (value: string) => string;
const NEWLINE = 10;

/**
 * Attributes as the JSON object of a Map(LowCardinality(String), String)
 * value, written straight to text: building a string map first and handing it
 * to JSON.stringify costs an object per map and was the largest share of row
 * encoding.
 */
export function attributesMapJson(attributes: Attributes | undefined): string {
  let out = '{';
  if (attributes) {
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      if (out.length > 1) out += ',';
      out += `${quote(key)}:${quote(attributeValueToString(value))}`;
    }
  }
  return `${out}}`;
}

function arrayJson<T>(items: readonly T[], item: (value: T) => string): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += item(items[i] as T);
  }
  return `${out}]`;
}

type Event = SpanLike['events'][number];
type Link = SpanLike['links'][number];
const eventTime = (event: Event) => quote(hrTimeToDateTime64Text(event.time));
const eventName = (event: Event) => quote(event.name);
const eventAttributes = (event: Event) => attributesMapJson(event.attributes);
const linkTraceId = (link: Link) => quote(link.context.traceId);
const linkSpanId = (link: Link) => quote(link.context.spanId);
const linkTraceState = (link: Link) => quote(link.context.traceState?.serialize() ?? '');
const linkAttributes = (link: Link) => attributesMapJson(link.attributes);

/**
 * Encodes `otel_traces` rows as JSONCompactEachRow lines, in
 * OTEL_TRACES_INSERT_COLUMNS order. Times and durations are exact decimal
 * strings (times per `dateTime64Text`, durations in nanoseconds).
 *
 * Every span of a tracer provider shares one resource, and its attributes are
 * often half of a row's text, so the resource columns are encoded once per
 * resource object and reused while spans keep pointing at it.
 */
export class OtelTracesLineEncoder {
  private lastResource: SpanLike['resource'] | undefined;
  private lastResourceColumns = '';

  line(span: SpanLike): string {
    const context = span.spanContext();
    const events = span.events;
    const links = span.links;
    const scope = span.instrumentationScope;
    const line =
      `[${quote(hrTimeToDateTime64Text(span.startTime))},${quote(context.traceId)},${quote(context.spanId)},` +
      `${quote(span.parentSpanContext?.spanId ?? '')},${quote(context.traceState?.serialize() ?? '')},` +
      `${quote(span.name)},${quote(spanKindName(span.kind))},${this.resourceColumns(span.resource)},` +
      `${quote(scope.name)},${quote(scope.version ?? '')},${attributesMapJson(span.attributes)},` +
      `${quote(hrTimeToNanoString(span.duration))},${quote(statusCodeName(span.status.code))},` +
      `${quote(span.status.message ?? '')},${arrayJson(events, eventTime)},${arrayJson(events, eventName)},` +
      `${arrayJson(events, eventAttributes)},${arrayJson(links, linkTraceId)},${arrayJson(links, linkSpanId)},` +
      `${arrayJson(links, linkTraceState)},${arrayJson(links, linkAttributes)}]\n`;
    // Concatenation leaves a rope of dozens of pieces, about 3x the text in heap (measured) for as
    // long as the row waits in the queue; reading a character flattens it into one string now.
    if (line.charCodeAt(line.length - 1) !== NEWLINE)
      throw new Error('an otel_traces row was not terminated');
    return line;
  }

  /** `ServiceName` and `ResourceAttributes`, as the text between their commas. */
  private resourceColumns(resource: SpanLike['resource']): string {
    if (resource === this.lastResource && this.lastResource !== undefined) return this.lastResourceColumns;
    const attributes = resource?.attributes;
    const columns = `${quote(attributeValueToString(attributes?.['service.name']))},${attributesMapJson(attributes)}`;
    // A resource still waiting for async detectors may gain attributes: not cached until settled.
    if ((resource as { asyncAttributesPending?: boolean } | undefined)?.asyncAttributesPending !== true) {
      this.lastResource = resource;
      this.lastResourceColumns = columns;
    }
    return columns;
  }
}
