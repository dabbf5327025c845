import type { SpanLike } from '@tracepoint/core';
import type { TracePoint } from '@tracepoint/semantic-mapping';
import { type ExporterStats, emptyStats } from './exporter-stats.js';
import { toError } from './insert-error.js';
import { OtelTracesLineEncoder } from './otel-traces-row.js';
import type { SpanRowSink } from './span-rows.js';
import { tracePointFields } from './trace-point-fields.js';

const SECONDS_PER_DAY = 86_400;

export interface SpanRowEncoderOptions {
  /** A span's trace points; without it spans are written without the trace-point columns. */
  mapSpan?: (span: SpanLike) => readonly TracePoint[];
  /** Counts spans that could not be encoded or found no room, and lone surrogates repaired. */
  stats?: ExporterStats;
  /** Told about each span that could not be encoded. */
  logger?: { warn(message: string, key?: string): void };
}

/**
 * Encodes spans into `otel_traces` rows: one JSONCompactEachRow line per span
 * (OtelTracesLineEncoder), with the trace-point columns its trace points fill
 * (tracePointFields) when trace points are on, filed under the UTC day
 * (partition) the span started. Every transmission mode encodes through this
 * one object, and the pipeline benchmark measures it as is.
 */
export class SpanRowEncoder {
  private readonly stats: ExporterStats;
  private readonly traceLines: OtelTracesLineEncoder;
  private mapSpan: ((span: SpanLike) => readonly TracePoint[]) | undefined;

  constructor(private readonly options: SpanRowEncoderOptions = {}) {
    this.stats = options.stats ?? emptyStats();
    this.traceLines = new OtelTracesLineEncoder(this.stats);
    this.mapSpan = options.mapSpan;
  }

  /** From now on spans are encoded without the trace-point columns (start-up found the table lacks them). */
  stopTracePoints(): void {
    this.mapSpan = undefined;
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
    for (const span of spans) {
      let added: boolean;
      try {
        added = this.encodeSpan(span, this.mapSpan?.(span), sink);
      } catch (error) {
        this.stats.spansFailed++;
        this.options.logger?.warn(
          `a span could not be encoded and was skipped: ${toError(error).message}`,
          'span not encoded',
        );
        continue;
      }
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
    const line = this.traceLines.line(span, fields);
    return sink.add(line, Math.floor(span.startTime[0] / SECONDS_PER_DAY), fields !== undefined);
  }
}
