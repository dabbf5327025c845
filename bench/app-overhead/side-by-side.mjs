// The side-by-side half of the app-overhead benchmark: two configurations run at the same time,
// each at the fixed rate from its own generator, so both pay the same noise of this shared machine
// (which has moved one configuration's CPU per request 1.5x between sequential rounds). The ratio
// is taken within each round, then the median. Both apps share the 2 cores with each other and the
// helpers, so absolute CPU per request is higher than in the sequential rounds; the ratio is what
// this half is for.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { markdownTable } from '../lib/format.mjs';
import { runOpenLoop } from '../lib/open-loop-load.mjs';
import { median } from '../lib/stats.mjs';
import { addon, appEnv, ask, FIXED_CONFIGS, forkApp, stopApp } from './fixed-rate.mjs';

const byId = (id) => FIXED_CONFIGS.find((config) => config.id === id);

/** The add-on's wiring when it also exports to OTLP: cleaner and aggregator in each span's end. */
const HTTP_IMMEDIATE = {
  id: 'http-immediate',
  label:
    "tracepoint add-on to the local ClickHouse HTTP server, `TRACEPOINT_DEFERRED=off` (cleaner and aggregator in each span's end)",
  start: (ctx) => ({
    args: addon(),
    env: { TRACEPOINT_CLICKHOUSE_URL: ctx.clickhouseUrl, TRACEPOINT_DEFERRED: 'off' },
  }),
};

export const SIDE_BY_SIDE_PAIRS = [
  { id: 'stock-http', baseline: byId('stock'), candidate: byId('http') },
  { id: 'deferred', baseline: HTTP_IMMEDIATE, candidate: byId('http') },
];

/** Both apps of a pair started, warmed and measured at once; one entry per pair and round. */
export async function measureSideBySide(work, plan, shared) {
  const rounds = [];
  for (const pair of SIDE_BY_SIDE_PAIRS) {
    for (let round = 0; round < plan.rounds; round++) {
      // Which app starts first alternates: the first has a few seconds more of JIT warm-up.
      const order = round % 2 === 0 ? [pair.baseline, pair.candidate] : [pair.candidate, pair.baseline];
      const apps = [];
      try {
        for (const config of order) {
          const name = `side-${pair.id}-${config.id}-${round}`;
          const dir = join(work, name);
          mkdirSync(dir, { recursive: true });
          const { args, env } = config.start({ ...shared, dir });
          apps.push({ config, ...(await forkApp(args, appEnv(shared, name, env), dir)) });
        }
        const urls = apps.map((app) => `http://127.0.0.1:${app.port}/orders/1`);
        await Promise.all(
          urls.map((url) => runOpenLoop(url, { rate: plan.rate, seconds: plan.warmSeconds })),
        );
        const before = await Promise.all(apps.map((app) => ask(app.child, 'stats')));
        const loads = await Promise.all(
          urls.map((url) => runOpenLoop(url, { rate: plan.rate, seconds: plan.seconds })),
        );
        const after = await Promise.all(apps.map((app) => ask(app.child, 'stats')));
        const of = (config) => {
          const i = apps.findIndex((app) => app.config === config);
          return {
            config: config.id,
            cpuMicrosPerRequest: (after[i].cpuMicros - before[i].cpuMicros) / loads[i].requests,
            p99Ms: loads[i].p99Ms,
            requests: loads[i].requests,
            failed: loads[i].failed,
          };
        };
        rounds.push({ pair: pair.id, round, baseline: of(pair.baseline), candidate: of(pair.candidate) });
      } finally {
        await Promise.all(apps.map((app) => stopApp(app.child)));
      }
    }
  }
  return rounds;
}

const ratioOf = (r) => r.candidate.cpuMicrosPerRequest / r.baseline.cpuMicrosPerRequest;

/** The section's table, its target and a summary per pair. */
export function sideBySideReport(plan, rounds) {
  const summary = Object.fromEntries(
    SIDE_BY_SIDE_PAIRS.map((pair) => {
      const mine = rounds.filter((r) => r.pair === pair.id);
      const ratios = mine.map(ratioOf);
      return [
        pair.id,
        {
          baseline: median(mine.map((r) => r.baseline.cpuMicrosPerRequest)),
          candidate: median(mine.map((r) => r.candidate.cpuMicrosPerRequest)),
          ratio: median(ratios),
          min: Math.min(...ratios),
          max: Math.max(...ratios),
          below: ratios.filter((x) => x < 1).length,
          rounds: ratios.length,
          baselineP99: median(mine.map((r) => r.baseline.p99Ms)),
          candidateP99: median(mine.map((r) => r.candidate.p99Ms)),
        },
      ];
    }),
  );
  const table = markdownTable(
    [
      'candidate',
      'baseline',
      'candidate CPU µs/req:',
      'baseline CPU µs/req:',
      'CPU ratio (median):',
      'min..max:',
      'rounds below 1:',
      'p99 ms candidate / baseline:',
    ],
    SIDE_BY_SIDE_PAIRS.map((pair) => {
      const s = summary[pair.id];
      return [
        pair.candidate.label,
        pair.baseline.label,
        s.candidate.toFixed(0),
        s.baseline.toFixed(0),
        s.ratio.toFixed(3),
        `${s.min.toFixed(3)}..${s.max.toFixed(3)}`,
        `${s.below} of ${s.rounds}`,
        `${s.candidateP99.toFixed(2)} / ${s.baselineP99.toFixed(2)}`,
      ];
    }),
  );
  const measured = Number(summary['stock-http'].ratio.toFixed(3));
  const targets = [
    {
      name: 'fixed rate, side by side: app CPU per request, add-on to ClickHouse HTTP / stock, both apps at once under the same load <= 1.0',
      target: 1,
      measured,
      met: Number.isFinite(measured) && measured <= 1,
    },
  ];
  const markdown = `### Side by side

The same apps and registers as above, two at a time: both configurations of a pair started, warmed up (${plan.warmSeconds} s) and measured (${plan.seconds} s) at once, each at ${plan.rate} requests/s from its own open-loop generator, ${plan.rounds} round(s) per pair with the start order alternated. Run at the same time, both pay the same noise of this shared machine, which sequential rounds do not: the ratio of their CPU per request is taken within each round, then the median. The two apps and the helpers share the 2 cores, so CPU per request reads higher than in the sequential rounds.

${table}
`;
  return { markdown, targets, summary };
}
