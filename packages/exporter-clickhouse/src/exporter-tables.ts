import type { ExporterConfig } from './exporter-options.js';
import { OTEL_TRACES_INSERT_COLUMNS } from './otel-traces-schema.js';
import { qualifiedName } from './table-ddl.js';
import { type InsertTarget, insertTarget } from './table-writer.js';
import { TRACE_POINT_STATS_INSERT_COLUMNS } from './trace-point-stats-schema.js';
import { TRACE_POINT_SPANS_INSERT_COLUMNS, TRACE_POINT_SPANS_SUFFIX } from './trace-points-schema.js';

/** The tables one exporter inserts into, by what they hold. */
export interface ExporterTables {
  /** `otel_traces`: its rows count as exported spans. */
  readonly spans: InsertTarget;
  /** `<trace_points>_spans`; undefined with tracePoints: false. */
  readonly points: InsertTarget | undefined;
  /** `trace_point_stats` (writeStats). */
  readonly stats: InsertTarget;
}

function target(config: ExporterConfig, table: string, columns: readonly string[]): InsertTarget {
  return insertTarget(table, qualifiedName(config.database, table), columns);
}

export function exporterTables(config: ExporterConfig): ExporterTables {
  const pointsTable = `${config.tracePointsTable}${TRACE_POINT_SPANS_SUFFIX}`;
  return {
    spans: target(config, config.tracesTable, OTEL_TRACES_INSERT_COLUMNS),
    points: config.tracePoints ? target(config, pointsTable, TRACE_POINT_SPANS_INSERT_COLUMNS) : undefined,
    stats: target(config, config.statsTable, TRACE_POINT_STATS_INSERT_COLUMNS),
  };
}
