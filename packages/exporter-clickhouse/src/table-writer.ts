import { Readable } from 'node:stream';
import type { ClickHouseSettings } from '@clickhouse/client';
import { withTracingSuppressed } from '@tracepoint/core';
import type { Connection } from './clickhouse-connection.js';
import type { ExporterConfig } from './exporter-options.js';
import type { ExporterStats } from './exporter-stats.js';
import { classifyInsertError, toError } from './insert-error.js';
import { type InsertBody, type RowRange, rowCount, splitRanges } from './row-batch.js';
import { type TextRepairs, wellFormedValues } from './well-formed-text.js';

/** ClickHouse refuses one insert block that touches more partitions (max_partitions_per_insert_block). */
export const MAX_PARTITIONS_PER_INSERT = 100;

/** A table the exporter inserts into: its qualified name and insert column list. */
export interface InsertTarget {
  /** Short name for stats and logs. */
  readonly name: string;
  /** The INSERT statement without data. */
  readonly statement: string;
}

/** Insert formats: JSON lines (no types needed), or binary rows with a names-and-types header the server checks. */
export type InsertFormat = 'JSONCompactEachRow' | 'RowBinaryWithNamesAndTypes';

export function insertTarget(
  name: string,
  qualified: string,
  columns: readonly string[],
  format: InsertFormat = 'JSONCompactEachRow',
): InsertTarget {
  const list = columns.map((column) => `\`${column}\``).join(', ');
  return { name, statement: `INSERT INTO ${qualified} (${list}) FORMAT ${format}` };
}

/** One row as a JSONCompactEachRow line, valid UTF-8: lone surrogates become U+FFFD, counted in `repairs`. */
export function rowLine(row: unknown[], repairs: TextRepairs = { loneSurrogatesReplaced: 0 }): string {
  const line = JSON.stringify(row);
  // JSON.stringify writes a lone surrogate as a `\udXXX` escape: one scan finds the rare row to repair.
  return `${line.includes('\\ud') ? JSON.stringify(wellFormedValues(row, repairs)) : line}\n`;
}

export class ExportTimeoutError extends Error {
  constructor(millis: number, cause: Error) {
    super(`insert did not succeed within exportTimeoutMillis (${millis} ms): ${cause.message}`, { cause });
    this.name = 'ExportTimeoutError';
  }
}

/**
 * Reads an insert's response to its end so the socket can be reused. The
 * insert's outcome is already known when the response starts; an error while
 * reading the (empty) body changes nothing, and must not go unhandled.
 */
export function drainResponse(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    stream.once('end', resolve);
    stream.once('error', () => resolve());
    stream.once('close', resolve);
    stream.resume();
  });
}

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis).unref?.());

/**
 * Inserts batches with the exporter's reliability rules: one deduplication
 * token per batch (so a retry never duplicates), retries with exponential
 * backoff and equal jitter on transient failures, failover to the next URL,
 * batches split by partition, and a batch the server rejects for its content
 * split in halves until the bad rows are alone; they are counted and logged,
 * the good rows land.
 */
/**
 * The latest time any insert may still be retried at, shared by an exporter's
 * writers: Infinity until a shutdown with a spill sets it, so a batch that
 * cannot be delivered reaches the spill before the shutdown's own time limit
 * instead of retrying past it.
 */
export interface InsertDeadline {
  cap: number;
}

export class TableWriter {
  private badRowLogs = 0;

  constructor(
    private readonly connection: Connection,
    private readonly config: ExporterConfig,
    private readonly stats: ExporterStats,
    private readonly deadlineCap: InsertDeadline = { cap: Number.POSITIVE_INFINITY },
  ) {}

  /**
   * Writes the batch's rows (all of them, or those of `ranges`); resolves with
   * the indices of the rows rejected as bad. Rejects when retries run out.
   */
  async write(
    target: InsertTarget,
    batch: InsertBody,
    token: string,
    ranges: readonly RowRange[] = [{ from: 0, to: batch.rows }],
  ): Promise<number[]> {
    const deadline = Date.now() + this.config.exportTimeoutMillis;
    const rejected: number[] = [];
    for (const [index, group] of splitByPartition(batch, ranges).entries()) {
      await this.writeChecked(
        target,
        batch,
        group,
        index === 0 ? token : `${token}.p${index}`,
        deadline,
        rejected,
      );
    }
    return rejected;
  }

  private async writeChecked(
    target: InsertTarget,
    batch: InsertBody,
    ranges: RowRange[],
    token: string,
    deadline: number,
    rejected: number[],
  ): Promise<void> {
    try {
      await this.insertWithRetry(target, batch, ranges, token, deadline);
    } catch (error) {
      if (classifyInsertError(error) !== 'bad-data') throw error;
      const rows = rowCount(ranges);
      if (rows === 1) {
        const row = (ranges.find((range) => range.to > range.from) as RowRange).from;
        this.stats.rowsRejected++;
        rejected.push(row);
        this.logBadRow(target, batch.line(row), toError(error));
        return;
      }
      const [head, tail] = splitRanges(ranges, rows >> 1);
      // Derived tokens: each half is its own insert, and stays idempotent when retried.
      await this.writeChecked(target, batch, head, `${token}.a`, deadline, rejected);
      await this.writeChecked(target, batch, tail, `${token}.b`, deadline, rejected);
    }
  }

