// Item 2 of the benchmarks: spans per CPU second through each stage of tracepoint's in-process
// pipeline (mapping, cleaning, aggregation, row encoding, and all of them chained as the batch
// path runs them), against the serializers the stock OTLP exporters use, on the same pre-built
// real SDK spans. One thread, no I/O: this is the CPU the pipeline costs the app per span.

import { pathToFileURL } from 'node:url';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  attributesMapJson,
  OtelTracesLineEncoder,
  RowBatch,
  rowLine,
  tracePointSpanRow,
} from '@tracepoint/exporter-clickhouse';
import { AggregatorSpanProcessor } from '@tracepoint/processor-aggregator';
import { CleanerSpanProcessor } from '@tracepoint/processor-cleaner';
import { createSpanMapper, forgetSpanMapping, mapSpan } from '@tracepoint/semantic-mapping';
import { seededRandom } from './seeded-random.mjs';

// Full: enough distinct spans that no stage runs out of a warm cache of a few objects; each stage
// repeats passes until minMillis so one sample is long enough for timer and CPU-clock resolution.
const SIZES = {
  smoke: { spans: 2_000, warmupRounds: 1, rounds: 1, minMillis: 0 },
  full: { spans: 20_000, warmupRounds: 2, rounds: 7, minMillis: 300 },
};
// BatchSpanProcessor's default maxExportBatchSize: the batch every OTLP exporter serializes.
const BATCH = 512;
const SECONDS_PER_DAY = 86_400;

// ---------------------------------------------------------------------------------------------
// Span generation: seeded so every run builds the same spans (ids, attributes, durations).

/** The SDK's RandomIdGenerator uses Math.random; this one makes the ids repeatable too. */
function seededIdGenerator(random) {
  const hex = (chars) => {
    let out = '';
    for (let i = 0; i < chars; i++) out += ((random() * 16) | 0).toString(16);
    return out;
  };
  return { generateTraceId: () => hex(32), generateSpanId: () => hex(16) };
}

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
  {
    method: 'GET',
    route: undefined,
    path: (r) => `/legacy/report/2024-05-${10 + ((r() * 18) | 0)}/${hexOf(r, 24)}`,
  },
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

function hexOf(random, chars) {
  let out = '';
  for (let i = 0; i < chars; i++) out += ((random() * 16) | 0).toString(16);
  return out;
}
const pick = (random, list) => list[(random() * list.length) | 0];

