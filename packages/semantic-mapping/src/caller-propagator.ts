import {
  type Context,
  createTraceState,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { CALLER_METHOD, OptionValidator, SERVICE_NAME, startSettling } from '@tracepoint/core';
import { CALLER_CONTEXT_KEY, decodeCallerEntry, encodeCallerEntry, TRACESTATE_KEY } from './caller-entry.js';

export interface CallerPropagatorOptions {
  /** The W3C trace-context propagator (or a composite holding it) that writes `traceparent`/`tracestate`. */
  propagator: TextMapPropagator;
  /** This service's name. Default: the injecting span's resource `service.name`. */
  component?: string;
}

interface SpanFields {
  readonly attributes?: Record<string, unknown>;
  readonly resource?: { readonly attributes?: Record<string, unknown> };
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Opt-in: carries the calling component and method to the callee as one W3C
 * `tracestate` member (`tracepoint=<component>;<method>`, at most 256
 * characters), so the callee's trace points name their caller without a
 * backend join. It wraps the trace-context propagator: inject adds the member
 * to the outgoing copy of the span context only; extract reads it, removes it
 * (so it never reaches stored spans or travels a second hop) and leaves the
 * caller in the context for `CallerSpanProcessor`. Nothing else is carried.
 *
 * Privacy: every request the propagator injects into, including requests to
 * third parties, carries this service's name and the route template of the
 * calling method (never raw paths, ids or attribute values).
 */
export class CallerPropagator implements TextMapPropagator {
  private readonly inner: TextMapPropagator;
  private readonly component: string | undefined;

  constructor(options: CallerPropagatorOptions) {
    if (
      options === undefined ||
      options.propagator === undefined ||
      typeof options.propagator.inject !== 'function'
    ) {
      new OptionValidator('semantic-mapping').invalid(
        'propagator',
        'a TextMapPropagator (CallerPropagator needs { propagator }), e.g. new W3CTraceContextPropagator() from @opentelemetry/core',
        options?.propagator,
      );
    }
    this.inner = options.propagator;
    this.component = options.component;
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(this.withEntry(context), carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.inner.extract(context, carrier, getter);
    try {
      const spanContext = trace.getSpanContext(extracted);
      const raw = spanContext?.traceState?.get(TRACESTATE_KEY);
      if (spanContext === undefined || raw === undefined) return extracted;
      const traceState = spanContext.traceState?.unset(TRACESTATE_KEY);
      const cleaned = trace.setSpanContext(extracted, { ...spanContext, traceState });
      const caller = decodeCallerEntry(raw);
      return caller === undefined ? cleaned : cleaned.setValue(CALLER_CONTEXT_KEY, caller);
    } catch {
      return extracted;
    }
  }

  fields(): string[] {
    return this.inner.fields();
  }

  private withEntry(context: Context): Context {
    try {
      const span: (Span & SpanFields) | undefined = trace.getSpan(context);
      if (span === undefined) return context;
      const spanContext = span.spanContext();
      if (!trace.isSpanContextValid(spanContext)) return context;
      if (this.component === undefined) startSettling(span.resource);
      const component = this.component ?? stringField(span.resource?.attributes?.[SERVICE_NAME]);
      if (component === undefined) return context;
      const entry = encodeCallerEntry(component, stringField(span.attributes?.[CALLER_METHOD]));
      if (entry === undefined) return context;
      const traceState = (spanContext.traceState ?? createTraceState()).set(TRACESTATE_KEY, entry);
      return trace.setSpanContext(context, { ...spanContext, traceState });
    } catch {
      return context;
    }
  }
}
