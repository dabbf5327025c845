import { RowBatch } from './row-batch.js';

/** Where a span's encoded row goes: the sync export's batch, the async queue or the push stream. */
export interface SpanRowSink {
  /**
   * Takes one span's `otel_traces` line, filed under `day`, `withTracePoints`
   * when it carries the trace-point columns; false when there is no room for
   * it: the span is dropped.
   */
  add(line: string, day: number, withTracePoints: boolean): boolean;
}

/**
 * The span rows of one sync export or one async flush. A span is one row, so
 * its trace points share its fate. Counts the rows that carry trace-point
 * fields: a batch encoded before start-up found the columns missing is cut
 * down to the span columns before it is written (withoutTracePointFields).
 */
export class SpanRows extends RowBatch implements SpanRowSink {
  tracePointRows = 0;

  add(line: string, day: number, withTracePoints: boolean): boolean {
    this.append(line, day);
    if (withTracePoints) this.tracePointRows++;
    return true;
  }
}
