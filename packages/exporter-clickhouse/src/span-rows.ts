import { BinaryRowBatch, RowBatch } from './row-batch.js';
import type { SpareBuffers } from './spare-buffers.js';
import type { InsertTarget } from './table-writer.js';
import type { TextRepairs } from './well-formed-text.js';

/** Where a span's encoded row goes: the sync export's batch, the async queue or the push stream. */
export interface SpanRowSink {
  /**
   * Takes one span's `otel_traces` row as a JSONCompactEachRow line, filed
   * under `day`, `withTracePoints` when it carries the trace-point columns;
   * false when there is no room for it: the span is dropped.
   */
  add(row: string, day: number, withTracePoints: boolean): boolean;
  /**
   * The batch a RowBinary row is written into now, or undefined when there is
   * no room for it (the span is dropped). The encoder writes the row into its
   * writer, ends it (`endRow`), then calls `binaryAdded`.
   */
  binaryRows(): BinarySpanRows | undefined;
  /** A RowBinary row of `bytes` was written into the batch `binaryRows` gave. */
  binaryAdded(bytes: number): void;
}

/** A batch of span rows in either format; `target` is where binary rows go (their statement names the format). */
export type AnySpanRows = SpanRows | BinarySpanRows;

/**
 * The span rows of one sync export or one async flush. A span is one row, so
 * its trace points share its fate. Counts the rows that carry trace-point
 * fields: a batch encoded before start-up found the columns missing is cut
 * down to the span columns before it is written (withoutTracePointFields).
 */
export class SpanRows extends RowBatch implements SpanRowSink {
  tracePointRows = 0;

  add(row: string, day: number, withTracePoints: boolean): boolean {
    this.append(row, day);
    if (withTracePoints) this.tracePointRows++;
    return true;
  }

  binaryRows(): BinarySpanRows | undefined {
    throw new Error('a RowBinary row cannot join JSON rows');
  }

  binaryAdded(): void {}
}

/**
 * The span rows of one export or flush in RowBinaryWithNamesAndTypes, for the
 * insert `target` (whose statement names that format). Only rows encoded
 * after start-up read the table's types are binary, so they always fit the
 * table (with or without its trace-point columns).
 */
export class BinarySpanRows extends BinaryRowBatch implements SpanRowSink {
  constructor(
    readonly target: InsertTarget,
    header: Uint8Array,
    repairs?: TextRepairs,
    spares?: SpareBuffers,
  ) {
    super(header, undefined, repairs, spares);
  }

  add(): boolean {
    throw new Error('a JSON row cannot join RowBinary rows');
  }

  binaryRows(): BinarySpanRows {
    return this;
  }

  binaryAdded(): void {}
}
