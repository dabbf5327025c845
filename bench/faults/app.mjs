// The traced app of the fault benchmark. It ends RATE spans per second (in 10 ms ticks) through
// the real SDK into ClickHouseSpanExporter with a spill directory, configured as a user would (the
// exporter's defaults plus the URL and the spill; EXPORTER_OPTIONS, JSON, only shortens the smoke size's timeouts),
// and prints one JSON line every REPORT_MS: spans ended, the exporter's stats, the event loop's
// delay over the window (max and p99, monitorEventLoopDelay), stalls over 50 ms seen by its own
// ticker, and RSS. On SIGTERM it stops, shuts the provider down and prints a line with final: true.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ClickHouseSpanExporter, ExportingSpanProcessor } from '@tracepoint/exporter-clickhouse';

const TICK_MILLIS = 10;
const STALL_MILLIS = 50;
const rate = Number(process.env.RATE);
const exporter = new ClickHouseSpanExporter({
  url: process.env.CLICKHOUSE_URL,
  spill: { dir: process.env.SPILL_DIR },
  ...JSON.parse(process.env.EXPORTER_OPTIONS ?? '{}'),
  logger: {
    warn: (line) => console.error(`warn: ${line}`),
    error: (line) => console.error(`error: ${line}`),
  },
});
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': process.env.SERVICE }),
  spanProcessors: [new ExportingSpanProcessor(exporter)],
});
const tracer = provider.getTracer('fault-app');

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let ended = 0;
let stalls = 0;
let worstStall = 0;
let due = performance.now() + TICK_MILLIS;
let owed = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  const late = now - due;
  if (late > STALL_MILLIS) {
    stalls++;
    worstStall = Math.max(worstStall, late);
  }
  due = now + TICK_MILLIS;
  // The rate holds across late ticks: what a late tick owes is ended with it.
  owed += (rate * Math.max(TICK_MILLIS, late + TICK_MILLIS)) / 1000;
  for (; owed >= 1; owed--) {
    tracer
      .startSpan('GET /items/:id', {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/items/:id',
          'url.path': `/items/${ended % 97}`,
          seq: ended++,
        },
      })
      .end();
  }
}, TICK_MILLIS);

function line(extra) {
  const row = {
    ended,
    stats: exporter.stats(),
    loopDelayMaxMs: delay.max / 1e6,
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    stalls,
    worstStallMs: worstStall,
    rssBytes: process.memoryUsage.rss(),
    ...extra,
  };
  delay.reset();
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
const reporter = setInterval(line, Number(process.env.REPORT_MS ?? 500));

process.once('SIGTERM', () => {
  clearInterval(ticker);
  clearInterval(reporter);
  const alive = setInterval(() => {}, 1_000);
  void provider.shutdown().then(() => {
    line({ final: true });
    clearInterval(alive);
  });
});
