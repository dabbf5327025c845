import { metrics } from '@opentelemetry/api';
import type { SpillStats } from './spill-directory.js';

/** Counters since the exporter started. */
export interface ExporterStats {
  /** Spans whose rows reached ClickHouse. */
  spansExported: number;
  /** Spans refused before sending: queue full, exporter shut down. */
  spansDropped: number;
  /** Spans whose insert failed for good (retries exhausted, or a schema error). */
  spansFailed: number;
  /** Rows the server rejected on their own after their batch was split; the rest of the batch landed. */
  rowsRejected: number;
  /** Insert attempts that were retried. */
  insertsRetried: number;
  /** Inserts that succeeded. */
  inserts: number;
  /**
   * Lone surrogates (a string cut inside a surrogate pair) written as U+FFFD,
   * per occurrence in each table's row: they have no UTF-8 form.
   */
  loneSurrogatesReplaced: number;
  /** Rows written, per table. */
  rowsWritten: Record<string, number>;
  /** The spill's counters (spilled, replayed, dropped for budget, corrupted, waiting), when a spill directory is in use. */
  spill?: SpillStats;
}

export function emptyStats(): ExporterStats {
  return {
    spansExported: 0,
    spansDropped: 0,
    spansFailed: 0,
    rowsRejected: 0,
    insertsRetried: 0,
    inserts: 0,
    loneSurrogatesReplaced: 0,
    rowsWritten: {},
  };
}

const COUNTERS: ReadonlyArray<[keyof Omit<ExporterStats, 'rowsWritten' | 'spill'>, string, string]> = [
  ['spansExported', 'tracepoint.exporter.spans.exported', 'Spans written to ClickHouse'],
  [
    'spansDropped',
    'tracepoint.exporter.spans.dropped',
    'Spans dropped before sending (queue full, shut down)',
  ],
  ['spansFailed', 'tracepoint.exporter.spans.failed', 'Spans whose insert failed for good'],
  [
    'rowsRejected',
    'tracepoint.exporter.rows.rejected',
    'Rows rejected by ClickHouse, isolated from their batch',
  ],
  ['insertsRetried', 'tracepoint.exporter.inserts.retried', 'Insert attempts retried'],
  ['inserts', 'tracepoint.exporter.inserts', 'Successful inserts'],
  [
    'loneSurrogatesReplaced',
    'tracepoint.exporter.lone_surrogates.replaced',
    'Lone surrogates in span text written as U+FFFD',
  ],
];

/**
 * Publishes the counters through the OpenTelemetry metrics API as observable
 * counters (a no-op until the application registers a MeterProvider).
 */
export function observeStats(stats: ExporterStats, attributes: Record<string, string>): void {
  const meter = metrics.getMeter('@tracepoint/exporter-clickhouse');
  for (const [key, name, description] of COUNTERS) {
    meter
      .createObservableCounter(name, { description, unit: '{item}' })
      .addCallback((result) => result.observe(stats[key], attributes));
  }
}
