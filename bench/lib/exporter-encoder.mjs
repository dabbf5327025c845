// The one place the benchmarks reach into the exporter's row encoding. Everything here is the
// exporter's own code, imported from its built package (OtelTracesLineEncoder for otel_traces,
// tracePointSpanRow + rowLine for trace_points_spans, RowBatch for the insert body), so the
// benchmark measures what the exporter ships. When the exporter exports its encoder as one
// object, this file is the one to change.
import {
  attributesMapJson,
  OtelTracesLineEncoder,
  RowBatch,
  rowLine,
  tracePointSpanRow,
} from '@tracepoint/exporter-clickhouse';

// The exporter files a row under the UTC day its span started (ClickHouseSpanExporter.encode):
// the one step of its encoding that it does not export yet.
const SECONDS_PER_DAY = 86_400;
const dayOf = (span) => Math.floor(span.startTime[0] / SECONDS_PER_DAY);

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
  const traceLines = new OtelTracesLineEncoder();
  let traces = new RowBatch();
  let points = new RowBatch();
  let spans = 0;
  let bodyBytes = 0;
  const flush = () => {
    bodyBytes += bodySize(traces);
    if (points.rows > 0) bodyBytes += bodySize(points);
    traces = new RowBatch();
    points = new RowBatch();
    spans = 0;
  };
  return {
    /** Encodes one span with its trace points (what a span mapper returned for it). */
    add(span, tracePoints) {
      const day = dayOf(span);
      traces.append(traceLines.line(span), day);
      const pointRow = tracePointSpanRow(span, tracePoints);
      if (pointRow !== undefined) points.append(rowLine(pointRow), day);
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
  const traceLines = new OtelTracesLineEncoder();
  let traces = 0;
  let points = 0;
  for (const span of spans) {
    traces += traceLines.line(span).length;
    const row = tracePointSpanRow(span, mapSpan(span));
    if (row !== undefined) points += rowLine(row).length;
  }
  return {
    otelTracesBytesPerSpan: traces / spans.length,
    tracePointSpansBytesPerSpan: points / spans.length,
    resourceMapBytes: attributesMapJson(spans[0].resource.attributes).length,
  };
}
