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
 * A key without its key string: its row and slots in the key index (at most
 * 96 bytes, the index's room to grow included) and its place in the
 * aggregates array, the aggregate's object and counters, its dimensions
 * array, the sketch object and its first bucket array (small typed arrays
 * live on the V8 heap). Measured: 680-700 with string keys (a Map entry for
 * the index), 716 short-named and 778 with 200-character names with the key
 * index (5,000 keys in one interval, Node 20).
 */
export const KEY_BYTES = 832 + INITIAL_BUCKETS * BYTES_PER_BUCKET;

/** A larger bucket array lives off the heap, behind an ArrayBuffer and its backing store record. */
const OFF_HEAP_ARRAY_BYTES = 256;

/** A distinct dimension value held for maxValuesPerDimension, without its string: a Set entry. */
export const VALUE_BYTES = 64;

/**
 * An open interval: its table object, key index and eight value maps while
 * empty. Measured: about 1,650 with a key Map and nine Sets; 1,760 now. Its
 * first key also makes the key index's array (~650 bytes with room for 8
 * keys), charged to no one alone: the three overflow keys each interval
 * reserves (~3 KB) are rarely all made, and an interval with one key measured
 * 3,130 bytes against 7,319 taken from the account.
 */
export const INTERVAL_BYTES = 2_048;

/**
 * A string the aggregator keeps: V8 stores one or two bytes per character
 * behind a header; two bytes per character and a generous header bound it.
 * A key is charged as the string its stat type and dimensions joined by \0
 * would be (keys were such strings before the key index): the key is no
 * longer built, and the charge kept the account, and so which span
 * overflows when, as it was.
 */
export function stringBytes(value: string): number {
  return stringBytesOfLength(value.length);
}

/** `stringBytes` of a string of `length` characters, for a string counted without being built. */
export function stringBytesOfLength(length: number): number {
  return 48 + 2 * length;
}

/**
 * What a sketch holds more once its array of `from` buckets is replaced by
 * one of `to` (exact for the buckets: 8 bytes each); the array replaced is
 * garbage from then on.
 */
export function bucketGrowthBytes(from: number, to: number): number {
  return (to - from) * BYTES_PER_BUCKET + (from <= INITIAL_BUCKETS ? OFF_HEAP_ARRAY_BYTES : 0);
}

/**
 * The ring of exceptions counted lately (exception-echoes.ts): per entry five ints (two hashes
 * of the trace id, two of the exception, the end second) and two slots of its table, at most
 * half full; one Int32Array, off the heap once past a few entries (OFF_HEAP_ARRAY_BYTES).
 * Exact for the array, which is all the ring holds.
 */
export const ECHO_INTS_PER_ENTRY = 5 + 2;

export function echoTableBytes(entries: number): number {
  return OFF_HEAP_ARRAY_BYTES + entries * ECHO_INTS_PER_ENTRY * Int32Array.BYTES_PER_ELEMENT;
}

/** The smallest maxMemoryBytes that holds one interval with its overflow keys. */
export const MIN_MEMORY_BYTES = 65_536;
