// `@tracepoint/exporter-clickhouse/internal`: the parts the exporter's tests and the benchmarks
// reach into (row encoding, batches, schema steps, insert classification), and the config and
// connection helpers that @tracepoint/node's dashboard command shares. Not a stable API: any
// name here may change or go in any release. Users import from `@tracepoint/exporter-clickhouse`.
export { type Connection, openConnection, type StoreModule, storeModule } from './clickhouse-connection.js';
export { type ColumnType, columnTypeText, parseColumnType } from './column-type.js';
export { declaredColumnTypes } from './declared-column-types.js';
export { tablesWithoutWindow } from './deduplication-window.js';
export {
  compressesRequests,
  DEFAULT_STORE_PATH,
  type ExporterConfig,
  isLoopbackUrl,
  resolveExporterConfig,
} from './exporter-options.js';
export { emptyStats } from './exporter-stats.js';
export { assertIdentifier } from './identifier.js';
export { classifyInsertError, type InsertFailureKind } from './insert-error.js';
export {
  legacyTracePointsSelect,
  TRACE_POINT_SPANS_COLUMNS,
  TRACE_POINT_SPANS_SUFFIX,
} from './legacy-trace-point-spans.js';
export { OtelTracesBinaryEncoder, UnsupportedColumnTypeError } from './otel-traces-binary.js';
export { attributesMapJson, OtelTracesLineEncoder } from './otel-traces-row.js';
export {
  OTEL_TRACES_INSERT_COLUMNS,
  otelTracesStatements,
  TRACE_ID_TS_MV_SUFFIX,
  TRACE_ID_TS_SUFFIX,
  TRACE_POINT_INSERT_COLUMNS,
  TRACE_POINTS_CALL,
  TRACE_POINTS_EXCEPTIONS,
  TRACE_POINTS_NONE,
  tracePointColumnsStatements,
} from './otel-traces-schema.js';
export { REPEATED_BYTES_ENTRIES, REPEATED_BYTES_MAX_LENGTH } from './repeated-bytes.js';
export {
  BinaryRowBatch,
  type InsertBody,
  ROW_CHUNK_CHARS,
  RowBatch,
  type RowRange,
  rowCount,
  splitRanges,
} from './row-batch.js';
export { RowBinaryWriter } from './row-binary-writer.js';
export {
  describeColumns,
  expectedTables,
  LEGACY_TRACE_POINTS_MIGRATION,
  MIGRATIONS_TABLE,
  type Migration,
  prepareSchema,
  type SchemaReport,
  schemaMigrations,
  serverVersion,
  type TableWriterRole,
  TRACE_POINT_COLUMNS_MIGRATION,
  verifySchema,
} from './schema-manager.js';
export { versionAtLeast } from './server-version.js';
export { SpanRowEncoder, type SpanRowEncoderOptions } from './span-row-encoder.js';
export { type AnySpanRows, BinarySpanRows, type SpanRowSink, SpanRows } from './span-rows.js';
// The durable spill's parts (issue 21), not yet wired into the exporter's transmission.
export {
  type PendingSpillRecord,
  SPILL_DEFAULTS,
  SpillDirectory,
  type SpillOptions,
  type SpillStats,
  type SpillWhenFull,
} from './spill-directory.js';
export { lockSpillDirectory, SPILL_LOCK_FILE, SpillLockedError } from './spill-lock.js';
export {
  encodeSpillRecord,
  readSpillSegment,
  SPILL_RECORD_HEADER_BYTES,
  SPILL_RECORD_MAGIC,
  type SpillRecord,
} from './spill-record.js';
export { schemaOptionsOf } from './start-up.js';
export { type ColumnSpec, LOCAL_TABLE_SUFFIX, type SchemaTarget } from './table-ddl.js';
export {
  type InsertFormat,
  insertTarget,
  MAX_PARTITIONS_PER_INSERT,
  rowLine,
  sendInsert,
} from './table-writer.js';
export {
  NO_TRACE_POINTS,
  type TracePointFields,
  tracePointFields,
  withoutTracePointFields,
} from './trace-point-fields.js';
export {
  TRACE_POINT_STATS_INSERT_COLUMNS,
  tracePointStatsRow,
  tracePointStatsStatements,
} from './trace-point-stats-schema.js';
export { tracePointsStatements } from './trace-points-schema.js';
