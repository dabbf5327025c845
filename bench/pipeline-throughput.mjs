// Item 2 of the benchmarks: spans per CPU second through each stage of tracepoint's in-process
// pipeline (mapping, cleaning, aggregation, row encoding, and all of them chained as the batch
// path runs them), against the serializers the stock OTLP exporters use, on the same pre-built
// real SDK spans. One thread, no I/O: this is the CPU the pipeline costs the app per span.
import { SpanKind } from '@opentelemetry/api';
import { mapSpan } from '@tracepoint/semantic-mapping';
import { planOf, runIfMain } from './lib/cli.mjs';
import { cpuProfile, selfTimeByPackage } from './lib/cpu-profile.mjs';
import { cpuSample } from './lib/cpu-sample.mjs';
import { rowShape } from './lib/exporter-encoder.mjs';
import { median } from './lib/stats.mjs';
import { buildCheckoutSpans } from './lib/traffic/checkout-spans.mjs';
import { pipelineMarkdown } from './pipeline-throughput/report.mjs';
import { makeStages } from './pipeline-throughput/stages.mjs';

// Full: enough distinct spans that no stage runs out of a warm cache of a few objects; each stage
// repeats passes until minMillis so one sample is long enough for timer and CPU-clock resolution.
// After the measured rounds, stage (e) runs profileMillis more under the CPU profiler.
const SIZES = {
  smoke: { spans: 2_000, warmupRounds: 1, rounds: 1, minMillis: 0, profileMillis: 0 },
  full: { spans: 20_000, warmupRounds: 2, rounds: 7, minMillis: 300, profileMillis: 2_000 },
};
// BatchSpanProcessor's default maxExportBatchSize: the batch every OTLP exporter serializes.
const BATCH = 512;

/** Every round runs every stage once; returns each stage's samples after the warm-up rounds. */
function sampleRounds(stages, spanCount, plan) {
  // Interleaved, starting one stage later each round, so machine noise and the garbage one stage
  // leaves for the next GC fall on all stages alike.
  const samples = Object.fromEntries(stages.map((s) => [s.id, []]));
  const total = plan.warmupRounds + plan.rounds;
  for (let round = 0; round < total; round++) {
    for (let k = 0; k < stages.length; k++) {
      const stage = stages[(round + k) % stages.length];
      const sample = cpuSample(stage.pass, spanCount, plan.minMillis);
      if (round >= plan.warmupRounds) samples[stage.id].push(sample);
    }
  }
  return samples;
}

/** Each stage's medians; ratios are taken within each round (same noise for both), then the median. */
function summarize(stages, samples) {
  const json = samples.otlpJson;
  return stages.map((stage) => {
    const own = samples[stage.id];
    const perCore = own.map((s) => s.perCore);
    return {
      id: stage.id,
      label: stage.label,
      perCoreMedian: median(perCore),
      perCoreMin: Math.min(...perCore),
      perCoreMax: Math.max(...perCore),
      wallMedian: median(own.map((s) => s.wall)),
      cpuMicrosPerSpan: 1e6 / median(perCore),
      // What the stage hands to the wire, for the stages that produce a request body.
      bytesPerSpan: stage.bytes ? own[0].sink / own[0].spans : undefined,
      ratioToJson: median(own.map((s, i) => s.perCore / json[i].perCore)),
      ratioToProtobuf: median(own.map((s, i) => s.perCore / samples.otlpProtobuf[i].perCore)),
      samples: own.map(({ sink, ...rest }) => rest),
    };
  });
}

export async function run({ size }) {
  const plan = planOf(SIZES, size);
  const built0 = process.hrtime.bigint();
  const spans = buildCheckoutSpans(plan.spans);
  const buildMillis = Number(process.hrtime.bigint() - built0) / 1e6;
  const { stages, close, state } = makeStages(spans, BATCH);
  const samples = sampleRounds(stages, spans.length, plan);
  const pipelineStage = stages.find((s) => s.id === 'pipeline');
  const profile = selfTimeByPackage(
    await cpuProfile(() => cpuSample(pipelineStage.pass, spans.length, plan.profileMillis)),
  );
  const finalState = state();
  await close();

  const results = summarize(stages, samples);
  const by = Object.fromEntries(results.map((r) => [r.id, r]));
  const ratio = Number(by.pipeline.ratioToJson.toFixed(2));
  const met = ratio >= 2;
  const kinds = {};
  for (const span of spans) kinds[SpanKind[span.kind]] = (kinds[SpanKind[span.kind]] ?? 0) + 1;
  const withException = spans.filter((s) => s.events.some((e) => e.name === 'exception')).length;
  const clockShifts = finalState.pipelineCleaner.fixes?.['clock.shifted'] ?? 0;
  const shiftNote =
    clockShifts > 0
      ? `\nNote: the run took long enough that the cleaner shifted ${clockShifts} spans' clocks (more than 5 min old), which adds work the real path does not have.\n`
      : '';
  const markdown =
    pipelineMarkdown({
      spans: spans.length,
      plan,
      batch: BATCH,
      withException,
      results,
      by,
      ratio,
      met,
      profile,
    }) + shiftNote;

  return {
    id: 'pipeline-throughput',
    title: 'Pipeline throughput',
    raw: {
      size,
      node: process.version,
      spans: spans.length,
      spansByKind: kinds,
      spansWithException: withException,
      buildMillis,
      batchSize: BATCH,
      warmupRounds: plan.warmupRounds,
      rounds: plan.rounds,
      minMillisPerSample: plan.minMillis,
      stages: results,
      rowShape: rowShape(spans, mapSpan),
      processors: finalState,
      pipelineProfile: profile,
    },
    markdown,
    targets: [
      { name: 'full pipeline >= 2x OTLP JSON serializer spans/s', target: 2, measured: ratio, met },
      {
        name: 'full pipeline >= 1.0x OTLP protobuf serializer spans/s (same spans, per-round ratio)',
        target: 1,
        measured: Number(by.pipeline.ratioToProtobuf.toFixed(2)),
        met: by.pipeline.ratioToProtobuf >= 1,
      },
    ],
  };
}

await runIfMain(import.meta.url, run);
