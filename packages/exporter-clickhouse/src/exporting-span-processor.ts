import { TraceFlags } from '@opentelemetry/api';
import { type SpanLike, withTracingSuppressed } from '@tracepoint/core';

/** The exporter surface this processor needs (ClickHouseSpanExporter has it). */
export interface SpanExporterLike {
  export(spans: SpanLike[], resultCallback: (result: { code: number; error?: Error }) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ExportingStats {
  /** Sampled spans handed to the exporter, and of them those in exports it reported as failed. */
  handed: number;
  failed: number;
}

/**
 * Spans that may wait for the next turn of the event loop. Servers end a few
 * spans per turn; this only bounds memory when one synchronous loop ends many
 * (a batch job), and then that one span's end pays for encoding the batch.
 */
export const MAX_PENDING_SPANS = 8192;

/**
 * Hands sampled spans to the exporter once per turn of the event loop, so
 * encoding rows never runs inside `onEnd` (the app's request path): `onEnd`
 * only appends the span to a list. ClickHouseSpanExporter batches on its own
 * (async mode: by rows, bytes and interval), so a second queue in front of it
 * (BatchSpanProcessor's, with its own drop policy and delay) would only add a
 * copy and a second place to lose spans; this also keeps the package free of
 * SDK runtime imports, so one build serves OpenTelemetry JS 2.x and 3.x.
 */
export class ExportingSpanProcessor {
  private readonly counters: ExportingStats = { handed: 0, failed: 0 };
  private pending: SpanLike[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly handOffLater = () => {
    this.scheduled = undefined;
    this.handOff();
  };

  /**
   * `feeders`: processors that also write through this exporter (the
   * aggregator). The SDK flushes and shuts processors down in parallel; they
   * are flushed first here, so their last rows are not written into a
   * closed exporter.
   */
  constructor(
    private readonly exporter: SpanExporterLike,
    private readonly feeders: readonly { forceFlush(): Promise<void>; shutdown(): Promise<void> }[] = [],
  ) {}

  onStart(): void {}

  onEnd(span: SpanLike): void {
    try {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      this.counters.handed++;
      const size = this.pending.push(span);
      if (size >= MAX_PENDING_SPANS) this.handOff();
      else if (this.scheduled === undefined) this.scheduled = setImmediate(this.handOffLater);
    } catch {
      this.counters.failed++;
    }
  }

  /** Gives the waiting spans to the exporter in one call. */
  private handOff(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    // Outside the app's context: onEnd scheduled this turn inside a request's context, and the
    // timers and inserts the export starts would keep that context and its spans alive.
    withTracingSuppressed(() => this.exportBatch(batch));
  }

  private exportBatch(batch: SpanLike[]): void {
    try {
      this.exporter.export(batch, (result) => {
        if (result.code !== 0) this.counters.failed += batch.length;
      });
    } catch {
      this.counters.failed += batch.length;
    }
  }

  async forceFlush(): Promise<void> {
    this.handOff();
    await Promise.all(this.feeders.map((feeder) => feeder.forceFlush().catch(() => undefined)));
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    this.handOff();
    await Promise.all(this.feeders.map((feeder) => feeder.shutdown().catch(() => undefined)));
    await this.exporter.shutdown();
  }

  stats(): ExportingStats {
    return { ...this.counters };
  }
}
