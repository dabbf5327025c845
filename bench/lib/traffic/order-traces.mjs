// Traffic source of the insert-shape benchmark: small traces of five spans (an HTTP server span,
// three internal steps, one HTTP client call), numbered so paths and statuses repeat.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { httpClientAttributes, httpServerAttributes } from './span-attributes.mjs';

/** Trace number `n` on `tracer`, ended now; returns the number of spans it made (5). */
export function orderTrace(tracer, n) {
  const server = tracer.startSpan('GET /orders/:id', {
    kind: SpanKind.SERVER,
    attributes: httpServerAttributes({
      method: 'GET',
      route: '/orders/:id',
      path: `/orders/${n % 5000}`,
      host: 'orders.internal',
      port: 8080,
      status: n % 50 === 0 ? 500 : 200,
    }),
  });
  const parent = trace.setSpan(context.active(), server);
  for (const step of ['validate', 'price', 'render']) {
    tracer.startSpan(step, { attributes: { 'app.step': step, 'app.order': n % 5000 } }, parent).end();
  }
  const attributes = httpClientAttributes({
    method: 'GET',
    url: `http://inventory.internal:8080/stock/${n % 300}`,
    host: 'inventory.internal',
    port: 8080,
    status: 200,
  });
  tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes }, parent).end();
  server.end();
  return 5;
}