/** Real SDK spans, ended in the order an app ends them (children before their parent). */
export function buildSpans(count, seed = 42) {
  const random = seededRandom(seed);
  const spans = [];
  const collector = {
    onStart() {},
    onEnd: (span) => spans.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '2.14.1',
      'service.instance.id': '6f1c2a0e-5b7d-4c1e-9a3f-2d8e7b6c5a41',
      'deployment.environment.name': 'production',
      'host.name': 'checkout-7d9f8b6c5-x2kqp',
      'process.pid': 4242,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': '2.12.1',
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

  while (spans.length < count) {
    const t0 = baseMicros + random() * 29_000_000;
    const entry = pick(random, ROUTES);
    const failing = random() < 0.04;
    const rootStatus = failing ? 500 : entry.method === 'POST' ? 201 : random() < 0.05 ? 404 : 200;
    const root = tracer.startSpan(entry.route ? `${entry.method} ${entry.route}` : entry.method, {
      kind: SpanKind.SERVER,
      startTime: hr(t0),
      attributes: {
        'http.request.method': entry.method,
        'url.path': entry.path(random),
        'url.scheme': 'https',
        ...(entry.route ? { 'http.route': entry.route } : {}),
        'server.address': 'shop.example.com',
        'server.port': 443,
        // The ingress pods in front of the service: a handful of callers, as behind any load balancer.
        'client.address': `10.42.${(random() * 4) | 0}.${10 + ((random() * 4) | 0)}`,
        'user_agent.original': pick(random, USER_AGENTS),
        'network.protocol.version': '1.1',
      },
    });
    const rootContext = trace.setSpan(context.active(), root);
    let t = t0 + 200 + random() * 300;
    // 4 to 7 children: 5 to 8 spans per trace.
    const children = 4 + ((random() * 4) | 0);
    const failAt = failing ? (random() * children) | 0 : -1;
    for (let c = 0; c < children; c++) {
      const roll = random();
      const duration = 100 + random() * (roll < 0.5 ? 3_000 : 20_000);
      let span;
      if (roll < 0.45) {
        const query = pick(random, QUERIES);
        span = dbTracer.startSpan(
          `${query.op} shop.${query.table}`,
          {
            kind: SpanKind.CLIENT,
            startTime: hr(t),
            attributes: {
              'db.system.name': 'postgresql',
              'db.namespace': 'shop',
              'db.operation.name': query.op,
              'db.collection.name': query.table,
              'db.query.text': query.text(random),
              'server.address': 'pg-primary.internal',
              'server.port': 5432,
            },
          },
          rootContext,
        );
        if (c === failAt) {
          span.recordException(failure('db'), hr(t + duration));
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: 'canceling statement due to statement timeout',
          });
        }
      } else if (roll < 0.75) {
        const downstream = pick(random, DOWNSTREAMS);
        const status = c === failAt ? 503 : random() < 0.03 ? 404 : 200;
        span = tracer.startSpan(
          'GET',
          {
            kind: SpanKind.CLIENT,
            startTime: hr(t),
            attributes: {
              'http.request.method': 'GET',
              'url.full': `https://${downstream.host}:${downstream.port}${downstream.path(random)}`,
              'server.address': downstream.host,
              'server.port': downstream.port,
              'network.protocol.version': '1.1',
              'http.response.status_code': status,
            },
          },
          rootContext,
        );
        // Left Unset on purpose for 4xx/5xx: filling the status from the code is the cleaner's job.
      } else {
        span = appTracer.startSpan(
          pick(random, INTERNALS),
          {
            kind: SpanKind.INTERNAL,
            startTime: hr(t),
            attributes: { 'code.function.name': 'handler', 'app.cart.items': (random() * 12) | 0 },
          },
          rootContext,
        );
        if (c === failAt) {
          span.recordException(failure('app'), hr(t + duration));
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: "Cannot read properties of undefined (reading 'total')",
          });
        }
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

// ---------------------------------------------------------------------------------------------
// Row encoding with the exporter's own encoders (OtelTracesLineEncoder, tracePointSpanRow +
// rowLine) into its RowBatch: one JSONCompactEachRow line per row with its UTC day, turned into
// UTF-8 chunks as the batch grows, as the exporter's queues do. A batch is cut every 512 spans
// here so it is the same unit the OTLP serializers produce.

/** Both tables' rows for a stream of spans; every BATCH spans the insert bodies are built. */
function rowEncoder() {
  const traceLines = new OtelTracesLineEncoder();
  let traces = new RowBatch();
  let points = new RowBatch();
  let spans = 0;
  let bodyBytes = 0;
  const bodySize = (batch) => {
    let size = 0;
    for (const chunk of batch.body({ from: 0, to: batch.rows })) size += chunk.length;
    return size;
  };
  const flush = () => {
    bodyBytes += bodySize(traces);
    if (points.rows > 0) bodyBytes += bodySize(points);
    traces = new RowBatch();
    points = new RowBatch();
    spans = 0;
  };
  return {
    add(span, tracePoints) {
      const day = Math.floor(span.startTime[0] / SECONDS_PER_DAY);
      traces.append(traceLines.line(span), day);
      const pointRow = tracePointSpanRow(span, tracePoints);
      if (pointRow !== undefined) points.append(rowLine(pointRow), day);
      if (++spans === BATCH) flush();
    },
    end() {
      if (spans > 0) flush();
      const bytes = bodyBytes;
      bodyBytes = 0;
      return bytes;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Stages. Each pass() runs once over the spans and returns a number (points, keys, bytes), which
// is kept so no work can be optimized away. Every stage has its own processor instances, so one
// stage's state (cleaner path guard, aggregator keys) never does another's work.

const noopSink = { writeStats: async () => 0 };
const quietLogger = { warn: () => {} };

function makeStages(spans) {
  const batches = [];
  for (let i = 0; i < spans.length; i += BATCH) batches.push(spans.slice(i, i + BATCH));

  // Row encoding alone: points are mapped up front, so this stage is the encoding only. mapSpan
  // (not a createSpanMapper mapper) leaves nothing on the spans, so no later stage reuses it.
  const premapped = spans.map((span) => mapSpan(span));

  let cleaned = 0;
  const cleaner = new CleanerSpanProcessor({
    logger: quietLogger,
    next: {
      onStart() {},
      onEnd() {
        cleaned++;
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  });

  // Long interval: nothing is flushed mid-run; the same interval's keys are hit again every pass.
  const aggregator = new AggregatorSpanProcessor({
    sink: noopSink,
    intervalMillis: 3_600_000,
    logger: quietLogger,
  });

  const encoder = rowEncoder();

  // The whole batch path per span, as tracepoint's processors chain in an app: the cleaner's copy
  // goes to the aggregator, then to the exporter's encoding, whose mapper (same default options)
  // reads the points the aggregator's mapper left on the span, as in @tracepoint/node.
  const pipelineAggregator = new AggregatorSpanProcessor({
    sink: noopSink,
    intervalMillis: 3_600_000,
    logger: quietLogger,
  });
  const pipelineMap = createSpanMapper();
  const pipelineEncoder = rowEncoder();
  const pipelineCleaner = new CleanerSpanProcessor({
    logger: quietLogger,
    next: {
      onStart() {},
      onEnd(copy) {
        pipelineAggregator.onEnd(copy);
        pipelineEncoder.add(copy, pipelineMap(copy));
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  });

  const stages = [
    {
      id: 'mapping',
      label: '(a) mapSpan (trace points)',
      pass() {
        let points = 0;
        for (let i = 0; i < spans.length; i++) points += mapSpan(spans[i]).length;
        return points;
      },
    },
    {
      id: 'cleaner',
      label: '(b) cleaner (copy mode)',
      pass() {
        for (let i = 0; i < spans.length; i++) cleaner.onEnd(spans[i]);
        return cleaned;
      },
    },
    {
      id: 'aggregator',
      label: '(c) aggregator (onEnd)',
      pass() {
        // The aggregator's mapper keeps its points on the span for the exporter; the same span
        // objects come back every pass, so they are forgotten to measure the mapping each time.
        for (let i = 0; i < spans.length; i++) {
          forgetSpanMapping(spans[i]);
          aggregator.onEnd(spans[i]);
        }
        return aggregator.heldKeys;
      },
    },
    {
      id: 'encoding',
      label: '(d) row encoding (both tables, JSONCompactEachRow body)',
      bytes: true,
      pass() {
        for (let i = 0; i < spans.length; i++) encoder.add(spans[i], premapped[i]);
        return encoder.end();
      },
    },
    {
      id: 'pipeline',
      bytes: true,
      label: '(e) **full pipeline**: cleaner → aggregator → mapping → rows',
      pass() {
        for (let i = 0; i < spans.length; i++) pipelineCleaner.onEnd(spans[i]);
        return pipelineEncoder.end();
      },
    },
    {
      id: 'otlpJson',
      bytes: true,
      label: '(f) OTLP JSON serializer (512-span batches)',
      pass() {
        let bytes = 0;
        for (const batch of batches) bytes += JsonTraceSerializer.serializeRequest(batch).length;
        return bytes;
      },
    },
    {
      id: 'otlpProtobuf',
      bytes: true,
      label: '(g) OTLP protobuf serializer (512-span batches)',
      pass() {
        let bytes = 0;
        for (const batch of batches) bytes += ProtobufTraceSerializer.serializeRequest(batch).length;
        return bytes;
      },
    },
  ];
  const close = async () => {
    await aggregator.shutdown();
    await pipelineAggregator.shutdown();
  };
  const state = () => ({
    cleaner: cleaner.stats(),
    pipelineCleaner: pipelineCleaner.stats(),
    aggregator: aggregator.stats(),
    aggregatorHeldKeys: aggregator.heldKeys,
  });
  return { stages, close, state };
}

/** Passes over all spans until minMillis of wall time: one sample of spans, wall ns and CPU µs. */
function measure(stage, spanCount, minMillis) {
  let passes = 0;
  let sink = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let elapsed = 0n;
  const min = BigInt(minMillis) * 1_000_000n;
  do {
    sink += stage.pass();
    passes++;
    elapsed = process.hrtime.bigint() - t0;
  } while (elapsed < min);
  const cpu = process.cpuUsage(cpu0);
  const spans = passes * spanCount;
  const cpuMicros = cpu.user + cpu.system;
  return {
    spans,
    wallNanos: Number(elapsed),
    cpuMicros,
    // CPU time counts the GC's helper threads too, so "per core" is what the process really spent.
    perCore: spans / (cpuMicros / 1e6),
    wall: spans / (Number(elapsed) / 1e9),
    sink,
  };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const fmtRatio = (r) => r.toFixed(2);

export async function run({ size }) {
  const plan = SIZES[size];
  if (plan === undefined) throw new Error(`size must be smoke or full, got ${size}`);
  const built0 = process.hrtime.bigint();
  const spans = buildSpans(plan.spans);
  const buildMillis = Number(process.hrtime.bigint() - built0) / 1e6;
  const { stages, close, state } = makeStages(spans);

  // Interleaved: every round runs every stage once, starting one stage later each round, so
  // machine noise and the garbage one stage leaves for the next GC fall on all stages alike.
  const samples = Object.fromEntries(stages.map((s) => [s.id, []]));
  const total = plan.warmupRounds + plan.rounds;
  for (let round = 0; round < total; round++) {
    for (let k = 0; k < stages.length; k++) {
      const stage = stages[(round + k) % stages.length];
      const sample = measure(stage, spans.length, plan.minMillis);
      if (round >= plan.warmupRounds) samples[stage.id].push(sample);
    }
  }
  const finalState = state();
  await close();

  // Ratios are taken within each round (same noise for both), then the median across rounds.
  const json = samples.otlpJson;
  const results = stages.map((stage) => {
    const own = samples[stage.id];
    const perCore = own.map((s) => s.perCore);
    const ratios = own.map((s, i) => s.perCore / json[i].perCore);
    return {
      id: stage.id,
      label: stage.label,
      perCoreMedian: median(perCore),
      perCoreMin: Math.min(...perCore),
      perCoreMax: Math.max(...perCore),
      wallMedian: median(own.map((s) => s.wall)),
      cpuMicrosPerSpan: 1e6 / median(perCore),
      // What the stage hands to the wire, for the stages that produce a request body.
      bytesPerSpan: stage.bytes ? own[0].sink / own[0].spans : undefined,
      ratioToJson: median(ratios),
      samples: own.map(({ sink, ...rest }) => rest),
    };
  });
  const by = Object.fromEntries(results.map((r) => [r.id, r]));
  const rowShape = rowShapeOf(spans);
  const ratio = Number(by.pipeline.ratioToJson.toFixed(2));
  const met = ratio >= 2;

  const kinds = {};
  for (const span of spans) kinds[SpanKind[span.kind]] = (kinds[SpanKind[span.kind]] ?? 0) + 1;
  const withException = spans.filter((s) => s.events.some((e) => e.name === 'exception')).length;
  const clockShifts = finalState.pipelineCleaner.fixes?.['clock.shifted'] ?? 0;

  const table = results
    .map(
      (r) =>
        `| ${r.label} | ${fmt(r.perCoreMedian)} | ${fmt(r.perCoreMin)}..${fmt(r.perCoreMax)} | ${fmtRatio(r.ratioToJson)} |`,
    )
    .join('\n');
  const intro = `${fmt(spans.length)} distinct spans built once with the real SDK (BasicTracerProvider, sdk-trace-base 2.x): HTTP server and client, PostgreSQL client and internal spans, 5 to 8 per trace, ${withException} with an exception event. Each stage runs over the same span array on one thread, ${plan.rounds} interleaved round(s) after ${plan.warmupRounds} warm-up round(s), ${plan.minMillis > 0 ? `passes repeated to at least ${plan.minMillis} ms per sample` : 'one pass per sample'}. Spans/s per core is spans over process CPU time (user + system, GC threads included); the ratio is the median of per-round ratios to the OTLP JSON serializer (BatchSpanProcessor's ${BATCH}-span batches). Node ${process.version}.`;
  const verdict = met
    ? `The full pipeline runs at ${fmtRatio(ratio)}x the OTLP JSON serializer's spans per CPU second (target 2x): met.`
    : missedNote(ratio, by);
  const shiftNote =
    clockShifts > 0
      ? `\n\nNote: the run took long enough that the cleaner shifted ${clockShifts} spans' clocks (more than 5 min old), which adds work the real path does not have.`
      : '';
  const markdown = `${intro}

| stage | spans/s per core (median) | min..max | ratio to OTLP JSON |
| --- | ---: | ---: | ---: |
${table}

${verdict}${shiftNote}
`;

  return {
    id: 'pipeline-throughput',
    title: 'Pipeline throughput',
    raw: {
      size,
      node: process.version,
      spans: spans.length,
      spansByKind: kinds,
      spansWithException: withException,
      buildMillis,
      batchSize: BATCH,
      warmupRounds: plan.warmupRounds,
      rounds: plan.rounds,
      minMillisPerSample: plan.minMillis,
      stages: results,
      rowShape,
      processors: finalState,
    },
    markdown,
    targets: [{ name: 'full pipeline >= 2x OTLP JSON serializer spans/s', target: 2, measured: ratio, met }],
  };
}

/** Bytes of JSON per span for each table, and of the resource map every otel_traces row repeats. */
function rowShapeOf(spans) {
  const traceLines = new OtelTracesLineEncoder();
  let traces = 0;
  let points = 0;
  for (const span of spans) {
    traces += traceLines.line(span).length;
    const row = tracePointSpanRow(span, mapSpan(span));
    if (row !== undefined) points += JSON.stringify(row).length + 1;
  }
  return {
    otelTracesBytesPerSpan: traces / spans.length,
    tracePointSpansBytesPerSpan: points / spans.length,
    resourceMapBytes: attributesMapJson(spans[0].resource.attributes).length,
  };
}

/**
 * When the target is missed: by how much, what each stage costs per span (measured in this run),
 * and what a CPU profile of the pipeline stage showed (node --cpu-prof on a scratch script running
 * only stage (e), Node 20, sdk-trace-base 2.12; the shares are from that profile, not this run).
 */
function missedNote(ratio, by) {
  const parts = ['encoding', 'cleaner', 'aggregator', 'mapping'].map((id) => ({
    id,
    micros: by[id].cpuMicrosPerSpan,
  }));
  const sum = parts.reduce((s, p) => s + p.micros, 0);
  const shares = parts
    .sort((a, b) => b.micros - a.micros)
    .map((p) => `${p.id} ${p.micros.toFixed(1)} µs (${Math.round((100 * p.micros) / sum)}%)`)
    .join(', ');
  const rowBytes = Math.round(by.encoding.bytesPerSpan);
  const jsonBytes = Math.round(by.otlpJson.bytesPerSpan);
  const nsPerByte = (stage) => ((stage.cpuMicrosPerSpan * 1000) / stage.bytesPerSpan).toFixed(1);
  const encodingVsJson = by.encoding.ratioToJson < 1 ? 'slower than' : 'faster than';
  const encodingTail = by.encoding.ratioToJson < 1 ? '' : ` (${fmtRatio(by.encoding.ratioToJson)}x)`;
  return `**Target missed**: the full pipeline runs at ${fmtRatio(ratio)}x the OTLP JSON serializer's spans per CPU second, against a goal of 2x; it would have to get ${(2 / ratio).toFixed(1)}x faster (from ${by.pipeline.cpuMicrosPerSpan.toFixed(1)} to ${(by.otlpJson.cpuMicrosPerSpan / 2).toFixed(1)} µs of CPU per span).

Where the time goes, per span, stage by stage alone: ${shares}; the aggregator stage maps each span itself, so it includes a mapping, and in the pipeline the exporter reuses those points. Row encoding alone is ${encodingVsJson} the OTLP JSON serializer${encodingTail} while it writes more JSON: ${rowBytes} B per span for the two tables against ${jsonBytes} B of OTLP JSON (${nsPerByte(by.encoding)} against ${nsPerByte(by.otlpJson)} ns of CPU per byte). A CPU profile of stage (e) (warm, 20,000 spans, after the changes of this version) shows the JSONCompactEachRow text at about 21% (the otel_traces line and its attribute maps 13%, the trace-points row 5%, UTF-8 chunks 3.5%), the cleaner 21% (its value redaction 12%; the cleaner's copy mode, which this stage uses, also copies each span), mapping 18%, GC 18% and the aggregator's own work 7%.

What would close the gap: fewer allocations per span (trace point objects, row arrays, key strings: GC is a sixth of the time), mapping without building points the exporter only turns into text, and the insert body written as bytes directly. Even all of that leaves the pipeline doing the work of a JSON serializer over more bytes plus cleaning, mapping and aggregation, which the OTLP serializer does not do, so 2x a bare OTLP JSON serializer looks out of reach with JSONCompactEachRow; a binary insert format (RowBinary) is the change that could get there.`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run({ size: process.argv[2] ?? 'full' });
  console.log(result.markdown);
  console.log(result.targets);
}
