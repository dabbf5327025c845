// Stage (h) of the pipeline benchmark: the add-on's processors as wired. The pre-built spans are
// replayed through a real tracer provider (fresh SDK Span objects every pass, since the cleaner
// edits spans in place), so the processors get the SDK's calls in the SDK's order (onStart,
// onEnding, onEnd through its MultiSpanProcessor), one trace per turn of the event loop as an app
// ends them, and each pass ends with the exporter's flush (encode, gzip when it compresses, HTTP) to a real
// ClickHouse HTTP server in its own process. All of it is in this process's CPU. The same replay runs through
// the stock setup (BatchSpanProcessor + the OTLP protobuf exporter to a sink in its own process) and
// through the SDK floor (BatchSpanProcessor + an exporter that only counts), so the pipeline's own
// CPU per span is what a configuration costs over the floor.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { EXPORTER_DEFAULTS } from '@tracepoint/exporter-clickhouse';
import * as exporterInternal from '@tracepoint/exporter-clickhouse/internal';
// As the add-on (@tracepoint/node's register) builds them: tracepointSpanProcessors over the options
// optionsFromEnvironment gives for an environment without TRACEPOINT_* settings.
import { tracepointSpanProcessors } from '@tracepoint/node';
import { optionsFromEnvironment } from '@tracepoint/node/internal';
import { startLocalClickHouseServer } from '../lib/local-clickhouse-server.mjs';

// The stock setup's exporter, from the install NodeSDK uses (sdk-node depends on it; the OTLP/HTTP
// default protocol is http/protobuf).
const nextToSdkNode = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/sdk-node'));
const { OTLPTraceExporter } = nextToSdkNode('@opentelemetry/exporter-trace-otlp-proto');

/**
 * Spans between two flushes: what the exporter's own interval (flushIntervalMillis) gathers at the
 * app-overhead benchmark's fixed rate (300 requests/s, 5 spans each), so an insert carries as many
 * rows as in that app rather than a whole pass.
 */
export const FLUSH_SPANS = (300 * 5 * EXPORTER_DEFAULTS.flushIntervalMillis) / 1000;

const millisOf = (hr) => hr[0] * 1e3 + hr[1] / 1e6;
const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * What the tracer is asked to do for each recorded span, grouped by trace (the recorded spans end
 * trace by trace, children before their root), times as offsets from the earliest start.
 */
function replayScript(spans) {
  const base = Math.min(...spans.map((s) => millisOf(s.startTime)));
  const scopes = new Map();
  const scopeOf = ({ name, version }) => {
    const key = `${name}@${version}`;
    if (!scopes.has(key)) scopes.set(key, { name, version });
    return key;
  };
  const stepOf = (span) => ({
    scope: scopeOf(span.instrumentationScope),
    name: span.name,
    kind: span.kind,
    start: millisOf(span.startTime) - base,
    end: millisOf(span.endTime) - base,
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes, at: millisOf(e.time) - base })),
    status: span.status,
    parent: span.parentSpanContext,
  });
  const traces = [];
  let current;
  for (const span of spans) {
    const traceId = span.spanContext().traceId;
    if (current === undefined || current.traceId !== traceId) {
      current = { traceId, root: undefined, children: [] };
      traces.push(current);
    }
    if (span.parentSpanContext === undefined) current.root = stepOf(span);
    else current.children.push(stepOf(span));
  }
  return { traces, scopes, spans: spans.length };
}

/** Starts and ends one recorded trace with the real tracer: root first, each child inside it, root last. */
function replayTrace(tracers, t, base) {
  const startOf = (step, context) => {
    const span = tracers
      .get(step.scope)
      .startSpan(
        step.name,
        { kind: step.kind, startTime: base + step.start, attributes: step.attributes },
        context,
      );
    for (const e of step.events) span.addEvent(e.name, e.attributes, base + e.at);
    if (step.status.code !== 0) span.setStatus(step.status);
    return span;
  };
  const root = t.root === undefined ? undefined : startOf(t.root, ROOT_CONTEXT);
  for (const step of t.children) {
    // A trace cut at the end of the recording has no root: its children keep a remote parent.
    const parent = root === undefined ? trace.wrapSpanContext(step.parent) : root;
    startOf(step, trace.setSpan(ROOT_CONTEXT, parent)).end(base + step.end);
  }
  root?.end(base + t.root.end);
}

