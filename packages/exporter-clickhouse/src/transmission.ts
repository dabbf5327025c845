import type { SpanLike } from '@tracepoint/core';
import type { CountedWrites } from './counted-writes.js';
import type { ExporterConfig } from './exporter-options.js';
import type { ExporterStats } from './exporter-stats.js';
import type { ExporterTables } from './exporter-tables.js';
import type { SpanRowEncoder } from './span-row-encoder.js';
import type { SpillWrites } from './spill-writes.js';
import type { StartUp } from './start-up.js';

/** ExportResult as the SDK's exporters report it (0 SUCCESS, 1 FAILED), without importing @opentelemetry/core. */
export interface ExportResultLike {
  code: 0 | 1;
  error?: Error;
}

/**
 * How encoded rows travel to ClickHouse: `async` (queued, inserted in
 * batches), `sync` (each export awaits its insert) or `push` (a streaming
 * insert per table, rolled over periodically).
 */
export interface Transmission {
  /** Encodes one export's spans and takes their rows; resolves with the export's result. */
  send(spans: readonly SpanLike[]): Promise<ExportResultLike>;
  /** Queued modes: `send` done at once, for spans whose resources have settled. Throws when encoding does. */
  sendNow?(spans: readonly SpanLike[]): ExportResultLike;
  /** Hands every waiting row to its insert; resolves when those inserts are done. */
  flush(): Promise<void>;
  /** Stops the timers (after the last flush). */
  close(): void;
}

/** What every transmission works with; one per exporter. */
export interface TransmissionContext {
  readonly config: ExporterConfig;
  readonly stats: ExporterStats;
  readonly tables: ExporterTables;
  readonly encoder: SpanRowEncoder;
  readonly startUp: StartUp;
  readonly writes: CountedWrites;
  /** A fresh insert deduplication token. */
  nextToken(): string;
  /** Keeps the promise among the work that flush and shutdown wait for. */
  track<T>(promise: Promise<T>): Promise<T>;
  /** async mode with a spill directory: where batches that could not be inserted go. */
  readonly spill?: SpillWrites;
}

/** Lost rows are printed to stderr (default logger) once, whatever the count and cause; stats() counts them all. */
export const LOST_ROWS = 'lost rows';
