import { INITIAL_BUCKETS } from './log-sketch.js';

const BYTES_PER_BUCKET = Float64Array.BYTES_PER_ELEMENT;

/**
 * What the aggregator's structures cost, in bytes, for its memory account.
 * Bucket arrays are counted exactly from their length; the rest are V8 object
 * sizes measured on Node 20 and 24 (heapUsed + external after gc, see
 * test/memory-bound.test.ts), rounded up. The account has to be an upper
 * bound, never a guess below the truth.
 */

/** One overflow key per stat type (endpoint, edge, exception) in every open interval. */
export const OVERFLOW_KEYS = 3;

/**
 * A key without its key string: the Map entry, the aggregate's object and
 * counters, its dimensions array, the sketch object and its first bucket
 * array (small typed arrays live on the V8 heap). Measured: 680-700.
 */
export const KEY_BYTES = 832 + INITIAL_BUCKETS * BYTES_PER_BUCKET;

/** A larger bucket array lives off the heap, behind an ArrayBuffer and its backing store record. */
const OFF_HEAP_ARRAY_BYTES = 256;

/** A distinct dimension value held for maxValuesPerDimension, without its string: a Set entry. */
export const VALUE_BYTES = 64;

/** An open interval: its table object, key Map and nine value Sets while empty. Measured: about 1,650. */
export const INTERVAL_BYTES = 2_048;

/**
 * A string the aggregator keeps: V8 stores one or two bytes per character
 * behind a header, and a concatenated key may be a cons string over its
 * parts; two bytes per character and a generous header bound both.
 */
export function stringBytes(value: string): number {
  return 48 + 2 * value.length;
}

/**
 * What a sketch holds more once its array of `from` buckets is replaced by
 * one of `to` (exact for the buckets: 8 bytes each); the array replaced is
 * garbage from then on.
 */
export function bucketGrowthBytes(from: number, to: number): number {
  return (to - from) * BYTES_PER_BUCKET + (from <= INITIAL_BUCKETS ? OFF_HEAP_ARRAY_BYTES : 0);
}

/** The smallest maxMemoryBytes that holds one interval with its overflow keys. */
export const MIN_MEMORY_BYTES = 65_536;
