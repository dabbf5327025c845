import type { MemoryAccount } from './memory-account.js';
import { ECHO_INTS_PER_ENTRY, echoTableBytes } from './memory-costs.js';

/**
 * The exceptions counted lately, each as (trace, fingerprint), so that the
 * same exception recorded again on another span of the same trace (an echo:
 * a manual span records and rethrows, the framework's handler span records
 * it, an error middleware records it on the server span) counts once. Spans
 * end child-first, so the first span to end with it is the deepest that
 * recorded it: it is counted there and the later ones are echoes.
 *
 * A key is four ints: two hashes of the trace id and two of the exception's
 * type, message and stack (its first 256 characters and its length; never
 * joined into one string). Entries sit in a
 * ring, oldest first, found through an open-addressing table (linear
 * probing, at most half full; a removed entry's slot is closed by backward
 * shift, so no tombstones pile up). Slots and entries share one Int32Array,
 * made at the first exception. When it is full, its oldest entry makes room
 * if it is ECHO_WINDOW_SECONDS old; otherwise the ring doubles, as far as the
 * memory account and MAX_ECHO_SHARE of it allow (MAX_ECHO_ENTRIES at most),
 * and past that the new exception is counted but not remembered: an echo of
 * it counts again (`forgotten` counts these). An
 * echo arrives within one request's lifetime, so the ring has to hold the
 * exceptions of the requests in flight, not more.
 */
export class ExceptionEchoes {
  private table: Int32Array = NO_TABLE;
  private capacity = 0;
  private count = 0;
  /** Ring position of the oldest entry (where the next one goes when full). */
  private oldest = 0;
  /** Exceptions not counted: the same one was counted on an earlier-ended span of the trace. */
  skipped = 0;
  /**
   * Exceptions counted but not remembered: the ring full, not allowed to grow, and its oldest
   * entry younger than ECHO_WINDOW_SECONDS (or no room for a ring at all). An echo of one ending
   * later counts again.
   */
  forgotten = 0;

  constructor(private readonly account: MemoryAccount) {}

  /** Bytes held (in the memory account). */
  get bytes(): number {
    return this.capacity === 0 ? 0 : echoTableBytes(this.capacity);
  }

  /**
   * True when this exception was counted already in this trace (an echo: counted in `skipped`);
   * otherwise remembers it and returns false, so the caller counts it. `endSeconds`: the span's
   * end (whole seconds), the ring's clock.
   */
  seen(traceId: string, type: string, message: string, stack: string, endSeconds: number): boolean {
    hashPairInto(traceId);
    const k0 = hashA;
    const k1 = hashB;
    // One hash over the exception's texts: a collision matters only between two exceptions of
    // the same trace, so 32 bits and the lengths are plenty (and one multiply per character).
    let f0 = hashText(type, SEED_A);
    f0 = hashText(message, f0 ^ 0x2f);
    const f1 =
      Math.imul(Math.imul(type.length ^ SEED_B, 0x5bd1e995) ^ message.length, 0x5bd1e995) ^ stack.length;
    f0 = hashText(stack, f0 ^ 0x5f);
    if (this.find(k0, k1, f0, f1) >= 0) {
      this.skipped++;
      return true;
    }
    this.remember(k0, k1, f0, f1, endSeconds);
    return false;
  }

  private find(k0: number, k1: number, f0: number, f1: number): number {
    if (this.count === 0) return -1;
    const table = this.table;
    const mask = 2 * this.capacity - 1;
    let slot = slotHash(k0, k1, f0, f1) & mask;
    for (;;) {
      const held = table[slot] as number;
      if (held === 0) return -1;
      const base = this.entryStart(held - 1);
      if (table[base] === k0 && table[base + 1] === k1 && table[base + 2] === f0 && table[base + 3] === f1)
        return held - 1;
      slot = (slot + 1) & mask;
    }
  }

  private remember(k0: number, k1: number, f0: number, f1: number, endSeconds: number): void {
    if (this.count === this.capacity) {
      // Full: the oldest entry makes room once its trace is likely over (so a process with a
      // trickle of exceptions keeps a small ring); else the ring grows if it may. If it may not,
      // the new exception is not remembered (its echoes count again): evicting a recent entry
      // instead would cascade, since the echo it would have caught misses, is taken for a new
      // exception and evicts the next-oldest, whose echo comes next.
      if (this.capacity > 0 && this.stale(this.oldest, endSeconds)) this.forget(this.oldest);
      else if (!this.grow()) {
        this.forgotten++;
        return;
      }
    }
    const position = (this.oldest + this.count) % this.capacity;
    const base = this.entryStart(position);
    const table = this.table;
    table[base] = k0;
    table[base + 1] = k1;
    table[base + 2] = f0;
    table[base + 3] = f1;
    table[base + 4] = endSeconds | 0;
    this.count++;
    this.place(position);
  }

  /** The entry was remembered ECHO_WINDOW_SECONDS or more before `nowSeconds`. */
  private stale(position: number, nowSeconds: number): boolean {
    return (this.table[this.entryStart(position) + 4] as number) <= nowSeconds - ECHO_WINDOW_SECONDS;
  }

