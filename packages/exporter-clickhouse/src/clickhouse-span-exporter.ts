import { randomUUID } from 'node:crypto';
import { type SpanLike, settleResources } from '@tracepoint/core';
import { createSpanMapper } from '@tracepoint/semantic-mapping';
import { AsyncTransmission } from './async-transmission.js';
import { CountedWrites } from './counted-writes.js';
import {
  type ClickHouseSpanExporterOptions,
  type ExporterConfig,
  resolveExporterConfig,
} from './exporter-options.js';
import { type ExporterStats, emptyStats, StatsObserver } from './exporter-stats.js';
import { type ExporterTables, exporterTables } from './exporter-tables.js';
import { toError } from './insert-error.js';
import { PushTransmission } from './push-transmission.js';
import { RowBatch } from './row-batch.js';
import { SpanRowEncoder } from './span-row-encoder.js';
import { SpillDirectory } from './spill-directory.js';
import { SpillLockedError } from './spill-lock.js';
import { SpillWrites } from './spill-writes.js';
import { StartUp } from './start-up.js';
import { SyncTransmission } from './sync-transmission.js';
import { type InsertDeadline, rowLine } from './table-writer.js';
import { withTimeLimit } from './time-limit.js';
import { type TracePointStatsRecord, tracePointStatsRow } from './trace-point-stats-schema.js';
import type { ExportResultLike, Transmission, TransmissionContext } from './transmission.js';

const SECONDS_PER_DAY = 86_400;

/** Calls the SDK's callback (once per export); one that throws must not reach the app or become an unhandled rejection. */
function reportNow(resultCallback: (result: ExportResultLike) => void, result: ExportResultLike): void {
  try {
    resultCallback(result);
  } catch {
    // As in export(): the callback belongs to the SDK.
  }
}

/**
 * Writes finished spans to ClickHouse: one row per span in the
 * OpenTelemetry-compatible `otel_traces` table (with Grafana's trace-id
 * lookup), whose trace-point columns carry what the `trace_points` view needs
 * of @tracepoint/semantic-mapping's trace points. It wires three parts: a
 * SpanRowEncoder (the rows), a Transmission (`async`: batched, default;
 * `sync`: each export awaits its insert; `push`: a streaming insert, rolled
 * over periodically) and the StartUp (version check, schema, failover).
 *
 * It never throws into the application after construction: every failure is
 * reported through the export callback (called exactly once per call),
 * counted in `stats()` and logged once.
 */
export class ClickHouseSpanExporter {
  private readonly config: ExporterConfig;
  private readonly counters: ExporterStats = emptyStats();
  private readonly tables: ExporterTables;
  private readonly startUp: StartUp;
  private readonly writes: CountedWrites;
  private readonly transmission: Transmission;
  private readonly spill: SpillWrites | undefined;
  private readonly observer: StatsObserver;
  private readonly insertDeadline: InsertDeadline = { cap: Number.POSITIVE_INFINITY };
  private readonly tokenPrefix = randomUUID();
  private tokenSequence = 0;
  private readonly pending = new Set<Promise<unknown>>();
  private shutdownPromise: Promise<void> | undefined;
  private queuedAfterSettling = false;
  private warnedStatsUnavailable = false;

  /** Throws a TypeError naming the option when the options are invalid; nothing else throws. */
  constructor(options: ClickHouseSpanExporterOptions = {}) {
    this.config = resolveExporterConfig(options);
    const mapSpan = createSpanMapper(this.config.mapping);
    const encoder = new SpanRowEncoder({
      mapSpan: this.config.tracePoints ? mapSpan : undefined,
      stats: this.counters,
      logger: this.config.logger,
      // A batch is inserted once it reaches maxBatchBytes, so its Buffer grows to at most twice that.
      spareBufferBytes: 2 * this.config.maxBatchBytes,
    });
    this.tables = exporterTables(this.config);
    // Push mode streams each row as it is encoded, before start-up may have read the table's types: it
    // stays on JSON lines. The other modes insert RowBinary once start-up has described the span table.
    this.startUp = new StartUp(
      this.config,
      this.counters,
      this.tables,
      () => encoder.stopTracePoints(),
      this.config.mode === 'push' ? undefined : encoder,
      this.insertDeadline,
    );
    this.writes = new CountedWrites(this.tables, this.counters);
    this.spill = this.openSpill();
    const context: TransmissionContext = {
      config: this.config,
      stats: this.counters,
      tables: this.tables,
      encoder,
      startUp: this.startUp,
      writes: this.writes,
      nextToken: () => this.nextToken(),
      track: (promise) => this.track(promise),
      ...(this.spill === undefined ? {} : { spill: this.spill }),
    };
    const modes = { async: AsyncTransmission, sync: SyncTransmission, push: PushTransmission };
    this.transmission = new modes[this.config.mode](context);
    this.observer = new StatsObserver(() => this.stats(), {
      'tracepoint.destination': this.config.destination.kind,
      mode: this.config.mode,
    });
  }

