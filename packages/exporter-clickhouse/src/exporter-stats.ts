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

/** The spill's instruments: counters of what it did, gauges of what waits. */
const SPILL_INSTRUMENTS: ReadonlyArray<{
  kind: 'counter' | 'gauge';
  name: string;
  description: string;
  unit: string;
  value: (spill: SpillStats) => number;
}> = [
  {
    kind: 'counter',
    name: 'tracepoint.exporter.spill.rows',
    description: 'Span rows written to the spill directory',
    unit: '{row}',
    value: (spill) => spill.spilledRows,
  },
  {
    kind: 'counter',
    name: 'tracepoint.exporter.spill.bytes',
    description: 'Bytes written to the spill directory',
    unit: 'By',
    value: (spill) => spill.spilledBytes,
  },
  {
    kind: 'counter',
    name: 'tracepoint.exporter.spill.replayed.rows',
    description: 'Spilled span rows replayed into ClickHouse',
    unit: '{row}',
    value: (spill) => spill.replayedRows,
  },
  {
    kind: 'counter',
    name: 'tracepoint.exporter.spill.dropped.rows',
    description: 'Spilled span rows dropped for the spill budget',
    unit: '{row}',
    value: (spill) => spill.droppedRows,
  },
  {
    kind: 'counter',
    name: 'tracepoint.exporter.spill.failed.rows',
    description: 'Span rows the spill could not write (a full disk) and lost',
    unit: '{row}',
    value: (spill) => spill.failedRows,
  },
  {
    kind: 'counter',
    name: 'tracepoint.exporter.spill.corrupted',
    description: 'Spilled records skipped for a checksum that did not match',
    unit: '{record}',
    value: (spill) => spill.corruptedRecords,
  },
  {
    kind: 'gauge',
    name: 'tracepoint.exporter.spill.pending',
    description: 'Bytes waiting in the spill directory',
    unit: 'By',
    value: (spill) => spill.pendingBytes,
  },
  {
    kind: 'gauge',
    name: 'tracepoint.exporter.spill.oldest_age',
    description: 'Age of the oldest segment waiting in the spill directory',
    unit: 'ms',
    value: (spill) => (spill.oldestSpilledAt === undefined ? 0 : Date.now() - spill.oldestSpilledAt),
  },
];

/**
 * Publishes the counters through the OpenTelemetry metrics API as observable
 * counters (and the spill's waiting bytes and oldest age as gauges). The
 * metrics API has no proxy provider: instruments made before the app
 * registers its MeterProvider stay no-ops for good, and NodeSDK (the add-on)
 * registers its provider after the exporter is built. So `follow()` checks,
 * at each export, whether the global provider changed and registers the
 * instruments on the new one (one global read per export call).
 */
export class StatsObserver {
  private provider: unknown;

  constructor(
    private readonly read: () => ExporterStats,
    private readonly attributes: Record<string, string>,
  ) {
    this.follow();
  }

  follow(): void {
    const provider = metrics.getMeterProvider();
    if (provider === this.provider) return;
    this.provider = provider;
    const meter = provider.getMeter('@tracepoint/exporter-clickhouse');
    const attributes = this.attributes;
    for (const [key, name, description] of COUNTERS) {
      meter
        .createObservableCounter(name, { description, unit: '{item}' })
        .addCallback((result) => result.observe(this.read()[key], attributes));
    }
    for (const { kind, name, description, unit, value } of SPILL_INSTRUMENTS) {
      const options = { description, unit };
      const instrument =
        kind === 'counter'
          ? meter.createObservableCounter(name, options)
          : meter.createObservableGauge(name, options);
      instrument.addCallback((result) => {
        const spill = this.read().spill;
        if (spill !== undefined) result.observe(value(spill), attributes);
      });
    }
  }
}
