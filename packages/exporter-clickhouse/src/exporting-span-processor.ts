import { context, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
import { type SpanBatchStage, type SpanLike, withTracingSuppressed } from '@tracepoint/core';

/** The exporter surface this processor needs (ClickHouseSpanExporter has it). */
export interface SpanExporterLike {
  export(spans: SpanLike[], resultCallback: (result: { code: number; error?: Error }) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface ExportingStats {
  /**
   * Sampled spans handed to the exporter, and of them those in exports it
   * reported as failed (with stages: also every span of a batch a stage threw
   * on, which is not exported).
   */
  handed: number;
  failed: number;
}

/**
 * Spans that may wait for a hand-off. Only a synchronous loop that ends many
 * spans (a batch job) reaches it, and then that one span's end pays for
 * encoding the batch; servers hand off on the timer or at HAND_OFF_SPANS.
 */
export const MAX_PENDING_SPANS = 8192;

/**
 * How long the first waiting span waits for others before they are handed to
 * the exporter together. Encoding a few spans at a time runs on cold caches
 * (the encoder's code, its cached texts and the batch Buffer were evicted by
 * the app's own work in between): in the add-on's app at 300 req/s with 5
 * spans per request, encoding cost ~20 µs of CPU per span handed over once per
 * event-loop turn (about 3 spans per call), 10-12 µs in calls of 25 ms or 64
 * spans, and 8.5-9 µs in calls of 100 ms or 256 spans (process.cpuUsage around
 * the encoder, interleaved rounds). The exporter batches rows for seconds
 * anyway, and BatchSpanProcessor holds spans for 5 s, so 100 ms adds no delay
 * anyone sees. Spans waiting this long rarely outlive one scavenge (~0.8 s
 * apart at that load), so they are not promoted to the old generation.
 */
export const HAND_OFF_DELAY_MILLIS = 100;

/**
 * Waiting spans that are handed over on the next turn instead of at the
 * delay: under a high span rate the batch stays this size, still warm, and a
 * burst never piles up towards MAX_PENDING_SPANS.
 */
export const HAND_OFF_SPANS = 256;

/**
 * Hands sampled spans to the exporter in batches, so encoding rows never runs
 * inside `onEnd` (the app's request path): `onEnd` only appends the span to a
 * list. A batch goes HAND_OFF_DELAY_MILLIS after its first span, or on the
 * next turn once HAND_OFF_SPANS wait. ClickHouseSpanExporter batches on its
 * own (async mode: by rows, bytes and interval), so a second queue in front
 * of it (BatchSpanProcessor's, with its own drop policy and a copy of every
 * span list) would only add a second place to lose spans; this also keeps the
 * package free of SDK runtime imports, so one build serves OpenTelemetry JS
 * 2.x and 3.x.
 */
export class ExportingSpanProcessor {
  private readonly counters: ExportingStats = { handed: 0, failed: 0 };
  private pending: SpanLike[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  /**
   * One timer for the processor's life, re-armed with refresh() (no Timeout
   * object per batch). It is made in the root context: a timer keeps the
   * async context it was created in, and the first span may end inside a
   * request.
   */
  private timer: NodeJS.Timeout | undefined;
  private timerArmed = false;
  private readonly handOffLater = () => this.handOff();
  /** When each pending span ended (Date.now()), for the stages; only with stages. */
  private readonly endedAt: Float64Array | undefined;

  /**
   * `feeders`: processors that also write through this exporter (the
   * aggregator). The SDK flushes and shuts processors down in parallel; they
   * are flushed first here, so their last rows are not written into a
   * closed exporter.
   *
   * `stages`: work run on each batch, in order, before it is exported (a
   * deferred pipeline's cleaner and aggregator; see SpanBatchStage). With
   * stages every ended span waits, sampled or not, since the aggregator counts
   * record-only spans too; only those still sampled after the stages (the
   * cleaner drops by clearing the flag) are exported.
   */
  constructor(
    private readonly exporter: SpanExporterLike,
    private readonly feeders: readonly { forceFlush(): Promise<void>; shutdown(): Promise<void> }[] = [],
    private readonly stages: readonly SpanBatchStage[] = [],
  ) {
    this.endedAt = stages.length === 0 ? undefined : new Float64Array(MAX_PENDING_SPANS);
  }

  onStart(): void {}

  onEnd(span: SpanLike): void {
    try {
      const endedAt = this.endedAt;
      if (endedAt !== undefined) endedAt[this.pending.length] = Date.now();
      else if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      else this.counters.handed++;
      const size = this.pending.push(span);
      if (size >= MAX_PENDING_SPANS) this.handOff();
      else if (size >= HAND_OFF_SPANS) {
        if (this.scheduled === undefined) this.scheduled = setImmediate(this.handOffLater);
      } else if (!this.timerArmed) this.armTimer();
    } catch {
      this.counters.failed++;
    }
  }

  private armTimer(): void {
    this.timerArmed = true;
    if (this.timer !== undefined) this.timer.refresh();
    else this.timer = context.with(ROOT_CONTEXT, () => setTimeout(this.handOffLater, HAND_OFF_DELAY_MILLIS));
  }

  /**
   * Gives the waiting spans to the exporter in one call. The timer is left to
   * run out when the batch went earlier: it then finds nothing to hand over,
   * and the next first span re-arms it from its own end time.
   */
  private handOff(): void {
    this.timerArmed = false;
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
    if (this.endedAt !== undefined && !this.runStages(batch, this.endedAt)) return;
    if (batch.length === 0) return;
    try {
      this.exporter.export(batch, (result) => {
        if (result.code !== 0) this.counters.failed += batch.length;
      });
    } catch {
      this.counters.failed += batch.length;
    }
  }

  /**
   * Runs the stages over the batch, then keeps the spans still sampled (in
   * place: no second array). A stage that throws broke its promise never to:
   * the batch may not be clean, so it is counted as failed and not exported.
   */
  private runStages(batch: SpanLike[], endedAt: Float64Array): boolean {
    try {
      for (const stage of this.stages) stage.processBatch(batch, endedAt);
    } catch {
      this.counters.handed += batch.length;
      this.counters.failed += batch.length;
      return false;
    }
    let kept = 0;
    for (let i = 0; i < batch.length; i++) {
      const span = batch[i] as SpanLike;
      try {
        if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) batch[kept++] = span;
      } catch {
        this.counters.handed++;
        this.counters.failed++;
      }
    }
    batch.length = kept;
    this.counters.handed += kept;
    return true;
  }

  async forceFlush(): Promise<void> {
    this.handOff();
    await Promise.all(this.feeders.map((feeder) => feeder.forceFlush().catch(() => undefined)));
    await this.exporter.forceFlush?.();
  }

  async shutdown(): Promise<void> {
    this.handOff();
    // A shut-down processor keeps no timer that holds the process open; a span ended after it re-arms one.
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.feeders.map((feeder) => feeder.shutdown().catch(() => undefined)));
    await this.exporter.shutdown();
  }

  stats(): ExportingStats {
    return { ...this.counters };
  }
}
