// Item 2 of the benchmarks: spans per CPU second through each stage of tracepoint's in-process
// pipeline (mapping, cleaning, aggregation, row encoding, and those chained by hand), against the
// serializers the stock OTLP exporters use, on the same pre-built real SDK spans, one thread, no
// I/O: stages (a)-(g). Stage (h), the target's, runs the add-on's processors as
// tracepointSpanProcessors wires them, fed by the real SDK and flushing to a real ClickHouse HTTP
// server, against the stock OTLP setup and the SDK floor on the same replayed spans: the CPU the
// pipeline really costs the app per span.
import { SpanKind } from '@opentelemetry/api';
import { mapSpan } from '@tracepoint/semantic-mapping';
import { planOf, runIfMain } from './lib/cli.mjs';
import { cpuProfile, selfTimeByPackage } from './lib/cpu-profile.mjs';
import { cpuSample, cpuSampleAsync } from './lib/cpu-sample.mjs';
import { rowShape } from './lib/exporter-encoder.mjs';
import { median } from './lib/stats.mjs';
import { buildCheckoutSpans } from './lib/traffic/checkout-spans.mjs';
import { inWorkDir } from './lib/work-dir.mjs';
import { makeAsWiredStages } from './pipeline-throughput/as-wired.mjs';
import { asyncCpuProfile, busySelfTimeByPackage } from './pipeline-throughput/async-profile.mjs';
import { pipelineMarkdown } from './pipeline-throughput/report.mjs';
import { makeStages } from './pipeline-throughput/stages.mjs';

// Full: enough distinct spans that no stage runs out of a warm cache of a few objects; each stage
// repeats passes until minMillis so one sample is long enough for timer and CPU-clock resolution.
// After the measured rounds, stage (e) and stage (h)'s tracepoint run profileMillis more (at least
// one pass) under the CPU profiler. Stage (h) repeats whole passes (every span, flushed) to at least
// wiredMinMillis per sample: its floor costs a few µs per span, and a sample of a single pass
// could be mostly the garbage collection of the stage before it.
const SIZES = {
  smoke: { spans: 2_000, warmupRounds: 2, rounds: 3, minMillis: 0, wiredMinMillis: 100, profileMillis: 0 },
  full: {
    spans: 20_000,
    warmupRounds: 2,
    rounds: 9,
    minMillis: 300,
    wiredMinMillis: 1_000,
    profileMillis: 2_000,
  },
};
// BatchSpanProcessor's default maxExportBatchSize: the batch every OTLP exporter serializes.
const BATCH = 512;

