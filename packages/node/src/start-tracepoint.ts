import { createRequire } from 'node:module';
import type { TextMapPropagator } from '@opentelemetry/api';
import { logLine } from '@tracepoint/core';
import { ClickHouseSpanExporter, EXPORTER_DEFAULTS } from '@tracepoint/exporter-clickhouse';
import { type CleanerOptions, pathPatternsFromText } from '@tracepoint/processor-cleaner';
import { CallerPropagator } from '@tracepoint/semantic-mapping';
import { appRequire } from './app-require.js';
import { onOff } from './on-off.js';
import { flushOnSignals } from './signal-flush.js';
import { type TracepointOptions, tracepointSpanProcessors } from './tracepoint-processors.js';

/** The OpenTelemetry SDK surface the add-on uses, loaded from the app's own dependencies. */
interface NodeSdkModule {
  NodeSDK: new (config: Record<string, unknown>) => { start(): void; shutdown(): Promise<void> };
  tracing?: { BatchSpanProcessor: BatchSpanProcessorClass };
}

export interface StartedTracepoint {
  /** Flushes and stops tracing; idempotent. */
  shutdown(): Promise<void>;
}

export interface StartOptions extends TracepointOptions {
  env?: NodeJS.ProcessEnv;
  /** Where to print the one line a bad configuration gives. */
  logError?: (message: string) => void;
}

/**
 * W3C trace context and baggage (the SDK's default propagators) wrapped in
 * CallerPropagator, so a traced callee names its caller. The W3C propagators
 * are the app SDK's own @opentelemetry/core, resolved next to its sdk-node.
 */
function callerPropagator(load: NodeJS.Require): TextMapPropagator {
  const core = createRequire(load.resolve('@opentelemetry/sdk-node'))('@opentelemetry/core') as {
    CompositePropagator: new (config: { propagators: TextMapPropagator[] }) => TextMapPropagator;
    W3CTraceContextPropagator: new () => TextMapPropagator;
    W3CBaggagePropagator: new () => TextMapPropagator;
  };
  return new CallerPropagator({
    propagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  });
}

type BatchSpanProcessorClass = new (...args: unknown[]) => object;

/**
 * A BatchSpanProcessor over `exporter` from the app's SDK line: sdk-node 0.2xx
 * re-exports it as `tracing` (constructor `(exporter)`); on the 3.x line it is
 * in @opentelemetry/sdk-trace (constructor `({ exporter })`), resolved next to
 * the app's sdk-node so it is the same line.
 */
function otlpBatchProcessor(sdkNode: NodeSdkModule, load: NodeJS.Require, exporter: unknown): object {
  const legacy = sdkNode.tracing?.BatchSpanProcessor;
  if (legacy !== undefined) return new legacy(exporter);
  const nextToSdk = createRequire(load.resolve('@opentelemetry/sdk-node'));
  let line3: { BatchSpanProcessor?: BatchSpanProcessorClass } | undefined;
  try {
    line3 = nextToSdk('@opentelemetry/sdk-trace') as typeof line3;
  } catch {
    line3 = undefined;
  }
  if (line3?.BatchSpanProcessor !== undefined) return new line3.BatchSpanProcessor({ exporter });
  const base = nextToSdk('@opentelemetry/sdk-trace-base') as { BatchSpanProcessor?: BatchSpanProcessorClass };
  if (base.BatchSpanProcessor === undefined) {
    throw new Error("found no BatchSpanProcessor for OTLP next to the app's @opentelemetry/sdk-node");
  }
  return new base.BatchSpanProcessor(exporter);
}

/** How long a signal waits for the flush: the exporter's own bound (a ready exporter's is not readable: the default). */
function exportTimeoutMillis(exporter: TracepointOptions['exporter']): number {
  const configured = exporter instanceof ClickHouseSpanExporter ? undefined : exporter?.exportTimeoutMillis;
  return configured ?? EXPORTER_DEFAULTS.exportTimeoutMillis;
}

