// The fixed-rate table, its targets and the profile account, from the runs of one benchmark run.
import { markdownTable, share } from '../lib/format.mjs';
import { median } from '../lib/stats.mjs';
import { FIXED_CONFIGS, SPANS_PER_REQUEST } from './fixed-rate.mjs';

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const spread = (values, digits = 0) =>
  `${fmt(Math.min(...values), digits)}..${fmt(Math.max(...values), digits)}`;

/** Median over rounds of a per-round ratio (both sides measured in the same round). */
function roundRatio(runs, f) {
  const rounds = [...new Set(runs.map((r) => r.round))];
  const of = (id, round) => runs.find((r) => r.config === id && r.round === round);
  return median(rounds.map((round) => f((id) => of(id, round))));
}

/** What the ES module loader costs the add-on in memory, from the run's two HTTP rows. */
function esmHookNote(summary) {
  const floor = summary.floor.rss;
  const on = summary.http.rss;
  const off = summary['http-no-esm-hook'].rss;
  return `The ES module loader's share of memory: the add-on to the ClickHouse HTTP server peaked at ${fmt(on)} MiB RSS (${fmt(on / floor, 3)}x the SDK floor's) with it and ${fmt(off)} MiB (${fmt(off / floor, 3)}x) with \`TRACEPOINT_ESM_HOOK=off\`, which patches what the stock register patches (what \`require\` loads, not the packages an app imports as ES modules). On Node.js ${process.versions.node.split('.')[0]} the loader runs on \`module.register\`'s hooks thread; on Node.js 22.22.3+ and 24.11.1+ the add-on runs it in the app's thread.`;
}

export function fixedRateReport(plan, { runs, profiled }) {
  const summary = Object.fromEntries(
    FIXED_CONFIGS.map(({ id }) => {
      const mine = runs.filter((r) => r.config === id);
      return [
        id,
        {
          cpu: mine.map((r) => r.cpuMicrosPerRequest),
          p50: mine.map((r) => r.p50Ms),
          p99: mine.map((r) => r.p99Ms),
          rss: Math.max(...mine.map((r) => r.peakRssMiB)),
          helpers: median(mine.map((r) => r.helperCpuMicrosPerRequest)),
          delivered: mine.reduce((n, r) => n + r.deliveredSpans, 0),
          expected: mine.reduce((n, r) => n + r.expectedSpans, 0),
          failed: mine.reduce((n, r) => n + r.failed, 0),
        },
      ];
    }),
  );
  const cpu = (id) => median(summary[id].cpu);
  const table = markdownTable(
    [
      'configuration',
      'CPU µs/req:',
      'min..max:',
      'over floor µs/req:',
      'p50 ms:',
      'p99 ms:',
      'p99 min..max:',
      'peak RSS MiB:',
      'helpers CPU µs/req:',
      'spans delivered / expected:',
    ],
    FIXED_CONFIGS.map(({ id, label }) => {
      const s = summary[id];
      return [
        label,
        fmt(cpu(id)),
        spread(s.cpu),
        id === 'untraced' ? '' : fmt(cpu(id) - cpu('floor')),
        fmt(median(s.p50), 2),
        fmt(median(s.p99), 2),
        spread(s.p99, 1),
        fmt(s.rss),
        fmt(s.helpers),
        id === 'untraced'
          ? ''
          : `${s.delivered} / ${s.expected}${s.failed ? ` (${s.failed} failed requests)` : ''}`,
      ];
    }),
  );
  const r = (f) => Number(roundRatio(runs, f).toFixed(3));
  const cpuOf = (run) => run.cpuMicrosPerRequest;
  const targets = [
    {
      name: 'fixed rate: app CPU per request, add-on to ClickHouse HTTP / stock (auto-instrumentations + OTLP/HTTP) <= 1.0',
      target: 1,
      measured: r((of) => cpuOf(of('http')) / cpuOf(of('stock'))),
    },
    {
      name: "fixed rate (goal): add-on's extra CPU over the SDK floor / the OTLP exporter's extra <= 0.5",
      target: 0.5,
      // A round where stock measured at or below the floor has no OTLP extra to compare with: no
      // tracepoint extra meets the goal there (a negative ratio would read as met).
      measured: r((of) => {
        const otlpExtra = cpuOf(of('stock')) - cpuOf(of('floor'));
        return otlpExtra > 0
          ? (cpuOf(of('http')) - cpuOf(of('floor'))) / otlpExtra
          : Number.POSITIVE_INFINITY;
      }),
    },
    ...['http', 'default', 'chdb'].map((id) => ({
      name: `fixed rate: p99 of the add-on (${id}) / stock p99 <= 1.0`,
      target: 1,
      measured: r((of) => of(id).p99Ms / of('stock').p99Ms),
    })),
    ...['http', 'default', 'chdb'].map((id) => ({
      name: `fixed rate: peak RSS of the add-on (${id}) / SDK floor's <= 1.3${id === 'chdb' ? ' (chDB in the app: reported)' : ''}`,
      target: 1.3,
      measured: Number((summary[id].rss / summary.floor.rss).toFixed(3)),
    })),
    ...['stock', 'http', 'default', 'chdb'].map((id) => ({
      name: `fixed rate: spans delivered / expected (${id}) = 1`,
      target: 1,
      measured: Number((summary[id].delivered / summary[id].expected).toFixed(4)),
    })),
  ].map((t) => ({
    ...t,
    met: t.name.includes('delivered')
      ? t.measured === 1
      : Number.isFinite(t.measured) && t.measured <= t.target,
  }));
  const markdown = `### Fixed rate

Each configuration started as a user starts it (\`node --require\`/\`--import\` a register before the app; every auto-instrumentation of \`@opentelemetry/auto-instrumentations-node\`, the same install for all), driven at ${plan.rate} requests/s by an open-loop generator in its own process (latency counted from each request's due time, so a stall delays every request behind it), ${plan.seconds} s measured after ${plan.warmSeconds} s of warm-up, ${plan.rounds} interleaved round(s) with the order rotated; medians across rounds with min..max. CPU is the app process's (all its threads) per request; helpers CPU is that of the other processes on the same 2 cores: the downstream/OTLP sink, the ClickHouse server, the store service if the default store started one, and the app's own child processes (a \`chdb:\` engine in its own process). Spans delivered are counted at the destination (ClickHouse's otel_traces by service.name, the OTLP sink, the floor's exporter) after the app flushed and exited; expected is ${SPANS_PER_REQUEST} per answered request, warm-up included. Ratios in the targets are taken round by round, then the median.

${table}

${esmHookNote(summary)}

${accountMarkdown(profiled, cpu('floor') / SPANS_PER_REQUEST)}`;
  return { markdown, targets, summary };
}

