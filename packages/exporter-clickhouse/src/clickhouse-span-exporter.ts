import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { type SpanLike, settleResources } from '@tracepoint/core';
import { createSpanMapper } from '@tracepoint/semantic-mapping';
import { type Connection, EmbeddedEngineUnavailableError, openConnection } from './clickhouse-connection.js';
import { DEDUPLICATION_WINDOW } from './deduplication-window.js';
import {
  type ClickHouseSpanExporterOptions,
  type ExporterConfig,
  resolveExporterConfig,
} from './exporter-options.js';
import { type ExporterStats, emptyStats, observeStats } from './exporter-stats.js';
import { classifyInsertError, toError } from './insert-error.js';
import { OTEL_TRACES_INSERT_COLUMNS } from './otel-traces-schema.js';
import { PushStream } from './push-stream.js';
import { RowBatch, type RowRange, rowCount } from './row-batch.js';
import { prepareSchema, SchemaMismatchError, type SchemaReport } from './schema-manager.js';
import { UnsupportedServerVersionError } from './server-version.js';
import { SpanRowEncoder } from './span-row-encoder.js';
import { SpanRows } from './span-rows.js';
import { qualifiedName } from './table-ddl.js';
import {
  type InsertTarget,
  insertTarget,
  resetSessionSettings,
  rowLine,
  TableWriter,
} from './table-writer.js';
import {
  TRACE_POINT_STATS_INSERT_COLUMNS,
  type TracePointStatsRecord,
  tracePointStatsRow,
} from './trace-point-stats-schema.js';
import { TRACE_POINT_SPANS_INSERT_COLUMNS, TRACE_POINT_SPANS_SUFFIX } from './trace-points-schema.js';

/** ExportResult as the SDK's exporters report it (0 SUCCESS, 1 FAILED), without importing @opentelemetry/core. */
export interface ExportResultLike {
  code: 0 | 1;
  error?: Error;
}

interface Started {
  connection: Connection;
  writer: TableWriter;
  /** Optional tables that cannot be written (createSchema: false), with the problem. */
  unavailable: ReadonlyMap<string, string>;
}

/** A table's rows waiting for their insert (async mode) or its open stream (push mode). */
interface TableQueue {
  readonly target: InsertTarget;
  /** True for the span table: its rows count as exported spans. */
  readonly countsSpans: boolean;
  batch: RowBatch;
  stream: PushStream | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The table's inserts run one after another, in order. */
  chain: Promise<void>;
}

/** Lost rows are printed to stderr (default logger) once, whatever the count and cause; stats() counts them all. */
const LOST_ROWS = 'lost rows';
function permanent(error: unknown): boolean {
  return (
    error instanceof UnsupportedServerVersionError ||
    error instanceof SchemaMismatchError ||
    error instanceof EmbeddedEngineUnavailableError
  );
}

/**
 * Writes finished spans to ClickHouse: the OpenTelemetry-compatible
 * `otel_traces` table (with Grafana's trace-id lookup) and the trace points of
 * @tracepoint/semantic-mapping. Transmission is `async` (batched, default),
 * `sync` (each export awaits its insert) or `push` (a streaming insert per
 * table, rolled over periodically).
 *
 * It never throws into the application after construction: every failure is
 * reported through the export callback (called exactly once per call),
 * counted in `stats()` and logged once.
 */
export class ClickHouseSpanExporter {
  private readonly config: ExporterConfig;
  private readonly counters: ExporterStats = emptyStats();
  private readonly encoder: SpanRowEncoder;
  private readonly tokenPrefix = randomUUID();
  private tokenSequence = 0;
  private starting: Promise<Started> | undefined;
  private readonly queues: TableQueue[];
  private readonly statsTarget: InsertTarget;
  private queuedBytes = 0;
  /** async mode: both tables' rows waiting for the next flush. */
  private waiting = new SpanRows();
  private readonly pending = new Set<Promise<unknown>>();
  private shutdownPromise: Promise<void> | undefined;
  private queuedAfterSettling = false;
  private readonly loggedStartErrors = new Set<string>();
  /** Set when start-up failed for good: every later export fails at once with it. */
  private startFailure: Error | undefined;
  private loggedLostAtStart = false;
  private warnedStatsUnavailable = false;

