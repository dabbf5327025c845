export { type Connection, EmbeddedEngineUnavailableError, openConnection } from './clickhouse-connection.js';
export { ClickHouseSpanExporter } from './clickhouse-span-exporter.js';
export { DEDUPLICATION_WINDOW, tablesWithoutWindow } from './deduplication-window.js';
export {
  type ClickHouseSpanExporterOptions,
  type ClickHouseTlsOptions,
  DEFAULT_EMBEDDED_PATH,
  ENVIRONMENT_VARIABLES,
  EXPORTER_DEFAULTS,
  type ExporterConfig,
  resolveExporterConfig,
  type TransmissionMode,
} from './exporter-options.js';
export type { ExporterStats } from './exporter-stats.js';
export {
  ExportingSpanProcessor,
  type ExportingStats,
  MAX_PENDING_SPANS,
  type SpanExporterLike,
} from './exporting-span-processor.js';
export { assertIdentifier } from './identifier.js';
export { classifyInsertError, type InsertFailureKind } from './insert-error.js';
export { attributesMapJson, OtelTracesLineEncoder } from './otel-traces-row.js';
export {
  OTEL_TRACES_COLUMNS,
  OTEL_TRACES_INSERT_COLUMNS,
  otelTracesStatements,
  TRACE_ID_TS_COLUMNS,
  TRACE_ID_TS_MV_SUFFIX,
  TRACE_ID_TS_SUFFIX,
} from './otel-traces-schema.js';
export { ROW_CHUNK_CHARS, RowBatch, type RowRange, rowCount, splitRanges } from './row-batch.js';
export {
  expectedTables,
  MIGRATIONS_TABLE,
  type Migration,
  prepareSchema,
  SchemaMismatchError,
  type SchemaOptions,
  type SchemaReport,
  schemaMigrations,
  schemaStatements,
  serverVersion,
  type TableWriterRole,
  verifySchema,
} from './schema-manager.js';
export { MIN_CLICKHOUSE_VERSION, UnsupportedServerVersionError, versionAtLeast } from './server-version.js';
export { SpanRowEncoder, type SpanRowEncoderOptions } from './span-row-encoder.js';
export { type SpanRowSink, SpanRows } from './span-rows.js';
export { type ColumnSpec, LOCAL_TABLE_SUFFIX, type SchemaTarget } from './table-ddl.js';
export { MAX_PARTITIONS_PER_INSERT, rowLine } from './table-writer.js';
export { tracePointSpanRow } from './trace-point-row.js';
export { sketchQuantileSql, statsEndpointsSql, statsServiceGraphSql } from './trace-point-stats-queries.js';
export {
  STATS_INDEX_GRANULARITY,
  TRACE_POINT_STATS_COLUMNS,
  TRACE_POINT_STATS_INSERT_COLUMNS,
  type TracePointStatsRecord,
  tracePointStatsRow,
  tracePointStatsStatements,
} from './trace-point-stats-schema.js';
export {
  TRACE_POINT_SPANS_COLUMNS,
  TRACE_POINT_SPANS_INSERT_COLUMNS,
  TRACE_POINT_SPANS_SUFFIX,
  TRACE_POINTS_COLUMNS,
  tracePointsStatements,
} from './trace-points-schema.js';
export type { ExportResultLike } from './transmission.js';
