import type { SpanMappingOptions } from '@tracepoint/semantic-mapping';
import type { StatsRecord } from './stats-record.js';

/** Where aggregate rows go; `ClickHouseSpanExporter` of @tracepoint/exporter-clickhouse is one. */
export interface StatsSink {
  /** Resolves when written (optionally with the number of rows refused on their own); rejects on failure. */
  writeStats(records: readonly StatsRecord[]): Promise<unknown>;
}

export interface AggregatorLogger {
  warn(message: string): void;
}

export interface AggregatorOptions {
  /** Required: where rows go at each interval, `forceFlush` and `shutdown`. */
  sink: StatsSink;
  /** Length of one aggregation interval (delta); rows are aligned to multiples of it. */
  intervalMillis?: number;
  /** Most keys held per interval over all stat types; further spans count under the overflow key. */
  maxKeys?: number;
  /** Most distinct values per dimension (span name, methods, components, exception type) per interval. */
  maxValuesPerDimension?: number;
  /** Most latency buckets per key; at 1% accuracy, 2048 buckets span 1 ns to about 19 years. */
  maxSketchBuckets?: number;
  /** Options of @tracepoint/semantic-mapping for the edge and exception keys. */
  mapping?: SpanMappingOptions;
  logger?: AggregatorLogger;
}

export const AGGREGATOR_DEFAULTS = {
  intervalMillis: 60_000,
  maxKeys: 10_000,
  maxValuesPerDimension: 1_000,
  maxSketchBuckets: 2_048,
} as const satisfies Partial<Record<keyof AggregatorOptions, unknown>>;

export interface ResolvedAggregatorConfig {
  readonly sink: StatsSink;
  readonly intervalMillis: number;
  readonly maxKeys: number;
  readonly maxValuesPerDimension: number;
  readonly maxSketchBuckets: number;
  readonly mapping: SpanMappingOptions | undefined;
  readonly logger: AggregatorLogger;
}

function fail(option: string, message: string): never {
  throw new TypeError(`@tracepoint/processor-aggregator: option ${option} ${message}`);
}

function positiveInteger(options: AggregatorOptions, name: keyof typeof AGGREGATOR_DEFAULTS): number {
  const value = options[name] ?? AGGREGATOR_DEFAULTS[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(name, `must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function resolveAggregatorConfig(options: AggregatorOptions): ResolvedAggregatorConfig {
  if (options === null || typeof options !== 'object') fail('(options)', 'must be an object');
  if (typeof options.sink?.writeStats !== 'function') {
    fail(
      'sink',
      'must have writeStats(records), e.g. a ClickHouseSpanExporter of @tracepoint/exporter-clickhouse',
    );
  }
  const intervalMillis = positiveInteger(options, 'intervalMillis');
  if (intervalMillis % 1000 !== 0) fail('intervalMillis', `must be whole seconds, got ${intervalMillis}`);
  return {
    sink: options.sink,
    intervalMillis,
    maxKeys: positiveInteger(options, 'maxKeys'),
    maxValuesPerDimension: positiveInteger(options, 'maxValuesPerDimension'),
    maxSketchBuckets: positiveInteger(options, 'maxSketchBuckets'),
    mapping: options.mapping,
    logger: options.logger ?? { warn: (message) => console.warn(message) },
  };
}
