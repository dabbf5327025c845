// The load generator: a fixed number of virtual users calling the gateway in a loop, with a
// realistic mix (product views, checkouts, order lookups, an occasional unknown product) and
// orchestrator-style health probes. Not traced: it stands for the shop's customers.

const PRODUCTS = 200;

function randomSku() {
  // A skewed popularity: low numbers are viewed far more often.
  const n = 1 + Math.floor(PRODUCTS * Math.random() ** 2);
  return `SKU-${String(n).padStart(4, '0')}`;
}

/**
 * Runs for `seconds` with `concurrency` users; calls `onProgress(stats)` every second.
 * Returns the totals: requests, failed (HTTP >= 400 or network errors), by status.
 */
export async function driveLoad({ gatewayUrl, probeUrls = [], seconds, concurrency = 8, onProgress }) {
  const stats = { requests: 0, failed: 0, byStatus: new Map(), elapsedMs: 0 };
  const orderIds = [];
  const started = Date.now();
  const deadline = started + seconds * 1000;

  async function call(method, path, body) {
    try {
      const response = await fetch(`${gatewayUrl}${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const answer = await response.json().catch(() => ({}));
      stats.byStatus.set(response.status, (stats.byStatus.get(response.status) ?? 0) + 1);
      if (response.status >= 400) stats.failed++;
      return answer;
    } catch {
      stats.failed++;
      return {};
    } finally {
      stats.requests++;
    }
  }

  async function user() {
    while (Date.now() < deadline) {
      const dice = Math.random();
      if (dice < 0.5) await call('GET', `/api/products/${randomSku()}`);
      else if (dice < 0.52) await call('GET', '/api/products/SKU-9999');
      else if (dice < 0.8) {
        const order = await call('POST', '/api/checkout', {
          sku: randomSku(),
          quantity: 1 + Math.floor(Math.random() * 3),
        });
        if (order.id) orderIds.push(order.id);
      } else if (orderIds.length > 0) {
        await call('GET', `/api/orders/${orderIds[Math.floor(Math.random() * orderIds.length)]}`);
      }
    }
  }

  const probes = setInterval(() => {
    for (const url of probeUrls) fetch(`${url}/healthz`).catch(() => {});
  }, 1000);
  const progress = setInterval(() => {
    stats.elapsedMs = Date.now() - started;
    onProgress?.(stats);
  }, 1000);
  try {
    await Promise.all(Array.from({ length: concurrency }, user));
  } finally {
    clearInterval(probes);
    clearInterval(progress);
  }
  stats.elapsedMs = Date.now() - started;
  return stats;
}
