import { type Context, type Span, SpanKind, trace } from '@opentelemetry/api';
import { CALLER_COMPONENT, CALLER_METHOD, HTTP_ROUTE, type SpanLike } from '@tracepoint/core';
import { callerFromContext } from './caller-entry.js';
import { methodOfSpan } from './map-span.js';

/** The SDK's HTTP RPC metadata (`@opentelemetry/core` `getRPCMetadata`), read by its key; frameworks write the route there before the handler runs. */
const RPC_METADATA_KEY = Symbol.for('OpenTelemetry SDK Context Key RPC_METADATA');

interface RpcMetadata {
  readonly span?: unknown;
  readonly route?: unknown;
}

/**
 * Links kept on the span objects themselves. A WeakMap was measured at ~6 µs
 * per server + client span pair (ephemeron work in every GC, 3x the SDK's own
 * span cost); a symbol-keyed property costs next to nothing and dies with the span.
 */
const ENTRY = Symbol('tracepoint.callerEntry');
const ENTRY_METHOD = Symbol('tracepoint.callerEntryMethod');

interface CachedMethod {
  readonly name: string;
  readonly route: unknown;
  readonly method: string;
}

/** What the processor reads off an SDK span (both lines expose these as public fields), plus its own links. */
type SdkSpan = Span &
  Partial<Pick<SpanLike, 'kind' | 'name' | 'attributes'>> & {
    [ENTRY]?: SdkSpan;
    [ENTRY_METHOD]?: CachedMethod;
  };

export interface CallerSpanProcessorOptions {
  /**
   * Also record the caller method on INTERNAL spans: the target of their
   * exception points and the source of their calls under `internalSpans:
   * 'calls'`. Default true.
   */
  annotateInternalSpans?: boolean;
}

/**
 * Records who called, as span attributes, so the trace points of a span name
 * their caller:
 *
 * - SERVER / CONSUMER spans: `tracepoint.caller.component` and
 *   `tracepoint.caller.method` from the entry `CallerPropagator` extracted
 *   (nothing when the request carried none).
 * - CLIENT / PRODUCER and INTERNAL spans:
 *   `tracepoint.caller.method`, the method of this process that is making the
 *   call: its nearest local SERVER/CONSUMER ancestor (`GET /orders/:id`), or
 *   its local root span.
 *
 * O(1) per span: a symbol-keyed property links each span to its entry span,
 * and the entry caches its method string. It never throws; it must run
 * before processors that read these attributes.
 */
export class CallerSpanProcessor {
  private readonly annotateInternalSpans: boolean;

  constructor(options: CallerSpanProcessorOptions = {}) {
    this.annotateInternalSpans = options.annotateInternalSpans !== false;
  }

  onStart(span: Span, parentContext: Context): void {
    try {
      const sdkSpan = span as SdkSpan;
      const kind = sdkSpan.kind;
      if (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER) {
        sdkSpan[ENTRY] = sdkSpan;
        const caller = callerFromContext(parentContext);
        if (caller !== undefined) {
          span.setAttribute(CALLER_COMPONENT, caller.component);
          if (caller.method !== undefined) span.setAttribute(CALLER_METHOD, caller.method);
        }
        return;
      }
      const parent = trace.getSpan(parentContext) as SdkSpan | undefined;
      const local =
        parent !== undefined && parent.spanContext().isRemote !== true && parent.kind !== undefined;
      const entry = local ? (parent[ENTRY] ?? parent) : sdkSpan;
      sdkSpan[ENTRY] = entry;
      if (entry === sdkSpan) return; // a local root has no caller in this process
      if (kind === SpanKind.INTERNAL && !this.annotateInternalSpans) return;
      const method = this.methodOf(entry, parentContext);
      if (method !== undefined) span.setAttribute(CALLER_METHOD, method);
    } catch {
      // Tracing must never break the application.
    }
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** The entry span's method now; for an HTTP server entry, with the route the framework has matched so far. */
  private methodOf(entry: SdkSpan, context: Context): string | undefined {
    const attributes = entry.attributes;
    const name = entry.name;
    if (attributes === undefined || name === undefined) return undefined;
    const metadata = context.getValue(RPC_METADATA_KEY) as RpcMetadata | undefined;
    const route = metadata !== undefined && metadata.span === entry ? metadata.route : undefined;
    const cached = entry[ENTRY_METHOD];
    if (cached !== undefined && cached.name === name && cached.route === route) return cached.method;
    // The route goes through the same method rules as a finished span's `http.route`.
    const routed =
      typeof route === 'string' && route !== '' && attributes[HTTP_ROUTE[0]] === undefined
        ? { ...attributes, [HTTP_ROUTE[0]]: route }
        : attributes;
    const method = methodOfSpan(routed, name);
    entry[ENTRY_METHOD] = { name, route, method };
    return method;
  }
}
