import { type Attributes, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  type AttributeAlternatives,
  attributesPending,
  CALLER_COMPONENT,
  CALLER_METHOD,
  CLIENT_ADDRESS,
  ERROR_TYPE,
  EXCEPTION_EVENT,
  EXCEPTION_MESSAGE,
  EXCEPTION_STACKTRACE,
  EXCEPTION_TYPE,
  hasExceptionEvent,
  hrTimeToNanoString,
  readFirst,
  SERVICE_NAME,
  type SpanLike,
  type StatusCodeName,
  statusCodeName,
} from '@tracepoint/core';
import { attributeValueToString } from './attribute-value.js';
import {
  METHOD_RULES,
  RULE_BITS,
  RULE_GATES,
  resolveFirst,
  resolveFirstGated,
  TARGET_COMPONENT_RULES,
} from './mapping-rules.js';
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
  if (options.serviceName !== undefined) return options.serviceName;
  const resource = span.resource;
  if (resource === lastResource && resource !== undefined) return lastService;
  const service = readFirst(resource.attributes, SERVICE_NAME_NAMES) ?? UNKNOWN_SERVICE;
  // Remembered only once settled: a pending resource's attributes still change (see @tracepoint/core).
  if (!attributesPending(resource)) {
    lastResource = resource;
    lastService = service;
  }
  return service;
}

// A process has one resource: its service is read once, not through the resource's attributes
// getter on every span (measured with the other mapper changes below: 7.3 -> 4.7 µs per span).
let lastResource: SpanLike['resource'] | undefined;
let lastService = UNKNOWN_SERVICE;
const SERVICE_NAME_NAMES = [SERVICE_NAME] as const;
const CALLER_METHOD_NAMES = [CALLER_METHOD] as const;
const CALLER_COMPONENT_NAMES = [CALLER_COMPONENT] as const;

/** The method a span names, by the method rules; its span name when no rule matches. */
export function methodOfSpan(attributes: Attributes, spanName: string): string {
  return resolveFirst(METHOD_RULES, attributes) ?? spanName;
}

/** The component a client or producer span calls, by the target-component rules. */
export function targetComponentOfSpan(attributes: Attributes): string {
  return resolveFirst(TARGET_COMPONENT_RULES, attributes) ?? UNKNOWN;
}

interface NameEntry {
  /** Pairs of (spec index, rank) flattened: the params the name feeds. */
  readonly pairs: readonly number[];
  /** The bits of the mapping rules the name can open (RULE_GATES). */
  readonly gates: number;
}

/**
 * Which spec (and which of its alternative names, by rank) each attribute name feeds, built once
 * per options: paramsOf walks the span's own few keys instead of looking up every alternative of
 * every spec, most of them absent (firstPresentName was ~19% of the mapper's profile; with the
 * service and template memos the mapper went 7.3 -> 4.7 µs per span, measured interleaved). The
 * same walk finds which mapping rules can match (RULE_GATES), so the others are never tried.
 */
interface ParamIndex {
  /** Per name: the params it feeds and the rules it opens. */
  readonly byName: ReadonlyMap<string, NameEntry>;
  /** Names an object inherits from Object.prototype (`constructor`…): looked up as before, never walked. */
  readonly inherited: readonly number[];
  /** Per spec: the call that last saw one of its names, and the best rank it saw. */
  readonly seenIn: Float64Array;
  readonly bestRank: Int32Array;
  /**
   * Per spec: 1 when its key may be in params already (an earlier spec has the same key, or
   * `key in {}` holds for it, `constructor`…), so the `in` test runs only where it can be true.
   */
  readonly mayBeHeld: Uint8Array;
  call: number;
  /**
   * Params objects by the set of specs they hold (bit i: spec i), each made by an object literal
   * of its keys (see paramsFactory); undefined when these specs cannot take that path (more than
   * 31, a key two specs share or an inherited one) or code generation is refused.
   */
  factories: Map<number, ParamsFactory> | undefined;
}

type ParamsFactory = (values: readonly string[]) => Record<string, string>;

/** The most factories one options object keeps: past it, params are built key by key. */
const MAX_PARAMS_FACTORIES = 256;
/** The values of the params being made, in spec order (one thread, no re-entry: reused). */
const PARAM_VALUES: string[] = [];

const paramIndexes = new WeakMap<readonly AttributeAlternatives[], ParamIndex>();

