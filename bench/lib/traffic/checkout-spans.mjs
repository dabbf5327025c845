// Traffic source of the pipeline benchmark: one "checkout" service's traces built once, in
// memory, with the real SDK (HTTP server and client, PostgreSQL and internal spans, 5 to 8 per
// trace, some with a real exception), seeded so every run builds the same spans.
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { hexOf, pick, seededIdGenerator, seededRandom } from '../seeded-random.mjs';
import { nodeServiceResource } from './resource.mjs';
import { httpClientAttributes, httpServerAttributes, postgresAttributes } from './span-attributes.mjs';

class DatabaseError extends Error {
  constructor(message) {
    super(message);
    this.name = 'DatabaseError';
  }
}

// A few frames deep, like a real failure inside a driver, so the exception event carries a real stack.
function readRow(row) {
  if (row.timeout) throw new DatabaseError('canceling statement due to statement timeout');
  return row.value.total;
}
function sumOrder(rows) {
  return rows.reduce((sum, row) => sum + readRow(row), 0);
}
function failure(kind) {
  try {
    sumOrder(kind === 'db' ? [{ timeout: true }] : [{ value: undefined }]);
  } catch (error) {
    return error;
  }
  return new Error('unreachable');
}

const ROUTES = [
  { method: 'GET', route: '/api/orders/:id', path: (r) => `/api/orders/${100000 + ((r() * 900000) | 0)}` },
  { method: 'POST', route: '/api/orders', path: () => '/api/orders' },
  { method: 'GET', route: '/api/users/:userId/cart', path: (r) => `/api/users/${(r() * 50000) | 0}/cart` },
  {
    method: 'PUT',
    route: '/api/cart/items/:itemId',
    path: (r) => `/api/cart/items/SKU-${(r() * 99999) | 0}`,
  },
  { method: 'GET', route: '/api/products', path: () => '/api/products' },
  // No http.route (a plain handler): the cleaner templates url.path and names the span.
  { method: 'GET', path: (r) => `/legacy/report/2024-05-${10 + ((r() * 18) | 0)}/${hexOf(r, 24)}` },
];
const DOWNSTREAMS = [
  {
    host: 'inventory.internal',
    port: 8080,
    path: (r) => `/v1/stock/SKU-${(r() * 99999) | 0}?warehouse=${(r() * 9) | 0}&fresh=true`,
  },
  { host: 'payments.internal', port: 8443, path: (r) => `/v2/charges/ch_${hexOf(r, 20)}?expand=customer` },
  {
    host: 'api.shipping-partner.com',
    port: 443,
    path: (r) => `/rates?zip=${10000 + ((r() * 89999) | 0)}&weight=${(r() * 20).toFixed(1)}`,
  },
];
const QUERIES = [
  {
    op: 'SELECT',
    table: 'orders',
    text: (r) => `SELECT id, status, total FROM orders WHERE id = ${(r() * 900000) | 0} AND tenant = 'acme'`,
  },
  {
    op: 'SELECT',
    table: 'order_items',
    text: (r) =>
      `SELECT sku, qty, price FROM order_items WHERE order_id = ${(r() * 900000) | 0} ORDER BY position LIMIT 50`,
  },
  {
    op: 'INSERT',
    table: 'orders',
    text: (r) =>
      `INSERT INTO orders (customer_id, total, currency) VALUES (${(r() * 50000) | 0}, ${(r() * 500).toFixed(2)}, 'EUR')`,
  },
  {
    op: 'UPDATE',
    table: 'carts',
    text: (r) =>
      `UPDATE carts SET updated_at = now(), items = items + 1 WHERE user_id = ${(r() * 50000) | 0}`,
  },
];
const INTERNALS = ['validateCart', 'computeTotals', 'applyDiscounts', 'renderResponse'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'okhttp/4.12.0',
];