/** OTEL_TRACES_EXPORTER names otlp: the add-on then also registers an OTLP processor after its own. */
function exportsToOtlp(env: NodeJS.ProcessEnv): boolean {
  return (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .includes('otlp');
}

/** Options from TRACEPOINT_* switches; the exporter reads TRACEPOINT_CLICKHOUSE_* itself. */
export function optionsFromEnvironment(
  env: NodeJS.ProcessEnv,
  logError: (line: string) => void = (line) => logLine('error', line),
): TracepointOptions {
  const cleaner: CleanerOptions = {};
  const pathPatterns = env.TRACEPOINT_PATH_PATTERNS?.trim();
  // A bad value is reported and left out: tracing runs, with the built-in path rules.
  try {
    if (pathPatterns) cleaner.pathPatterns = pathPatternsFromText(pathPatterns, 'TRACEPOINT_PATH_PATTERNS');
  } catch (error) {
    logError(`tracepoint: ${(error as Error).message}; tracing runs without TRACEPOINT_PATH_PATTERNS`);
  }
  const redaction = env.TRACEPOINT_REDACTION?.trim();
  if (redaction) cleaner.redaction = redaction as CleanerOptions['redaction'];
  if (env.TRACEPOINT_HMAC_KEY) cleaner.hmacKey = env.TRACEPOINT_HMAC_KEY;
  const interval = env.TRACEPOINT_AGGREGATOR_INTERVAL_MS?.trim();
  // The batch delay's standard variable; the exporter validates the number.
  const delay = env.OTEL_BSP_SCHEDULE_DELAY?.trim();
  return {
    ...(delay ? { exporter: { flushIntervalMillis: Number(delay) } } : {}),
    // Cleaning in the hand-off's batches is only safe while tracepoint's processors are the only
    // ones: with OTLP too, that processor would read the spans before they are cleaned.
    deferred: onOff(env, 'TRACEPOINT_DEFERRED') && !exportsToOtlp(env),
    cleaner: onOff(env, 'TRACEPOINT_CLEANER') ? cleaner : false,
    aggregator: onOff(env, 'TRACEPOINT_AGGREGATOR')
      ? interval
        ? { intervalMillis: Number(interval) }
        : {}
      : false,
  };
}

/**
 * Starts a NodeSDK with every auto-instrumentation and tracepoint's
 * processors, configured by the environment (OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG) and
 * OTEL_NODE_ENABLED/DISABLED_INSTRUMENTATIONS are read by the SDK;
 * TRACEPOINT_* by tracepoint). With OTEL_TRACES_EXPORTER=otlp spans also go
 * to OTLP. Flushes on SIGTERM, SIGINT (see flushOnSignals) and beforeExit. A bad configuration
 * prints one line and leaves tracing off: the app keeps running.
 */
export function startTracepoint(options: StartOptions = {}): StartedTracepoint | undefined {
  const env = options.env ?? process.env;
  const logError = options.logError ?? ((line: string) => logLine('error', line));
  try {
    // registerEsmHook (register.mjs) reads it before this runs and leaves a bad value to be reported here.
    onOff(env, 'TRACEPOINT_ESM_HOOK');
    const load = appRequire(env);
    let sdkNode: NodeSdkModule;
    let auto: { getNodeAutoInstrumentations(): unknown[] };
    try {
      sdkNode = load('@opentelemetry/sdk-node') as NodeSdkModule;
      auto = load('@opentelemetry/auto-instrumentations-node') as typeof auto;
    } catch {
      throw new Error(
        'install @opentelemetry/sdk-node and @opentelemetry/auto-instrumentations-node in the app (or set TRACEPOINT_RESOLVE_FROM to where they are)',
      );
    }
    const otlp = exportsToOtlp(env);
    const settings = { ...optionsFromEnvironment(env, logError), ...options };
    // The OTLP processor comes after tracepoint's and must get cleaned spans.
    if (otlp) settings.deferred = false;
    const pipeline = tracepointSpanProcessors(settings);
    const spanProcessors = [...pipeline.spanProcessors];
    if (otlp) {
      const { OTLPTraceExporter } = load('@opentelemetry/exporter-trace-otlp-http') as {
        OTLPTraceExporter: new () => unknown;
      };
      spanProcessors.push(otlpBatchProcessor(sdkNode, load, new OTLPTraceExporter()));
    }
    // NodeSDK would otherwise start OTLP metrics and logs pipelines nobody asked for.
    env.OTEL_METRICS_EXPORTER ??= 'none';
    env.OTEL_LOGS_EXPORTER ??= 'none';
    const textMapPropagator = onOff(env, 'TRACEPOINT_PROPAGATE_CALLER', false)
      ? callerPropagator(load)
      : undefined;
    const sdk = new sdkNode.NodeSDK({
      spanProcessors,
      instrumentations: [auto.getNodeAutoInstrumentations()],
      ...(textMapPropagator === undefined ? {} : { textMapPropagator }),
    });
    sdk.start();
    let stopping: Promise<void> | undefined;
    const shutdown = () => {
      stopping ??= sdk
        .shutdown()
        .catch((error: unknown) => logError(`tracepoint: shutdown failed: ${String(error)}`));
      return stopping;
    };
    process.once('beforeExit', () => void shutdown());
    flushOnSignals({
      signals: ['SIGTERM', 'SIGINT'],
      flush: shutdown,
      timeoutMillis: exportTimeoutMillis(settings.exporter),
      logError,
    });
    return { shutdown };
  } catch (error) {
    logError(`tracepoint: tracing is off: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
