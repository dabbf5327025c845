// The span source of the insert-shape benchmark: BENCH_SPANS_PER_SECOND spans per second for
// BENCH_SECONDS through tracepoint's full pipeline to TRACEPOINT_CLICKHOUSE_URL. Traces of five
// spans (lib/traffic/order-traces.mjs), started in small bursts every 10 ms.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { tracepointSpanProcessors } from '@tracepoint/node';
import { orderTrace } from './lib/traffic/order-traces.mjs';

const rate = Number(process.env.BENCH_SPANS_PER_SECOND ?? 10_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const pipeline = tracepointSpanProcessors({});
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'insert-shape', 'service.version': '1.0.0' }),
  spanProcessors: pipeline.spanProcessors,
});
const tracer = provider.getTracer('bench');

let made = 0;
const started = Date.now();
let n = 0;
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const elapsed = (Date.now() - started) / 1000;
    if (elapsed >= seconds) {
      clearInterval(timer);
      resolve();
      return;
    }
    // Catch up to the target rate (the timer is not exact).
    while (made < elapsed * rate) made += orderTrace(tracer, n++);
  }, 10);
});
await provider.shutdown();
process.send?.({ spans: made, seconds: (Date.now() - started) / 1000, exporter: pipeline.exporter.stats() });