/** A provider over `spanProcessors` with the recorded resource and one tracer per recorded scope. */
function replayer(script, resource, spanProcessors, flush) {
  const provider = new BasicTracerProvider({ resource, spanProcessors });
  const tracers = new Map([...script.scopes].map(([key, s]) => [key, provider.getTracer(s.name, s.version)]));
  let replayed = 0;
  return {
    provider,
    replayed: () => replayed,
    /** One pass: every trace, one per turn, a flush every FLUSH_SPANS spans and at the end. */
    async pass() {
      // Span times near now: the cleaner shifts spans more than 5 minutes off its clock.
      const base = Date.now() - 30_000;
      let sinceFlush = 0;
      for (const t of script.traces) {
        replayTrace(tracers, t, base);
        sinceFlush += t.children.length + (t.root === undefined ? 0 : 1);
        await turn();
        if (sinceFlush >= FLUSH_SPANS) {
          await flush();
          sinceFlush = 0;
        }
      }
      await flush();
      replayed += script.spans;
      return script.spans;
    },
  };
}

function forkSink() {
  const script = fileURLToPath(new URL('../app-downstream.mjs', import.meta.url));
  const child = fork(script, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ child, url: `http://127.0.0.1:${port}` }));
    child.once('exit', (code) => reject(new Error(`OTLP sink exited with ${code} before it was ready`)));
  });
}

const askSpans = (child) =>
  new Promise((resolve) => {
    child.once('message', ({ spans }) => resolve(spans));
    child.send('spans');
  });

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function clickhouseQuery(url, sql) {
  const response = await fetch(`${url}/?query=${encodeURIComponent(sql)}`, { method: 'POST' });
  if (!response.ok) throw new Error(`${sql}: HTTP ${response.status} ${await response.text()}`);
  return (await response.text()).trim();
}

const clickhouseCount = async (url, sql) => Number(await clickhouseQuery(url, sql));

const GZIP_DATABASE = 'tracepoint_gzip';
const IMMEDIATE_DATABASE = 'tracepoint_immediate';
/** The add-on's environment when it also exports to OTLP: cleaning and aggregation in each span's end. */
const IMMEDIATE_ENV = { TRACEPOINT_DEFERRED: 'off' };

/** Whether the exporter gzips bodies to `url` with these options, as it decides it itself. */
function gzips(url, options) {
  if (typeof exporterInternal.compressesRequests === 'function') {
    return exporterInternal.compressesRequests(
      exporterInternal.resolveExporterConfig({ url, ...options }, {}),
      url,
    );
  }
  return (options.compression ?? EXPORTER_DEFAULTS.compression) === true;
}

/** tracepoint's processors as the register wires them, exporting to `url`, and their replay. */
async function wiredPipeline(script, resource, url, exporterOptions, env = {}) {
  const options = { url, ...exporterOptions };
  const pipeline = tracepointSpanProcessors({ ...optionsFromEnvironment(env), exporter: options });
  // The exporter's own flush, not the provider's: that would also close the aggregator's interval
  // every few thousand spans, where the add-on writes its stats rows once a minute. The one turn
  // lets ExportingSpanProcessor hand the last spans over, as it does after every turn.
  const replay = replayer(script, resource, pipeline.spanProcessors, async () => {
    await turn();
    await pipeline.exporter.forceFlush();
  });
  // Start-up (version check, schema) before anything is measured.
  await pipeline.exporter.ready();
  return { pipeline, replay, gzip: gzips(url, exporterOptions) };
}

/**
 * The configurations of stage (h) over `spans`, sharing one ClickHouse server (data under
 * `dir`) and one OTLP sink, both in their own processes; each stage's pass() is async.
 */
