import { OVERFLOW_VALUE, SKETCH_LOG_GAMMA, type StatsRecord, type StatType } from '@tracepoint/core';
import type { ResolvedAggregatorConfig } from './aggregator-options.js';
import { LogSketch, type SketchMemory } from './log-sketch.js';
import type { MemoryAccount } from './memory-account.js';
import {
  bucketGrowthBytes,
  INTERVAL_BYTES,
  KEY_BYTES,
  OVERFLOW_KEYS,
  stringBytes,
  VALUE_BYTES,
} from './memory-costs.js';

/** Durations below 1 ns (zero included) count as 1 ns. */
const MIN_MS = 1e-6;

/**
 * The dimensions of a key, in a fixed order (the record's fields). `capped`:
 * its values can be many (names, methods, components), so they count against
 * maxValuesPerDimension; the others are small enums (kind, status).
 */
const DIMENSIONS = [
  { name: 'service', capped: true },
  { name: 'spanName', capped: true },
  { name: 'spanKind', capped: false },
  { name: 'statusCode', capped: false },
  { name: 'sourceComponent', capped: true },
  { name: 'targetComponent', capped: true },
  { name: 'sourceMethod', capped: true },
  { name: 'targetMethod', capped: true },
  { name: 'exceptionType', capped: true },
] as const;
export type Dimensions = [string, string, string, string, string, string, string, string, string];

const keyOf = (statType: StatType, dims: Dimensions): string => `${statType}\u0000${dims.join('\u0000')}`;

const OVERFLOW_DIMS = DIMENSIONS.map(() => OVERFLOW_VALUE) as Dimensions;
/** The overflow keys are paid for when an interval opens, so a full account still has them. */
const OVERFLOW_KEYS_BYTES =
  OVERFLOW_KEYS * KEY_BYTES +
  (['endpoint', 'edge', 'exception'] as const).reduce(
    (sum, statType) => sum + stringBytes(keyOf(statType, OVERFLOW_DIMS)),
    0,
  );

interface Aggregate {
  readonly statType: StatType;
  readonly dims: Dimensions;
  spanCount: number;
  count: number;
  errorCount: number;
  sum: number;
  min: number;
  max: number;
  readonly sketch: LogSketch;
}

export interface OverflowCounts {
  /** Dimension values replaced by the overflow value (cap or memory reached), per dimension. */
  dimension: Record<string, number>;
  /** Spans counted under an overflow key because maxKeys or maxMemoryBytes was reached. */
  keys: number;
  /** Spans counted in another open interval because maxKeys or maxMemoryBytes left no room for theirs. */
  intervals: number;
}

/**
 * One interval's aggregates, bounded by maxValuesPerDimension and by the
 * memory account that all open intervals share (maxKeys, maxMemoryBytes).
 */
export class IntervalTable implements SketchMemory {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly values: Set<string>[] = DIMENSIONS.map(() => new Set<string>());
  /** What this interval took from the account, given back by `release()`. */
  private bytes = INTERVAL_BYTES + OVERFLOW_KEYS_BYTES;
  private keys = OVERFLOW_KEYS;

  private constructor(
    readonly startSeconds: number,
    private readonly config: ResolvedAggregatorConfig,
    private readonly overflow: OverflowCounts,
    private readonly account: MemoryAccount,
  ) {}

  /** A new interval with room for its overflow keys, or undefined when the account has none. */
  static open(
    startSeconds: number,
    config: ResolvedAggregatorConfig,
    overflow: OverflowCounts,
    account: MemoryAccount,
  ): IntervalTable | undefined {
    if (!account.reserve(INTERVAL_BYTES + OVERFLOW_KEYS_BYTES, OVERFLOW_KEYS)) return undefined;
    return new IntervalTable(startSeconds, config, overflow, account);
  }

  get size(): number {
    return this.aggregates.size;
  }