/** Real SDK spans, ended in the order an app ends them (children before their parent). */
export function buildCheckoutSpans(count, seed = 42) {
  const random = seededRandom(seed);
  const spans = [];
  const collector = {
    onStart() {},
    onEnd: (span) => spans.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new BasicTracerProvider({
    resource: nodeServiceResource({
      service: 'checkout',
      version: '2.14.1',
      instanceId: '6f1c2a0e-5b7d-4c1e-9a3f-2d8e7b6c5a41',
      environment: 'production',
      host: 'checkout-7d9f8b6c5-x2kqp',
      pid: 4242,
      runtimeVersion: process.versions.node,
    }),
    idGenerator: seededIdGenerator(random),
    spanProcessors: [collector],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  const dbTracer = provider.getTracer('@opentelemetry/instrumentation-pg', '0.55.0');
  const appTracer = provider.getTracer('checkout', '2.14.1');

  // Times near now (the last ~30 s): the cleaner shifts spans that end more than
  // maxClockSkewMillis (5 min) away from its clock, which would add work the app never sees.
  const baseMicros = (Date.now() - 30_000) * 1000;
  const hr = (micros) => [Math.floor(micros / 1e6), Math.round(micros % 1e6) * 1000];

  /** A child span's kind, name and attributes; `roll` (drawn by the caller) picks the kind. */
  const child = (roll, failing) => {
    if (roll < 0.45) {
      const query = pick(random, QUERIES);
      return {
        tracer: dbTracer,
        name: `${query.op} shop.${query.table}`,
        kind: SpanKind.CLIENT,
        attributes: postgresAttributes({
          database: 'shop',
          operation: query.op,
          table: query.table,
          query: query.text(random),
          host: 'pg-primary.internal',
        }),
        failure: failing && 'db',
        message: 'canceling statement due to statement timeout',
      };
    }
    if (roll < 0.75) {
      const downstream = pick(random, DOWNSTREAMS);
      // Left Unset on purpose for 4xx/5xx: filling the status from the code is the cleaner's job.
      const status = failing ? 503 : random() < 0.03 ? 404 : 200;
      return {
        tracer,
        name: 'GET',
        kind: SpanKind.CLIENT,
        attributes: httpClientAttributes({
          method: 'GET',
          url: `https://${downstream.host}:${downstream.port}${downstream.path(random)}`,
          host: downstream.host,
          port: downstream.port,
          protocol: '1.1',
          status,
        }),
      };
    }
    return {
      tracer: appTracer,
      name: pick(random, INTERNALS),
      kind: SpanKind.INTERNAL,
      attributes: { 'code.function.name': 'handler', 'app.cart.items': (random() * 12) | 0 },
      failure: failing && 'app',
      message: "Cannot read properties of undefined (reading 'total')",
    };
  };

  while (spans.length < count) {
    const t0 = baseMicros + random() * 29_000_000;
    const entry = pick(random, ROUTES);
    const failing = random() < 0.04;
    const rootStatus = failing ? 500 : entry.method === 'POST' ? 201 : random() < 0.05 ? 404 : 200;
    const root = tracer.startSpan(entry.route ? `${entry.method} ${entry.route}` : entry.method, {
      kind: SpanKind.SERVER,
      startTime: hr(t0),
      attributes: httpServerAttributes({
        method: entry.method,
        path: entry.path(random),
        scheme: 'https',
        route: entry.route,
        host: 'shop.example.com',
        port: 443,
        // The ingress pods in front of the service: a handful of callers, as behind any load balancer.
        clientAddress: `10.42.${(random() * 4) | 0}.${10 + ((random() * 4) | 0)}`,
        userAgent: pick(random, USER_AGENTS),
        protocol: '1.1',
      }),
    });
    const rootContext = trace.setSpan(context.active(), root);
    let t = t0 + 200 + random() * 300;
    // 4 to 7 children: 5 to 8 spans per trace.
    const children = 4 + ((random() * 4) | 0);
    const failAt = failing ? (random() * children) | 0 : -1;
    for (let c = 0; c < children; c++) {
      const roll = random();
      const duration = 100 + random() * (roll < 0.5 ? 3_000 : 20_000);
      const spec = child(roll, c === failAt);
      const span = spec.tracer.startSpan(
        spec.name,
        { kind: spec.kind, startTime: hr(t), attributes: spec.attributes },
        rootContext,
      );
      if (spec.failure) {
        span.recordException(failure(spec.failure), hr(t + duration));
        span.setStatus({ code: SpanStatusCode.ERROR, message: spec.message });
      }
      span.end(hr(t + duration));
      t += duration + 20 + random() * 100;
    }
    root.setAttribute('http.response.status_code', rootStatus);
    if (failing) {
      root.recordException(failure('app'), hr(t));
      root.setStatus({ code: SpanStatusCode.ERROR });
    }
    root.end(hr(t + 50 + random() * 200));
  }
  return spans.slice(0, count);
}