export async function makeAsWiredStages(spans, dir) {
  const script = replayScript(spans);
  const resource = spans[0].resource;
  const clickhouse = await startLocalClickHouseServer(dir);
  const sink = await forkSink();

  let floorExported = 0;
  const countOnly = {
    export(batch, done) {
      floorExported += batch.length;
      done({ code: 0 });
    },
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  const floorBsp = new BatchSpanProcessor(countOnly);
  const floor = replayer(script, resource, [floorBsp], () => floorBsp.forceFlush());

  // Spans handed to the exporter and failed exports are counted here (BatchSpanProcessor drops a
  // failed batch, and spans beyond its queue, saying so only through diag): once per batch of up to
  // 512 spans, nothing per span.
  const otlpExporter = new OTLPTraceExporter({ url: `${sink.url}/v1/traces` });
  const otlpFailures = { spans: 0, errors: new Set() };
  let otlpHanded = 0;
  const countedOtlp = {
    export(batch, done) {
      otlpHanded += batch.length;
      otlpExporter.export(batch, (result) => {
        if (result.code !== 0) {
          otlpFailures.spans += batch.length;
          otlpFailures.errors.add(String(result.error?.message ?? result.error));
        }
        done(result);
      });
    },
    forceFlush: () => otlpExporter.forceFlush(),
    shutdown: () => otlpExporter.shutdown(),
  };
  const otlpBsp = new BatchSpanProcessor(countedOtlp);
  const otlp = replayer(script, resource, [otlpBsp], () => otlpBsp.forceFlush());

  const wired = await wiredPipeline(script, resource, clickhouse.url, {});
  // The same with gzip forced: what the exporter sends a server that is not on this machine. Its own
  // database, so its rows are counted apart: a second exporter given other table names in the same
  // database finds the schema ledger (tracepoint_schema_migrations) done and creates no tables.
  await clickhouseQuery(clickhouse.url, `CREATE DATABASE IF NOT EXISTS ${GZIP_DATABASE}`);
  const wiredGzip = await wiredPipeline(script, resource, clickhouse.url, {
    compression: true,
    database: GZIP_DATABASE,
  });
  await clickhouseQuery(clickhouse.url, `CREATE DATABASE IF NOT EXISTS ${IMMEDIATE_DATABASE}`);
  const wiredImmediate = await wiredPipeline(
    script,
    resource,
    clickhouse.url,
    { database: IMMEDIATE_DATABASE },
    IMMEDIATE_ENV,
  );
  const bodies = (gzip) => (gzip ? 'gzip RowBinary' : 'RowBinary, not compressed,');

  const stages = [
    {
      id: 'asWiredFloor',
      async: true,
      label: '(h) SDK floor: BatchSpanProcessor + an exporter that only counts',
      pass: floor.pass,
    },
    {
      id: 'asWiredOtlp',
      async: true,
      label: '(h) stock: BatchSpanProcessor + OTLP/HTTP protobuf exporter to a local sink',
      pass: otlp.pass,
    },
    {
      id: 'asWired',
      async: true,
      label: `(h) **tracepoint as wired**: the add-on's processors (caller; cleaner and aggregator on the hand-off's batches; exporter: ${bodies(wired.gzip)} to the local ClickHouse HTTP server)`,
      gzip: wired.gzip,
      pass: wired.replay.pass,
    },
    {
      id: 'asWiredGzip',
      async: true,
      label: `(h) tracepoint as wired, compression: true (${bodies(wiredGzip.gzip)}, as to a remote server)`,
      gzip: wiredGzip.gzip,
      pass: wiredGzip.replay.pass,
    },
    {
      id: 'asWiredImmediate',
      async: true,
      label:
        "(h) tracepoint as wired, `TRACEPOINT_DEFERRED=off` (cleaner in place in each span's end, aggregator in its onEnd: the add-on's wiring when it also exports to OTLP)",
      gzip: wiredImmediate.gzip,
      pass: wiredImmediate.replay.pass,
    },
  ];

  /** Shuts every provider down (last flushes included), counts what arrived, stops the helpers. */
  const close = async () => {
    try {
      await Promise.all([
        floor.provider.shutdown(),
        otlp.provider.shutdown(),
        wired.replay.provider.shutdown(),
        wiredGzip.replay.provider.shutdown(),
        wiredImmediate.replay.provider.shutdown(),
      ]);
      const sinkSpans = await askSpans(sink.child);
      // Every pass creates new spans (new ids): a replay that handed the same spans again would show here.
      const rowsOf = async (table, replay) => ({
        replayed: replay.replayed(),
        delivered: await clickhouseCount(clickhouse.url, `SELECT count() FROM ${table}`),
        distinctSpanIds: await clickhouseCount(clickhouse.url, `SELECT uniqExact(SpanId) FROM ${table}`),
      });
      return {
        flushSpans: FLUSH_SPANS,
        pipelineOptions: optionsFromEnvironment({}),
        delivered: {
          asWiredFloor: {
            replayed: floor.replayed(),
            delivered: floorExported,
            dropped: floor.replayed() - floorExported,
          },
          asWiredOtlp: {
            replayed: otlp.replayed(),
            // The sink counts spans by service.name, and requests it could not read as '(unreadable)'.
            delivered: sinkSpans.checkout ?? 0,
            sink: sinkSpans,
            // The replay ends spans far faster than an app: while one export is in flight the queue
            // (2048 spans) can fill, and what it drops is never serialized.
            dropped: otlp.replayed() - otlpHanded,
            failed: otlpFailures.spans,
            errors: [...otlpFailures.errors].slice(0, 3),
          },
          asWired: await rowsOf('otel_traces', wired.replay),
          asWiredGzip: await rowsOf(`${GZIP_DATABASE}.otel_traces`, wiredGzip.replay),
          asWiredImmediate: await rowsOf(`${IMMEDIATE_DATABASE}.otel_traces`, wiredImmediate.replay),
        },
        exporter: wired.pipeline.exporter.stats(),
        cleaner: wired.pipeline.cleaner?.stats(),
        aggregator: wired.pipeline.aggregator?.stats(),
        gzipExporter: wiredGzip.pipeline.exporter.stats(),
      };
    } finally {
      await stopChild(sink.child);
      await clickhouse.stop();
    }
  };
  return { stages, close };
}
