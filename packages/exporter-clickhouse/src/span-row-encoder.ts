import type { SpanLike } from '@tracepoint/core';
import { forgetSpanMapping, type TracePoint } from '@tracepoint/semantic-mapping';
import { EXPORTER_DEFAULTS } from './exporter-options.js';
import { type ExporterStats, emptyStats } from './exporter-stats.js';
import { toError } from './insert-error.js';
import { OtelTracesBinaryEncoder } from './otel-traces-binary.js';
import { OtelTracesLineEncoder } from './otel-traces-row.js';
import { type AnySpanRows, BinarySpanRows, type SpanRowSink, SpanRows } from './span-rows.js';
import { SpareBuffers } from './spare-buffers.js';
import type { InsertTarget } from './table-writer.js';
import { tracePointFields } from './trace-point-fields.js';

const SECONDS_PER_DAY = 86_400;

export interface SpanRowEncoderOptions {
  /** A span's trace points; without it spans are written without the trace-point columns. */
  mapSpan?: (span: SpanLike) => readonly TracePoint[];
  /** Counts spans that could not be encoded or found no room, and lone surrogates repaired. */
  stats?: ExporterStats;
  /** Told about each span that could not be encoded. */
  logger?: { warn(message: string, key?: string): void };
  /** The largest Buffer of a finished RowBinary batch kept for the next one (SpareBuffers); default twice the default maxBatchBytes. */
  spareBufferBytes?: number;
}

/**
 * Encodes spans into `otel_traces` rows: RowBinaryWithNamesAndTypes bytes
 * (OtelTracesBinaryEncoder) once `useBinary` gave it the table's column types,
 * else one JSONCompactEachRow line per span (OtelTracesLineEncoder), with the trace-point columns its trace points fill
 * (tracePointFields) when trace points are on, filed under the UTC day
 * (partition) the span started. Every transmission mode encodes through this
 * one object, and the pipeline benchmark measures it as is.
 */
export class SpanRowEncoder {
  private readonly stats: ExporterStats;
  private readonly traceLines: OtelTracesLineEncoder;
  private mapSpan: ((span: SpanLike) => readonly TracePoint[]) | undefined;
  private binary: { encoder: OtelTracesBinaryEncoder; target: InsertTarget } | undefined;
  private readonly spares: SpareBuffers;

  constructor(private readonly options: SpanRowEncoderOptions = {}) {
    this.stats = options.stats ?? emptyStats();
    this.spares = new SpareBuffers(options.spareBufferBytes ?? 2 * EXPORTER_DEFAULTS.maxBatchBytes);
    this.traceLines = new OtelTracesLineEncoder(this.stats);
    this.mapSpan = options.mapSpan;
  }

  /** From now on spans are encoded without the trace-point columns (start-up found the table lacks them). */
  stopTracePoints(): void {
    this.mapSpan = undefined;
  }

  /**
   * From now on rows are RowBinaryWithNamesAndTypes for `target` (a statement
   * naming that format and `columns`), written in `types`, the table's own
   * column types. Throws UnsupportedColumnTypeError (rows stay JSON) when a
   * column's type cannot be written.
   *
   * Rows encoded before this (the spans of exports that arrived while start-up
   * was still reading the table) stay JSON lines: that format needs no types,
   * so no header is ever sent with types the table did not confirm, and no
   * span is kept or encoded twice; the first flush after start-up may then
   * be two inserts (one per format).
   */
  useBinary(target: InsertTarget, columns: readonly string[], types: ReadonlyMap<string, string>): void {
    this.binary = { encoder: new OtelTracesBinaryEncoder(columns, types, this.stats), target };
  }

  /** The insert format of rows encoded now. */
  get binaryOn(): boolean {
    return this.binary !== undefined;
  }

  /** A batch for rows encoded now (binary rows need their table's header). */
  newRows(): AnySpanRows {
    const binary = this.binary;
    return binary === undefined
      ? new SpanRows()
      : new BinarySpanRows(binary.target, binary.encoder.header, this.stats, this.spares);
  }

  /** The batch's insert has ended (written or given up): a RowBinary batch's Buffer is kept for the next batch. */
  release(rows: AnySpanRows): void {
    if (rows instanceof BinarySpanRows) rows.release();
  }

  /** Whether rows encoded now can join `rows`. */
  fits(rows: AnySpanRows): boolean {
    return rows instanceof BinarySpanRows
      ? this.binary !== undefined && rows.header === this.binary.encoder.header
      : this.binary === undefined;
  }

  /** Whether rows encoded now carry the trace-point columns. */
  get tracePointsOn(): boolean {
    return this.mapSpan !== undefined;
  }

  /**
   * Encodes each span into `sink`; a span that cannot be read is counted
   * (spansFailed), logged and skipped. Returns the number of spans the sink
   * had no room for (counted as spansDropped).
   */
  encode(spans: readonly SpanLike[], sink: SpanRowSink): number {
    let dropped = 0;
    const mapSpan = this.mapSpan;
    for (const span of spans) {
      let added: boolean;
      try {
        added = this.encodeSpan(span, mapSpan?.(span), sink);
      } catch (error) {
        if (mapSpan !== undefined) forgetSpanMapping(span);
        this.stats.spansFailed++;
        this.options.logger?.warn(
          `a span could not be encoded and was skipped: ${toError(error).message}`,
          'span not encoded',
        );
        continue;
      }
      // The row is the points' last reader; a span the app still holds must not keep them (see forgetSpanMapping).
      if (mapSpan !== undefined) forgetSpanMapping(span);
      if (!added) dropped++;
    }
    this.stats.spansDropped += dropped;
    return dropped;
  }

  /**
   * One span's row, with `points` as its trace points (undefined: without the
   * trace-point columns), into `sink`; false when the sink had no room.
   * Throws when the span cannot be read; nothing was added then.
   */
  encodeSpan(span: SpanLike, points: readonly TracePoint[] | undefined, sink: SpanRowSink): boolean {
    const fields = points === undefined ? undefined : tracePointFields(span, points);
    const day = Math.floor(span.startTime[0] / SECONDS_PER_DAY);
    const binary = this.binary;
    if (binary === undefined) return sink.add(this.traceLines.line(span, fields), day, fields !== undefined);
    const rows = sink.binaryRows();
    if (rows === undefined) return false;
    if (rows.header !== binary.encoder.header)
      throw new Error('a RowBinary row cannot join rows of another header');
    // Written straight into the batch; a span that cannot be read leaves nothing of itself there.
    const out = rows.writer;
    const start = out.length;
    try {
      binary.encoder.write(span, fields, out);
    } catch (error) {
      out.truncate(start);
      throw error;
    }
    rows.endRow(day);
    sink.binaryAdded(out.length - start);
    return true;
  }
}
