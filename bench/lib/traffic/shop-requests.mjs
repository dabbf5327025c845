// The shop's three kinds of request, as spans of a ShopTraffic `s` (its services, tracers and seeded
// random numbers): product views, checkouts and order lookups.
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';

/** What ShopTraffic.end records for a thrown exception; `error` (a status message, or undefined) marks the span failed. */
const thrown = (error, name, message, stack, atMs) => ({ error, exception: { name, message, stack, atMs } });
const UPSTREAM_STACK =
  'UpstreamError: payments answered 503\n    at callJson (/app/service-runtime.mjs:33:11)\n    at placeOrder (/app/orders/orders.mjs:61:5)';
const PROVIDER_STACK =
  'PaymentProviderError: pay.example.com answered 503\n    at charge (/app/payments/charge.mjs:27:13)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)';
const VALIDATION_STACK =
  'ValidationError: coupon expired\n    at computeTotals (/app/orders/totals.mjs:41:11)\n    at createOrder (/app/orders/orders.mjs:88:19)';
const failedWith = (status) => ({ error: true, errorType: String(status) });

const PRODUCTS = {
  service: 'inventory',
  route: '/products/:sku',
  table: 'products',
  select: 'SELECT id, name, price, stock FROM products WHERE sku = $1',
};
const ORDERS = {
  service: 'orders',
  route: '/orders/:id',
  table: 'orders',
  select: 'SELECT * FROM orders WHERE id = $1',
};

/**
 * frontend GET /api{route} -> {service} GET {route} -> one SELECT on {table}; `handle` gives the
 * end of the service's span from the end of its query. A 404 fails the frontend's client span.
 */
function lookup(s, t0, { service, route, table, select }, path, status, handle) {
  const root = s.server('frontend', 'GET', `/api${route}`, `/api${path}`, status, t0, ROOT_CONTEXT);
  const call = s.call('frontend', 'GET', service, route, path, status, t0 + s.ms(0.2), root.ctx);
  const queried = s.db(service, 'SELECT', table, select, call.server.startMs + s.ms(0.3), call.server.ctx);
  let t = s.end(call.server, handle(queried));
  t = s.end(call.client, t + s.ms(0.4), status === 404 ? failedWith(404) : {});
  s.end(root, t + s.ms(0.3));
}

/** frontend GET /api/products/:sku -> inventory GET /products/:sku -> SELECT products; 10% slow, 2% unknown. */
export function productView(s, t0) {
  const sku = s.sku();
  const unknown = s.rand() < 0.02;
  const slow = s.rand() < 0.1;
  const handle = (t) => t + (slow ? 250 + s.rand() * 400 : s.ms(0.5));
  lookup(s, t0, PRODUCTS, `/products/${sku}`, unknown ? 404 : 200, handle);
}

/**
 * frontend POST /api/checkout -> orders POST /orders -> (inventory price lookup, totals, payments
 * POST /charges -> pay.example.com, INSERT orders). 8% of payments fail with PaymentProviderError.
 */
export function checkout(s, t0) {
  const sku = s.sku();
  const failed = s.rand() < 0.08;
  const status = failed ? 502 : 201;
  const root = s.server('frontend', 'POST', '/api/checkout', '/api/checkout', status, t0, ROOT_CONTEXT);
  const order = s.call('frontend', 'POST', 'orders', '/orders', '/orders', status, t0 + s.ms(0.3), root.ctx);
  const at = order.server;
  // The price from inventory.
  const price = s.call(
    'orders',
    'GET',
    'inventory',
    '/products/:sku/price',
    `/products/${sku}/price`,
    200,
    at.startMs + s.ms(0.3),
    at.ctx,
  );
  const select = 'SELECT price FROM products WHERE sku = $1';
  let t = s.db('inventory', 'SELECT', 'products', select, price.server.startMs + s.ms(0.2), price.server.ctx);
  t = s.end(price.server, t + s.ms(0.3));
  t = s.end(price.client, t + s.ms(0.4));
  t = totals(s, sku, t, at.ctx);
  t = payment(s, failed, t, at.ctx);
  if (!failed) {
    const insert = 'INSERT INTO orders (sku, amount, status) VALUES ($1, $2, $3)';
    t = s.db('orders', 'INSERT', 'orders', insert, t + s.ms(0.2), at.ctx);
  }
  const upstream = thrown(
    'payment failed',
    'UpstreamError',
    'payments answered 503',
    UPSTREAM_STACK,
    t + 0.1,
  );
  t = s.end(at, t + s.ms(0.3), failed ? upstream : {});
  t = s.end(order.client, t + s.ms(0.4), failed ? failedWith(502) : {});
  s.end(root, t + s.ms(0.3), failed ? failedWith(502) : {});
}

/** The order's totals, in process; 1% raise a handled validation exception. Returns the end time. */
function totals(s, sku, t, parent) {
  const attributes = { 'code.function.name': 'orders.computeTotals' };
  const totals = s.start('orders', 'app', 'computeTotals', SpanKind.INTERNAL, attributes, t + 0.1, parent);
  const end = t + 0.1 + s.ms(0.8);
  if (!(s.rand() < 0.01)) return s.end(totals, end);
  const message = `coupon expired for ${sku}`;
  return s.end(totals, end, thrown(undefined, 'ValidationError', message, VALIDATION_STACK, end - 0.05));
}

/** orders POST /charges -> payments -> pay.example.com; returns the end time of the orders client span. */
function payment(s, failed, t, parent) {
  const status = failed ? 503 : 201;
  const pay = s.call('orders', 'POST', 'payments', '/charges', '/charges', status, t + s.ms(0.2), parent);
  const charge = pay.server;
  const provider = s.client(
    'payments',
    'POST',
    'pay.example.com',
    '/v1/charges',
    failed ? 503 : 200,
    charge.startMs + s.ms(0.3),
    charge.ctx,
  );
  t = s.end(provider, provider.startMs + s.ms(failed ? 120 : 80, 0.4), failed ? failedWith(503) : {});
  const message = 'pay.example.com answered 503';
  const unavailable = thrown(
    'payment provider unavailable',
    'PaymentProviderError',
    message,
    PROVIDER_STACK,
    t + 0.2,
  );
  t = s.end(charge, t + s.ms(0.5), failed ? unavailable : {});
  return s.end(pay.client, t + s.ms(0.4), failed ? failedWith(503) : {});
}

/** frontend GET /api/orders/:id -> orders GET /orders/:id -> SELECT orders; 3% unknown. */
export function orderLookup(s, t0) {
  const id = `ord_${Math.floor(s.rand() * 1e6)}`;
  const unknown = s.rand() < 0.03;
  lookup(s, t0, ORDERS, `/orders/${id}`, unknown ? 404 : 200, (t) => t + s.ms(0.4));
}
