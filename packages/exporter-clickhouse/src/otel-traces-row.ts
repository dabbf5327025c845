import type { Attributes, AttributeValue } from '@opentelemetry/api';
import {
  attributeValueToString,
  hrTimeToNanoString,
  type SpanLike,
  spanKindName,
  statusCodeName,
} from '@tracepoint/semantic-mapping';
import { hrTimeToDateTime64Text } from './date-time-text.js';
import { type TextRepairs, wellFormed } from './well-formed-text.js';

const quote = JSON.stringify as (value: string) => string;
const NEWLINE = 10;

/** A text column's value as a JSON string, well formed (the app's strings may hold lone surrogates). */
function text(value: unknown, repairs: TextRepairs): string {
  // Typed as strings, but span fields can be assigned anything: not a reason to lose the row.
  const string = typeof value === 'string' ? value : attributeValueToString(value as AttributeValue);
  return quote(wellFormed(string, repairs));
}

/**
 * Attributes as the JSON object of a Map(LowCardinality(String), String)
 * value, written straight to text: building a string map first and handing it
 * to JSON.stringify costs an object per map and was the largest share of row
 * encoding. Lone surrogates in keys and values become U+FFFD, counted in `repairs`.
 */
export function attributesMapJson(
  attributes: Attributes | undefined,
  repairs: TextRepairs = { loneSurrogatesReplaced: 0 },
): string {
  let out = '{';
  if (attributes) {
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      if (out.length > 1) out += ',';
      out += `${text(key, repairs)}:${text(attributeValueToString(value), repairs)}`;
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

/**
 * Encodes `otel_traces` rows as JSONCompactEachRow lines, in
 * OTEL_TRACES_INSERT_COLUMNS order. Times and durations are exact decimal
 * strings (times per `dateTime64Text`, durations in nanoseconds). The text is
 * always valid UTF-8: lone surrogates in the app's strings become U+FFFD,
 * counted in `repairs` (the exporter's stats).
 *
 * Every span of a tracer provider shares one resource, and its attributes are
 * often half of a row's text, so the resource columns are encoded once per
 * resource object and reused while spans keep pointing at it.
 */
export class OtelTracesLineEncoder {
  private lastResource: SpanLike['resource'] | undefined;
  private lastResourceColumns = '';
  /** Lone surrogates replaced in the cached resource columns: each row that reuses them counts them again. */
  private lastResourceRepairs = 0;

  constructor(private readonly repairs: TextRepairs = { loneSurrogatesReplaced: 0 }) {}

  line(span: SpanLike): string {
    const context = span.spanContext();
    const events = span.events;
    const links = span.links;
    const scope = span.instrumentationScope;
    const repairs = this.repairs;
    const line =
      `[${quote(hrTimeToDateTime64Text(span.startTime))},${text(context.traceId, repairs)},` +
      `${text(context.spanId, repairs)},${text(span.parentSpanContext?.spanId ?? '', repairs)},` +
      `${text(context.traceState?.serialize() ?? '', repairs)},${text(span.name, repairs)},` +
      `${quote(spanKindName(span.kind))},${this.resourceColumns(span.resource)},` +
      `${text(scope.name, repairs)},${text(scope.version ?? '', repairs)},${attributesMapJson(span.attributes, repairs)},` +
      `${quote(hrTimeToNanoString(span.duration))},${quote(statusCodeName(span.status.code))},` +
      `${text(span.status.message ?? '', repairs)},${arrayJson(events, this.eventTime)},` +
      `${arrayJson(events, this.eventName)},${arrayJson(events, this.eventAttributes)},` +
      `${arrayJson(links, this.linkTraceId)},${arrayJson(links, this.linkSpanId)},` +
      `${arrayJson(links, this.linkTraceState)},${arrayJson(links, this.linkAttributes)}]\n`;
    // Concatenation leaves a rope of dozens of pieces, about 3x the text in heap (measured) for as
    // long as the row waits in the queue; reading a character flattens it into one string now.
    if (line.charCodeAt(line.length - 1) !== NEWLINE)
      throw new Error('an otel_traces row was not terminated');
    return line;
  }

  private readonly eventTime = (event: Event) => quote(hrTimeToDateTime64Text(event.time));
  private readonly eventName = (event: Event) => text(event.name, this.repairs);
  private readonly eventAttributes = (event: Event) => attributesMapJson(event.attributes, this.repairs);
  private readonly linkTraceId = (link: Link) => text(link.context.traceId, this.repairs);
  private readonly linkSpanId = (link: Link) => text(link.context.spanId, this.repairs);
  private readonly linkTraceState = (link: Link) =>
    text(link.context.traceState?.serialize() ?? '', this.repairs);
  private readonly linkAttributes = (link: Link) => attributesMapJson(link.attributes, this.repairs);

  /** `ServiceName` and `ResourceAttributes`, as the text between their commas. */
  private resourceColumns(resource: SpanLike['resource']): string {
    if (resource === this.lastResource && this.lastResource !== undefined) {
      this.repairs.loneSurrogatesReplaced += this.lastResourceRepairs;
      return this.lastResourceColumns;
    }
    const attributes = resource?.attributes;
    const before = this.repairs.loneSurrogatesReplaced;
    const columns = `${text(attributeValueToString(attributes?.['service.name']), this.repairs)},${attributesMapJson(attributes, this.repairs)}`;
    // A resource still waiting for async detectors may gain attributes: not cached until settled.
    if ((resource as { asyncAttributesPending?: boolean } | undefined)?.asyncAttributesPending !== true) {
      this.lastResource = resource;
      this.lastResourceColumns = columns;
      this.lastResourceRepairs = this.repairs.loneSurrogatesReplaced - before;
    }
    return columns;
  }
}
