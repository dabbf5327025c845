import { type Context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  createSpanMapper,
  isDroppedByCleaner,
  type SpanLike,
  spanKindName,
  startSettling,
  statusCodeName,
  type TracePoint,
  withTracingSuppressed,
} from '@tracepoint/semantic-mapping';
import {
  type AggregatorOptions,
  type ResolvedAggregatorConfig,
  resolveAggregatorConfig,
} from './aggregator-options.js';
import { type Dimensions, IntervalTable, type OverflowCounts } from './interval-table.js';
import { samplingWeight } from './sampling-weight.js';
import type { StatsRecord } from './stats-record.js';

export interface AggregatorStats {
  /** Spans aggregated (each once). */
  spans: number;
  /** Spans skipped because the cleaner dropped them. */
  skippedDropped: number;
  /** Rows handed to the sink and written, and rows whose write failed for good. */
  recordsWritten: number;
  recordsFailed: number;
  overflow: OverflowCounts;
  /** Spans that could not be read (counted, skipped). */
  unreadable: number;
  /**
   * Spans that ended more than one interval ahead of this process's clock,
   * filed in the current interval instead (an interval is held until it ends,
   * so a skewed clock would otherwise hold keys for as long as the skew).
   */
  futureEndClamped: number;
}

/**
 * Aggregates every ended span into delta rows of `trace_point_stats`: per
 * endpoint (service, span name, kind, status), per call edge (caller ->
 * callee, methods) and per exception type, with counts weighted by sampling,
 * error counts, duration sum/min/max and a mergeable latency sketch. Put it
 * after the cleaner and before any exporting processor; it sees sampled and
 * record-only spans alike. It never throws into the app.
 */
export class AggregatorSpanProcessor {
  private readonly config: ResolvedAggregatorConfig;
  private readonly mapSpan: (span: SpanLike) => TracePoint[];
  private readonly intervalSeconds: number;
  private readonly tables = new Map<number, IntervalTable>();
  private readonly counters: AggregatorStats = {
    spans: 0,
    skippedDropped: 0,
    recordsWritten: 0,
    recordsFailed: 0,
    overflow: { dimension: {}, keys: 0 },
    unreadable: 0,
    futureEndClamped: 0,
  };
  private readonly timer: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private shutDown = false;
  private warned = false;

  constructor(options: AggregatorOptions) {
    this.config = resolveAggregatorConfig(options);
    this.mapSpan = createSpanMapper(this.config.mapping);
    this.intervalSeconds = this.config.intervalMillis / 1000;
    this.timer = setInterval(() => void this.flush(false), this.config.intervalMillis);
    this.timer.unref?.();
  }

  onStart(_span: unknown, _context: Context): void {}

  onEnd(span: SpanLike): void {
    try {
      if (this.shutDown) return;
      if (isDroppedByCleaner(span)) {
        this.counters.skippedDropped++;
        return;
      }
      this.aggregate(span);
    } catch {
      this.counters.unreadable++;
    }
  }

  /** Writes every interval held, the current one included (its later spans go into a new row). */
  forceFlush(): Promise<void> {
    return this.flush(true);
  }

  shutdown(): Promise<void> {
    if (this.shutDown) return this.writing;
    this.shutDown = true;
    clearInterval(this.timer);
    return this.flush(true);
  }

  stats(): AggregatorStats {
    return {
      ...this.counters,
      overflow: { dimension: { ...this.counters.overflow.dimension }, keys: this.counters.overflow.keys },
    };
  }

  /** Keys held right now over all intervals (for the memory bound). */
  get heldKeys(): number {
    let keys = 0;
    for (const table of this.tables.values()) keys += table.size;
    return keys;
  }

  private aggregate(span: SpanLike): void {
    const weight = samplingWeight(span.spanContext(), span.attributes);
    const duration = span.duration;
    const durationMs = duration[0] * 1e3 + duration[1] / 1e6;
    const error = span.status.code === SpanStatusCode.ERROR;
    startSettling(span.resource);
    const service = String(span.resource.attributes['service.name'] ?? 'unknown_service');
    const table = this.tableFor(span.endTime[0]);
    this.counters.spans++;
    table.add(
      'endpoint',
      [service, span.name, spanKindName(span.kind), statusCodeName(span.status.code), '', '', '', '', ''],
      durationMs,
      weight,
      error,
    );
    const points = this.mapSpan(span);
    let call: TracePoint | undefined;
    let response: TracePoint | undefined;
    for (let i = 0; i < points.length; i++) {
      const point = points[i] as TracePoint;
      if (point.traceType === 'call') call = point;
      else if (point.traceType === 'response') response = point;
      else {
        table.add(
          'exception',
          [
            service,
            '',
            '',
            'Error',
            point.sourceComponent,
            point.targetComponent,
            point.sourceMethod,
            point.targetMethod,
            point.exception?.type ?? '',
          ],
          durationMs,
          weight,
          true,
        );
      }
    }
    if (call !== undefined) {
      const status = response?.statusCode ?? 'Unset';
      const dims: Dimensions = [
        service,
        '',
        span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER ? 'Server' : 'Client',
        status,
        call.sourceComponent,
        call.targetComponent,
        call.sourceMethod,
        call.targetMethod,
        '',
      ];
      table.add('edge', dims, durationMs, weight, status === 'Error');
    }
  }

  /** The table of the interval a span ended in (aligned to the wall clock, so processes agree). */
  private tableFor(endSeconds: number): IntervalTable {
    let start = Math.floor(endSeconds / this.intervalSeconds) * this.intervalSeconds;
    let table = this.tables.get(start);
    if (table === undefined) {
      // Only a new interval reads the clock: spans of held intervals never do.
      const current = Math.floor(Date.now() / 1000 / this.intervalSeconds) * this.intervalSeconds;
      if (start > current + this.intervalSeconds) {
        this.counters.futureEndClamped++;
        start = current;
        table = this.tables.get(start);
      }
    }
    if (table === undefined) {
      table = new IntervalTable(start, this.config, this.counters.overflow);
      this.tables.set(start, table);
    }
    return table;
  }

  /** Hands finished intervals (all, when `all`) to the sink; writes run one after another. */
  private flush(all: boolean): Promise<void> {
    const now = Date.now() / 1000;
    const records: StatsRecord[] = [];
    for (const [start, table] of this.tables) {
      if (!all && start + this.intervalSeconds > now) continue;
      this.tables.delete(start);
      for (const record of table.records(this.intervalSeconds)) records.push(record);
    }
    if (records.length === 0) return this.writing;
    this.writing = this.writing.then(() =>
      withTracingSuppressed(() => this.config.sink.writeStats(records)).then(
        (refused) => {
          const rejected = typeof refused === 'number' ? refused : 0;
          this.counters.recordsWritten += records.length - rejected;
          this.counters.recordsFailed += rejected;
        },
        (error: unknown) => {
          this.counters.recordsFailed += records.length;
          if (!this.warned) {
            this.warned = true;
            this.config.logger.warn(
              `@tracepoint/processor-aggregator: ${records.length} aggregate rows could not be written (${error instanceof Error ? error.message : String(error)}); further failures are only counted in stats().recordsFailed`,
            );
          }
        },
      ),
    );
    return this.writing;
  }
}
