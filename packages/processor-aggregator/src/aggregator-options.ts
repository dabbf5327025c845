import {
  type ComponentLogger,
  componentLogger,
  OptionValidator,
  type StatsRecord,
  type TracepointLogger,
} from '@tracepoint/core';
import type { SpanMappingOptions } from '@tracepoint/semantic-mapping';
import { MIN_MEMORY_BYTES, OVERFLOW_KEYS } from './memory-costs.js';

/** Where aggregate rows go; `ClickHouseSpanExporter` of @tracepoint/exporter-clickhouse is one. */
export interface StatsSink {
  /** Resolves when written (optionally with the number of rows refused on their own); rejects on failure. */
  writeStats(records: readonly StatsRecord[]): Promise<unknown>;
}

export interface AggregatorOptions {
  /** Required: where rows go at each interval, `forceFlush` and `shutdown`. */
  sink: StatsSink;
  /** Length of one aggregation interval (delta); rows are aligned to multiples of it. */
  intervalMillis?: number;
  /**
   * Most keys held at once, over all stat types and all open intervals (each interval's three
   * overflow keys included); further spans count under their interval's overflow key.
   */
  maxKeys?: number;
  /**
   * Most bytes held at once over all open intervals: keys, their latency buckets and the
   * dimension values seen. Past it, new keys and values overflow and sketches stop growing.
   */
  maxMemoryBytes?: number;
  /**
   * How far in the past a span may end and still count in its own interval; a span ending
   * before the oldest interval this allows counts in that oldest one (`stats().lateSpans`).
   */
  maxLatenessMillis?: number;
  /** Most distinct values per dimension (span name, methods, components, exception type) per interval. */
  maxValuesPerDimension?: number;
  /** Most latency buckets per key; at 1% accuracy, 2048 buckets span 1 ns to about 19 years. */
  maxSketchBuckets?: number;
  /** Options of @tracepoint/semantic-mapping for the edge and exception keys. */
  mapping?: SpanMappingOptions;
  /** Where the one-line warnings go; default: diag, and stderr once each (see @tracepoint/core). */
  logger?: TracepointLogger;
}

export const AGGREGATOR_DEFAULTS = {
  intervalMillis: 60_000,
  maxKeys: 10_000,
  maxMemoryBytes: 33_554_432,
  maxLatenessMillis: 300_000,
  maxValuesPerDimension: 1_000,
  maxSketchBuckets: 2_048,
} as const satisfies Partial<Record<keyof AggregatorOptions, unknown>>;

export interface ResolvedAggregatorConfig {
  readonly sink: StatsSink;
  readonly intervalMillis: number;
  readonly maxKeys: number;
  readonly maxMemoryBytes: number;
  readonly maxLatenessMillis: number;
  readonly maxValuesPerDimension: number;
  readonly maxSketchBuckets: number;
  readonly mapping: SpanMappingOptions | undefined;
  readonly logger: ComponentLogger;
}

const check: OptionValidator = new OptionValidator('processor-aggregator');

const integerAtLeast = (options: AggregatorOptions, name: keyof typeof AGGREGATOR_DEFAULTS, least: number) =>
  check.integer(name, options[name] ?? AGGREGATOR_DEFAULTS[name], least);

export function resolveAggregatorConfig(options: AggregatorOptions): ResolvedAggregatorConfig {
  check.options(options);
  if (typeof options.sink?.writeStats !== 'function') {
    check.invalid(
      'sink',
      'an object with writeStats(records), e.g. a ClickHouseSpanExporter of @tracepoint/exporter-clickhouse',
      options.sink,
    );
  }
  const intervalMillis = integerAtLeast(options, 'intervalMillis', 1);
  if (intervalMillis % 1000 !== 0)
    check.invalid('intervalMillis', 'whole seconds (a multiple of 1000)', intervalMillis);
  return {
    sink: options.sink,
    intervalMillis,
    // Every open interval holds room for its three overflow keys, so fewer could hold no interval.
    maxKeys: integerAtLeast(options, 'maxKeys', OVERFLOW_KEYS),
    // The least that holds one interval with its overflow keys.
    maxMemoryBytes: integerAtLeast(options, 'maxMemoryBytes', MIN_MEMORY_BYTES),
    maxLatenessMillis: integerAtLeast(options, 'maxLatenessMillis', 0),
    maxValuesPerDimension: integerAtLeast(options, 'maxValuesPerDimension', 1),
    maxSketchBuckets: integerAtLeast(options, 'maxSketchBuckets', 1),
    mapping: options.mapping,
    logger: componentLogger('processor-aggregator', options.logger),
  };
}