function paramIndexOf(specs: readonly AttributeAlternatives[]): ParamIndex {
  let index = paramIndexes.get(specs);
  if (index !== undefined) return index;
  const byName = new Map<string, { pairs: number[]; gates: number }>();
  const entryOf = (name: string) => {
    let entry = byName.get(name);
    if (entry === undefined) {
      entry = { pairs: [], gates: 0 };
      byName.set(name, entry);
    }
    return entry;
  };
  const inherited: number[] = [];
  for (let i = 0; i < specs.length; i++) {
    const names = specs[i] as readonly string[];
    for (let rank = 0; rank < names.length; rank++) {
      const name = names[rank] as string;
      if (name in Object.prototype) inherited.push(i, rank);
      entryOf(name).pairs.push(i, rank);
    }
  }
  for (const [name, gates] of RULE_GATES) entryOf(name).gates |= gates;
  const mayBeHeld = new Uint8Array(specs.length);
  const keys = new Set<string>();
  for (let i = 0; i < specs.length; i++) {
    const key = (specs[i] as readonly string[])[0] as string;
    if (keys.has(key) || key in Object.prototype) mayBeHeld[i] = 1;
    keys.add(key);
  }
  index = {
    byName,
    inherited,
    seenIn: new Float64Array(specs.length),
    bestRank: new Int32Array(specs.length),
    mayBeHeld,
    call: 0,
    factories: specs.length <= 31 && !mayBeHeld.includes(1) ? new Map() : undefined,
  };
  paramIndexes.set(specs, index);
  return index;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function see(index: ParamIndex, spec: number, rank: number): void {
  if (index.seenIn[spec] !== index.call || rank < (index.bestRank[spec] as number)) {
    index.seenIn[spec] = index.call;
    index.bestRank[spec] = rank;
  }
}

/**
 * The rule bits the last paramsOf call found on its span's names (the same walk reads both; a
 * field, not a result object, so nothing is allocated for it). Read right after the call.
 */
let spanGates = 0;

function paramsOf(attributes: Attributes, options: ResolvedSpanMappingOptions): Record<string, string> {
  const specs = options.paramAttributes;
  const index = paramIndexOf(specs);
  const call = ++index.call;
  let seen = 0;
  let gates = 0;
  // for-in walks own and inherited enumerable keys, which is what a lookup by name could find.
  for (const key in attributes) {
    const entry = index.byName.get(key);
    if (entry === undefined || !present(attributes[key])) continue;
    gates |= entry.gates;
    const pairs = entry.pairs;
    if (pairs.length === 0) continue;
    for (let k = 0; k < pairs.length; k += 2) see(index, pairs[k] as number, pairs[k + 1] as number);
    seen++;
  }
  spanGates = gates;
  const inherited = index.inherited;
  for (let k = 0; k < inherited.length; k += 2) {
    const spec = inherited[k] as number;
    const rank = inherited[k + 1] as number;
    if (present(attributes[(specs[spec] as readonly string[])[rank] as string])) {
      see(index, spec, rank);
      seen++;
    }
  }
  if (seen === 0) return {};
  if (index.factories !== undefined) {
    const made = shapedParams(attributes, options, index, call);
    if (made !== undefined) return made;
  }
  const params: Record<string, string> = {};
  let kept = 0;
  let dropped = 0;
  for (let i = 0; i < specs.length; i++) {
    if (index.seenIn[i] !== call) continue;
    const names = specs[i] as readonly string[];
    const key = names[0] as string;
    if (index.mayBeHeld[i] === 1 && key in params) continue;
    if (kept >= options.maxParams) {
      dropped++;
      continue;
    }
    const name = names[index.bestRank[i] as number] as string;
    params[key] = truncated(attributeValueToString(attributes[name]), options.maxParamLength);
    kept++;
  }
  if (dropped > 0) params[PARAMS_DROPPED_KEY] = String(dropped);
  return params;
}

/**
 * The params of the specs seen in this call, made by the factory of that set of keys: one
 * allocation of an object whose shape is final, where adding the keys one by one goes through a
 * megamorphic keyed store and a map transition per key and a property array for the keys past
 * the fourth (micro-benchmark, the params of the pipeline benchmark's server, client and database
 * spans: 174-260 -> 31-48 ns per object). Undefined when the generic path must run instead: more
 * specs seen than maxParams (the dropped count), too many factories, no code generation.
 */
function shapedParams(
  attributes: Attributes,
  options: ResolvedSpanMappingOptions,
  index: ParamIndex,
  call: number,
): Record<string, string> | undefined {
  const specs = options.paramAttributes;
  const values = PARAM_VALUES;
  let shape = 0;
  let kept = 0;
  for (let i = 0; i < specs.length; i++) {
    if (index.seenIn[i] !== call) continue;
    if (kept >= options.maxParams) return undefined;
    const name = (specs[i] as readonly string[])[index.bestRank[i] as number] as string;
    values[kept++] = truncated(attributeValueToString(attributes[name]), options.maxParamLength);
    shape |= 1 << i;
  }
  const factories = index.factories as Map<number, ParamsFactory>;
  let factory = factories.get(shape);
  if (factory === undefined) {
    if (factories.size >= MAX_PARAMS_FACTORIES) return undefined;
    factory = paramsFactory(specs, shape);
    if (factory === undefined) {
      index.factories = undefined;
      return undefined;
    }
    factories.set(shape, factory);
  }
  return factory(values);
}

/**
 * `(v) => ({ [key0]: v[0], [key1]: v[1], … })` for the specs in `shape`, as source text so the
 * literal's keys are constants (JSON-quoted attribute names from the options, never span data;
 * `__proto__` never gets here: it is inherited, which keeps the factories off). Undefined when
 * the process refuses code generation from strings (--disallow-code-generation-from-strings).
 */
function paramsFactory(specs: readonly AttributeAlternatives[], shape: number): ParamsFactory | undefined {
  const members: string[] = [];
  for (let i = 0; i < specs.length; i++) {
    if ((shape & (1 << i)) === 0) continue;
    const key = (specs[i] as readonly string[])[0] as string;
    members.push(`${JSON.stringify(key)}: v[${members.length}]`);
  }
  try {
    return new Function('v', `"use strict"; return { ${members.join(', ')} };`) as ParamsFactory;
  } catch {
    return undefined;
  }
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
 *
 * The status-only point (type `error.type` or `Error`, empty stack) says how
 * the span ended, not that something was thrown: the `trace_points` view marks
 * it `exception_source = 'status'` (the event points are `'event'`), the
 * aggregator counts it in its endpoint's error_count only, never as an
 * exception type, and the dashboards list such spans under status-errors, by
 * status code. A status-only point always comes alone: with an exception event
 * on the span, the event is the exception.
 */
export function mapSpanResolved(span: SpanLike, options: ResolvedSpanMappingOptions): TracePoint[] {
  // An INTERNAL span without calls has points only for its exceptions: without one, nothing to
  // read (its params, methods and ids would make no point). Middleware and in-process spans of
  // the auto-instrumentations are INTERNAL, often most of a request's spans.
  if (
    span.kind === SpanKind.INTERNAL &&
    options.internalSpans !== 'calls' &&
    span.status.code !== SpanStatusCode.ERROR &&
    !hasExceptionEvent(span.events)
  ) {
    return [];
  }
  const attributes = span.attributes;
  const context = span.spanContext();
  const facts: SpanFacts = {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    params: paramsOf(attributes, options),
  };
  const gates = spanGates;
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
      localMethod = readFirst(attributes, CALLER_METHOD_NAMES) ?? UNKNOWN;
      remote = resolveFirstGated(TARGET_COMPONENT_RULES, RULE_BITS.target, gates, attributes) ?? UNKNOWN;
      remoteMethod = resolveFirstGated(METHOD_RULES, RULE_BITS.method, gates, attributes) ?? span.name;
      outbound = true;
      break;
    case SpanKind.SERVER:
    case SpanKind.CONSUMER:
      localMethod = resolveFirstGated(METHOD_RULES, RULE_BITS.method, gates, attributes) ?? span.name;
      remote =
        readFirst(attributes, CALLER_COMPONENT_NAMES) ?? readFirst(attributes, CLIENT_ADDRESS) ?? UNKNOWN;
      remoteMethod = readFirst(attributes, CALLER_METHOD_NAMES) ?? UNKNOWN;
      outbound = false;
      break;
    default:
      // INTERNAL: the span's own method is called by the local caller.
      localMethod = resolveFirstGated(METHOD_RULES, RULE_BITS.method, gates, attributes) ?? span.name;
      remote = service;
      remoteMethod = readFirst(attributes, CALLER_METHOD_NAMES) ?? UNKNOWN;
      outbound = false;
      emitCallResponse = options.internalSpans === 'calls';
  }

  // Who calls whom: outbound spans call the remote side, inbound ones are called by it.
  const caller = outbound ? local : remote;
  const callerMethod = outbound ? localMethod : remoteMethod;
  const callee = outbound ? remote : local;
  const calleeMethod = outbound ? remoteMethod : localMethod;
  const status = statusCodeName(span.status.code);

  const events = span.events;
  // Most spans are a call and its response: one array of exactly two (the first push onto `[]`
  // gives the array room for 17, garbage for every span). Measured only together with the other
  // changes of issue 19 item 4 (README, Cost per span), not on its own.
  if (emitCallResponse && span.status.code !== SpanStatusCode.ERROR && !hasExceptionEvent(events)) {
    return [
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
    ];
  }

  // Exceptions go from this service and its method (who threw) to the span's counterpart.
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

  let exceptionEvents = 0;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event === undefined || event.name !== EXCEPTION_EVENT) continue;
    exceptionEvents++;
    const a = event.attributes ?? {};
    points.push(
      point(
        facts,
        'exception',
        hrTimeToNanoString(event.time),
        local,
        remote,
        localMethod,
        remoteMethod,
        '0',
        status,
        {
          type: text(a[EXCEPTION_TYPE]),
          message: text(a[EXCEPTION_MESSAGE]),
          stacktrace: truncated(text(a[EXCEPTION_STACKTRACE]), options.maxStackTraceLength),
        },
      ),
    );
  }
  // Status-only: the view's k = -2 row (exception_source 'status'); see the doc comment above.
  if (exceptionEvents === 0 && span.status.code === SpanStatusCode.ERROR) {
    const errorType = readFirst(attributes, ERROR_TYPE);
    points.push(
      point(
        facts,
        'exception',
        hrTimeToNanoString(span.endTime),
        local,
        remote,
        localMethod,
        remoteMethod,
        '0',
        status,
        {
          type: errorType ?? 'Error',
          message: span.status.message || errorType || '',
          stacktrace: '',
        },
      ),
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
