// The public surface. What only tests and benchmarks need is in ./internal.ts
// (`@tracepoint/exporter-clickhouse/internal`), which may change in any release.
export { EmbeddedEngineUnavailableError } from './clickhouse-connection.js';
export { ClickHouseSpanExporter } from './clickhouse-span-exporter.js';
export { DEDUPLICATION_WINDOW } from './deduplication-window.js';
export {
  type ClickHouseSpanExporterOptions,
  type ClickHouseTlsOptions,
  DEFAULT_EMBEDDED_PATH,
  DEFAULT_STORE_PATH,
  ENVIRONMENT_VARIABLES,
  EXPORTER_DEFAULTS,
  type TransmissionMode,
} from './exporter-options.js';
export type { ExporterStats } from './exporter-stats.js';
export {
  ExportingSpanProcessor,
  type ExportingStats,
  HAND_OFF_DELAY_MILLIS,
  HAND_OFF_SPANS,
  MAX_PENDING_SPANS,
  type SpanExporterLike,
} from './exporting-span-processor.js';
export { OTEL_TRACES_COLUMNS, TRACE_ID_TS_COLUMNS, TRACE_POINT_COLUMNS } from './otel-traces-schema.js';
export { SchemaMismatchError, type SchemaOptions, schemaStatements } from './schema-manager.js';
export { MIN_CLICKHOUSE_VERSION, UnsupportedServerVersionError } from './server-version.js';
export { sketchQuantileSql, statsEndpointsSql, statsServiceGraphSql } from './trace-point-stats-queries.js';
export {
  STATS_INDEX_GRANULARITY,
  TRACE_POINT_STATS_COLUMNS,
  type TracePointStatsRecord,
} from './trace-point-stats-schema.js';
export { TRACE_POINTS_COLUMNS } from './trace-points-schema.js';
export type { ExportResultLike } from './transmission.js';
