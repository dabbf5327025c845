import { type Context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  HTTP_RESPONSE_STATUS_CODE,
  hasExceptionEvent,
  hrTimeToMillis,
  isDroppedByCleaner,
  type SpanBatchStage,
  type SpanLike,
  type StatsRecord,
  spanKindName,
  startSettling,
  statusCodeName,
  withTracingSuppressed,
} from '@tracepoint/core';
import { createSpanMapper, type SpanMapper, type TracePoint } from '@tracepoint/semantic-mapping';
import {
  type AggregatorOptions,
  type ResolvedAggregatorConfig,
  resolveAggregatorConfig,
} from './aggregator-options.js';
import { ExceptionEchoes } from './exception-echoes.js';
import { nextFlushAt } from './flush-schedule.js';
import { type Dimensions, IntervalTable, type OverflowCounts } from './interval-table.js';
import { MemoryAccount } from './memory-account.js';
import { samplingWeight } from './sampling-weight.js';

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
  /**
   * Spans that ended before the oldest open interval (more than maxLatenessMillis ago, to the
   * interval), counted in that oldest interval instead: nothing is lost, and no key is held for
   * an interval that will never see another span.
   */
  lateSpans: number;
  /**
   * The same exception (type, message and stack) recorded on several spans of one trace counts
   * once, at the span that ended first (the deepest: spans end child-first). `skipped`: the
   * exception events not counted for that reason. `forgotten`: exceptions dropped from the
   * bounded memory of recent ones while their trace may still be running (or never held, the
   * memory account full): an echo of one is counted again.
   */
  exceptionEchoes: { skipped: number; forgotten: number };
}

/**
 * A server span answered with an HTTP 4xx: the client's fault, so not an error by the semantic
 * conventions (its status stays Unset), counted apart as the endpoint's client_errors. Reads the
 * attribute as stored (a number, or a string from some instrumentations) without building text.
 */
function answeredClientError(span: SpanLike): boolean {
  const attributes = span.attributes;
  let code = attributes[HTTP_RESPONSE_STATUS_CODE[0]];
  if (code === undefined || code === null) code = attributes[HTTP_RESPONSE_STATUS_CODE[1]];
  const value = typeof code === 'number' ? code : typeof code === 'string' ? Number(code) : Number.NaN;
  return value >= 400 && value < 500;
}

