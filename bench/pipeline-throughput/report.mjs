// The pipeline benchmark's Markdown: the stage tables, the verdict on the target (stage (h)) and,
// when it is missed, where the time went, all from this run's measurements and CPU profiles.
import { EXPORTER_DEFAULTS } from '@tracepoint/exporter-clickhouse';
import { int as fmt, markdownTable, share } from '../lib/format.mjs';

const fmtRatio = (r) => r.toFixed(2);
const us = (x) => x.toFixed(1);

/** What each of tracepoint's packages is in the pipeline; other packages keep their names. */
const STAGE_OF_PACKAGE = {
  '@tracepoint/exporter-clickhouse': 'exporter (row encoding, queue, insert)',
  '@tracepoint/processor-cleaner': 'cleaner',
  '@tracepoint/semantic-mapping': 'mapping (and the caller processor)',
  '@tracepoint/processor-aggregator': 'aggregator',
  '@opentelemetry/*': 'OpenTelemetry SDK',
};

/** "cleaner 21% (redaction.js 12%, ...)": packages of at least 1%, the files of at least 2% in each. */
function profileText(profile) {
  return profile.packages
    .filter((p) => p.share >= 0.01)
    .map((p) => {
      const files = p.files.filter((f) => f.share >= 0.02).slice(0, 3);
      const detail = files.length ? ` (${files.map((f) => `${f.file} ${share(f.share)}`).join(', ')})` : '';
      return `${STAGE_OF_PACKAGE[p.name] ?? p.name} ${share(p.share)}${detail}`;
    })
    .join(', ');
}

const spreadText = (s) => `${us(s.median)} (${us(s.min)}..${us(s.max)})`;

/** Stage (h)'s table: each configuration's CPU per span, over the SDK floor, and spans delivered. */
function asWiredTable(results, asWired, wired) {
  const ids = ['asWiredFloor', 'asWiredOtlp', 'asWired', 'asWiredGzip', 'asWiredImmediate'];
  return markdownTable(
    [
      'configuration (same replayed spans)',
      'CPU µs/span (median):',
      'min..max:',
      'over the SDK floor, µs/span:',
      'spans delivered / replayed:',
    ],
    ids.map((id) => {
      const own = asWired.microsPerSpan[id];
      const over = asWired.overFloor[id];
      const count = wired.delivered[id];
      return [
        results.find((r) => r.id === id).label,
        us(own.median),
        `${us(own.min)}..${us(own.max)}`,
        over === undefined ? '(the floor)' : spreadText(over),
        `${fmt(count.delivered)} / ${fmt(count.replayed)}`,
      ];
    }),
  );
}

export function pipelineMarkdown({
  spans,
  plan,
  batch,
  withException,
  results,
  by,
  ratio,
  asWired,
  wired,
  profile,
  wiredProfile,
}) {
  const chained = results.filter((r) => !r.id.startsWith('asWired'));
  const table = markdownTable(
    [
      'stage',
      'spans/s per core (median):',
      'min..max:',
      'CPU µs/span:',
      'ratio to OTLP JSON:',
      'ratio to OTLP protobuf:',
    ],
    chained.map((r) => [
      r.label,
      fmt(r.perCoreMedian),
      `${fmt(r.perCoreMin)}..${fmt(r.perCoreMax)}`,
      r.cpuMicrosPerSpan.toFixed(1),
      fmtRatio(r.ratioToJson),
      fmtRatio(r.ratioToProtobuf),
    ]),
  );
  const intro = `${fmt(spans)} distinct spans built once with the real SDK (BasicTracerProvider, sdk-trace-base 2.x): HTTP server and client, PostgreSQL client and internal spans, 5 to 8 per trace, ${withException} with an exception event. Stages (a)-(g) run over that span array on one thread, without the SDK around them and without I/O: they show what each stage costs alone. All stages run in ${plan.rounds} interleaved round(s) after ${plan.warmupRounds} warm-up round(s); ${plan.minMillis > 0 ? `passes are repeated to at least ${plan.minMillis} ms per sample in stages (a)-(g), ${plan.wiredMinMillis} ms in stage (h)` : 'one pass is one sample'}. Spans/s per core is spans over process CPU time (user + system, GC threads included); the ratios are medians of per-round ratios to the OTLP serializers (BatchSpanProcessor's ${batch}-span batches). Node ${process.version}.`;
  const wiredIntro = `Stage (h), the target's, runs the code the add-on runs: each pass replays the ${fmt(spans)} spans through a real BasicTracerProvider (new SDK spans each pass, with the recorded names, kinds, attributes, events, status and durations, ending near now), one trace per turn of the event loop, so the span processors get the SDK's own calls (onStart, onEnding, onEnd through its MultiSpanProcessor). tracepoint's processors are those \`tracepointSpanProcessors\` (@tracepoint/node's build) wires for the register's defaults (caller; the cleaner, in place, and the aggregator run on ExportingSpanProcessor's hand-off batches (\`deferred\`), then ClickHouseSpanExporter in its default ${EXPORTER_DEFAULTS.mode} mode, compression ${JSON.stringify(EXPORTER_DEFAULTS.compression)}: ${by.asWired.gzip ? 'gzip' : 'no gzip'} to this loopback server), writing to the local ClickHouse HTTP server in its own process; a second tracepoint row forces \`compression: true\` (${by.asWiredGzip.gzip ? 'gzip' : 'still no gzip'}), what a server on another machine gets. Every ${fmt(wired.flushSpans)} spans (what the exporter's ${EXPORTER_DEFAULTS.flushIntervalMillis / 1000} s interval gathers at 300 requests/s of 5 spans) and at the end of each pass the exporter is flushed (or the BatchSpanProcessor, for the baselines), and the flush's encoding, compression (where the exporter compresses) and HTTP round trip are inside the sample, gzip's thread-pool CPU included; the servers' own CPU is not. The same replay runs through the stock setup (BatchSpanProcessor + OTLP/HTTP protobuf exporter to a local sink in its own process) and the SDK floor (BatchSpanProcessor + an exporter that only counts); over the floor is taken round by round, then the median (min..max). Spans delivered are counted at the destination after the last flush (warm-up and profile passes included).`;
  const wiredTable = asWiredTable(results, asWired, wired);
  const lost = lossNote(results, wired);
  return `${intro}\n\n${table}\n\n${wiredIntro}\n\n${wiredTable}\n\n${lost}${verdict({ ratio, by, asWired, profile, wiredProfile, spans })}\n`;
}

