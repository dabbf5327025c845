import { PassThrough } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { withTracingSuppressed } from '@tracepoint/core';
import { SpanRows } from './span-rows.js';
import { drainResponse, type InsertTarget } from './table-writer.js';

/** Where an open stream inserts, once the exporter has started; undefined: it is not opened. */
export interface PushStreamTarget {
  readonly client: ClickHouseClient;
  readonly target: InsertTarget;
}

/**
 * One open streaming insert: rows are written to the request body as they
 * arrive, so they are on the wire at once; ClickHouse commits them when the
 * stream ends (at rollover). The rows are kept until then so a failed stream
 * can be retried as an ordinary insert with the same deduplication token.
 */
export class PushStream {
  readonly batch = new SpanRows();
  private readonly body = new PassThrough();
  private readonly done: Promise<unknown>;

  /** `open` resolves undefined when the rows already written cannot go to the table it found (end() rejects then). */
  constructor(
    open: Promise<PushStreamTarget | undefined>,
    readonly token: string,
  ) {
    this.done = withTracingSuppressed(() =>
      open
        .then((ready) => {
          if (ready === undefined)
            throw new Error('the stream was not opened: its rows do not fit the table');
          return ready.client.exec({
            query: ready.target.statement,
            values: this.body,
            clickhouse_settings: { insert_deduplication_token: token },
          });
        })
        .then((result) => drainResponse(result.stream)),
    );
    // The outcome is read in end(); until then a failure must not become an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** Sends the encoded row at once; returns its size. */
  write(line: string, day: number, withTracePoints: boolean): number {
    const before = this.batch.bytes;
    this.batch.add(line, day, withTracePoints);
    this.body.write(line);
    return this.batch.bytes - before;
  }

  /** Closes the body; resolves when ClickHouse has committed the rows, rejects when the insert failed. */
  async end(): Promise<void> {
    this.body.end();
    await this.done;
  }
}
