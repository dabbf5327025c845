// The one place the benchmarks reach into the exporter's row encoding: its SpanRowEncoder (the
// object every transmission mode of ClickHouseSpanExporter encodes through) writing into
// SpanRows (the otel_traces RowBatch an async flush or a sync export inserts), imported from the
// built package's ./internal subpath, so the benchmark measures the code the exporter runs.
import {
  attributesMapJson,
  declaredColumnTypes,
  insertTarget,
  OTEL_TRACES_INSERT_COLUMNS,
  SpanRowEncoder,
  SpanRows,
  TRACE_POINT_INSERT_COLUMNS,
} from '@tracepoint/exporter-clickhouse/internal';

/**
 * An encoder as the exporter's sync and async modes use it after start-up: RowBinaryWithNamesAndTypes
 * rows in the span table's types (here the package's own DDL types, which is what a table it created
 * reports); `json` is the JSONCompactEachRow path (push mode, rows encoded before start-up, fallback).
 */
export function exporterSpanEncoder(format = 'binary', options = {}) {
  const encoder = new SpanRowEncoder(options);
  if (format === 'binary') {
    const columns = [...OTEL_TRACES_INSERT_COLUMNS, ...TRACE_POINT_INSERT_COLUMNS];
    const target = insertTarget('otel_traces', 'otel_traces', columns, 'RowBinaryWithNamesAndTypes');
    encoder.useBinary(target, columns, declaredColumnTypes());
  }
  return encoder;
}

const bodySize = (batch) => {
  let size = 0;
  for (const chunk of batch.body({ from: 0, to: batch.rows })) size += chunk.length;
  return size;
};

/**
 * The otel_traces rows for a stream of spans, as the exporter's queues build them: one RowBinary row
 * (or with `format` 'json' one JSONCompactEachRow line) per span, its trace points in the
 * trace-point columns, with its day. Every `batchSpans` spans the insert body is built
 * and the batch starts again.
 */
export function spanBatchEncoder(batchSpans, format = 'binary') {
  const encoder = exporterSpanEncoder(format);
  let rows = encoder.newRows();
  let spans = 0;
  let bodyBytes = 0;
  const flush = () => {
    bodyBytes += bodySize(rows);
    rows = encoder.newRows();
    spans = 0;
  };
  return {
    /** Encodes one span with its trace points (what a span mapper returned for it). */
    add(span, tracePoints) {
      encoder.encodeSpan(span, tracePoints, rows);
      if (++spans === batchSpans) flush();
    },
    /** Builds the bodies of what is left; returns the body bytes since the last end(). */
    end() {
      if (spans > 0) flush();
      const bytes = bodyBytes;
      bodyBytes = 0;
      return bytes;
    },
  };
}

/**
 * Bytes of JSON per span of an otel_traces row, with the trace-point columns and without them (what
 * the six columns add), and of the resource map every row repeats.
 */
export function rowShape(spans, mapSpan) {
  const bytesPerSpan = (options) => {
    const rows = new SpanRows();
    new SpanRowEncoder(options).encode(spans, rows);
    return rows.bytes / spans.length;
  };
  const otelTracesBytesPerSpan = bytesPerSpan({ mapSpan });
  const withoutTracePoints = bytesPerSpan({});
  return {
    otelTracesBytesPerSpan,
    tracePointFieldsBytesPerSpan: otelTracesBytesPerSpan - withoutTracePoints,
    resourceMapBytes: attributesMapJson(spans[0].resource.attributes).length,
  };
}
