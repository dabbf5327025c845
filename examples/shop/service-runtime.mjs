// What the three shop services share: listening on SHOP_PORT (0 = any free port, announced on
// stdout for the demo), health probes, JSON calls to other services and an error handler that
// turns thrown errors into HTTP answers. Nothing here knows about tracing: the add-on
// (`node --import @tracepoint/node/register`) instruments express, fetch and pg from outside.

/** Starts `app` and prints `<name> listening <port>`, the line the demo waits for. */
export function listen(app, name) {
  // Probes as an orchestrator would send them; tracepoint's cleaner drops their spans.
  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  app.use((error, _req, res, _next) => {
    const status = error.status ?? 500;
    res.status(status).json({ error: error.name, message: error.message });
  });
  const server = app.listen(Number(process.env.SHOP_PORT ?? 0), '127.0.0.1', () => {
    console.log(`${name} listening ${server.address().port}`);
  });
  return server;
}

/** An upstream's base URL from the environment, e.g. SHOP_INVENTORY_URL. */
export function upstream(variable) {
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} is not set (the demo sets it; run examples/shop/demo.mjs)`);
  return url;
}

/** An HTTP error an upstream answered with, passed on with its status. */
export class UpstreamError extends Error {
  constructor(url, status, body) {
    super(`${url} answered ${status}: ${body.message ?? ''}`);
    this.name = 'UpstreamError';
    this.status = status >= 500 ? 502 : status;
  }
}

/** fetch with a JSON body and answer; a non-2xx answer throws UpstreamError. */
export async function callJson(url, init = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = await response.json();
  if (!response.ok) throw new UpstreamError(url, response.status, body);
  return body;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
