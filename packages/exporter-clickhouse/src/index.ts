export {
  ClickHouseSpanExporter,
  type ClickHouseSpanExporterOptions,
  EXPORTER_DEFAULTS,
  type ExportResultLike,
} from './clickhouse-span-exporter.js';
export { assertIdentifier } from './identifier.js';
export { otelTracesRow } from './otel-traces-row.js';
export {
  OTEL_TRACES_COLUMNS,
  OTEL_TRACES_INSERT_COLUMNS,
  type OtelTracesTableOptions,
  otelTracesDDL,
} from './otel-traces-schema.js';
export { withTracingSuppressed } from './suppress-tracing.js';
