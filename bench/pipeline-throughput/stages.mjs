// The stages of the pipeline benchmark. Each pass() runs once over the spans and returns a number
// (points, keys, bytes), which is kept so no work can be optimized away. Every stage has its own
// processor instances, so one stage's state (cleaner path guard, aggregator keys) never does
// another's work.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { SpillDirectory } from '@tracepoint/exporter-clickhouse/internal';
import { AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import { createSpanMapper, forgetSpanMapping, mapSpan } from '@tracepoint/semantic-mapping';
import { exporterSpanEncoder, spanBatchEncoder } from '../lib/exporter-encoder.mjs';

/** Spans per spilled insert body: what the exporter's 2 s flush interval gathers at 1,500 spans/s. */
export const SPILL_BATCH_SPANS = 3_000;

const noopSink = { writeStats: async () => 0 };
const quietLogger = { warn: () => {} };
const ignoreSpans = { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} };

// Long interval: nothing is flushed mid-run; the same interval's keys are hit again every pass.
const aggregatorOf = () =>
  new AggregatorSpanProcessor({ sink: noopSink, intervalMillis: 3_600_000, logger: quietLogger });
const cleanerOf = (onEnd) =>
  new CleanerSpanProcessor({ logger: quietLogger, next: { ...ignoreSpans, onEnd } });

/** The stages over `spans`, OTLP serializers on batches of `batch` spans. */
export function makeStages(spans, batch) {
  const batches = [];
  for (let i = 0; i < spans.length; i += batch) batches.push(spans.slice(i, i + batch));

  // Row encoding alone: points are mapped up front, so this stage is the encoding only. mapSpan
  // (not a createSpanMapper mapper) leaves nothing on the spans, so no later stage reuses it.
  const premapped = spans.map((span) => mapSpan(span));

  let cleaned = 0;
  const cleaner = cleanerOf(() => {
    cleaned++;
  });
  const aggregator = aggregatorOf();
  const encoder = spanBatchEncoder(batch);

  // The stages chained by hand, per span: the cleaner's copy goes to the aggregator, then to the
  // exporter's encoding, whose mapper (same default options) reads the points the aggregator's
  // mapper left on the span. What the add-on runs around them (the SDK's calls, the caller
  // processor, in-place cleaning in onEnding, the hand-off, gzip, HTTP) is stage (h), as-wired.mjs.
  const pipelineAggregator = aggregatorOf();
  const pipelineMap = createSpanMapper();
  const pipelineEncoder = spanBatchEncoder(batch);
  const pipelineCleaner = cleanerOf((copy) => {
    pipelineAggregator.onEnd(copy);
    pipelineEncoder.add(copy, pipelineMap(copy));
  });

  // The spill's write path (issue 21): the RowBinary insert bodies the exporter would have sent, built
  // once, appended to a spill directory (CRC32C, writev) and fsync'ed, as an exporter in an outage
  // does per batch. Each pass starts a fresh directory, removed after it, so the disk stays bounded.
  const spillEncoder = exporterSpanEncoder('binary');
  const spillBodies = [];
  for (let from = 0; from < spans.length; from += SPILL_BATCH_SPANS) {
    const rows = spillEncoder.newRows();
    for (let i = from; i < Math.min(from + SPILL_BATCH_SPANS, spans.length); i++)
      spillEncoder.encodeSpan(spans[i], premapped[i], rows);
    const parts = [rows.header, ...rows.body({ from: 0, to: rows.rows })];
    spillBodies.push({ rows: rows.rows, payload: Buffer.concat(parts) });
    spillEncoder.release(rows);
  }
  const spillRoot = mkdtempSync(join(tmpdir(), 'bench-spill-'));
  let spillPasses = 0;

  const serialized = (serializer) => () => {
    let bytes = 0;
    for (const one of batches) bytes += serializer.serializeRequest(one).length;
    return bytes;
  };
  const stages = [
    {
      id: 'mapping',
      label: '(a) mapSpan (trace points)',
      pass() {
        let points = 0;
        for (let i = 0; i < spans.length; i++) points += mapSpan(spans[i]).length;
        return points;
      },
    },
    {
      id: 'cleaner',
      label: '(b) cleaner (copy mode)',
      pass() {
        for (let i = 0; i < spans.length; i++) cleaner.onEnd(spans[i]);
        return cleaned;
      },
    },
    {
      id: 'aggregator',
      label: '(c) aggregator (onEnd)',
      pass() {
        // The aggregator's mapper keeps its points on the span for the exporter; the same span
        // objects come back every pass, so they are forgotten to measure the mapping each time.
        for (let i = 0; i < spans.length; i++) {
          forgetSpanMapping(spans[i]);
          aggregator.onEnd(spans[i]);
        }
        return aggregator.heldKeys;
      },
    },
    {
      id: 'encoding',
      label: '(d) row encoding (otel_traces with its trace-point columns, RowBinaryWithNamesAndTypes body)',
      bytes: true,
      pass() {
        for (let i = 0; i < spans.length; i++) encoder.add(spans[i], premapped[i]);
        return encoder.end();
      },
    },
    {
      id: 'pipeline',
      bytes: true,
      label: '(e) chained stages (no SDK, no hand-off, no I/O): cleaner copy → aggregator → mapping → rows',
      pass() {
        for (let i = 0; i < spans.length; i++) pipelineCleaner.onEnd(spans[i]);
        return pipelineEncoder.end();
      },
    },
    {
      id: 'spill',
      async: true,
      bytes: true,
      label: `(i) spill write: RowBinary insert bodies of ${SPILL_BATCH_SPANS.toLocaleString('en-US')} spans appended to a spill directory (CRC32C, writev) and fsync'ed, one per body`,
      async pass() {
        const dir = join(spillRoot, String(spillPasses++));
        const spill = SpillDirectory.open({ dir });
        let written = 0;
        for (const [k, body] of spillBodies.entries()) {
          await spill.append(
            'INSERT INTO otel_traces FORMAT RowBinaryWithNamesAndTypes',
            `bench-${k}`,
            body.rows,
            body.payload,
          );
          await spill.flush();
          written += body.payload.length;
        }
        await spill.close();
        rmSync(dir, { recursive: true, force: true });
        return written;
      },
    },
    {
      id: 'otlpJson',
      bytes: true,
      label: `(f) OTLP JSON serializer (${batch}-span batches)`,
      pass: serialized(JsonTraceSerializer),
    },
    {
      id: 'otlpProtobuf',
      bytes: true,
      label: `(g) OTLP protobuf serializer (${batch}-span batches)`,
      pass: serialized(ProtobufTraceSerializer),
    },
  ];
  const close = async () => {
    rmSync(spillRoot, { recursive: true, force: true });
    await aggregator.shutdown();
    await pipelineAggregator.shutdown();
  };
  const state = () => ({
    cleaner: cleaner.stats(),
    pipelineCleaner: pipelineCleaner.stats(),
    aggregator: aggregator.stats(),
    aggregatorHeldKeys: aggregator.heldKeys,
  });
  return { stages, close, state };
}
