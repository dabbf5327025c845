import type { ComponentLogger } from '@tracepoint/core';
import type { ExporterStats } from './exporter-stats.js';
import { classifyInsertError, toError } from './insert-error.js';
import type { InsertBody } from './row-batch.js';
import type { PendingSpillRecord, SpillDirectory } from './spill-directory.js';
import type { StartUp } from './start-up.js';
import type { TableWriter } from './table-writer.js';

export interface SpillWritesContext {
  readonly startUp: StartUp;
  readonly stats: ExporterStats;
  readonly logger: ComponentLogger;
  /** The span table's name, for rowsWritten. */
  readonly spansTable: string;
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
  async put(statement: string, batch: InsertBody, token: string): Promise<boolean> {
    const parts: Uint8Array[] = batch.header === undefined ? [] : [batch.header];
    batch.body({ from: 0, to: batch.rows }, parts);
    const payload = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
    let kept = false;
    try {
      kept = await this.directory.append(statement, token, batch.rows, payload);
    } catch (error) {
      this.context.logger.error(
        `could not write ${batch.rows} ${this.context.spansTable} rows to the spill ${this.directory.dir}: ${toError(error).message}`,
        SPILL_LINES.writeFailed,
      );
    }
    if (!kept) this.context.stats.spansFailed += batch.rows;
    else if (!this.loggedOutage) {
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
    for (;;) {
      if (this.closed) return;
      const record = await this.directory.next();
      if (record === undefined) {
        if (this.loggedOutage)
          this.context.logger.warn(
            'the spill is replayed: ClickHouse takes inserts again',
            SPILL_LINES.replayed,
          );
        this.loggedOutage = false;
        return;
      }
      const outcome = await this.send(record);
      if (outcome === 'retry') {
        await this.sleep(delay);
        delay = Math.min(this.context.retryMaxDelayMillis, delay * 2);
        continue;
      }
      delay = this.context.retryInitialDelayMillis;
      await this.directory.ack(record);
    }
  }

  /** One attempt at a spilled insert: landed, or to be retried; a body the server refuses is counted and let go. */
  private async send(record: PendingSpillRecord): Promise<'done' | 'retry'> {
    let writer: TableWriter | undefined;
    try {
      const started = await this.context.startUp.start();
      writer = started.writer;
      await started.writer.insertPayload(record.table, record.payload, record.token);
      const stats = this.context.stats;
      stats.spansExported += record.rows;
      stats.rowsWritten[this.context.spansTable] =
        (stats.rowsWritten[this.context.spansTable] ?? 0) + record.rows;
      return 'done';
    } catch (error) {
      // Only a body the server refuses for its content, or a start-up that can never succeed, is let go:
      // any other error (a server restarting, refusing for load, a table being re-created) is retried,
      // so a spilled insert is never given up on while it may still land.
      if (error === this.context.startUp.failure || classifyInsertError(error) === 'bad-data') {
        // It will never land: counted as failed, logged, and not retried forever.
        this.context.stats.spansFailed += record.rows;
        this.context.logger.error(
          `lost ${record.rows} spilled ${this.context.spansTable} rows: ${toError(error).message}`,
          SPILL_LINES.lost,
        );
        return 'done';
      }
      writer?.failover();
      return 'retry';
    }
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
