import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  CALLER_COMPONENT,
  CALLER_METHOD,
  CLIENT_ADDRESS,
  ERROR_TYPE,
  EXCEPTION_EVENT,
  EXCEPTION_MESSAGE,
  EXCEPTION_STACKTRACE,
  EXCEPTION_TYPE,
  firstPresentName,
  hrTimeToNanoString,
  readFirst,
  SERVICE_NAME,
  type SpanLike,
  type StatusCodeName,
  statusCodeName,
} from '@tracepoint/core';
import { attributeValueToString } from './attribute-value.js';
import { METHOD_RULES, resolveFirst, TARGET_COMPONENT_RULES } from './mapping-rules.js';
import { PARAMS_DROPPED_KEY, type ResolvedSpanMappingOptions } from './span-mapping-options.js';
import type { TracePoint, TracePointException, TraceType } from './trace-point.js';

/** Component or method that the span does not reveal. */
export const UNKNOWN = 'unknown';
export const UNKNOWN_SERVICE = 'unknown_service';

const TRUNCATED = '…';

function truncated(text: string, max: number): string {
  return text.length > max ? text.slice(0, max) + TRUNCATED : text;
}

/**
 * The component a span belongs to: `serviceName`, else its resource's
 * `service.name`, else `unknown_service`. The one place this is decided, so
 * trace points and every stats row (endpoint, edge, exception) name the same service.
 */
export function serviceOfSpan(span: SpanLike, options: ResolvedSpanMappingOptions): string {
  return options.serviceName ?? readFirst(span.resource.attributes, [SERVICE_NAME]) ?? UNKNOWN_SERVICE;
}

/** The method a span names, by the method rules; its span name when no rule matches. */
export function methodOfSpan(attributes: Attributes, spanName: string): string {
  return resolveFirst(METHOD_RULES, attributes) ?? spanName;
}

/** The component a client or producer span calls, by the target-component rules. */
export function targetComponentOfSpan(attributes: Attributes): string {
  return resolveFirst(TARGET_COMPONENT_RULES, attributes) ?? UNKNOWN;
}

function paramsOf(attributes: Attributes, options: ResolvedSpanMappingOptions): Record<string, string> {
  const params: Record<string, string> = {};
  let kept = 0;
  let dropped = 0;
  const specs = options.paramAttributes;
  for (let i = 0; i < specs.length; i++) {
    const names = specs[i] as readonly string[];
    const present = firstPresentName(attributes, names);
    if (present === undefined) continue;
    const key = names[0] as string;
    if (key in params) continue;
    if (kept >= options.maxParams) {
      dropped++;
      continue;
    }
    params[key] = truncated(attributeValueToString(attributes[present]), options.maxParamLength);
    kept++;
  }
  if (dropped > 0) params[PARAMS_DROPPED_KEY] = String(dropped);
  return params;
}

interface SpanFacts {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly params: Readonly<Record<string, string>>;
}