  add(statType: StatType, dims: Dimensions, durationMs: number, weight: number, error: boolean): void {
    let key = keyOf(statType, dims);
    let aggregate = this.aggregates.get(key);
    // A key held already has every value counted against the caps; only a new key is checked.
    if (aggregate === undefined && this.capValues(dims)) {
      key = keyOf(statType, dims);
      aggregate = this.aggregates.get(key);
    }
    if (aggregate === undefined) {
      if (this.take(KEY_BYTES + stringBytes(key), 1)) aggregate = this.create(key, statType, dims);
      else {
        // The overflow keys were paid for when the interval opened, so counts still add up.
        this.overflow.keys++;
        key = keyOf(statType, OVERFLOW_DIMS);
        aggregate = this.aggregates.get(key) ?? this.create(key, statType, OVERFLOW_DIMS);
      }
    }
    aggregate.spanCount++;
    aggregate.count += weight;
    if (error) aggregate.errorCount += weight;
    aggregate.sum += durationMs * weight;
    if (durationMs < aggregate.min) aggregate.min = durationMs;
    if (durationMs > aggregate.max) aggregate.max = durationMs;
    aggregate.sketch.add(durationMs, weight);
  }

  /** A sketch of this interval asks for a larger bucket array. */
  grow(fromBuckets: number, toBuckets: number): boolean {
    return this.take(bucketGrowthBytes(fromBuckets, toBuckets), 0);
  }

  /** Gives back to the account all this interval took; the table is dropped after. */
  release(): void {
    this.account.release(this.bytes, this.keys);
    this.bytes = 0;
    this.keys = 0;
  }

  private take(bytes: number, keys: number): boolean {
    if (!this.account.reserve(bytes, keys)) return false;
    this.bytes += bytes;
    this.keys += keys;
    return true;
  }

  /**
   * Counts the key's values against maxValuesPerDimension, replacing those
   * over the cap (or past the memory account) by the overflow value; true
   * when one was replaced. An empty value is what a stat type without that
   * dimension writes (an endpoint has no components), not a value: it takes
   * no slot.
   */
  private capValues(dims: Dimensions): boolean {
    let replaced = false;
    for (let i = 0; i < dims.length; i++) {
      const dimension = DIMENSIONS[i] as (typeof DIMENSIONS)[number];
      if (!dimension.capped) continue;
      const value = dims[i] as string;
      if (value === '') continue;
      const seen = this.values[i] as Set<string>;
      if (seen.has(value)) continue;
      if (seen.size < this.config.maxValuesPerDimension && this.take(VALUE_BYTES + stringBytes(value), 0)) {
        seen.add(value);
      } else {
        dims[i] = OVERFLOW_VALUE;
        replaced = true;
        this.overflow.dimension[dimension.name] = (this.overflow.dimension[dimension.name] ?? 0) + 1;
      }
    }
    return replaced;
  }

  records(intervalSeconds: number): StatsRecord[] {
    const out: StatsRecord[] = [];
    for (const aggregate of this.aggregates.values()) {
      const { keys, counts } = aggregate.sketch.toArrays();
      const d = aggregate.dims;
      out.push({
        intervalStartSeconds: this.startSeconds,
        intervalSeconds,
        statType: aggregate.statType,
        service: d[0],
        spanName: d[1],
        spanKind: d[2],
        statusCode: d[3],
        sourceComponent: d[4],
        targetComponent: d[5],
        sourceMethod: d[6],
        targetMethod: d[7],
        exceptionType: d[8],
        spanCount: aggregate.spanCount,
        count: aggregate.count,
        errorCount: aggregate.errorCount,
        durationSumMs: aggregate.sum,
        durationMinMs: aggregate.min,
        durationMaxMs: aggregate.max,
        sketchKeys: keys,
        sketchCounts: counts,
      });
    }
    return out;
  }

  private create(key: string, statType: StatType, dims: Dimensions): Aggregate {
    const aggregate: Aggregate = {
      statType,
      dims,
      spanCount: 0,
      count: 0,
      errorCount: 0,
      sum: 0,
      min: Number.POSITIVE_INFINITY,
      max: Number.NEGATIVE_INFINITY,
      sketch: new LogSketch(SKETCH_LOG_GAMMA, MIN_MS, this.config.maxSketchBuckets, this),
    };
    this.aggregates.set(key, aggregate);
    return aggregate;
  }
}
