import type { ExporterConfig } from './exporter-options.js';
import { OTEL_TRACES_INSERT_COLUMNS, TRACE_POINT_INSERT_COLUMNS } from './otel-traces-schema.js';
import { qualifiedName } from './table-ddl.js';
import { type InsertTarget, insertTarget } from './table-writer.js';
import { TRACE_POINT_STATS_INSERT_COLUMNS } from './trace-point-stats-schema.js';

/** The tables one exporter inserts into, by what they hold. */
export interface ExporterTables {
  /** `otel_traces` with the trace-point columns (without them when tracePoints is false): its rows count as exported spans. */
  readonly spans: InsertTarget;
  /** `otel_traces` without the trace-point columns, for a span table that lacks them; `spans` when tracePoints is false. */
  readonly spansWithoutTracePoints: InsertTarget;
  /** `trace_point_stats` (writeStats). */
  readonly stats: InsertTarget;
}

function target(config: ExporterConfig, table: string, columns: readonly string[]): InsertTarget {
  return insertTarget(table, qualifiedName(config.database, table), columns);
}

export function exporterTables(config: ExporterConfig): ExporterTables {
  const plain = target(config, config.tracesTable, OTEL_TRACES_INSERT_COLUMNS);
  return {
    spans: config.tracePoints
      ? target(config, config.tracesTable, [...OTEL_TRACES_INSERT_COLUMNS, ...TRACE_POINT_INSERT_COLUMNS])
      : plain,
    spansWithoutTracePoints: plain,
    stats: target(config, config.statsTable, TRACE_POINT_STATS_INSERT_COLUMNS),
  };
}
