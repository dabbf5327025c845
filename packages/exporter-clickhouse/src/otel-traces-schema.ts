import { assertIdentifier } from './identifier.js';

/**
 * The OpenTelemetry-compatible span table: the columns the OpenTelemetry
 * Collector's ClickHouse exporter writes and Grafana's ClickHouse data source
 * reads. This list is the one definition; DDL, inserts and docs derive from it.
 */
export const OTEL_TRACES_COLUMNS = [
  { name: 'Timestamp', type: 'DateTime64(9)', codec: 'Delta(8), ZSTD(1)' },
  { name: 'TraceId', type: 'String', codec: 'ZSTD(1)' },
  { name: 'SpanId', type: 'String', codec: 'ZSTD(1)' },
  { name: 'ParentSpanId', type: 'String', codec: 'ZSTD(1)' },
  { name: 'TraceState', type: 'String', codec: 'ZSTD(1)' },
  { name: 'SpanName', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'SpanKind', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'ServiceName', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'ResourceAttributes', type: 'Map(LowCardinality(String), String)', codec: 'ZSTD(1)' },
  { name: 'ScopeName', type: 'String', codec: 'ZSTD(1)' },
  { name: 'ScopeVersion', type: 'String', codec: 'ZSTD(1)' },
  { name: 'SpanAttributes', type: 'Map(LowCardinality(String), String)', codec: 'ZSTD(1)' },
  { name: 'Duration', type: 'UInt64', codec: 'ZSTD(1)' },
  { name: 'StatusCode', type: 'LowCardinality(String)', codec: 'ZSTD(1)' },
  { name: 'StatusMessage', type: 'String', codec: 'ZSTD(1)' },
  {
    name: 'Events',
    type: 'Nested(Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String))',
    codec: 'ZSTD(1)',
    nested: ['Timestamp', 'Name', 'Attributes'],
  },
  {
    name: 'Links',
    type: 'Nested(TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String))',
    codec: 'ZSTD(1)',
    nested: ['TraceId', 'SpanId', 'TraceState', 'Attributes'],
  },
] as const;

/** Insert column names: Nested columns are written as their flattened `Parent.Child` arrays. */
export const OTEL_TRACES_INSERT_COLUMNS: readonly string[] = OTEL_TRACES_COLUMNS.flatMap((column) =>
  'nested' in column ? column.nested.map((child) => `${column.name}.${child}`) : [column.name],
);

export interface OtelTracesTableOptions {
  database: string;
  table: string;
  /** Days to keep spans; 0 keeps them forever. */
  ttlDays: number;
}

/** `CREATE TABLE IF NOT EXISTS` for the span table. */
export function otelTracesDDL(options: OtelTracesTableOptions): string {
  const database = assertIdentifier('database', options.database);
  const table = assertIdentifier('table', options.table);
  if (!Number.isInteger(options.ttlDays) || options.ttlDays < 0) {
    throw new RangeError(`ttlDays must be a whole number of days >= 0, got ${options.ttlDays}`);
  }
  const columns = OTEL_TRACES_COLUMNS.map((c) => `  \`${c.name}\` ${c.type} CODEC(${c.codec})`);
  const indexes = [
    '  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1',
    '  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    '  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    '  INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    '  INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1',
    '  INDEX idx_duration Duration TYPE minmax GRANULARITY 1',
  ];
  const ttl = options.ttlDays > 0 ? `\nTTL toDateTime(Timestamp) + toIntervalDay(${options.ttlDays})` : '';
  return `CREATE TABLE IF NOT EXISTS \`${database}\`.\`${table}\` (
${[...columns, ...indexes].join(',\n')}
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))${ttl}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1`;
}
