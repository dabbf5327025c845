// The smallest end-to-end run: a real instrumented HTTP call (fetch -> node:http),
// exported by @tracepoint/exporter-clickhouse to the local store, read back with SQL.
// ClickHouse never runs in this process: a directory as `url` means the store service on it
// (chDB behind the ClickHouse HTTP interface in its own process, started on first use, shared
// by every traced process and `tracepoint dashboard`, stopping itself when idle).
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ensureStoreService } from '@tracepoint/clickhouse-local/store';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';

const dataDir = resolve(process.env.TRACEPOINT_DATA_DIR ?? '.tracepoint/clickhouse');
const exporter = new ClickHouseSpanExporter({ url: dataDir });

// This example sends traces only; without these NodeSDK would also push metrics and logs to an OTLP endpoint.
process.env.OTEL_METRICS_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';

const sdk = new NodeSDK({
  resource: resourceFromAttributes({ 'service.name': 'quickstart' }),
  spanProcessors: [new SimpleSpanProcessor(exporter)],
  instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
});
sdk.start();

// Instrumentations patch modules as they are require()d. An ESM import of node:http would bypass
// that (the register entry of a later release installs the ESM loader hook); require it after start().
const http = createRequire(import.meta.url)('node:http');

const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ hello: 'tracepoint', path: req.url }));
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const { port } = server.address();

const response = await fetch(`http://127.0.0.1:${port}/hello?who=world`);
console.log(`GET /hello -> ${response.status} ${await response.text()}`);

await new Promise((done) => server.close(done));
// Flush before shutdown: on OpenTelemetry JS 2.x, SimpleSpanProcessor holds spans until the
// resource's async attributes settle, and its shutdown() does not wait for them.
await trace.getTracerProvider().getDelegate?.().forceFlush?.();
await sdk.shutdown();

// Any ClickHouse client reads the store over HTTP (`pnpm tracepoint query "<SQL>"` does the same).
const { url } = await ensureStoreService(dataDir);
const sql = `SELECT SpanKind, SpanName, ServiceName, TraceId, Duration,
                    SpanAttributes['http.response.status_code'] AS status
             FROM otel_traces
             WHERE Timestamp > now() - INTERVAL 1 MINUTE AND ServiceName = 'quickstart'
             ORDER BY Timestamp
             FORMAT JSONEachRow`;
const answer = await fetch(`${url}/?query=${encodeURIComponent(sql)}`);
if (!answer.ok) throw new Error(`query failed: ${await answer.text()}`);
const rows = (await answer.text())
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
console.table(rows);
console.log(`Spans are in ${dataDir} (table otel_traces), served by the store service at ${url}.`);
console.log(`Query them over HTTP: pnpm clickhouse:local --path ${dataDir}`);