/** Every round runs every stage once; returns each stage's samples after the warm-up rounds. */
async function sampleRounds(stages, spanCount, plan) {
  // Interleaved, starting one stage later each round, so machine noise and the garbage one stage
  // leaves for the next GC fall on all stages alike.
  const samples = Object.fromEntries(stages.map((s) => [s.id, []]));
  const total = plan.warmupRounds + plan.rounds;
  for (let round = 0; round < total; round++) {
    for (let k = 0; k < stages.length; k++) {
      const stage = stages[(round + k) % stages.length];
      const sample = stage.async
        ? await cpuSampleAsync(stage.pass, spanCount, plan.wiredMinMillis)
        : cpuSample(stage.pass, spanCount, plan.minMillis);
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
      // Stage (h)'s tracepoint rows: whether the exporter gzipped its bodies.
      gzip: stage.gzip,
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

/** µs of CPU per span in each sample. */
const microsPerSpan = (sample) => sample.cpuMicros / sample.spans;

/**
 * Stage (h): each configuration's CPU per span, and over the SDK floor round by round (same noise
 * for both). The target's ratio is OTLP's extra CPU per span over tracepoint's (= tracepoint's
 * pipeline spans per CPU second over OTLP's), from the medians of those per-round extras: a ratio
 * taken in each round would divide by a difference that noise can bring near zero.
 */
function summarizeAsWired(samples) {
  const floor = samples.asWiredFloor.map(microsPerSpan);
  const over = (id) => samples[id].map((s, i) => microsPerSpan(s) - floor[i]);
  const spread = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });
  const otlpOver = spread(over('asWiredOtlp'));
  const tracepointOver = spread(over('asWired'));
  const own = (id) => spread(samples[id].map(microsPerSpan));
  return {
    microsPerSpan: {
      asWiredFloor: spread(floor),
      asWiredOtlp: own('asWiredOtlp'),
      asWired: own('asWired'),
      asWiredGzip: own('asWiredGzip'),
      asWiredImmediate: own('asWiredImmediate'),
    },
    overFloor: {
      asWiredOtlp: otlpOver,
      asWired: tracepointOver,
      asWiredGzip: spread(over('asWiredGzip')),
      asWiredImmediate: spread(over('asWiredImmediate')),
    },
    // 0.01 µs is far below noise: only keeps a pipeline measured at no cost from dividing by zero.
    ratio: otlpOver.median / Math.max(tracepointOver.median, 0.01),
  };
}

/** Stages (a)-(h) interleaved round by round, then the profiles; stage (h)'s helpers stopped after. */
async function measure(spans, plan, dir) {
  const chained = makeStages(spans, BATCH);
  const asWired = await makeAsWiredStages(spans, dir);
  let measured;
  try {
    const stages = [...chained.stages, ...asWired.stages];
    const samples = await sampleRounds(stages, spans.length, plan);
    const pass = (id) => stages.find((s) => s.id === id).pass;
    const profile = selfTimeByPackage(
      await cpuProfile(() => cpuSample(pass('pipeline'), spans.length, plan.profileMillis)),
    );
    const wiredProfile = busySelfTimeByPackage(
      await asyncCpuProfile(() => cpuSampleAsync(pass('asWired'), spans.length, plan.profileMillis)),
    );
    measured = { stages, samples, profile, wiredProfile, state: chained.state() };
  } finally {
    const wired = await asWired.close();
    await chained.close();
    if (measured !== undefined) measured.wired = wired;
  }
  return measured;
}

export async function run({ size }) {
  const plan = planOf(SIZES, size);
  const built0 = process.hrtime.bigint();
  const spans = buildCheckoutSpans(plan.spans);
  const buildMillis = Number(process.hrtime.bigint() - built0) / 1e6;
  const { stages, samples, profile, wiredProfile, state, wired } = await inWorkDir('pipeline', (dir) =>
    measure(spans, plan, dir),
  );

  const results = summarize(stages, samples);
  const by = Object.fromEntries(results.map((r) => [r.id, r]));
  const asWired = summarizeAsWired(samples);
  const ratio = Number(by.pipeline.ratioToJson.toFixed(2));
  const met = ratio >= 2;
  const wiredRatio = Number(asWired.ratio.toFixed(2));
  const kinds = {};
  for (const span of spans) kinds[SpanKind[span.kind]] = (kinds[SpanKind[span.kind]] ?? 0) + 1;
  const withException = spans.filter((s) => s.events.some((e) => e.name === 'exception')).length;
  const clockShifts = state.pipelineCleaner.fixes?.['clock.shifted'] ?? 0;
  const shiftNote =
    clockShifts > 0
      ? `\nNote: the run took long enough that the cleaner shifted ${clockShifts} spans' clocks in stage (e) (more than 5 min old), which adds work the real path does not have.\n`
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
      asWired,
      wired,
      profile,
      wiredProfile,
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
      asWired: { ...asWired, ...wired },
      rowShape: rowShape(spans, mapSpan),
      processors: state,
      pipelineProfile: profile,
      asWiredProfile: wiredProfile,
    },
    markdown,
    targets: [
      {
        name: "full pipeline as wired (h): tracepoint's spans per CPU second over the SDK floor >= 1.0x the stock OTLP protobuf exporter's (same replayed spans; medians of per-round extras)",
        target: 1,
        measured: wiredRatio,
        met: asWired.ratio >= 1,
      },
      {
        name: 'chained stages (e), no SDK or I/O: >= 2x OTLP JSON serializer spans/s',
        target: 2,
        measured: ratio,
        met,
      },
    ],
  };
}

await runIfMain(import.meta.url, run);
