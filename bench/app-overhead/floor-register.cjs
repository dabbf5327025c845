// node --require floor-register.cjs app.mjs: the SDK floor, started like the stock register
// (@opentelemetry/auto-instrumentations-node/register: NodeSDK, every auto-instrumentation, the
// resource detectors from the environment) but with a BatchSpanProcessor over an exporter that
// only counts the spans, so tracing costs what the SDK alone costs. The packages are resolved
// from BENCH_OTEL_FROM, the same install the stock register and the add-on use.
const { createRequire } = require('node:module');
const { join } = require('node:path');

const load = createRequire(join(process.env.BENCH_OTEL_FROM, 'noop.js'));
const { NodeSDK, tracing } = load('@opentelemetry/sdk-node');
const auto = load('@opentelemetry/auto-instrumentations-node');

globalThis.__benchSpansExported = 0;
const countOnly = {
  export(spans, done) {
    globalThis.__benchSpansExported += spans.length;
    done({ code: 0 });
  },
  shutdown: async () => {},
  forceFlush: async () => {},
};
// The count is written at exit, after the SDK's last flush, so it includes the final batch.
const countFile = process.env.BENCH_SPAN_COUNT_FILE;
const sdk = new NodeSDK({
  instrumentations: auto.getNodeAutoInstrumentations(),
  resourceDetectors: auto.getResourceDetectors(),
  spanProcessors: [new tracing.BatchSpanProcessor(countOnly)],
});
sdk.start();
process.once('SIGTERM', () => {
  sdk.shutdown().finally(() => {
    if (countFile) require('node:fs').writeFileSync(countFile, String(globalThis.__benchSpansExported));
    process.exit(0);
  });
});
