import { TraceFlags } from '@opentelemetry/api';
import type { SpanLike } from '@tracepoint/semantic-mapping';

/** The exporter surface this processor needs (ClickHouseSpanExporter has it). */
export interface SpanExporterLike {
  export(spans: SpanLike[], resultCallback: (result: { code: number; error?: Error }) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ExportingStats {
  /** Sampled spans handed to the exporter, and exports it reported as failed. */
  handed: number;
  failed: number;
}

/**
 * Hands each sampled span to the exporter as it ends. ClickHouseSpanExporter
 * batches on its own (async mode: by rows, bytes and interval), so a second
 * queue in front of it (BatchSpanProcessor's) would only add a copy and a
 * second drop policy; this also keeps the package free of SDK runtime imports,
 * so one build serves OpenTelemetry JS 2.x and 3.x.
 */
export class ExportingSpanProcessor {
  private readonly counters: ExportingStats = { handed: 0, failed: 0 };

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
      this.exporter.export([span], (result) => {
        if (result.code !== 0) this.counters.failed++;
      });
    } catch {
      this.counters.failed++;
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.feeders.map((feeder) => feeder.forceFlush().catch(() => undefined)));
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.feeders.map((feeder) => feeder.shutdown().catch(() => undefined)));
    await this.exporter.shutdown();
  }

  stats(): ExportingStats {
    return { ...this.counters };
  }
}
