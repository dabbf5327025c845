// Item 1 of the benchmarks: what tracing costs an HTTP service. Two halves, one run:
// - saturation: five configurations of the same app (app-under-test.mjs, tracing set up in the
//   app) under the same fixed-concurrency wrk load;
// - fixed rate (app-overhead/fixed-rate.mjs): the configurations started as users start them,
//   under an open-loop load at a fixed rate, with a CPU profile of the add-on for the per-span
//   account (app-overhead/profile-account.mjs).
// Both interleave configurations round by round so machine noise hits them alike; each run is a
// fresh process (peak RSS is its own).
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureFixedRate } from './app-overhead/fixed-rate.mjs';
import { fixedRateReport } from './app-overhead/fixed-rate-report.mjs';
import { measureSideBySide, sideBySideReport } from './app-overhead/side-by-side.mjs';
import { planOf, runIfMain } from './lib/cli.mjs';
import { markdownTable } from './lib/format.mjs';
import { startLocalClickHouseServer } from './lib/local-clickhouse-server.mjs';
import { processCpuMicros } from './lib/process-cpu.mjs';
import { median } from './lib/stats.mjs';
import { inWorkDir } from './lib/work-dir.mjs';
import { runWrk } from './lib/wrk-load.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));

const config = (id, label, tracing) => ({ id, label, env: { BENCH_CONFIG: tracing } });
const CONFIGS = [
  config('a', 'no tracing', 'none'),
  config('b', 'NodeSDK + BatchSpanProcessor + OTLP/HTTP to a local sink', 'otlp'),
  config('c', 'NodeSDK + BatchSpanProcessor + no-op exporter (SDK floor)', 'noop'),
  config(
    'd',
    'tracepoint (cleaner + aggregator + exporter) to the local ClickHouse HTTP server',
    'tracepoint',
  ),
  config(
    'e',
    'tracepoint to `chdb:<path>` (since issue 19 a private engine in a child process)',
    'tracepoint',
  ),
];

const SIZES = {
  smoke: {
    rounds: 1,
    warmSeconds: 1,
    seconds: 2,
    connections: 8,
    fixed: { rounds: 1, rate: 100, warmSeconds: 1, seconds: 2 },
    sideBySide: { rounds: 1, rate: 100, warmSeconds: 1, seconds: 2 },
  },
  full: {
    rounds: 3,
    warmSeconds: 3,
    seconds: 10,
    connections: 16,
    // Five rounds: on this shared machine one configuration's CPU per request has moved 1.5x from
    // round to round (the SDK floor 1049..1622 µs in one run), and the targets are medians of
    // per-round ratios, which three rounds leave at the mercy of one bad round.
    fixed: { rounds: 5, rate: 300, warmSeconds: 3, seconds: 10 },
    // Six rounds per pair: in a probe of eight, every round of the deferred pair fell within
    // 0.895..0.948, against sequential rounds that disagreed on the sign.
    sideBySide: { rounds: 6, rate: 300, warmSeconds: 3, seconds: 10 },
  },
};

