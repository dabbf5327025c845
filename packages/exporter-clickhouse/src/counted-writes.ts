import type { ExporterStats } from './exporter-stats.js';
import type { ExporterTables } from './exporter-tables.js';
import { type RowBatch, type RowRange, rowCount } from './row-batch.js';
import type { SpanRows } from './span-rows.js';
import type { InsertTarget, TableWriter } from './table-writer.js';

/** Inserts of span rows through a TableWriter, kept in the exporter's counters. */
export class CountedWrites {
  constructor(
    private readonly tables: ExporterTables,
    private readonly stats: ExporterStats,
  ) {}

  /**
   * Writes the span table's rows, then the trace-point rows of the spans that
   * landed: a span the server refuses has no trace points either, and when
   * the span table's insert fails for good its trace points are not written.
   * `withPoints` false: the trace-point table cannot be written.
   */
  async writeBoth(writer: TableWriter, rows: SpanRows, token: string, withPoints = true): Promise<void> {
    const rejected = await this.write(writer, this.tables.spans, rows.spans, token);
    rows.spansWritten = true;
    const points = this.tables.points;
    if (points === undefined || !withPoints || rows.points.rows === 0) return;
    await this.write(writer, points, rows.points, `${token}-points`, rows.pointsOfLandedSpans(rejected));
  }

  /**
   * Writes one batch of a table (or the rows of `ranges`) and keeps the
   * counters; resolves with the rows rejected as bad, rejects when it finally failed.
   */
  async write(
    writer: TableWriter,
    table: InsertTarget,
    batch: RowBatch,
    token: string,
    ranges: readonly RowRange[] = [{ from: 0, to: batch.rows }],
  ): Promise<number[]> {
    const rows = rowCount(ranges);
    if (rows === 0) return [];
    try {
      const rejected = await writer.write(table, batch, token, ranges);
      this.recordWritten(table, rows - rejected.length);
      return rejected;
    } catch (error) {
      if (table === this.tables.spans) this.stats.spansFailed += rows;
      throw error;
    }
  }

  /** Counts rows that landed (a push stream's rows are counted when it ends). */
  recordWritten(table: InsertTarget, rows: number): void {
    const written = this.stats.rowsWritten;
    written[table.name] = (written[table.name] ?? 0) + rows;
    if (table === this.tables.spans) this.stats.spansExported += rows;
  }
}
