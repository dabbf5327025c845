import { toError } from './insert-error.js';
import { PushStream } from './push-stream.js';
import { QueuedTransmission } from './queued-transmission.js';
import { type InsertTarget, resetSessionSettings } from './table-writer.js';
import { LOST_ROWS, type TransmissionContext } from './transmission.js';

/** One table's open streaming insert. */
interface TableStream {
  readonly table: InsertTarget;
  stream: PushStream | undefined;
  /** Rolls the stream over pushRolloverMillis after it opened. */
  timer: NodeJS.Timeout | undefined;
  /** The table's inserts end one after another, in order. */
  chain: Promise<void>;
}

/**
 * push mode: each table has one open streaming insert that rows are written
 * to as they are encoded, so they are on the wire at once; it is committed
 * and a new one opened every pushRolloverMillis. A stream that fails is sent
 * again as an ordinary insert with the same token. Rows past maxQueueBytes
 * (not yet committed) are dropped and counted.
 */
export class PushTransmission extends QueuedTransmission {
  private readonly spans: TableStream;
  private readonly points: TableStream | undefined;

  constructor(context: TransmissionContext) {
    super(context);
    const { spans, points } = context.tables;
    this.spans = { table: spans, stream: undefined, timer: undefined, chain: Promise.resolve() };
    this.points =
      points === undefined
        ? undefined
        : { table: points, stream: undefined, timer: undefined, chain: Promise.resolve() };
  }

  protected queue(traceLine: string, pointLine: string | undefined, day: number): number {
    let bytes = this.streamOf(this.spans).write(traceLine, day);
    if (this.points !== undefined && pointLine !== undefined)
      bytes += this.streamOf(this.points).write(pointLine, day);
    return bytes;
  }

  async flush(): Promise<void> {
    await Promise.all([this.end(this.spans), this.points && this.end(this.points)]);
  }

  close(): void {
    for (const table of [this.spans, this.points]) if (table?.timer) clearTimeout(table.timer);
  }

  private streamOf(table: TableStream): PushStream {
    if (table.stream === undefined) {
      // The stream opens once the exporter has started; until then rows wait in its body.
      const client = this.context.startUp.start().then(({ connection }) => connection.activeStreaming());
      table.stream = new PushStream(client, table.table, this.context.nextToken());
      table.timer = setTimeout(() => this.end(table), this.context.config.pushRolloverMillis);
      table.timer.unref?.();
    }
    return table.stream;
  }

  /** Hands a table's open stream to its insert, after the table's previous one. */
  private end(table: TableStream): Promise<void> {
    if (table.timer !== undefined) clearTimeout(table.timer);
    table.timer = undefined;
    const stream = table.stream;
    if (stream === undefined) return table.chain;
    table.stream = undefined;
    const { startUp, stats, writes, config } = this.context;
    const spanTable = table === this.spans;
    const batch = stream.batch;
    const run = async (): Promise<void> => {
      let written = false;
      try {
        const { connection, writer, unavailable } = await startUp.start();
        if (unavailable.has(table.table.name)) {
          // Rows queued before start-up turned this table's writer off; the warning has told.
          await stream.end().catch(() => undefined);
          return;
        }
        try {
          await stream.end();
          stats.inserts++;
          writes.recordWritten(table.table, batch.rows);
          await resetSessionSettings(connection, { insert_deduplication_token: stream.token });
          return;
        } catch {
          // The stream failed; the same rows with the same token go again as an ordinary insert.
          stats.insertsRetried++;
        }
        written = true;
        await writes.write(writer, table.table, batch, stream.token);
      } catch (error) {
        // CountedWrites counts its own failures; a failed start is counted here.
        if (!written && spanTable) stats.spansFailed += batch.rows;
        if (!written && error === startUp.failure) {
          // Trace-point rows belong to the same spans: only the span table's loss is told.
          if (spanTable) startUp.logRowsLost(table.table.name, batch.rows);
        } else
          config.logger.error(
            `lost ${batch.rows} ${table.table.name} rows: ${toError(error).message}`,
            LOST_ROWS,
          );
      } finally {
        this.queuedBytes -= batch.bytes;
      }
    };
    table.chain = this.context.track(table.chain.then(run, run));
    return table.chain;
  }
}
