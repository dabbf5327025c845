import type { ComponentLogger } from '@tracepoint/core';
import type { ExporterStats } from './exporter-stats.js';
import { classifyInsertError, toError } from './insert-error.js';
import type { InsertBody } from './row-batch.js';
import type { PendingSpillRun, SpillDirectory } from './spill-directory.js';
import type { StartUp } from './start-up.js';
import type { InsertTarget, TableWriter } from './table-writer.js';

export interface SpillWritesContext {
  readonly startUp: StartUp;
  readonly stats: ExporterStats;
  readonly logger: ComponentLogger;
  /** The span table's name, for rowsWritten. */
  readonly spansTable: string;
  /** The aggregator's stats table (writeStats): its spilled inserts count as its rows, not as spans. */
  readonly statsTable: InsertTarget;
  readonly retryInitialDelayMillis: number;
  readonly retryMaxDelayMillis: number;
}

// Each kind of line has its own key, so the default logger's once-per-key stderr shows every kind.
const SPILL_LINES = {
  writeFailed: 'spill-write-failed',
  outage: 'spill-outage',
  replayed: 'spill-replayed',
  stopped: 'spill-replay-stopped',
  lost: 'spill-lost',
} as const;

/**
 * The spill between async mode's batches and ClickHouse. A batch whose insert
 * failed (retries and exportTimeoutMillis used up, or the server not reached
 * at start) is appended to the spill directory instead of being lost, and
 * from then on, while anything waits on disk, every new batch goes there
 * straight away, in order, so a crash during an outage loses at most what
 * was not yet fsync'ed. One replay loop sends the spilled inserts oldest
 * first, each with its own deduplication token, backing off while the server
 * is away, and acknowledges each one that landed.
 */
export class SpillWrites {
  private replaying: Promise<void> | undefined;
  private closed = false;
  private wake: (() => void) | undefined;
  private loggedOutage = false;

  constructor(
    readonly directory: SpillDirectory,
    private readonly context: SpillWritesContext,
  ) {
    // A predecessor's spill is replayed as soon as this process can reach the server.
    if (directory.pendingSegments > 0) this.replay();
  }

  /** Whether new batches go to the spill (something waits there): keeps the order of inserts. */
  get active(): boolean {
    return this.directory.pendingSegments > 0;
  }

  /**
   * Appends the batch's insert (its statement, token and every row, header
   * included) and starts the replay loop. Resolves false when the spill
   * dropped it (budget) or could not write it: then its rows are lost, and
   * counted as failed.
   */
  async put(statement: string, batch: InsertBody, token: string, unsent = false): Promise<boolean> {
    const table = this.tableOf(statement);
    const parts: Uint8Array[] = batch.header === undefined ? [] : [batch.header];
    batch.body({ from: 0, to: batch.rows }, parts);
    const payload = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    let kept = false;
    try {
      kept = await this.directory.append(statement, token, batch.rows, payload, unsent);
    } catch (error) {
      this.context.logger.error(
        `could not write ${batch.rows} ${table.name} rows to the spill ${this.directory.dir}: ${toError(error).message}`,
        SPILL_LINES.writeFailed,
      );
    }
    if (!kept) {
      if (table.spans) this.context.stats.spansFailed += batch.rows;
    } else if (!this.loggedOutage) {
      this.loggedOutage = true;
      this.context.logger.warn(
        `ClickHouse is not taking inserts; spans go to the spill ${this.directory.dir} and are replayed when it answers`,
        SPILL_LINES.outage,
      );
    }
    this.replay();
    return kept;
  }

  /** Stops the replay loop; what is still spilled stays for the next process. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    await this.replaying;
    await this.directory.close();
  }

  private replay(): void {
    if (this.closed) return;
    if (this.replaying !== undefined) {
      this.wake?.();
      return;
    }
    this.replaying = this.replayAll()
      .catch((error: unknown) =>
        this.context.logger.error(
          `the spill's replay stopped: ${toError(error).message}`,
          SPILL_LINES.stopped,
        ),
      )
      .finally(() => {
        this.replaying = undefined;
      });
  }

  private async replayAll(): Promise<void> {
    let delay = this.context.retryInitialDelayMillis;
    // After a run the server refused for its content, its records go one by one, so only the bad one is let go.
    let alone = 0;
    for (;;) {
      if (this.closed) return;
      const run = await this.directory.nextRun(alone > 0 ? 1 : undefined);
      if (run === undefined) {
        if (this.loggedOutage)
          this.context.logger.warn(
            'the spill is replayed: ClickHouse takes inserts again',
            SPILL_LINES.replayed,
          );
        this.loggedOutage = false;
        return;
      }
      const outcome = await this.send(run);
      if (outcome === 'retry') {
        await this.sleep(delay);
        delay = Math.min(this.context.retryMaxDelayMillis, delay * 2);
        continue;
      }
      delay = this.context.retryInitialDelayMillis;
      if (outcome === 'refused' && run.records.length > 1) {
        alone = run.records.length;
        continue;
      }
      if (alone > 0) alone--;
      for (const record of run.records) await this.directory.ack(record);
    }
  }

  /**
   * One attempt at a run of spilled inserts as one insert: landed, to be retried, or refused for
   * its content (a record alone is then counted and let go).
   */
  private async send(run: PendingSpillRun): Promise<'done' | 'retry' | 'refused'> {
    let writer: TableWriter | undefined;
    const table = this.tableOf(run.statement);
    try {
      const started = await this.context.startUp.start();
      writer = started.writer;
      await started.writer.insertPayload(run.statement, run.chunks, run.token);
      const stats = this.context.stats;
      if (table.spans) stats.spansExported += run.rows;
      stats.rowsWritten[table.name] = (stats.rowsWritten[table.name] ?? 0) + run.rows;
      return 'done';
    } catch (error) {
      // Only a body the server refuses for its content, or a start-up that can never succeed, is let go:
      // any other error (a server restarting, refusing for load, a table being re-created) is retried,
      // so a spilled insert is never given up on while it may still land.
      if (error === this.context.startUp.failure || classifyInsertError(error) === 'bad-data') {
        if (run.records.length > 1 && error !== this.context.startUp.failure) return 'refused';
        // It will never land: counted as failed, logged, and not retried forever.
        if (table.spans) this.context.stats.spansFailed += run.rows;
        this.context.logger.error(
          `lost ${run.rows} spilled ${table.name} rows: ${toError(error).message}`,
          SPILL_LINES.lost,
        );
        return 'refused';
      }
      writer?.failover();
      return 'retry';
    }
  }

  /** The table a spilled insert's statement writes: the stats table's, or else spans (the records hold statements, not names). */
  private tableOf(statement: string): { name: string; spans: boolean } {
    return statement === this.context.statsTable.statement
      ? { name: this.context.statsTable.name, spans: false }
      : { name: this.context.spansTable, spans: true };
  }

  private sleep(millis: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, millis);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
