import { hrTimeToNanoString, type SpanLike } from '@tracepoint/core';
import type { TracePoint } from '@tracepoint/semantic-mapping';
import { dateTime64Text } from './date-time-text.js';

function sameDirection(a: TracePoint, b: TracePoint): boolean {
  return (
    a.sourceComponent === b.sourceComponent &&
    a.targetComponent === b.targetComponent &&
    a.sourceMethod === b.sourceMethod &&
    a.targetMethod === b.targetMethod
  );
}

/**
 * Folds the trace points of one span into one `<trace_points>_spans` row, in
 * TRACE_POINT_SPANS_INSERT_COLUMNS order; undefined when the span has none.
 * The `trace_points` view expands the row back into the same points.
 */
export function tracePointSpanRow(span: SpanLike, points: readonly TracePoint[]): unknown[] | undefined {
  let call: TracePoint | undefined;
  let response: TracePoint | undefined;
  const exceptions: TracePoint[] = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i] as TracePoint;
    if (point.traceType === 'call') call = point;
    else if (point.traceType === 'response') response = point;
    else exceptions.push(point);
  }
  const first = call ?? exceptions[0];
  if (first === undefined) return undefined;
  const firstException = exceptions[0];
  const outbound = call === undefined || firstException === undefined || sameDirection(call, firstException);
  return [
    dateTime64Text(call?.timestamp ?? hrTimeToNanoString(span.startTime)),
    first.sourceComponent,
    first.targetComponent,
    first.sourceMethod,
    first.targetMethod,
    first.traceId,
    first.spanId,
    first.parentSpanId,
    response?.durationNs ?? '0',
    response?.statusCode ?? firstException?.statusCode ?? 'Unset',
    call === undefined ? 0 : 1,
    outbound ? 1 : 0,
    exceptions.map((point) => dateTime64Text(point.timestamp)),
    exceptions.map((point) => point.exception?.type ?? ''),
    exceptions.map((point) => point.exception?.message ?? ''),
    exceptions.map((point) => point.exception?.stacktrace ?? ''),
    first.params,
  ];
}