function forkReady(script, args, env) {
  const child = fork(script, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, message }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send(message);
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export async function run({ size = 'full' } = {}) {
  const plan = planOf(SIZES, size);
  return inWorkDir('app', async (work) => {
    const downstream = await forkReady(join(here, 'app-downstream.mjs'), [], {});
    const downstreamUrl = `http://127.0.0.1:${downstream.message.port}`;
    const clickhouse = await startLocalClickHouseServer(join(work, 'server'));
    try {
      const shared = {
        downstream: downstream.child,
        downstreamUrl,
        clickhouseUrl: clickhouse.url,
        clickhousePid: clickhouse.child.pid,
      };
      const fixed = await measureFixedRate(work, plan.fixed, shared);
      const sideRounds = await measureSideBySide(work, plan.sideBySide, shared);
      const side = { rounds: sideRounds, ...sideBySideReport(plan.sideBySide, sideRounds) };
      const runs = await measureRuns(work, plan, { downstream, downstreamUrl, clickhouse });
      return report(plan, runs, fixedRateReport(plan.fixed, fixed), fixed, side);
    } finally {
      downstream.child.disconnect();
      await clickhouse.stop();
    }
  });
}

/** Every configuration under load, round by round; one entry per run. */
async function measureRuns(work, plan, { downstream, downstreamUrl, clickhouse }) {
  const envOf = {
    d: { TRACEPOINT_CLICKHOUSE_URL: clickhouse.url },
    e: { TRACEPOINT_DATA_DIR: join(work, 'embedded') },
  };
  const runs = [];
  for (let round = 0; round < plan.rounds; round++) {
    // Rotate the order each round: no configuration always runs first or last.
    const order = CONFIGS.map((_, i) => CONFIGS[(i + round) % CONFIGS.length]);
    for (const config of order) {
      const { child, message } = await forkReady(join(here, 'app-under-test.mjs'), [], {
        ...config.env,
        ...envOf[config.id],
        BENCH_DOWNSTREAM_URL: downstreamUrl,
      });
      try {
        const url = `http://127.0.0.1:${message.port}/orders/1`;
        runWrk(url, { seconds: plan.warmSeconds, connections: plan.connections });
        // The helpers: the downstream (also the OTLP sink) and the ClickHouse server, whose work
        // shares these cores with the app's.
        const helpers = () => processCpuMicros(downstream.child.pid) + processCpuMicros(clickhouse.child.pid);
        const helpersBefore = helpers();
        const before = await ask(child, 'stats');
        const load = runWrk(url, { seconds: plan.seconds, connections: plan.connections });
        const after = await ask(child, 'stats');
        const helpersAfter = helpers();
        runs.push({
          config: config.id,
          round,
          ...load,
          cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / load.requests,
          helperCpuMicrosPerRequest: (helpersAfter - helpersBefore) / load.requests,
          peakRssMiB: after.maxRssKiB / 1024,
        });
      } finally {
        await stop(child);
      }
    }
  }
  return runs;
}

function report(plan, runs, fixedRate, fixedRuns, side) {
  const summary = Object.fromEntries(
    CONFIGS.map(({ id }) => {
      const mine = runs.filter((r) => r.config === id);
      return [
        id,
        {
          requestsPerSecond: median(mine.map((r) => r.requestsPerSecond)),
          p50Ms: median(mine.map((r) => r.p50Ms)),
          p99Ms: median(mine.map((r) => r.p99Ms)),
          cpuMicrosPerRequest: median(mine.map((r) => r.cpuMicrosPerRequest)),
          helperCpuMicrosPerRequest: median(mine.map((r) => r.helperCpuMicrosPerRequest)),
          peakRssMiB: Math.max(...mine.map((r) => r.peakRssMiB)),
          failed: mine.reduce((n, r) => n + r.failed, 0),
        },
      ];
    }),
  );
  const rate = (id) => summary[id].requestsPerSecond;
  const lossRatio = (rate('a') - rate('d')) / (rate('a') - rate('b'));
  const versusFloor = rate('d') / rate('c');
  const targets = [
    {
      name: '(d) loses at most half the throughput (b) loses against (a): loss(d) / loss(b) <= 0.5',
      target: 0.5,
      measured: Number(lossRatio.toFixed(3)),
      met: lossRatio <= 0.5,
    },
    {
      name: '(d) within 3% of (c): req/s(d) / req/s(c) >= 0.97',
      target: 0.97,
      measured: Number(versusFloor.toFixed(3)),
      met: versusFloor >= 0.97,
    },
  ];
  const fmt = (n, digits = 0) => n.toFixed(digits);
  const table = markdownTable(
    [
      'configuration',
      'req/s:',
      'vs (a):',
      'vs (c):',
      'p50 ms:',
      'p99 ms:',
      'CPU µs/req:',
      'helpers CPU µs/req:',
      'peak RSS MiB:',
    ],
    CONFIGS.map(({ id, label }) => {
      const s = summary[id];
      return [
        `(${id}) ${label}`,
        fmt(s.requestsPerSecond),
        fmt(s.requestsPerSecond / rate('a'), 3),
        fmt(s.requestsPerSecond / rate('c'), 3),
        fmt(s.p50Ms, 2),
        fmt(s.p99Ms, 2),
        fmt(s.cpuMicrosPerRequest),
        fmt(s.helperCpuMicrosPerRequest),
        fmt(s.peakRssMiB),
      ];
    }),
  );
  const markdown = `${fixedRate.markdown}
${side.markdown}
### Saturation

An HTTP service (node:http, instrumentation-http; per request three child spans with attributes and one outgoing HTTP call to an untraced downstream, i.e. 5 spans) under wrk with ${plan.connections} connections, ${plan.seconds} s per run after ${plan.warmSeconds} s of warm-up, ${plan.rounds} interleaved round(s); medians across rounds, peak RSS is the largest. CPU is the app process's user + system time per request; helpers CPU is that of the other processes, which run on the same 2 cores: the downstream (also the OTLP sink) and the ClickHouse server (chDB behind the HTTP interface; idle except in (d)).

${table}
${missedNote(summary, targets)}`;
  return {
    id: 'app-overhead',
    title: 'App overhead',
    raw: {
      plan,
      runs,
      summary,
      fixedRate: { runs: fixedRuns.runs, profiled: fixedRuns.profiled, summary: fixedRate.summary },
      sideBySide: { rounds: side.rounds, summary: side.summary },
    },
    markdown,
    targets: [
      ...fixedRate.targets,
      ...side.targets,
      ...targets.map((t) => ({ ...t, name: `saturation: ${t.name}` })),
    ],
  };
}

/** Where the requests went, from the measured CPU, when a target is missed. */
function missedNote(summary, targets) {
  if (targets.every((t) => t.met)) return '';
  const spans = 5;
  const per = (id) => summary[id].cpuMicrosPerRequest;
  const helper = (id) => summary[id].helperCpuMicrosPerRequest;
  const total = (id) => per(id) + helper(id);
  return `
**Targets missed.** The machine is saturated in every configuration (wrk, the app and the helpers share 2 cores), so requests/s follow CPU per request. Against the SDK floor (c), tracepoint's app process spends ${(per('d') - per('c')).toFixed(0)} µs more per request, about ${((per('d') - per('c')) / spans).toFixed(0)} µs per span, against ${(per('b') - per('c')).toFixed(0)} µs per request for the OTLP exporter. The pipeline benchmark puts cleaning, aggregation, mapping and row encoding at less than half of that per span on an idle core; the rest is sending the inserts and running the processors on cores that four processes share, and is not broken down further here. The ClickHouse server (d) adds ${(helper('d') - helper('c')).toFixed(0)} µs per request of its own on the same cores, where a deployment runs it on other machines; the app and helpers together spend ${total('d').toFixed(0)} µs per request in (d) against ${total('c').toFixed(0)} in (c) and ${total('b').toFixed(0)} in (b). Closing the gap needs both less CPU per span in the app (see pipeline throughput) and, for the ratio itself, a ClickHouse server off this machine; within 3% of (c) means at most ${((per('c') * 0.03) / spans).toFixed(1)} µs per span, less than any JSON encoding of a row costs.
`;
}

await runIfMain(import.meta.url, run);