  private async insertWithRetry(
    target: InsertTarget,
    batch: InsertBody,
    ranges: readonly RowRange[],
    token: string,
    deadline: number,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.insertOnce(target, batch, ranges, token);
        this.stats.inserts++;
        return;
      } catch (error) {
        if (classifyInsertError(error) !== 'retry' || attempt >= this.config.maxRetries) throw error;
        const ceiling = Math.min(
          this.config.retryMaxDelayMillis,
          this.config.retryInitialDelayMillis * 2 ** attempt,
        );
        // Equal jitter: spread out, yet never near zero, so maxRetries buys a known minimum of waiting.
        const delay = ceiling / 2 + Math.random() * (ceiling / 2);
        if (Date.now() + delay >= Math.min(deadline, this.deadlineCap.cap))
          throw new ExportTimeoutError(this.config.exportTimeoutMillis, toError(error));
        this.stats.insertsRetried++;
        this.connection.failover();
        await sleep(delay);
      }
    }
  }

  private insertSettings(token: string): ClickHouseSettings {
    const settings: ClickHouseSettings = { insert_deduplication_token: token };
    if (this.config.asyncInsert) {
      settings.async_insert = 1;
      settings.wait_for_async_insert = 1;
      settings.async_insert_deduplicate = 1;
    }
    return settings;
  }

  private async insertOnce(
    target: InsertTarget,
    batch: InsertBody,
    ranges: readonly RowRange[],
    token: string,
  ): Promise<void> {
    const settings = this.insertSettings(token);
    // Each insert is built from the batch's bytes as they are: a retry sends the same body (same header, same
    // rows), which the deduplication token relies on.
    const body: Uint8Array[] = batch.header === undefined ? [] : [batch.header];
    for (const range of ranges) batch.body(range, body);
    await sendInsert(this.connection, target.statement, body, settings);
  }

  /**
   * One attempt to insert a complete body (spilled ones: the first with its
   * header, the rest without) under `statement` with its deduplication token; the
   * caller retries. Counted in `inserts` when it lands.
   */
  async insertPayload(statement: string, chunks: readonly Uint8Array[], token: string): Promise<void> {
    await sendInsert(this.connection, statement, chunks, this.insertSettings(token));
    this.stats.inserts++;
  }

  /** The connection's next URL, after a failed attempt. */
  failover(): void {
    this.connection.failover();
  }

  private logBadRow(target: InsertTarget, line: string, error: Error): void {
    // Each rejected row is logged once; past the first 20 only the counter grows.
    if (++this.badRowLogs > 20) return;
    const row = line.length > 300 ? `${line.slice(0, 300)}…` : line.trimEnd();
    this.config.logger.warn(
      `ClickHouse rejected one ${target.name} row (${error.message.split('\n')[0]}); the rest of its batch was written. Row: ${row}`,
      'rejected row',
    );
  }
}

/**
 * One insert of `body` (its chunks sent as they are) under `statement`, with
 * tracing suppressed, its response read to the end and the session's settings
 * reset: what every insert of the exporter, the spill's replay and
 * `tracepoint replay` sends.
 */
export async function sendInsert(
  connection: Connection,
  statement: string,
  body: readonly Uint8Array[],
  settings: ClickHouseSettings,
): Promise<void> {
  await withTracingSuppressed(async () => {
    const result = await connection.active().exec({
      query: statement,
      values: Readable.from(body, { objectMode: false }),
      clickhouse_settings: settings,
    });
    await drainResponse(result.stream);
    await resetSessionSettings(connection, settings);
  });
}

/**
 * The embedded engine keeps per-query settings in its session: a stale
 * deduplication token would silently drop someone else's next insert.
 */
export async function resetSessionSettings(
  connection: Connection,
  settings: ClickHouseSettings,
): Promise<void> {
  if (!connection.settingsPersist) return;
  const names = Object.keys(settings);
  if (names.length === 0) return;
  await connection.active().command({ query: `SET ${names.map((name) => `${name} = DEFAULT`).join(', ')}` });
}

/** The rows of `ranges` grouped so no group spans more than MAX_PARTITIONS_PER_INSERT days. */
function splitByPartition(batch: InsertBody, ranges: readonly RowRange[]): RowRange[][] {
  const distinct = new Set<number>();
  for (const range of ranges)
    for (let row = range.from; row < range.to; row++) distinct.add(batch.days[row] as number);
  if (distinct.size <= MAX_PARTITIONS_PER_INSERT) return [ranges.slice()];
  // Runs of consecutive rows of one day, gathered per day.
  const runs = new Map<number, RowRange[]>();
  for (const range of ranges) {
    for (let from = range.from; from < range.to; ) {
      const day = batch.days[from] as number;
      let to = from + 1;
      while (to < range.to && batch.days[to] === day) to++;
      const dayRuns = runs.get(day);
      if (dayRuns === undefined) runs.set(day, [{ from, to }]);
      else dayRuns.push({ from, to });
      from = to;
    }
  }
  const days = [...runs.keys()].sort((a, b) => a - b);
  const out: RowRange[][] = [];
  for (let i = 0; i < days.length; i += MAX_PARTITIONS_PER_INSERT) {
    out.push(days.slice(i, i + MAX_PARTITIONS_PER_INSERT).flatMap((day) => runs.get(day) as RowRange[]));
  }
  return out;
}
