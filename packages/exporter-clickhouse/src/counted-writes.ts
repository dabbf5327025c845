import type { ExporterStats } from './exporter-stats.js';
import type { ExporterTables } from './exporter-tables.js';
import { type InsertBody, type RowRange, rowCount } from './row-batch.js';
import { BinarySpanRows, SpanRows } from './span-rows.js';
import type { InsertTarget, TableWriter } from './table-writer.js';
import { withoutTracePointFields } from './trace-point-fields.js';

/** Inserts of rows through a TableWriter, kept in the exporter's counters. */
export class CountedWrites {
  constructor(
    private readonly tables: ExporterTables,
    private readonly stats: ExporterStats,
  ) {}

  /**
   * Writes one batch of a table (or the rows of `ranges`) and keeps the
   * counters; resolves with the rows rejected as bad, rejects when it finally
   * failed. Span rows that carry trace-point fields lose them on the way to a
   * span table without the columns.
   */
  async write(
    writer: TableWriter,
    requested: InsertTarget,
    batch: InsertBody,
    token: string,
    ranges: readonly RowRange[] = [{ from: 0, to: batch.rows }],
  ): Promise<number[]> {
    const rows = rowCount(ranges);
    if (rows === 0) return [];
    // Binary rows were encoded for the table start-up described: they go to that insert target.
    const table = batch instanceof BinarySpanRows ? batch.target : requested;
    const spans = this.isSpanTable(table);
    const body =
      table === this.tables.spansWithoutTracePoints &&
      table !== this.tables.spans &&
      batch instanceof SpanRows &&
      batch.tracePointRows > 0
        ? withoutTracePointFields(batch, this.stats)
        : batch;
    try {
      const rejected = await writer.write(table, body, token, ranges);
      this.recordWritten(table, rows - rejected.length);
      return rejected;
    } catch (error) {
      if (spans) this.stats.spansFailed += rows;
      throw error;
    }
  }

  /** Counts rows that landed (a push stream's rows are counted when it ends). */
  recordWritten(table: InsertTarget, rows: number): void {
    const written = this.stats.rowsWritten;
    written[table.name] = (written[table.name] ?? 0) + rows;
    if (this.isSpanTable(table)) this.stats.spansExported += rows;
  }

  private isSpanTable(table: InsertTarget): boolean {
    return table.name === this.tables.spans.name;
  }
}
