// The app's downstream service and the OTLP sink in one untraced process:
// GET /inventory/:id answers a small JSON document; POST /v1/traces takes an
// OTLP export and answers 200, like a collector that keeps nothing.
import http from 'node:http';

const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ id: req.url.split('/').pop(), available: 42, warehouse: 'north' }));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
