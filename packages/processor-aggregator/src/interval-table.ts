import { OVERFLOW_VALUE, SKETCH_LOG_GAMMA, type StatsRecord, type StatType } from '@tracepoint/core';
import type { ResolvedAggregatorConfig } from './aggregator-options.js';
import { KeyIndex } from './key-index.js';
import { LogSketch, type SketchMemory } from './log-sketch.js';
import type { MemoryAccount } from './memory-account.js';
import {
  bucketGrowthBytes,
  INTERVAL_BYTES,
  KEY_BYTES,
  OVERFLOW_KEYS,
  stringBytes,
  stringBytesOfLength,
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

/**
 * A key is a row of the key index: its stat type's id, then each dimension
 * value's id in this interval. Two ids every dimension has without interning:
 * the empty value and the overflow value; interned values start after them.
 */
const KEY_WIDTH = 1 + DIMENSIONS.length;
const EMPTY_ID = 0;
const OVERFLOW_ID = 1;
const FIRST_VALUE_ID = 2;
/** The row being looked up; add() runs to its end before another starts (one thread, no re-entry). */
const SCRATCH_IDS = new Int32Array(KEY_WIDTH);

/** Slots of an interval's recent-key cache (a power of two). */
const RECENT_SLOTS = 256;
const NO_RECENT = new Int32Array(0);

/**
 * A key's slot in the recent-key cache, from what is cheap to read: each value's length and four
 * of its characters (first, middle, three quarters, last). Two keys in one slot only take turns
 * (a miss takes the full lookup); the slot never decides which key a span counts under,
 * recentKey compares every value. On the pipeline benchmark's spans (284 keys) 90% of adds hit;
 * lengths and last characters alone hit 76% (`10.42.0.11` and `10.42.2.11`, `SELECT shop.orders`
 * and `INSERT shop.orders` took turns).
 */
function recentSlot(statType: StatType, dims: Dimensions): number {
  let h = statType.length;
  for (let i = 0; i < dims.length; i++) {
    const text = dims[i] as string;
    const n = text.length;
    if (n > 0)
      h ^=
        n ^
        (text.charCodeAt(0) << 8) ^
        (text.charCodeAt(n >> 1) << 16) ^
        (text.charCodeAt(n - 1) << 24) ^
        (text.charCodeAt((3 * n) >> 2) << 4);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  return h & (RECENT_SLOTS - 1);
}

const statTypeId = (statType: StatType): number =>
  statType === 'endpoint' ? 0 : statType === 'edge' ? 1 : 2;

/**
 * What the account charges for a key's string: the bytes of the string
 * `statType \0 dims…` joined by \0, which keys were until the key index (and
 * which is still charged, so the account and therefore which span overflows
 * when are what they were; the row and slots it pays for instead are smaller,
 * see memory-costs.ts). Its length is summed, not built.
 */
function keyStringBytes(statType: StatType, dims: Dimensions): number {
  let length = statType.length + dims.length;
  for (let i = 0; i < dims.length; i++) length += (dims[i] as string).length;
  return stringBytesOfLength(length);
}

function valueMaps(): Map<string, number>[] {
  const uncapped = new Map<string, number>();
  return DIMENSIONS.map((dimension) => (dimension.capped ? new Map<string, number>() : uncapped));
}

const OVERFLOW_DIMS = DIMENSIONS.map(() => OVERFLOW_VALUE) as Dimensions;
/** The overflow keys are paid for when an interval opens, so a full account still has them. */
const OVERFLOW_KEYS_BYTES =
  OVERFLOW_KEYS * KEY_BYTES +
  (['endpoint', 'edge', 'exception'] as const).reduce(
    (sum, statType) => sum + keyStringBytes(statType, OVERFLOW_DIMS),
    0,
  );

interface Aggregate {
  readonly statType: StatType;
  readonly dims: Dimensions;
  spanCount: number;
  count: number;
  errorCount: number;
  /** Spans counted as client errors (SERVER spans answered 4xx), unweighted. */
  clientErrors: number;
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
  /** In the order the keys were made, which is the order records() writes them; index = the key index's. */
  private readonly aggregates: Aggregate[] = [];
  private readonly index = new KeyIndex(KEY_WIDTH);
  /**
   * Per dimension, the id of each value this interval holds. A capped
   * dimension's values are those counted against maxValuesPerDimension (its
   * size is their count); the uncapped ones (kind, status: a few names) share
   * one map of the values of the keys made, which saves a map per interval.
   */
  private readonly valueIds: Map<string, number>[] = valueMaps();
  /** What this interval took from the account, given back by `release()`. */
  private bytes = INTERVAL_BYTES + OVERFLOW_KEYS_BYTES;
  private keys = OVERFLOW_KEYS;
  /**
   * The recent-key cache: per slot (recentSlot), the index + 1 of the key last counted there,
   * 0 when none. Allocated at the first span (an interval that sees none pays nothing); a fixed
   * RECENT_SLOTS * 4 bytes charged to no one, like the key index's first array: the overflow keys
   * every interval reserves (~3 KB) are rarely all made, so the account and which span overflows
   * when are what they were.
   */
  private recent: Int32Array = NO_RECENT;

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
    return this.aggregates.length;
  }

  /**
   * Counts a span under the key (statType, dims). `dims` may be the caller's
   * scratch array: the table may overwrite its values (a capped value becomes
   * the overflow value) and copies it when it makes a key. `clientError`: a
   * SERVER span answered with an HTTP 4xx (the endpoint's client_errors).
   */
  add(
    statType: StatType,
    dims: Dimensions,
    durationMs: number,
    weight: number,
    error: boolean,
    clientError = false,
  ): void {
    const slot = recentSlot(statType, dims);
    let found = this.recentKey(slot, statType, dims);
    if (found < 0) {
      const ids = SCRATCH_IDS;
      // A value this interval never interned is in no key held: the key is new without a lookup.
      found = this.idsOf(statType, dims, ids) ? this.index.find(ids) : -1;
      if (found < 0) found = this.newKey(statType, dims, ids);
      if (this.recent === NO_RECENT) this.recent = new Int32Array(RECENT_SLOTS);
      this.recent[slot] = found + 1;
    }
    const aggregate = this.aggregates[found] as Aggregate;
    aggregate.spanCount++;
    aggregate.count += weight;
    if (error) aggregate.errorCount += weight;
    if (clientError) aggregate.clientErrors++;
    aggregate.sum += durationMs * weight;
    if (durationMs < aggregate.min) aggregate.min = durationMs;
    if (durationMs > aggregate.max) aggregate.max = durationMs;
    aggregate.sketch.add(durationMs, weight);
  }

  /**
   * The key held in the recent-key slot when it is (statType, dims) exactly, else -1. Equal
   * values have equal ids, so this is the key idsOf and the index would find; finding a key held
   * has no side effect (caps and the account are only consulted for a new key), so a hit changes
   * nothing but the work: 9 string compares, mostly of the same string objects, instead of a Map
   * lookup per value and the index probe.
   */
  private recentKey(slot: number, statType: StatType, dims: Dimensions): number {
    const held = (this.recent[slot] ?? 0) - 1;
    if (held < 0) return -1;
    const aggregate = this.aggregates[held] as Aggregate;
    if (aggregate.statType !== statType) return -1;
    const heldDims = aggregate.dims;
    for (let i = 0; i < dims.length; i++) if (heldDims[i] !== dims[i]) return -1;
    return held;
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

  /**
   * The key (statType, dims) as a row of ids into `ids`; false, `ids` partly
   * written, when a value has no id in this interval.
   */
  private idsOf(statType: StatType, dims: Dimensions, ids: Int32Array): boolean {
    ids[0] = statTypeId(statType);
    for (let i = 0; i < dims.length; i++) {
      const value = dims[i] as string;
      let id: number | undefined;
      if (value === '') id = EMPTY_ID;
      else if (value === OVERFLOW_VALUE) id = OVERFLOW_ID;
      else {
        id = (this.valueIds[i] as Map<string, number>).get(value);
        if (id === undefined) return false;
      }
      ids[i + 1] = id;
    }
    return true;
  }

  /** The index of a key not found: made (the caps and the account permitting), else its overflow key's. */
  private newKey(statType: StatType, dims: Dimensions, ids: Int32Array): number {
    // A key held already has every value counted against the caps; only a new key is checked.
    if (this.capValues(dims) && this.idsOf(statType, dims, ids)) {
      const found = this.index.find(ids);
      if (found >= 0) return found;
    }
    if (this.take(KEY_BYTES + keyStringBytes(statType, dims), 1)) {
      return this.create(statType, dims.slice() as Dimensions, ids);
    }
    // The overflow keys were paid for when the interval opened, so counts still add up.
    this.overflow.keys++;
    this.idsOf(statType, OVERFLOW_DIMS, ids);
    const found = this.index.find(ids);
    return found >= 0 ? found : this.create(statType, OVERFLOW_DIMS, ids);
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
      const seen = this.valueIds[i] as Map<string, number>;
      if (seen.has(value)) continue;
      if (seen.size < this.config.maxValuesPerDimension && this.take(VALUE_BYTES + stringBytes(value), 0)) {
        seen.set(value, FIRST_VALUE_ID + seen.size);
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
    for (let i = 0; i < this.aggregates.length; i++) {
      const aggregate = this.aggregates[i] as Aggregate;
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
        clientErrors: aggregate.clientErrors,
        durationSumMs: aggregate.sum,
        durationMinMs: aggregate.min,
        durationMaxMs: aggregate.max,
        sketchKeys: keys,
        sketchCounts: counts,
      });
    }
    return out;
  }

  /** Makes the key (its uncapped values get their ids here) and returns its index. */
  private create(statType: StatType, dims: Dimensions, ids: Int32Array): number {
    for (let i = 0; i < dims.length; i++) {
      if ((DIMENSIONS[i] as (typeof DIMENSIONS)[number]).capped) continue;
      const value = dims[i] as string;
      const held = this.valueIds[i] as Map<string, number>;
      if (value !== '' && value !== OVERFLOW_VALUE && !held.has(value))
        held.set(value, FIRST_VALUE_ID + held.size);
    }
    this.idsOf(statType, dims, ids);
    const index = this.index.insert(ids);
    this.aggregates.push({
      statType,
      dims,
      spanCount: 0,
      count: 0,
      errorCount: 0,
      clientErrors: 0,
      sum: 0,
      min: Number.POSITIVE_INFINITY,
      max: Number.NEGATIVE_INFINITY,
      sketch: new LogSketch(SKETCH_LOG_GAMMA, MIN_MS, this.config.maxSketchBuckets, this),
    });
    return index;
  }
}
