import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { hrTimeToNanoString, type SpanLike, spanKindName, statusCodeName } from '@tracepoint/core';
import { attributeValueToString } from '@tracepoint/semantic-mapping';
import { hrTimeToDateTime64Text } from './date-time-text.js';
import type { TracePointFields } from './trace-point-fields.js';
import { type TextRepairs, wellFormed } from './well-formed-text.js';

const quote = JSON.stringify as (value: string) => string;
const NEWLINE = 10;

/**
 * A text column's value as a JSON string; with `repairs`, well formed (see
 * OtelTracesLineEncoder.line).
 */
function text(value: unknown, repairs: TextRepairs | undefined): string {
  // Typed as strings, but span fields can be assigned anything: not a reason to lose the row.
  const string = typeof value === 'string' ? value : attributeValueToString(value as AttributeValue);
  return quote(repairs === undefined ? string : wellFormed(string, repairs));
}

function mapJson(attributes: Attributes | undefined, repairs: TextRepairs | undefined): string {
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
  return mapJson(attributes, repairs);
}

function arrayJson<T>(
  items: readonly T[],
  item: (value: T, repairs: TextRepairs | undefined) => string,
  repairs: TextRepairs | undefined,
): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += item(items[i] as T, repairs);
  }
  return `${out}]`;
}

/** The trace-point columns' values, each after a comma, in TRACE_POINT_INSERT_COLUMNS order. */
function tracePointFieldsText(fields: TracePointFields, repairs: Repairs): string {
  return (
    `,${fields.points},${text(fields.caller, repairs)},${text(fields.callee, repairs)},` +
    `${text(fields.callerMethod, repairs)},${text(fields.calleeMethod, repairs)},${mapJson(fields.params, repairs)}`
  );
}

type Event = SpanLike['events'][number];
type Link = SpanLike['links'][number];
type Repairs = TextRepairs | undefined;
const eventTime = (event: Event) => quote(hrTimeToDateTime64Text(event.time));
const eventName = (event: Event, repairs: Repairs) => text(event.name, repairs);
const eventAttributes = (event: Event, repairs: Repairs) => mapJson(event.attributes, repairs);
const linkTraceId = (link: Link, repairs: Repairs) => text(link.context.traceId, repairs);
const linkSpanId = (link: Link, repairs: Repairs) => text(link.context.spanId, repairs);
const linkTraceState = (link: Link, repairs: Repairs) =>
  text(link.context.traceState?.serialize() ?? '', repairs);
const linkAttributes = (link: Link, repairs: Repairs) => mapJson(link.attributes, repairs);

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

  constructor(private readonly repairs: TextRepairs = { loneSurrogatesReplaced: 0 }) {}

  /** `fields`: the span's trace-point columns (TRACE_POINT_INSERT_COLUMNS), appended; none when off. */
  line(span: SpanLike, fields?: TracePointFields): string {
    const line = this.encode(span, fields, undefined);
    // JSON.stringify writes a lone surrogate as a `\udXXX` escape (which ClickHouse refuses for the
    // whole insert): one scan of the line instead of a check per string. A hit (rarely a literal
    // backslash before "ud") encodes the row again, repairing each string.
    return line.includes('\\ud') ? this.encode(span, fields, this.repairs) : line;
  }

  private encode(span: SpanLike, fields: TracePointFields | undefined, repairs: Repairs): string {
    const context = span.spanContext();
    const events = span.events;
    const links = span.links;
    const scope = span.instrumentationScope;
    const line =
      `[${quote(hrTimeToDateTime64Text(span.startTime))},${text(context.traceId, repairs)},` +
      `${text(context.spanId, repairs)},${text(span.parentSpanContext?.spanId ?? '', repairs)},` +
      `${text(context.traceState?.serialize() ?? '', repairs)},${text(span.name, repairs)},` +
      `${quote(spanKindName(span.kind))},${this.resourceColumns(span.resource, repairs)},` +
      `${text(scope.name, repairs)},${text(scope.version ?? '', repairs)},${mapJson(span.attributes, repairs)},` +
      `${quote(hrTimeToNanoString(span.duration))},${quote(statusCodeName(span.status.code))},` +
      `${text(span.status.message ?? '', repairs)},${arrayJson(events, eventTime, repairs)},` +
      `${arrayJson(events, eventName, repairs)},${arrayJson(events, eventAttributes, repairs)},` +
      `${arrayJson(links, linkTraceId, repairs)},${arrayJson(links, linkSpanId, repairs)},` +
      `${arrayJson(links, linkTraceState, repairs)},${arrayJson(links, linkAttributes, repairs)}` +
      `${fields === undefined ? '' : tracePointFieldsText(fields, repairs)}]\n`;
    // Concatenation leaves a rope of dozens of pieces, about 3x the text in heap (measured) for as
    // long as the row waits in the queue; reading a character flattens it into one string now.
    if (line.charCodeAt(line.length - 1) !== NEWLINE)
      throw new Error('an otel_traces row was not terminated');
    return line;
  }

  /** `ServiceName` and `ResourceAttributes`, as the text between their commas. */
  private resourceColumns(resource: SpanLike['resource'], repairs: Repairs): string {
    const attributes = resource?.attributes;
    // Repaired columns are not cached: the cache holds the text as the fast path writes it.
    if (repairs !== undefined)
      return `${text(attributeValueToString(attributes?.['service.name']), repairs)},${mapJson(attributes, repairs)}`;
    if (resource === this.lastResource && this.lastResource !== undefined) return this.lastResourceColumns;
    const columns = `${quote(attributeValueToString(attributes?.['service.name']))},${mapJson(attributes, undefined)}`;
    // A resource still waiting for async detectors may gain attributes: not cached until settled.
    if ((resource as { asyncAttributesPending?: boolean } | undefined)?.asyncAttributesPending !== true) {
      this.lastResource = resource;
      this.lastResourceColumns = columns;
    }
    return columns;
  }
}
