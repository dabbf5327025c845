// The span source of the insert-shape benchmark: BENCH_SPANS_PER_SECOND spans per second for
// BENCH_SECONDS through tracepoint's full pipeline to TRACEPOINT_CLICKHOUSE_URL. Traces of five
// spans (server, three internal, one client), started in small bursts every 10 ms.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { tracepointSpanProcessors } from '@tracepoint/node';

const rate = Number(process.env.BENCH_SPANS_PER_SECOND ?? 10_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const pipeline = tracepointSpanProcessors({});
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'insert-shape', 'service.version': '1.0.0' }),
  spanProcessors: pipeline.spanProcessors,
});
const tracer = provider.getTracer('bench');

let made = 0;
function trace5(n) {
  const server = tracer.startSpan(`GET /orders/:id`, {
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': 'GET',
      'http.route': '/orders/:id',
      'url.path': `/orders/${n % 5000}`,
      'http.response.status_code': n % 50 === 0 ? 500 : 200,
      'server.address': 'orders.internal',
      'server.port': 8080,
    },
  });
  const parent = trace.setSpan(context.active(), server);
  for (const step of ['validate', 'price', 'render']) {
    tracer.startSpan(step, { attributes: { 'app.step': step, 'app.order': n % 5000 } }, parent).end();
  }
  const client = tracer.startSpan(
    'GET',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        'url.full': `http://inventory.internal:8080/stock/${n % 300}`,
        'server.address': 'inventory.internal',
        'server.port': 8080,
        'http.response.status_code': 200,
      },
    },
    parent,
  );
  client.end();
  server.end();
  made += 5;
}

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
    while (made < elapsed * rate) trace5(n++);
  }, 10);
});
await provider.shutdown();
process.send?.({ spans: made, seconds: (Date.now() - started) / 1000, exporter: pipeline.exporter.stats() });
