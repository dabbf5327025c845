import { toError } from './insert-error.js';
import { QueuedTransmission } from './queued-transmission.js';
import { type AnySpanRows, BinarySpanRows } from './span-rows.js';
import { LOST_ROWS } from './transmission.js';

/**
 * async mode (the default): rows wait in one SpanRows and the export reports
 * success at once. The waiting rows are inserted together when they reach
 * maxBatchRows or maxBatchBytes, or flushIntervalMillis after the first;
 * flushes run one after another. Rows past maxQueueBytes (waiting and in
 * flight) are dropped and counted. With a spill (context.spill), a batch
 * whose insert failed goes to disk instead of being lost, and so does every
 * batch after it while the spill holds anything (see SpillWrites).
 */
export class AsyncTransmission extends QueuedTransmission {
  private waiting: AnySpanRows | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly flushLater = () => this.flush();

  protected queue(row: string, day: number, withTracePoints: boolean): number {
    const rows = this.rowsNow();
    const before = rows.bytes;
    rows.add(row, day, withTracePoints);
    this.queued(rows);
    return rows.bytes - before;
  }

  protected binaryBatch(): BinarySpanRows {
    const rows = this.rowsNow();
    if (!(rows instanceof BinarySpanRows)) throw new Error('a RowBinary row cannot join JSON rows');
    return rows;
  }

  protected binaryQueued(): void {
    if (this.waiting !== undefined) this.queued(this.waiting);
  }

  /** The waiting rows, in the format rows are encoded in now. */
  private rowsNow(): AnySpanRows {
    // Rows encoded before start-up are JSON, after it binary: a batch holds one format.
    if (this.waiting !== undefined && !this.context.encoder.fits(this.waiting)) this.flush();
    this.waiting ??= this.context.encoder.newRows();
    return this.waiting;
  }

  /**
   * While batches go to the spill (an outage), each export's rows go there at once instead of
   * waiting for the interval in memory: a crash then loses at most the hand-off batch not yet
   * exported (ExportingSpanProcessor's 100 ms) and what the last fsync did not reach.
   */
  protected override encoded(): void {
    if (this.context.spill?.active && this.waiting !== undefined && this.waiting.rows > 0) this.flush();
  }

  /** A row joined `rows`: they are inserted when full, or after the interval. */
  private queued(rows: AnySpanRows): void {
    const { config } = this.context;
    if (rows.rows >= config.maxBatchRows || rows.bytes >= config.maxBatchBytes) {
      this.flush();
    } else if (this.timer === undefined) {
      // While batches go to the spill, they go at least every fsync interval: what a crash can lose.
      const spill = this.context.spill;
      const interval = spill?.active
        ? Math.min(config.flushIntervalMillis, spill.directory.fsyncMillis)
        : config.flushIntervalMillis;
      this.timer = setTimeout(this.flushLater, interval);
      this.timer.unref?.();
    }
  }

  /** Hands the waiting rows to their insert, after the previous flush's. */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.waiting;
    if (rows === undefined || rows.rows === 0) return this.chain;
    this.waiting = undefined;
    const { startUp, stats, tables, writes, config } = this.context;
    const token = this.context.nextToken();
    const bytes = rows.bytes;
    const spill = this.context.spill;
    // The insert statement a spilled batch is replayed with: binary rows name their own target.
    const statement = () => (rows instanceof BinarySpanRows ? rows.target : tables.spans).statement;
    const run = async (): Promise<void> => {
      let written = false;
      try {
        // Something waits in the spill (an outage): this batch goes after it, in order.
        if (spill?.active) {
          await spill.put(statement(), rows, token, true);
          return;
        }
        const started = await startUp.start();
        written = true;
        await writes.write(started.writer, started.spans, rows, token);
      } catch (error) {
        if (spill !== undefined && error !== startUp.failure) {
          // Not lost: spilled, and replayed when the server answers (CountedWrites had counted them failed).
          if (written) stats.spansFailed -= rows.rows;
          await spill.put(statement(), rows, token);
          return;
        }
        // CountedWrites counts its own failures; a failed start is counted here.
        if (!written) stats.spansFailed += rows.rows;
        if (!written && error === startUp.failure) startUp.logRowsLost(tables.spans.name, rows.rows);
        else
          config.logger.error(
            `lost ${rows.rows} ${tables.spans.name} rows: ${toError(error).message}`,
            LOST_ROWS,
          );
      } finally {
        this.queuedBytes -= bytes;
        this.context.encoder.release(rows);
      }
    };
    this.chain = this.context.track(this.chain.then(run, run));
    return this.chain;
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
