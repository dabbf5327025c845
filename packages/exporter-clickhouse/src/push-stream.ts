import { PassThrough } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { withTracingSuppressed } from './suppress-tracing.js';
import type { InsertTarget, RowBatch } from './table-writer.js';

/**
 * One open streaming insert: rows are written to the request body as they
 * arrive, so they are on the wire at once; ClickHouse commits them when the
 * stream ends (at rollover). The rows are kept until then so a failed stream
 * can be retried as an ordinary insert with the same deduplication token.
 */
export class PushStream {
  readonly batch: RowBatch = { lines: [], days: [], bytes: 0 };
  private readonly body = new PassThrough();
  private readonly done: Promise<unknown>;

  constructor(
    client: Promise<ClickHouseClient>,
    target: InsertTarget,
    readonly token: string,
  ) {
    this.done = withTracingSuppressed(() =>
      client
        .then((ready) =>
          ready.exec({
            query: target.statement,
            values: this.body,
            clickhouse_settings: { insert_deduplication_token: token },
          }),
        )
        .then((result) => {
          result.stream.resume();
          return new Promise((resolve) => result.stream.once('close', resolve).once('end', resolve));
        }),
    );
    // The outcome is read in end(); until then a failure must not become an unhandled rejection.
    this.done.catch(() => undefined);
  }

  write(line: string, day: number): void {
    this.batch.lines.push(line);
    this.batch.days.push(day);
    this.batch.bytes += line.length;
    this.body.write(line);
  }

  /** Closes the body; resolves when ClickHouse has committed the rows, rejects when the insert failed. */
  async end(): Promise<void> {
    this.body.end();
    await this.done;
  }
}