  /**
   * Writes aggregate rows of @tracepoint/processor-aggregator into the stats
   * table, with the same reliability as spans: one deduplication token per
   * call, retries, failover and bad-row isolation, and with a spill, the
   * spill: an insert that failed (or any while the spill holds something)
   * goes there and is replayed with its token. Resolves with the number of
   * rows the server refused on their own (spilled rows are not refused);
   * rejects when the insert failed for good.
   */
  async writeStats(records: readonly TracePointStatsRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const batch = new RowBatch();
    for (const record of records)
      batch.append(
        rowLine(tracePointStatsRow(record), this.counters),
        Math.floor(record.intervalStartSeconds / SECONDS_PER_DAY),
      );
    const token = `${this.nextToken()}-stats`;
    const spill = this.spill;
    if (spill?.active) return this.spillStats(spill, batch, token, true);
    let started: Awaited<ReturnType<StartUp['start']>>;
    try {
      started = await this.startUp.start();
    } catch (error) {
      if (spill === undefined || error === this.startUp.failure) throw error;
      return this.spillStats(spill, batch, token);
    }
    const missing = started.unavailable.get(this.tables.stats.name);
    if (missing !== undefined) {
      const error = new Error(`aggregate rows are not written: ${missing} (createSchema is false)`);
      if (!this.warnedStatsUnavailable) {
        this.warnedStatsUnavailable = true;
        this.config.logger.warn(
          `${error.message}; writeStats fails until the table exists and the exporter restarts`,
        );
      }
      throw error;
    }
    try {
      return (await this.track(this.writes.write(started.writer, this.tables.stats, batch, token))).length;
    } catch (error) {
      if (spill === undefined) throw error;
      return this.spillStats(spill, batch, token);
    }
  }

  /** Stats rows to the spill, replayed with the spans' inserts in order; rejects when the spill could not keep them. */
  private async spillStats(
    spill: SpillWrites,
    batch: RowBatch,
    token: string,
    unsent = false,
  ): Promise<number> {
    if (!(await this.track(spill.put(this.tables.stats.statement, batch, token, unsent))))
      throw new Error(`${batch.rows} aggregate rows could not be spilled to ${spill.directory.dir}`);
    return 0;
  }

  /** A copy of the counters since start. */
  stats(): ExporterStats {
    const copy: ExporterStats = { ...this.counters, rowsWritten: { ...this.counters.rowsWritten } };
    if (this.spill !== undefined) copy.spill = this.spill.directory.stats();
    return copy;
  }

  /**
   * The spill directory, when configured: opened (and locked) now, so a bad
   * directory is one line at start. A directory another live process holds,
   * or one that cannot be opened, leaves this exporter on its memory queue.
   */
  private openSpill(): SpillWrites | undefined {
    const options = this.config.spill;
    if (options === undefined) return undefined;
    let directory: SpillDirectory;
    try {
      directory = SpillDirectory.open(options);
    } catch (error) {
      this.config.logger.error(
        error instanceof SpillLockedError
          ? error.message
          : `tracepoint: the spill directory ${options.dir} cannot be used (${toError(error).message}); undelivered inserts stay in memory`,
      );
      return undefined;
    }
    return new SpillWrites(directory, {
      startUp: this.startUp,
      stats: this.counters,
      logger: this.config.logger,
      spansTable: this.tables.spans.name,
      statsTable: this.tables.stats,
      retryInitialDelayMillis: this.config.retryInitialDelayMillis,
      retryMaxDelayMillis: this.config.retryMaxDelayMillis,
    });
  }

