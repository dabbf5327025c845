import { RowBatch, type RowRange } from './row-batch.js';

/** Where a span's encoded rows go: the sync export's batch, the async queue or the push streams. */
export interface SpanRowSink {
  /**
   * Takes one span's `otel_traces` line and its trace-point line (none when
   * the span has no trace points, or they are off), filed under `day`; false
   * when there is no room for them: the span is dropped.
   */
  add(traceLine: string, pointLine: string | undefined, day: number): boolean;
}

/**
 * Both span tables' rows of one sync export or one async flush. They are
 * written together, span table first, so a span's rows share one fate: the
 * trace-point rows of a span the server refused are not written either.
 */
export class SpanRows implements SpanRowSink {
  readonly spans = new RowBatch();
  readonly points = new RowBatch();
  /** For each trace-point row, its span's row in `spans`. */
  readonly spanRows: number[] = [];
  /** Set once the span table's insert is done (the trace points' may still fail). */
  spansWritten = false;

  get bytes(): number {
    return this.spans.bytes + this.points.bytes;
  }

  add(traceLine: string, pointLine: string | undefined, day: number): boolean {
    this.spans.append(traceLine, day);
    if (pointLine !== undefined) {
      this.points.append(pointLine, day);
      this.spanRows.push(this.spans.rows - 1);
    }
    return true;
  }

  /** The trace-point rows whose span's row was not among `rejected`. */
  pointsOfLandedSpans(rejected: readonly number[]): RowRange[] {
    const spanRows = this.spanRows;
    if (rejected.length === 0) return [{ from: 0, to: spanRows.length }];
    const lost = new Set(rejected);
    const ranges: RowRange[] = [];
    for (let from = 0; from < spanRows.length; ) {
      if (lost.has(spanRows[from] as number)) {
        from++;
        continue;
      }
      let to = from + 1;
      while (to < spanRows.length && !lost.has(spanRows[to] as number)) to++;
      ranges.push({ from, to });
      from = to;
    }
    return ranges;
  }
}