  /** Throws a TypeError naming the option when the options are invalid; nothing else throws. */
  constructor(options: ClickHouseSpanExporterOptions = {}) {
    this.config = resolveExporterConfig(options);
    const mapSpan = createSpanMapper(this.config.mapping);
    this.encoder = new SpanRowEncoder({
      mapSpan: this.config.tracePoints ? mapSpan : undefined,
      stats: this.counters,
      logger: this.config.logger,
    });
    const { database, tracesTable, tracePointsTable } = this.config;
    this.queues = [
      this.queue(
        insertTarget(tracesTable, qualifiedName(database, tracesTable), OTEL_TRACES_INSERT_COLUMNS),
        true,
      ),
    ];
    if (this.config.tracePoints) {
      const spansTable = `${tracePointsTable}${TRACE_POINT_SPANS_SUFFIX}`;
      this.queues.push(
        this.queue(
          insertTarget(spansTable, qualifiedName(database, spansTable), TRACE_POINT_SPANS_INSERT_COLUMNS),
          false,
        ),
      );
    }
    this.statsTarget = insertTarget(
      this.config.statsTable,
      qualifiedName(database, this.config.statsTable),
      TRACE_POINT_STATS_INSERT_COLUMNS,
    );
    observeStats(this.counters, {
      'tracepoint.destination': this.config.destination.kind,
      mode: this.config.mode,
    });
  }

  /**
   * Writes aggregate rows of @tracepoint/processor-aggregator into the stats
   * table, with the same reliability as spans: one deduplication token per
   * call, retries, failover and bad-row isolation. Resolves with the number
   * of rows the server refused on their own; rejects when the insert failed
   * for good.
   */
  async writeStats(records: readonly TracePointStatsRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const { writer, unavailable } = await this.start();
    const missing = unavailable.get(this.config.statsTable);
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
    const batch = new RowBatch();
    for (const record of records)
      batch.append(
        rowLine(tracePointStatsRow(record), this.counters),
        Math.floor(record.intervalStartSeconds / 86_400),
      );
    const rejected = (await this.track(writer.write(this.statsTarget, batch, `${this.nextToken()}-stats`)))
      .length;
    this.counters.rowsWritten[this.config.statsTable] =
      (this.counters.rowsWritten[this.config.statsTable] ?? 0) + records.length - rejected;
    return rejected;
  }

  /** A copy of the counters since start. */
  stats(): ExporterStats {
    return { ...this.counters, rowsWritten: { ...this.counters.rowsWritten } };
  }

  /**
   * Connects, checks the server version and creates, migrates or verifies the
   * schema. Exports do this on their own; await it to fail early. Rejects with
   * the start-up error (also logged once).
   */
  ready(): Promise<void> {
    return this.start().then(() => undefined);
  }

  export(spans: readonly SpanLike[], resultCallback: (result: ExportResultLike) => void): void {
    let called = false;
    const report = (result: ExportResultLike): void => {
      if (called) return;
      called = true;
      try {
        resultCallback(result);
      } catch {
        // A throwing callback belongs to the SDK; it must not turn into an unhandled rejection here.
      }
    };
    try {
      if (this.shutdownPromise) {
        this.counters.spansDropped += spans.length;
        report({ code: 1, error: new Error('ClickHouseSpanExporter is shut down') });
        return;
      }
      if (this.startFailure !== undefined) {
        // A server too old, a schema that does not match, no engine: these spans can never be written.
        this.counters.spansFailed += spans.length;
        report({ code: 1, error: this.startFailure });
        return;
      }
      // Queued rows wait for start-up; starting now finds a permanent failure before the first flush.
      if (this.config.mode !== 'sync') this.start().catch(() => undefined);
      const run = () => (this.config.mode === 'sync' ? this.exportSync(spans) : this.enqueue(spans));
      // Rows are encoded once a resource's async attributes (NodeSDK's host.id) have arrived, as
      // BatchSpanProcessor does; bounded, so a detector that never answers cannot hold spans.
      const settled = settleResources(spans);
      const task =
        settled === undefined
          ? run()
          : this.bounded(settled, 'resource attributes did not arrive').then(() => {
              this.queuedAfterSettling = true;
              return run();
            });
      this.track(task.then(report, (error: unknown) => report({ code: 1, error: toError(error) })));
    } catch (error) {
      report({ code: 1, error: toError(error) });
    }
  }

