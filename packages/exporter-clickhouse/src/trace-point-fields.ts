import { SpanKind } from '@opentelemetry/api';
import type { SpanLike } from '@tracepoint/core';
import type { TracePoint } from '@tracepoint/semantic-mapping';
import {
  OTEL_TRACES_INSERT_COLUMNS,
  TRACE_POINTS_CALL,
  TRACE_POINTS_EXCEPTIONS,
  TRACE_POINTS_NONE,
} from './otel-traces-schema.js';
import { RowBatch } from './row-batch.js';
import { rowLine } from './table-writer.js';
import type { TextRepairs } from './well-formed-text.js';

/** A span's values of TRACE_POINT_COLUMNS, in their order. */
export interface TracePointFields {
  readonly points: number;
  readonly caller: string;
  readonly callee: string;
  readonly callerMethod: string;
  readonly calleeMethod: string;
  readonly params: Readonly<Record<string, string>>;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** What a span without trace points stores (the columns' defaults). */
export const NO_TRACE_POINTS: TracePointFields = Object.freeze({
  points: TRACE_POINTS_NONE,
  caller: '',
  callee: '',
  callerMethod: '',
  calleeMethod: '',
  params: NO_PARAMS,
});

/**
 * Folds a span's trace points into the fields the `trace_points` view cannot
 * derive: the call's direction (caller -> callee, with methods) and params.
 * Without a call (exceptions only), an exception goes from this service to its
 * counterpart, so its source is the caller of an outbound span and the callee
 * of any other; the view turns it back the same way.
 */
export function tracePointFields(span: SpanLike, points: readonly TracePoint[]): TracePointFields {
  let call: TracePoint | undefined;
  let exception: TracePoint | undefined;
  for (let i = 0; i < points.length; i++) {
    const point = points[i] as TracePoint;
    if (point.traceType === 'call') call = point;
    else if (point.traceType === 'exception') exception ??= point;
  }
  if (call !== undefined)
    return {
      points: TRACE_POINTS_CALL,
      caller: call.sourceComponent,
      callee: call.targetComponent,
      callerMethod: call.sourceMethod,
      calleeMethod: call.targetMethod,
      params: call.params,
    };
  if (exception === undefined) return NO_TRACE_POINTS;
  const outbound = span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
  return {
    points: TRACE_POINTS_EXCEPTIONS,
    caller: outbound ? exception.sourceComponent : exception.targetComponent,
    callee: outbound ? exception.targetComponent : exception.sourceComponent,
    callerMethod: outbound ? exception.sourceMethod : exception.targetMethod,
    calleeMethod: outbound ? exception.targetMethod : exception.sourceMethod,
    params: exception.params,
  };
}

/**
 * The batch's rows without their trace-point fields, for a span table that
 * lacks the columns. Only rows encoded before start-up found that out come
 * here (createSchema: false on a Collector-made table), so each row is
 * decoded and encoded again rather than every row carrying its offsets.
 */
export function withoutTracePointFields(batch: RowBatch, repairs: TextRepairs): RowBatch {
  const base = OTEL_TRACES_INSERT_COLUMNS.length;
  const out = new RowBatch();
  for (let row = 0; row < batch.rows; row++) {
    const values = JSON.parse(batch.line(row)) as unknown[];
    out.append(
      values.length > base ? rowLine(values.slice(0, base), repairs) : batch.line(row),
      batch.days[row] as number,
    );
  }
  return out;
}
