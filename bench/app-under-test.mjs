// The HTTP service the overhead benchmark measures. BENCH_CONFIG picks the tracing:
//   none        no SDK (the handler's API calls are no-ops)
//   otlp        NodeSDK + BatchSpanProcessor + OTLP/HTTP exporter to the local sink
//   noop        NodeSDK + BatchSpanProcessor + an exporter that drops everything (the SDK floor)
//   tracepoint  NodeSDK + tracepoint's processors (caller, cleaner, aggregator, exporter) to
//               TRACEPOINT_CLICKHOUSE_URL, or to the embedded engine on TRACEPOINT_DATA_DIR
// The handler: three child spans with attributes and one outgoing call to the downstream service.
import { createRequire } from 'node:module';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const config = process.env.BENCH_CONFIG ?? 'none';
const downstream = process.env.BENCH_DOWNSTREAM_URL;
process.env.OTEL_METRICS_EXPORTER = 'none';
process.env.OTEL_LOGS_EXPORTER = 'none';

let sdk;
if (config !== 'none') {
  let spanProcessors;
  if (config === 'otlp') {
    spanProcessors = [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${downstream}/v1/traces` }))];
  } else if (config === 'noop') {
    const dropAll = {
      export: (_spans, done) => done({ code: 0 }),
      shutdown: async () => {},
      forceFlush: async () => {},
    };
    spanProcessors = [new BatchSpanProcessor(dropAll)];
  } else if (config === 'tracepoint') {
    const { tracepointSpanProcessors } = await import('@tracepoint/node');
    const { createEmbeddedClient } = await import('@tracepoint/clickhouse-local');
    const exporter = process.env.TRACEPOINT_CLICKHOUSE_URL
      ? {}
      : { client: createEmbeddedClient({ path: process.env.TRACEPOINT_DATA_DIR }) };
    // BENCH_TRACEPOINT_OFF (comma-separated caller, cleaner, aggregator) switches parts off, to
    // see what each costs; unset in the benchmark itself.
    const off = new Set((process.env.BENCH_TRACEPOINT_OFF ?? '').split(',').filter(Boolean));
    spanProcessors = tracepointSpanProcessors({
      exporter,
      caller: off.has('caller') ? false : undefined,
      cleaner: off.has('cleaner') ? false : undefined,
      aggregator: off.has('aggregator') ? false : undefined,
    }).spanProcessors;
  } else {
    throw new Error(`BENCH_CONFIG must be none, otlp, noop or tracepoint, got ${config}`);
  }
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': 'bench-app', 'service.version': '1.0.0' }),
    spanProcessors,
    instrumentations: [new HttpInstrumentation()],
  });
  sdk.start();
}

// Required after start() so the instrumentation patches it.
const http = createRequire(import.meta.url)('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const tracer = trace.getTracer('bench-app');

function getJson(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve(JSON.parse(body)));
      })
      .on('error', reject);
  });
}

function inSpan(name, attributes, work) {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return work(span);
    } finally {
      span.end();
    }
  });
}

let sequence = 0;
const server = http.createServer(async (req, res) => {
  try {
    const id = String(++sequence % 1000);
    inSpan('validate order', { 'app.order.id': id, 'app.items': 3 }, () => {
      if (!req.url.startsWith('/orders/')) throw new Error('bad path');
    });
    const stock = await getJson(`${downstream}/inventory/${id}`);
    const total = inSpan('price order', { 'app.currency': 'EUR', 'app.discount': false }, (span) => {
      let sum = 0;
      for (let i = 0; i < 200; i++) sum += (i * 37) % 11;
      span.setAttribute('app.total', sum);
      return sum;
    });
    const body = inSpan('render response', { 'app.format': 'json' }, () =>
      JSON.stringify({ id, total, available: stock.available }),
    );
    res.setHeader('content-type', 'application/json');
    res.end(body);
  } catch (error) {
    trace.getActiveSpan()?.setStatus({ code: SpanStatusCode.ERROR });
    res.statusCode = 500;
    res.end(String(error));
  }
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));

process.on('message', async (message) => {
  if (message === 'stats') {
    const cpu = process.cpuUsage();
    process.send({ cpuMicros: cpu.user + cpu.system, maxRssKiB: process.resourceUsage().maxRSS });
  } else if (message === 'stop') {
    server.close();
    agent.destroy();
    await sdk?.shutdown();
    process.exit(0);
  }
});