function point(
  facts: SpanFacts,
  traceType: TraceType,
  timestamp: string,
  source: string,
  target: string,
  sourceMethod: string,
  targetMethod: string,
  durationNs: string,
  statusCode: StatusCodeName,
  exception: TracePointException | undefined,
): TracePoint {
  return {
    traceType,
    timestamp,
    sourceComponent: source,
    targetComponent: target,
    sourceMethod,
    targetMethod,
    traceId: facts.traceId,
    spanId: facts.spanId,
    parentSpanId: facts.parentSpanId,
    durationNs,
    statusCode,
    params: facts.params,
    exception,
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

/**
 * The trace points of one finished span, in time order of their meaning: the
 * call, the exceptions, the response.
 *
 * - CLIENT / PRODUCER: call this service -> peer at start; response peer ->
 *   this service at end, with duration and status.
 * - SERVER / CONSUMER: call caller -> this service received at start; response
 *   this service -> caller at end. The caller is what `CallerSpanProcessor`
 *   recorded from the propagated entry, else `client.address`, else `unknown`.
 * - INTERNAL: a call and a response inside this service when `internalSpans`
 *   is `'calls'`, nothing otherwise.
 * - One exception per `exception` event, and one for status ERROR without an
 *   exception event. Source: this service and its method (who threw); target:
 *   the span's counterpart (peer, caller, or this service).
 */
export function mapSpanResolved(span: SpanLike, options: ResolvedSpanMappingOptions): TracePoint[] {
  const attributes = span.attributes;
  const context = span.spanContext();
  const facts: SpanFacts = {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    params: paramsOf(attributes, options),
  };
  const service = serviceOfSpan(span, options);

  const local = service;
  let localMethod: string;
  let remote: string;
  let remoteMethod: string;
  let outbound: boolean; // true when the span calls out (client, producer, internal)
  let emitCallResponse = true;
  switch (span.kind) {
    case SpanKind.CLIENT:
    case SpanKind.PRODUCER:
      localMethod = readFirst(attributes, [CALLER_METHOD]) ?? UNKNOWN;
      remote = targetComponentOfSpan(attributes);
      remoteMethod = methodOfSpan(attributes, span.name);
      outbound = true;
      break;
    case SpanKind.SERVER:
    case SpanKind.CONSUMER:
      localMethod = methodOfSpan(attributes, span.name);
      remote = readFirst(attributes, [CALLER_COMPONENT]) ?? readFirst(attributes, CLIENT_ADDRESS) ?? UNKNOWN;
      remoteMethod = readFirst(attributes, [CALLER_METHOD]) ?? UNKNOWN;
      outbound = false;
      break;
    default:
      // INTERNAL: the span's own method is called by the local caller.
      localMethod = methodOfSpan(attributes, span.name);
      remote = service;
      remoteMethod = readFirst(attributes, [CALLER_METHOD]) ?? UNKNOWN;
      outbound = false;
      emitCallResponse = options.internalSpans === 'calls';
  }

  // Who calls whom: outbound spans call the remote side, inbound ones are called by it.
  const caller = outbound ? local : remote;
  const callerMethod = outbound ? localMethod : remoteMethod;
  const callee = outbound ? remote : local;
  const calleeMethod = outbound ? remoteMethod : localMethod;
  const status = statusCodeName(span.status.code);

  const points: TracePoint[] = [];
  if (emitCallResponse) {
    points.push(
      point(
        facts,
        'call',
        hrTimeToNanoString(span.startTime),
        caller,
        callee,
        callerMethod,
        calleeMethod,
        '0',
        'Unset',
        undefined,
      ),
    );
  }

  // Exceptions go from this service and its method (who threw) to the span's counterpart.
  const exceptionPoint = (timestamp: string, exception: TracePointException): TracePoint =>
    point(facts, 'exception', timestamp, local, remote, localMethod, remoteMethod, '0', status, exception);
  let exceptionEvents = 0;
  const events = span.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event === undefined || event.name !== EXCEPTION_EVENT) continue;
    exceptionEvents++;
    const a = event.attributes ?? {};
    points.push(
      exceptionPoint(hrTimeToNanoString(event.time), {
        type: text(a[EXCEPTION_TYPE]),
        message: text(a[EXCEPTION_MESSAGE]),
        stacktrace: truncated(text(a[EXCEPTION_STACKTRACE]), options.maxStackTraceLength),
      }),
    );
  }
  if (exceptionEvents === 0 && span.status.code === SpanStatusCode.ERROR) {
    const errorType = readFirst(attributes, ERROR_TYPE);
    points.push(
      exceptionPoint(hrTimeToNanoString(span.endTime), {
        type: errorType ?? 'Error',
        message: span.status.message || errorType || '',
        stacktrace: '',
      }),
    );
  }

  if (emitCallResponse) {
    points.push(
      point(
        facts,
        'response',
        hrTimeToNanoString(span.endTime),
        callee,
        caller,
        calleeMethod,
        callerMethod,
        hrTimeToNanoString(span.duration),
        status,
        undefined,
      ),
    );
  }
  return points;
}
