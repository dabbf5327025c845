// The one place the benchmarks reach into the exporter's row encoding: its SpanRowEncoder (the
// object every transmission mode of ClickHouseSpanExporter encodes through) writing into
// SpanRows (the per-table RowBatches an async flush or a sync export inserts), imported from the
// built package's ./internal subpath, so the benchmark measures the code the exporter runs.
import { attributesMapJson, SpanRowEncoder, SpanRows } from '@tracepoint/exporter-clickhouse/internal';

const bodySize = (batch) => {
  let size = 0;
  for (const chunk of batch.body({ from: 0, to: batch.rows })) size += chunk.length;
  return size;
};

/**
 * Both tables' rows for a stream of spans, as the exporter's queues build them: one
 * JSONCompactEachRow line per row with its day, turned into UTF-8 chunks as the batch grows. Every
 * `batchSpans` spans the insert bodies are built and the batches start again.
 */
export function spanBatchEncoder(batchSpans) {
  const encoder = new SpanRowEncoder();
  let rows = new SpanRows();
  let spans = 0;
  let bodyBytes = 0;
  const flush = () => {
    bodyBytes += bodySize(rows.spans);
    if (rows.points.rows > 0) bodyBytes += bodySize(rows.points);
    rows = new SpanRows();
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

/** Bytes of JSON per span for each table, and of the resource map every otel_traces row repeats. */
export function rowShape(spans, mapSpan) {
  const rows = new SpanRows();
  new SpanRowEncoder({ mapSpan }).encode(spans, rows);
  return {
    otelTracesBytesPerSpan: rows.spans.bytes / spans.length,
    tracePointSpansBytesPerSpan: rows.points.bytes / spans.length,
    resourceMapBytes: attributesMapJson(spans[0].resource.attributes).length,
  };
}
