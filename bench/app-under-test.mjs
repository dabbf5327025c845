// The HTTP service the overhead benchmark measures. BENCH_CONFIG picks the tracing:
//   none        no SDK (the handler's API calls are no-ops)
//   otlp        NodeSDK + BatchSpanProcessor + OTLP/HTTP exporter to the local sink
//   noop        NodeSDK + BatchSpanProcessor + an exporter that drops everything (the SDK floor)
//   tracepoint  NodeSDK + tracepoint's processors (caller, cleaner, aggregator, exporter) to
//               TRACEPOINT_CLICKHOUSE_URL, or to the embedded engine on TRACEPOINT_DATA_DIR
//   preloaded   tracing was started before the app by `node --import`/`--require` (the add-on's
//               register, the stock auto-instrumentations register, the SDK floor's): the app
//               only answers; 'stop' sends itself SIGTERM, whose handler the register installed
//               flushes the spans and exits, as when a user stops the app
// The handler: three child spans with attributes and one outgoing call to the downstream service.
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
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
if (config !== 'none' && config !== 'preloaded') {
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

/** CPU of this process's main thread so far, in µs (Linux /proc; clock ticks of 10 ms). */
function mainThreadCpuMicros() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

// The CPU profile of a measured window ('profile-start' .. 'profile-stop'), taken by the app's own
// inspector session, so it covers the load and not the start-up.
let profiler;
process.on('message', async (message) => {
  if (message === 'stats') {
    const cpu = process.cpuUsage();
    process.send({
      cpuMicros: cpu.user + cpu.system,
      mainThreadCpuMicros: mainThreadCpuMicros(),
      maxRssKiB: process.resourceUsage().maxRSS,
      spansExported: globalThis.__benchSpansExported,
    });
  } else if (message === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
    await profiler.post('Profiler.start');
    process.send('profiling');
  } else if (message === 'profile-stop') {
    const { profile } = await profiler.post('Profiler.stop');
    profiler.disconnect();
    process.send({ profile });
  } else if (message === 'stop') {
    server.close();
    agent.destroy();
    if (config === 'preloaded') {
      process.kill(process.pid, 'SIGTERM');
      return;
    }
    await sdk?.shutdown();
    process.exit(0);
  }
});