  /**
   * Connects, checks the server version and creates, migrates or verifies the
   * schema. Exports do this on their own; await it to fail early. Rejects with
   * the start-up error (also logged once).
   */
  ready(): Promise<void> {
    return this.startUp.start().then(() => undefined);
  }

  export(spans: readonly SpanLike[], resultCallback: (result: ExportResultLike) => void): void {
    let result: ExportResultLike | undefined;
    try {
      // The app's MeterProvider may have been registered after this exporter was built (NodeSDK does).
      this.observer.follow();
      result = this.exportOrQueue(spans, resultCallback);
    } catch (error) {
      result = { code: 1, error: toError(error) };
    }
    // Reported here when known now; exportOrQueue reported nothing then (it returns undefined when it does).
    if (result !== undefined) reportNow(resultCallback, result);
  }

  /** The export's result when it is known at once; else undefined, and `resultCallback` is called later, once. */
  private exportOrQueue(
    spans: readonly SpanLike[],
    resultCallback: (result: ExportResultLike) => void,
  ): ExportResultLike | undefined {
    if (this.shutdownPromise) {
      this.counters.spansDropped += spans.length;
      return { code: 1, error: new Error('ClickHouseSpanExporter is shut down') };
    }
    const failure = this.startUp.failure;
    if (failure !== undefined) {
      // A server too old, a schema that does not match, no engine: these spans can never be written.
      this.counters.spansFailed += spans.length;
      return { code: 1, error: failure };
    }
    // Queued rows wait for start-up; starting now finds a permanent failure before the first flush.
    if (this.config.mode !== 'sync' && !this.startUp.done) this.startUp.start().catch(() => undefined);
    // Rows are encoded once a resource's async attributes (NodeSDK's host.id) have arrived, as
    // BatchSpanProcessor does; time-limited, so a detector that never answers cannot hold spans.
    const settled = settleResources(spans);
    // The usual export in async and push modes (a few spans per event-loop turn): queued and
    // reported at once, with no promise, tracked task or closure per call (measured in an app:
    // 1.2 µs of main-thread CPU per span for that chain and its bookkeeping, at 1-3 spans per export).
    if (settled === undefined && this.transmission.sendNow !== undefined)
      return this.transmission.sendNow(spans);
    const task =
      settled === undefined
        ? this.transmission.send(spans)
        : this.withTimeLimit(settled, 'resource attributes did not arrive').then(() => {
            this.queuedAfterSettling = true;
            return this.transmission.send(spans);
          });
    this.track(
      task.then(
        (result) => reportNow(resultCallback, result),
        (error: unknown) => reportNow(resultCallback, { code: 1, error: toError(error) }),
      ),
    );
    return undefined;
  }

  /** Sends everything queued and waits for inserts in flight; given up on after exportTimeoutMillis. */
  forceFlush(): Promise<void> {
    return this.withTimeLimit(this.flushAll(), 'flush did not finish');
  }

  /** Flushes, then releases the connection it opened. Idempotent and time-limited. */
  shutdown(): Promise<void> {
    // With a spill, inserts stop retrying half-way through the time limit: what has not landed by
    // then goes to the spill while there is time to write it (its request may run requestTimeoutMillis more).
    if (this.spill !== undefined && this.shutdownPromise === undefined)
      this.insertDeadline.cap = Date.now() + Math.floor(this.config.exportTimeoutMillis / 2);
    this.shutdownPromise ??= this.withTimeLimit(this.flushAll(), 'flush did not finish').finally(async () => {
      this.transmission.close();
      // What is still spilled stays on disk (fsync'ed) for the next process with this directory.
      await this.spill?.close().catch(() => undefined);
      return this.startUp.close();
    });
    return this.shutdownPromise;
  }

  private withTimeLimit(work: Promise<void>, late: string): Promise<void> {
    return withTimeLimit(work, this.config.exportTimeoutMillis, late, this.config.logger);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  private nextToken(): string {
    return `${this.tokenPrefix}-${++this.tokenSequence}`;
  }

  private async flushAll(): Promise<void> {
    // An export that waited for its resource to settle queued its rows late: flush again then.
    do {
      this.queuedAfterSettling = false;
      await this.transmission.flush();
      while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    } while (this.queuedAfterSettling);
  }
}
