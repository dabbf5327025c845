import { toError } from './insert-error.js';
import { PushStream } from './push-stream.js';
import { QueuedTransmission } from './queued-transmission.js';
import { resetSessionSettings } from './table-writer.js';
import { LOST_ROWS } from './transmission.js';

/**
 * push mode: one open streaming insert into the span table that rows are
 * written to as they are encoded, so they are on the wire at once; it is
 * committed and a new one opened every pushRolloverMillis. A stream that
 * fails is sent again as an ordinary insert with the same token. Rows past
 * maxQueueBytes (not yet committed) are dropped and counted. A span is one
 * row, so its trace points share its fate.
 */
export class PushTransmission extends QueuedTransmission {
  private stream: PushStream | undefined;
  /** Rolls the stream over pushRolloverMillis after it opened. */
  private timer: NodeJS.Timeout | undefined;
  /** Streams end one after another, in order. */
  private chain: Promise<void> = Promise.resolve();

  protected queue(row: string, day: number, withTracePoints: boolean): number {
    return this.streamOf().write(row, day, withTracePoints);
  }

  // The push encoder stays on JSON lines (the exporter never calls useBinary in push mode).
  protected binaryBatch(): never {
    throw new Error('push mode streams JSON rows');
  }

  protected binaryQueued(): void {}

  flush(): Promise<void> {
    return this.end();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private streamOf(): PushStream {
    if (this.stream === undefined) {
      // The stream opens once the exporter has started; until then rows wait in its body. Rows
      // encoded with trace-point columns cannot stream into a table start-up found without them:
      // that stream is not opened and its rows go as an ordinary insert, cut down (CountedWrites).
      const withTracePoints = this.context.encoder.tracePointsOn;
      const open = this.context.startUp
        .start()
        .then((started) =>
          withTracePoints && started.spans !== this.context.tables.spans
            ? undefined
            : { client: started.connection.activeStreaming(), target: started.spans },
        );
      this.stream = new PushStream(open, this.context.nextToken());
      this.timer = setTimeout(() => this.end(), this.context.config.pushRolloverMillis);
      this.timer.unref?.();
    }
    return this.stream;
  }

  /** Hands the open stream to its insert, after the previous one. */
  private end(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const stream = this.stream;
    if (stream === undefined) return this.chain;
    this.stream = undefined;
    const { startUp, stats, writes, config, tables } = this.context;
    const batch = stream.batch;
    const run = async (): Promise<void> => {
      let written = false;
      try {
        const { connection, writer, spans } = await startUp.start();
        try {
          await stream.end();
          stats.inserts++;
          writes.recordWritten(spans, batch.rows);
          await resetSessionSettings(connection, { insert_deduplication_token: stream.token });
          return;
        } catch {
          // The stream failed (or was not opened); the same rows with the same token go again as an ordinary insert.
          stats.insertsRetried++;
        }
        written = true;
        await writes.write(writer, spans, batch, stream.token);
      } catch (error) {
        // CountedWrites counts its own failures; a failed start is counted here.
        if (!written) stats.spansFailed += batch.rows;
        if (!written && error === startUp.failure) startUp.logRowsLost(tables.spans.name, batch.rows);
        else
          config.logger.error(
            `lost ${batch.rows} ${tables.spans.name} rows: ${toError(error).message}`,
            LOST_ROWS,
          );
      } finally {
        this.queuedBytes -= batch.bytes;
      }
    };
    this.chain = this.context.track(this.chain.then(run, run));
    return this.chain;
  }
}