  /** Doubles the ring (keeping its order), the account permitting; false when it may not. */
  private grow(): boolean {
    const capacity = this.capacity === 0 ? INITIAL_ENTRIES : 2 * this.capacity;
    if (capacity > MAX_ECHO_ENTRIES) return false;
    const bytes = echoTableBytes(capacity);
    const held = this.bytes;
    if (bytes > this.account.maxBytes * MAX_ECHO_SHARE) return false;
    if (!this.account.reserve(bytes - held, 0)) return false;
    const old = this.table;
    const oldCapacity = this.capacity;
    this.table = new Int32Array(capacity * ECHO_INTS_PER_ENTRY);
    this.capacity = capacity;
    // Oldest first at position 0, so the ring stays in age order.
    for (let i = 0; i < this.count; i++) {
      const from = 2 * oldCapacity + ((this.oldest + i) % oldCapacity) * ENTRY_WIDTH;
      this.table.set(old.subarray(from, from + ENTRY_WIDTH), this.entryStart(i));
    }
    this.oldest = 0;
    for (let i = 0; i < this.count; i++) this.place(i);
    return true;
  }

  /** Removes the entry at ring position `position` (the oldest, stale) and closes its slot. */
  private forget(position: number): void {
    const table = this.table;
    const mask = 2 * this.capacity - 1;
    let slot = this.homeOf(position) & mask;
    while (table[slot] !== position + 1) slot = (slot + 1) & mask;
    // Backward shift: later entries of the probe run move up, so every entry stays reachable.
    let hole = slot;
    let next = (hole + 1) & mask;
    while (table[next] !== 0) {
      const home = this.homeOf((table[next] as number) - 1) & mask;
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (!stays) {
        table[hole] = table[next] as number;
        hole = next;
      }
      next = (next + 1) & mask;
    }
    table[hole] = 0;
    this.oldest = (this.oldest + 1) % this.capacity;
    this.count--;
  }

  private place(position: number): void {
    const table = this.table;
    const mask = 2 * this.capacity - 1;
    let slot = this.homeOf(position) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = position + 1;
  }

  private homeOf(position: number): number {
    const table = this.table;
    const base = this.entryStart(position);
    return slotHash(
      table[base] as number,
      table[base + 1] as number,
      table[base + 2] as number,
      table[base + 3] as number,
    );
  }

  private entryStart(position: number): number {
    return 2 * this.capacity + position * ENTRY_WIDTH;
  }
}

/** Per entry: the trace's two hashes, the fingerprint's two, the span's end in seconds. */
const ENTRY_WIDTH = 5;
const INITIAL_ENTRIES = 64;
/**
 * The most entries: echoes come within one request's lifetime, so the ring holds the
 * exceptions of the requests in flight; 4,096 distinct ones at once is far past a busy
 * process (4,096 entries: ~115 KB).
 */
export const MAX_ECHO_ENTRIES = 4_096;
/**
 * The most of maxMemoryBytes the ring may take: the rest stays for the intervals' keys, so an
 * empty account always still opens an interval (MIN_MEMORY_BYTES / 8 holds 256 entries).
 */
const MAX_ECHO_SHARE = 1 / 8;
/**
 * How long an entry is kept against newer ones when the ring is full: a trace running longer
 * than this may see an echo counted again (only when the ring is full). 10 s is far past a
 * request's usual lifetime, and with MAX_ECHO_ENTRIES it keeps every echo caught up to ~400
 * distinct exceptions per second.
 */
export const ECHO_WINDOW_SECONDS = 10;
const NO_TABLE = new Int32Array(0);
const SEED_A = 0x811c9dc5;
const SEED_B = 0x9747b28c;

/** The two hashes hashPairInto computed last: module fields, so that a pair costs no allocation. */
let hashA = 0;
let hashB = 0;

/** Two multiplicative hashes of a short text (a trace id) in one pass: FNV-1a's prime and MurmurHash2's. */
function hashPairInto(text: string): void {
  let a = SEED_A;
  let b = SEED_B;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  hashA = a ^ (a >>> 15);
  hashB = b ^ (b >>> 13);
}

/**
 * FNV-1a over the UTF-16 code units, continued from `seed`. Of a long text only the first
 * HASHED_CHARS count (the caller mixes in the full length): a stack's top frames and its length
 * tell one exception from another within a trace, and an exception event's stack can run to
 * 16 KiB (mapSpan's maxStackTraceLength), which hashed in full was the cost of the check.
 */
function hashText(text: string, seed: number): number {
  let h = seed | 0;
  const end = Math.min(text.length, HASHED_CHARS);
  for (let i = 0; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

// Measured per check, medians of 5 interleaved rounds (2-core machine, load ~1): two hashes in
// full over type, message and a 2,000-character stack 12.1 µs (400 characters: 2.6 µs); one hash
// over the first 256 characters, lookup included, 0.9 µs either way. The first 256 characters
// are the message line and the top frames, where it was thrown.
const HASHED_CHARS = 256;

/** The slot of a key: a final mix so that the low bits depend on every int. */
function slotHash(k0: number, k1: number, f0: number, f1: number): number {
  let h = Math.imul(k0 ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ k1, 0xc2b2ae35);
  h = Math.imul(h ^ f0, 0x85ebca6b);
  h = Math.imul(h ^ f1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}