/** Which configurations of stage (h) lost spans, and what their exporter reported; empty when none did. */
function lossNote(results, wired) {
  const notes = Object.entries(wired.delivered)
    .filter(([, d]) => d.delivered !== d.replayed)
    .map(([id, d]) => {
      const label = results.find((r) => r.id === id).label.replace(/^\(h\) /, '');
      const why = [
        d.dropped > 0 ? `${fmt(d.dropped)} dropped by a full BatchSpanProcessor queue` : '',
        d.failed > 0 ? `${fmt(d.failed)} in failed exports (${d.errors.join('; ')})` : '',
      ].filter(Boolean);
      return `${label}: ${fmt(d.replayed - d.delivered)} of ${fmt(d.replayed)} spans not delivered${why.length ? `, ${why.join(', ')}` : ''}`;
    });
  return notes.length ? `Spans lost: ${notes.join('; ')}.\n\n` : '';
}

/** The target's verdict from stage (h), then how the chained stages and the profiles account for it. */
function verdict({ ratio, by, asWired, profile, wiredProfile, spans }) {
  const target = asWired.ratio;
  const tp = asWired.overFloor.asWired.median;
  const otlp = asWired.overFloor.asWiredOtlp.median;
  const floor = asWired.microsPerSpan.asWiredFloor.median;
  // A baseline within noise of the floor (a smoke run's single cold round) gives no ratio worth stating.
  const head = !(otlp > 0 && tp > 0)
    ? `**Not measured** (stage (h)): over the SDK floor (${us(floor)} µs/span) tracepoint's processors cost ${us(tp)} µs of CPU per span and the stock OTLP protobuf exporter ${us(otlp)} µs in this run: the noise is larger than a difference, so the ratio (${fmtRatio(target)}) says nothing; run the full size.`
    : target >= 1
      ? `**Target met** (stage (h)): tracepoint's processors as wired cost ${us(tp)} µs of CPU per span over the SDK floor (${us(floor)} µs/span), the stock OTLP protobuf exporter ${us(otlp)} µs: tracepoint runs at ${fmtRatio(target)}x its spans per CPU second (ratio of the medians of the per-round extras; target 1.0x).`
      : `**Target missed** (stage (h)): tracepoint's processors as wired cost ${us(tp)} µs of CPU per span over the SDK floor (${us(floor)} µs/span), the stock OTLP protobuf exporter ${us(otlp)} µs: tracepoint runs at ${fmtRatio(target)}x its spans per CPU second (ratio of the medians of the per-round extras), against a goal of 1.0x; its extra CPU would have to get ${(1 / target).toFixed(1)}x smaller, from ${us(tp)} to ${us(otlp)} µs per span.`;

  const gzipOver = asWired.overFloor.asWiredGzip.median;
  const gzipNote =
    by.asWiredGzip.gzip && !by.asWired.gzip
      ? ` With gzip forced (a remote server) tracepoint costs ${us(gzipOver)} µs over the floor, ${us(gzipOver - tp)} µs per span more: ${fmtRatio(otlp / Math.max(gzipOver, 0.01))}x the stock exporter's spans per CPU second, which sends protobuf uncompressed.`
      : '';
  const immediateOver = asWired.overFloor.asWiredImmediate.median;
  const immediateNote = ` With the cleaner and the aggregator in each span's end instead of the hand-off's batches (\`TRACEPOINT_DEFERRED=off\`, the add-on's wiring when it also exports to OTLP) tracepoint costs ${us(immediateOver)} µs over the floor: the batches save ${us(immediateOver - tp)} µs per span (${share(Math.max(immediateOver - tp, 0) / Math.max(immediateOver, 0.01))} of its extra).`;
  const chainedMicros = by.pipeline.cpuMicrosPerSpan;
  const outside = tp - chainedMicros;
  const parts = ['encoding', 'cleaner', 'aggregator', 'mapping']
    .map((id) => ({ id, micros: by[id].cpuMicrosPerSpan }))
    .sort((a, b) => b.micros - a.micros)
    .map((p) => `${p.id} ${us(p.micros)} µs`)
    .join(', ');
  const account = `The chained stages (e) cost ${us(chainedMicros)} µs per span alone, ${fmtRatio(chainedMicros / Math.max(otlp, 0.01))}x the stock exporter's whole extra (serializer, batching and HTTP); as wired the add-on costs ${us(tp)} µs over the floor, so ${us(outside)} µs per span (${share(Math.max(outside, 0) / Math.max(tp, 0.01))}) is in what (e) leaves out: the SDK's calls into three processors, the caller processor, cleaning in place (on the hand-off's batches) instead of a copy, the batched hand-off, the exporter's queue and flush, ${by.asWired.gzip ? 'gzip, ' : ''}the HTTP client, and the garbage all of that leaves. Stage by stage alone: ${parts} (the aggregator stage maps each span itself, so it includes a mapping). Row encoding writes ${fmt(by.encoding.bytesPerSpan)} B per span of RowBinaryWithNamesAndTypes (otel_traces with its trace-point columns) against ${fmt(by.otlpProtobuf.bytesPerSpan)} B of OTLP protobuf, at ${fmtRatio(by.encoding.ratioToProtobuf)}x the protobuf serializer's spans per CPU second.`;

  const gc = wiredProfile.packages.find((p) => p.name === 'GC')?.share ?? 0;
  const top = wiredProfile.packages
    .filter((p) => p.name !== 'GC')
    .slice(0, 3)
    .map((p) => STAGE_OF_PACKAGE[p.name] ?? p.name)
    .join(', ');
  const profiles = `A CPU profile of stage (h)'s tracepoint configuration taken in this run (${fmt(wiredProfile.samples)} busy samples of ${fmt(wiredProfile.allSamples)} over ${fmt(wiredProfile.millis)} ms, ${share(wiredProfile.idleShare)} idle waiting for the server; self time by package as shares of the busy samples, span creation included; a builtin counted to its caller; the main thread only, so the GC's helper threads and libuv's pool come on top) shows ${profileText(wiredProfile)}. Its largest parts besides GC (${share(gc)}): ${top}. The profile of stage (e) alone (${fmt(spans)} spans, ${fmt(profile.samples)} samples over ${fmt(profile.millis)} ms) shows ${profileText(profile)}.`;

  const json = `Stage (e) against the OTLP JSON serializer: ${fmtRatio(ratio)}x (older target 2x: ${ratio >= 2 ? 'met' : 'missed'}).`;
  const spill = by.spill;
  const spillNote = spill
    ? `\n\nSpill write cost (stage (i), what an exporter with a spill directory pays per span while ClickHouse is away, on this machine's disk): ${us(spill.cpuMicrosPerSpan)} µs of CPU per span (process CPU: CRC32C, writev and fsync, the thread pool included), ${fmt(spill.bytesPerSpan)} B per span on disk, ${fmtRatio(spill.cpuMicrosPerSpan / Math.max(by.encoding.cpuMicrosPerSpan, 0.01))}x the row encoding that made the bodies; its wall time per span is ${us(1e6 / spill.wallMedian)} µs (waiting on fsync, off the app's thread).`
    : '';
  return `${head}${gzipNote}${immediateNote}\n\n${account}\n\n${profiles}\n\n${json}${spillNote}`;
}
