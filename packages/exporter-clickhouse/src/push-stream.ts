import { PassThrough } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { withTracingSuppressed } from '@tracepoint/core';
import { RowBatch } from './row-batch.js';
import { drainResponse, type InsertTarget } from './table-writer.js';

/**
 * One open streaming insert: rows are written to the request body as they
 * arrive, so they are on the wire at once; ClickHouse commits them when the
 * stream ends (at rollover). The rows are kept until then so a failed stream
 * can be retried as an ordinary insert with the same deduplication token.
 */
export class PushStream {
  readonly batch = new RowBatch();
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
        .then((result) => drainResponse(result.stream)),
    );
    // The outcome is read in end(); until then a failure must not become an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Sends the encoded row at once; returns its size. */
  write(line: string, day: number): number {
    const bytes = this.batch.append(line, day);
    this.body.write(line);
    return bytes;
  }

  /** Closes the body; resolves when ClickHouse has committed the rows, rejects when the insert failed. */
  async end(): Promise<void> {
    this.body.end();
    await this.done;
  }
}
