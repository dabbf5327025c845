import type { StatusCodeName } from '@tracepoint/core';

/** The three trace points of classic distributed tracing. */
export type TraceType = 'call' | 'response' | 'exception';

export interface TracePointException {
  readonly type: string;
  readonly message: string;
  readonly stacktrace: string;
}

/**
 * One trace point. Every field is always present (empty string, `'0'` or
 * `undefined` where it does not apply), so rows have one shape.
 */
export interface TracePoint {
  readonly traceType: TraceType;
  /** Nanoseconds since the epoch, exact, as a decimal string. */
  readonly timestamp: string;
  readonly sourceComponent: string;
  readonly targetComponent: string;
  readonly sourceMethod: string;
  readonly targetMethod: string;
  /** Lowercase hex, as in the span context. */
  readonly traceId: string;
  readonly spanId: string;
  /** `''` for a root span. */
  readonly parentSpanId: string;
  /** Span duration in ns (decimal string) on responses; `'0'` on calls and exceptions. */
  readonly durationNs: string;
  /** The span's status on responses and exceptions; `'Unset'` on calls, which happen before the outcome is known. */
  readonly statusCode: StatusCodeName;
  /** Selected attributes, bounded; shared by all points of one span. */
  readonly params: Readonly<Record<string, string>>;
  readonly exception: TracePointException | undefined;
}
