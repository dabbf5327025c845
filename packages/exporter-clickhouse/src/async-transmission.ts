import { toError } from './insert-error.js';
import { QueuedTransmission } from './queued-transmission.js';
import { SpanRows } from './span-rows.js';
import { LOST_ROWS } from './transmission.js';

/**
 * async mode (the default): rows wait in one SpanRows for both tables and
 * the export reports success at once. The waiting rows are inserted together
 * when the span table's reach maxBatchRows, either table's reach
 * maxBatchBytes, or flushIntervalMillis after the first; flushes run one
 * after another. Rows past maxQueueBytes (waiting and in flight) are dropped
 * and counted.
 */
export class AsyncTransmission extends QueuedTransmission {
  private waiting = new SpanRows();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly flushLater = () => this.flush();

  protected queue(traceLine: string, pointLine: string | undefined, day: number): number {
    const config = this.context.config;
    // Both tables' rows of a span join one flush, so the span's fate decides its trace points'.
    const rows = this.waiting;
    const before = rows.bytes;
    rows.add(traceLine, pointLine, day);
    if (
      rows.spans.rows >= config.maxBatchRows ||
      rows.spans.bytes >= config.maxBatchBytes ||
      rows.points.bytes >= config.maxBatchBytes
    ) {
      this.flush();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.flushLater, config.flushIntervalMillis);
      this.timer.unref?.();
    }
    return rows.bytes - before;
  }

  /** Hands both tables' waiting rows to their inserts (CountedWrites.writeBoth), after the previous flush's. */
  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const rows = this.waiting;
    if (rows.spans.rows === 0) return this.chain;
    this.waiting = new SpanRows();
    const { startUp, stats, tables, writes, config } = this.context;
    const token = this.context.nextToken();
    const bytes = rows.bytes;
    const run = async (): Promise<void> => {
      let written = false;
      try {
        const { writer, unavailable } = await startUp.start();
        // Rows queued before start-up turned the trace-point writer off; the warning has told.
        const withPoints = tables.points !== undefined && !unavailable.has(tables.points.name);
        written = true;
        await writes.writeBoth(writer, rows, token, withPoints);
      } catch (error) {
        // CountedWrites counts its own failures; a failed start is counted here.
        if (!written) stats.spansFailed += rows.spans.rows;
        if (!written && error === startUp.failure) startUp.logRowsLost(tables.spans.name, rows.spans.rows);
        else if (rows.spansWritten)
          config.logger.error(
            `lost ${rows.points.rows} ${tables.points?.name} rows: ${toError(error).message}`,
            LOST_ROWS,
          );
        else
          config.logger.error(
            `lost ${rows.spans.rows} ${tables.spans.name} rows and their trace points: ${toError(error).message}`,
            LOST_ROWS,
          );
      } finally {
        this.queuedBytes -= bytes;
      }
    };
    this.chain = this.context.track(this.chain.then(run, run));
    return this.chain;
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