function accountMarkdown(profiled, floorPerSpan) {
  const account = profiled.account;
  const table = markdownTable(
    ['category', 'µs per span:', 'share:'],
    [
      ...account.rows
        .filter((row) => row.microsPerSpan >= 0.05)
        .map((row) => [row.category, fmt(row.microsPerSpan, 1), share(row.share)]),
      ['**total (app process CPU / spans)**', `**${fmt(account.cpuMicros / account.spans, 1)}**`, ''],
    ],
  );
  return `#### Profile account: the add-on to the ClickHouse HTTP server, µs of app CPU per span

One more run of the add-on to the ClickHouse HTTP server under the same load, with a V8 CPU profile of the app's main thread over the ${fmt(account.windowMillis / 1000, 1)} s measured window (${account.samples} samples, ${account.requests} requests, ${account.spans} spans, p99 ${fmt(profiled.p99Ms, 1)} ms while profiled). Each sample is put in a category by the script of its function (tracepoint's packages file by file; a builtin or Node.js internal counts to its nearest caller with a category; \`app and Node.js\` is what ran with no SDK or tracepoint frame beneath it: the HTTP server, the app's handler, the event loop). Shares of the main thread come from the profile's busy (non-idle) samples, scaled to the main thread's CPU from /proc (${fmt(account.mainThreadCpuMicros / account.spans, 1)} µs/span; the profile's busy wall time was ${fmt(account.sampledMainThreadMicros / account.spans, 1)} µs/span, more where the thread waited for a core); "off the main thread" is the process's CPU minus its main thread's, from /proc (GC helper threads, libuv's pool, where @clickhouse/client's gzip runs). The floor's whole process costs ${fmt(floorPerSpan, 1)} µs per span in the table above (its CPU per request over ${SPANS_PER_REQUEST}), so the SDK row and app rows here are mostly what the floor pays too.

${table}
`;
}