/** Sets every dimension of `dims` (a key's values, in the record's order). */
function fill(
  dims: Dimensions,
  service: string,
  spanName: string,
  spanKind: string,
  statusCode: string,
  sourceComponent: string,
  targetComponent: string,
  sourceMethod: string,
  targetMethod: string,
  exceptionType: string,
): void {
  dims[0] = service;
  dims[1] = spanName;
  dims[2] = spanKind;
  dims[3] = statusCode;
  dims[4] = sourceComponent;
  dims[5] = targetComponent;
  dims[6] = sourceMethod;
  dims[7] = targetMethod;
  dims[8] = exceptionType;
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
  private readonly mapper: SpanMapper;
  private readonly intervalSeconds: number;
  private readonly tables = new Map<number, IntervalTable>();
  private readonly account: MemoryAccount;
  private readonly echoes: ExceptionEchoes;
  private readonly counters: AggregatorStats = {
    spans: 0,
    skippedDropped: 0,
    recordsWritten: 0,
    recordsFailed: 0,
    overflow: { dimension: {}, keys: 0, intervals: 0 },
    unreadable: 0,
    futureEndClamped: 0,
    lateSpans: 0,
    exceptionEchoes: { skipped: 0, forgotten: 0 },
  };
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private shutDown = false;
  private deferred = false;
  private warned = false;
  private readonly dims: Dimensions = ['', '', '', '', '', '', '', '', ''];

  constructor(options: AggregatorOptions) {
    this.config = resolveAggregatorConfig(options);
    this.mapper = createSpanMapper(this.config.mapping);
    this.intervalSeconds = this.config.intervalMillis / 1000;
    this.account = new MemoryAccount(this.config.maxMemoryBytes, this.config.maxKeys);
    this.echoes = new ExceptionEchoes(this.account);
    this.schedule();
  }

  onStart(_span: unknown, _context: Context): void {}

  onEnd(span: SpanLike): void {
    if (this.deferred) return;
    this.aggregateOne(span);
  }

  /**
   * Stops aggregating in `onEnd` and returns the stage that aggregates ended
   * spans in batches instead (see SpanBatchStage for the measured reason): for
   * a pipeline that runs it after the cleaner's stage, such as
   * @tracepoint/node's deferred `tracepointSpanProcessors`. The stage sees
   * every ended span it is given, sampled or not.
   */
  deferToHandOff(): SpanBatchStage {
    this.deferred = true;
    return {
      processBatch: (spans) => {
        for (let i = 0; i < spans.length; i++) this.aggregateOne(spans[i] as SpanLike);
      },
    };
  }

  private aggregateOne(span: SpanLike): void {
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
    clearTimeout(this.timer);
    return this.flush(true);
  }

  stats(): AggregatorStats {
    return {
      ...this.counters,
      exceptionEchoes: { skipped: this.echoes.skipped, forgotten: this.echoes.forgotten },
      overflow: { ...this.counters.overflow, dimension: { ...this.counters.overflow.dimension } },
    };
  }

  /** Bytes the memory account holds right now over all intervals (at most maxMemoryBytes). */
  get heldBytes(): number {
    return this.account.bytes;
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
    const durationMs = hrTimeToMillis(duration);
    const error = span.status.code === SpanStatusCode.ERROR;
    startSettling(span.resource);
    // The mapping's service, so endpoint rows name the same service as the span's edges and trace points.
    const service = this.mapper.serviceOf(span);
    const table = this.tableFor(span.endTime[0]);
    this.counters.spans++;
    // One scratch array for every key of every span: the table copies it only when it makes a key.
    const dims = this.dims;
    fill(
      dims,
      service,
      span.name,
      spanKindName(span.kind),
      statusCodeName(span.status.code),
      '',
      '',
      '',
      '',
      '',
    );
    table.add(
      'endpoint',
      dims,
      durationMs,
      weight,
      error,
      span.kind === SpanKind.SERVER && answeredClientError(span),
    );
    const points = this.mapper(span);
    let call: TracePoint | undefined;
    let response: TracePoint | undefined;
    // A status-only error (status ERROR, no exception event) is no exception: the mapping's point
    // for it (exception_source 'status' in trace_points) is not counted as one; the span counts
    // in its endpoint's error_count.
    const fromEvents = hasExceptionEvent(span.events);
    const traceId = fromEvents ? span.spanContext().traceId : '';
    for (let i = 0; i < points.length; i++) {
      const point = points[i] as TracePoint;
      if (point.traceType === 'call') call = point;
      else if (point.traceType === 'response') response = point;
      else if (fromEvents) {
        const exception = point.exception;
        if (
          exception !== undefined &&
          this.echoes.seen(traceId, exception.type, exception.message, exception.stacktrace, span.endTime[0])
        )
          continue;
        fill(
          dims,
          service,
          '',
          '',
          'Error',
          point.sourceComponent,
          point.targetComponent,
          point.sourceMethod,
          point.targetMethod,
          point.exception?.type ?? '',
        );
        table.add('exception', dims, durationMs, weight, true);
      }
    }
    if (call !== undefined) {
      const status = response?.statusCode ?? 'Unset';
      fill(
        dims,
        service,
        '',
        span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER ? 'Server' : 'Client',
        status,
        call.sourceComponent,
        call.targetComponent,
        call.sourceMethod,
        call.targetMethod,
        '',
      );
      table.add('edge', dims, durationMs, weight, status === 'Error');
    }
  }

  /** The table of the interval a span ended in (aligned to the wall clock, so processes agree). */
  private tableFor(endSeconds: number): IntervalTable {
    const start = Math.floor(endSeconds / this.intervalSeconds) * this.intervalSeconds;
    // Only an interval not held reads the clock: spans of held intervals never do.
    return this.tables.get(start) ?? this.openTable(start);
  }

  /**
   * Open intervals run from the one holding `now - maxLatenessMillis` to the
   * one after the current one. A span ending past them is filed at the
   * nearer end and counted, so the intervals held stay a handful whatever
   * the spans' clocks say.
   */
  private openTable(wanted: number): IntervalTable {
    const now = Date.now();
    const current = this.intervalStart(now);
    let start = wanted;
    if (start > current + this.intervalSeconds) {
      this.counters.futureEndClamped++;
      start = current;
    } else {
      const oldest = this.intervalStart(now - this.config.maxLatenessMillis);
      if (start < oldest) {
        this.counters.lateSpans++;
        start = oldest;
      }
    }
    let table = this.tables.get(start);
    if (table === undefined) {
      table = IntervalTable.open(start, this.config, this.counters.overflow, this.account);
      if (table === undefined) return this.nearestTable(start);
      this.tables.set(start, table);
    }
    return table;
  }

  /** When the account has no room for another interval: the held one nearest in time. */
  private nearestTable(start: number): IntervalTable {
    this.counters.overflow.intervals++;
    let nearest: IntervalTable | undefined;
    for (const table of this.tables.values()) {
      if (
        nearest === undefined ||
        Math.abs(table.startSeconds - start) < Math.abs(nearest.startSeconds - start)
      )
        nearest = table;
    }
    // An empty account always has room for one interval (MIN_MEMORY_BYTES, maxKeys >= 3).
    if (nearest === undefined) throw new Error('no interval could be opened');
    return nearest;
  }

  private intervalStart(millis: number): number {
    return Math.floor(millis / 1000 / this.intervalSeconds) * this.intervalSeconds;
  }

  /** Arms the timer for the next interval boundary (plus its grace); unref'd, it never holds the process. */
  private schedule(): void {
    const now = Date.now();
    this.timer = setTimeout(() => {
      if (this.shutDown) return;
      this.schedule();
      void this.flush(false);
    }, nextFlushAt(now, this.config.intervalMillis) - now);
    this.timer.unref?.();
  }

  /** Hands finished intervals (all, when `all`) to the sink; writes run one after another. */
  private flush(all: boolean): Promise<void> {
    const now = Date.now() / 1000;
    const records: StatsRecord[] = [];
    for (const [start, table] of this.tables) {
      if (!all && start + this.intervalSeconds > now) continue;
      this.tables.delete(start);
      for (const record of table.records(this.intervalSeconds)) records.push(record);
      table.release();
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
              `${records.length} aggregate rows could not be written (${error instanceof Error ? error.message : String(error)}); further failures are only counted in stats().recordsFailed`,
            );
          }
        },
      ),
    );
    return this.writing;
  }
}