  /** Sends everything queued and waits for inserts in flight; bounded by exportTimeoutMillis. */
  forceFlush(): Promise<void> {
    return this.bounded(this.flushAll(), 'flush did not finish');
  }

  /** Flushes, then releases the connection it opened. Idempotent and bounded. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= this.bounded(this.flushAll(), 'flush did not finish').finally(async () => {
      for (const queue of this.queues) if (queue.timer) clearTimeout(queue.timer);
      const started = await this.starting?.catch(() => undefined);
      await started?.connection.close().catch(() => undefined);
    });
    return this.shutdownPromise;
  }

  private queue(target: InsertTarget, countsSpans: boolean): TableQueue {
    return {
      target,
      countsSpans,
      batch: new RowBatch(),
      stream: undefined,
      timer: undefined,
      chain: Promise.resolve(),
    };
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  /** `work`, given up on after exportTimeoutMillis with one warning that starts with `late`. */
  private bounded(work: Promise<void>, late: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.config.logger.warn(`${late} within ${this.config.exportTimeoutMillis} ms; continuing`);
        resolve();
      }, this.config.exportTimeoutMillis);
      timer.unref?.();
    });
    return Promise.race([work.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
  }

  private start(): Promise<Started> {
    this.starting ??= (async () => {
      const connection = await openConnection(this.config);
      let report: SchemaReport;
      try {
        const { cluster, database, tracesTable, tracePointsTable, statsTable, tracePoints, ttlDays } =
          this.config;
        const schema = { cluster, database, tracesTable, tracePointsTable, statsTable, tracePoints, ttlDays };
        // Start-up fails over like inserts do: the first URL being down must not stop the exporter.
        for (let tried = 1; ; tried++) {
          try {
            report = await prepareSchema(
              connection.active(),
              schema,
              this.config.createSchema,
              connection.label,
            );
            break;
          } catch (error) {
            if (tried >= connection.size || permanent(error) || classifyInsertError(error) !== 'retry')
              throw error;
            connection.failover();
          }
        }
      } catch (error) {
        await connection.close().catch(() => undefined);
        throw error;
      }
      this.reportSchema(report);
      return {
        connection,
        writer: new TableWriter(connection, this.config, this.counters),
        unavailable: report.unavailable,
      };
    })().catch((error: unknown) => {
      const message = toError(error).message;
      if (!this.loggedStartErrors.has(message)) {
        this.loggedStartErrors.add(message);
        this.config.logger.error(`ClickHouse exporter cannot start: ${message}`);
      }
      // A server that is down now may be up at the next export; a wrong version or schema will not change.
      if (permanent(error)) this.startFailure = toError(error);
      else this.starting = undefined;
      throw error;
    });
    return this.starting;
  }

  /** One warning per problem start-up found that does not stop the exporter. */
  private reportSchema(report: SchemaReport): void {
    const { logger, tracePointsTable, database } = this.config;
    const tracePoints = report.unavailable.get(`${tracePointsTable}${TRACE_POINT_SPANS_SUFFIX}`);
    if (this.config.tracePoints && tracePoints !== undefined) {
      this.encoder.stopTracePoints();
      logger.warn(
        `trace points are off: ${tracePoints} (createSchema is false); spans are still written to ${this.config.tracesTable}`,
      );
    }
    if (report.withoutDeduplication.length > 0) {
      const tables = report.withoutDeduplication.map((table) => `${database}.${table}`).join(', ');
      logger.warn(
        `no deduplication window on ${tables}: a retried insert that had landed is written twice. Set one with ALTER TABLE <table> MODIFY SETTING non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}${this.config.createSchema ? '' : ', or start once with createSchema: true'}`,
      );
    }
  }

  private nextToken(): string {
    return `${this.tokenPrefix}-${++this.tokenSequence}`;
  }

  private async exportSync(spans: readonly SpanLike[]): Promise<ExportResultLike> {
    const { writer } = await this.start().catch((error: unknown) => {
      this.counters.spansFailed += spans.length;
      throw error;
    });
    const batches = new SpanRows();
    this.encoder.encode(spans, batches);
    try {
      await this.writeBoth(writer, batches, this.nextToken());
      return { code: 0 };
    } catch (error) {
      return { code: 1, error: toError(error) };
    }
  }

  /**
   * Writes the span table's rows, then the trace-point rows of the spans that
   * landed: a span the server refuses has no trace points either, and when
   * the span table's insert fails for good its trace points are not written.
   */
  private async writeBoth(
    writer: TableWriter,
    batches: SpanRows,
    token: string,
    withPoints = true,
  ): Promise<void> {
    const [spansQueue, pointsQueue] = this.queues as [TableQueue, TableQueue | undefined];
    const rejected = await this.write(writer, spansQueue, batches.spans, token);
    batches.spansWritten = true;
    if (pointsQueue === undefined || !withPoints || batches.points.rows === 0) return;
    const ranges = batches.pointsOfLandedSpans(rejected);
    await this.write(writer, pointsQueue, batches.points, `${token}-points`, ranges);
  }

  private recordWritten(queue: TableQueue, rows: number): void {
    const written = this.counters.rowsWritten;
    written[queue.target.name] = (written[queue.target.name] ?? 0) + rows;
    if (queue.countsSpans) this.counters.spansExported += rows;
  }

  /**
   * Writes one batch of a table (or the rows of `ranges`) and keeps the
   * counters; resolves with the rows rejected as bad, rejects when it finally failed.
   */
  private async write(
    writer: TableWriter,
    queue: TableQueue,
    batch: RowBatch,
    token: string,
    ranges: readonly RowRange[] = [{ from: 0, to: batch.rows }],
  ): Promise<number[]> {
    const rows = rowCount(ranges);
    if (rows === 0) return [];
    try {
      const rejected = await writer.write(queue.target, batch, token, ranges);
      this.recordWritten(queue, rows - rejected.length);
      return rejected;
    } catch (error) {
      if (queue.countsSpans) this.counters.spansFailed += rows;
      throw error;
    }
  }

  /** async and push modes: rows join the table queues; the callback reports acceptance. */
  private async enqueue(spans: readonly SpanLike[]): Promise<ExportResultLike> {
    const dropped = this.encoder.encode(spans, {
      add: (traceLine, pointLine, day) => {
        if (this.queuedBytes >= this.config.maxQueueBytes) return false;
        const [spansQueue, pointsQueue] = this.queues as [TableQueue, TableQueue | undefined];
        if (this.config.mode === 'push') {
          this.queuedBytes += this.streamFor(spansQueue).write(traceLine, day);
          if (pointsQueue !== undefined && pointLine !== undefined)
            this.queuedBytes += this.streamFor(pointsQueue).write(pointLine, day);
          return true;
        }
        // Both tables' rows of a span join one flush, so the span's fate decides its trace points'.
        const rows = this.waiting;
        const before = rows.bytes;
        rows.add(traceLine, pointLine, day);
        this.queuedBytes += rows.bytes - before;
        if (
          rows.spans.rows >= this.config.maxBatchRows ||
          rows.spans.bytes >= this.config.maxBatchBytes ||
          rows.points.bytes >= this.config.maxBatchBytes
        ) {
          this.flushBatches();
        } else if (spansQueue.timer === undefined) {
          spansQueue.timer = setTimeout(() => this.flushBatches(), this.config.flushIntervalMillis);
          spansQueue.timer.unref?.();
        }
        return true;
      },
    });
    if (dropped > 0) {
      return {
        code: 1,
        error: new Error(
          `ClickHouse exporter queue is full (maxQueueBytes ${this.config.maxQueueBytes}); dropped ${dropped} of ${spans.length} spans`,
        ),
      };
    }
    return { code: 0 };
  }

  private streamFor(queue: TableQueue): PushStream {
    if (queue.stream === undefined) {
      const stream = new PushStream(this.pushClient(), queue.target, this.nextToken());
      queue.stream = stream;
      queue.timer = setTimeout(() => this.flushQueue(queue), this.config.pushRolloverMillis);
      queue.timer.unref?.();
    }
    return queue.stream;
  }

  private pushClient(): Promise<ClickHouseClient> {
    // The stream opens once the exporter has started; until then rows wait in its body.
    return this.start().then(({ connection }) => connection.activeStreaming());
  }

  /**
   * async mode: hands both tables' waiting rows to their inserts (see
   * writeBoth), after the previous flush's.
   */
  private flushBatches(): Promise<void> {
    const [spansQueue, pointsQueue] = this.queues as [TableQueue, TableQueue | undefined];
    if (spansQueue.timer !== undefined) clearTimeout(spansQueue.timer);
    spansQueue.timer = undefined;
    const batches = this.waiting;
    if (batches.spans.rows === 0) return spansQueue.chain;
    this.waiting = new SpanRows();
    const token = this.nextToken();
    const bytes = batches.bytes;
    const run = async (): Promise<void> => {
      let written = false;
      try {
        const { writer, unavailable } = await this.start();
        // Rows queued before start-up turned the trace-point writer off; the warning has told.
        const withPoints = pointsQueue !== undefined && !unavailable.has(pointsQueue.target.name);
        written = true;
        await this.writeBoth(writer, batches, token, withPoints);
      } catch (error) {
        // write() counts its own failures; a failed start is counted here.
        if (!written) this.counters.spansFailed += batches.spans.rows;
        if (!written && error === this.startFailure) this.logLostAtStart(spansQueue, batches.spans.rows);
        else if (batches.spansWritten)
          this.config.logger.error(
            `lost ${batches.points.rows} ${this.queues[1]?.target.name} rows: ${toError(error).message}`,
            LOST_ROWS,
          );
        else
          this.config.logger.error(
            `lost ${batches.spans.rows} ${spansQueue.target.name} rows and their trace points: ${toError(error).message}`,
            LOST_ROWS,
          );
      } finally {
        this.queuedBytes -= bytes;
      }
    };
    spansQueue.chain = this.track(spansQueue.chain.then(run, run));
    return spansQueue.chain;
  }

  /** push mode: hands a table's open stream to its insert, after the table's previous one. */
  private flushQueue(queue: TableQueue): Promise<void> {
    if (this.config.mode !== 'push') return this.flushBatches();
    if (queue.timer !== undefined) clearTimeout(queue.timer);
    queue.timer = undefined;
    const stream = queue.stream;
    const batch = stream?.batch ?? queue.batch;
    queue.stream = undefined;
    if (stream === undefined) queue.batch = new RowBatch();
    if (batch.rows === 0 && stream === undefined) return queue.chain;
    const token = stream?.token ?? this.nextToken();
    const run = async (): Promise<void> => {
      let written = false;
      try {
        const { connection, writer, unavailable } = await this.start();
        if (unavailable.has(queue.target.name)) {
          // Rows queued before start-up turned this table's writer off; the warning has told.
          await stream?.end().catch(() => undefined);
          return;
        }
        if (stream !== undefined) {
          try {
            await stream.end();
            this.counters.inserts++;
            this.recordWritten(queue, batch.rows);
            await resetSessionSettings(connection, { insert_deduplication_token: token });
            return;
          } catch {
            // The stream failed; the same rows with the same token go again as an ordinary insert.
            this.counters.insertsRetried++;
          }
        }
        written = true;
        await this.write(writer, queue, batch, token);
      } catch (error) {
        // write() counts its own failures; a failed start is counted here.
        if (!written && queue.countsSpans) this.counters.spansFailed += batch.rows;
        if (!written && error === this.startFailure) this.logLostAtStart(queue, batch.rows);
        else
          this.config.logger.error(
            `lost ${batch.rows} ${queue.target.name} rows: ${toError(error).message}`,
            LOST_ROWS,
          );
      } finally {
        this.queuedBytes -= batch.bytes;
      }
    };
    queue.chain = this.track(queue.chain.then(run, run));
    return queue.chain;
  }

  /**
   * Rows queued before start-up failed for good are lost: one line for them
   * all (the failure itself is logged by start()). Trace-point rows belong to
   * the same spans, so only the span table's loss is told.
   */
  private logLostAtStart(queue: TableQueue, rows: number): void {
    if (!queue.countsSpans || this.loggedLostAtStart) return;
    this.loggedLostAtStart = true;
    this.config.logger.error(
      `lost ${rows} ${queue.target.name} rows queued while the exporter was starting; exports now fail at once (counted in stats().spansFailed): ${this.startFailure?.message}`,
    );
  }

  private async flushAll(): Promise<void> {
    // An export that waited for its resource to settle queued its rows late: flush again then.
    do {
      this.queuedAfterSettling = false;
      await Promise.all(this.queues.map((queue) => this.flushQueue(queue)));
      while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    } while (this.queuedAfterSettling);
  }
}
