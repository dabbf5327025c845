/**
 * Keys as fixed-width rows of small integers (a stat type's id and each
 * dimension value's interned id), found through an open-addressing hash table.
 * Finding a key held builds nothing: no joined string (whose build and hash
 * were ~28% of the aggregator's onEnd in a V8 profile on the pipeline
 * benchmark's spans: `keyOf` plus the Map lookup that flattened it), no array;
 * only a new key writes a row.
 *
 * Slots and rows share one Int32Array, allocated at the first key (a typed
 * array costs ~200 bytes before its first element, and an interval that sees
 * no key should not pay it): for room for `capacity` keys, `2 * capacity`
 * slots (each the key's index + 1, 0 when empty; at most half full), then
 * `capacity` rows of `width` ints, in key order.
 */
export class KeyIndex {
  private table: Int32Array = NO_TABLE;
  private capacity = 0;
  private count = 0;

  constructor(private readonly width: number) {}

  get size(): number {
    return this.count;
  }

  /** The index of the key whose row is `ids`, or -1. */
  find(ids: Int32Array): number {
    if (this.count === 0) return -1;
    const table = this.table;
    const mask = 2 * this.capacity - 1;
    let slot = hashOf(ids, 0, this.width) & mask;
    for (;;) {
      const held = table[slot] as number;
      if (held === 0) return -1;
      if (this.rowEquals(held - 1, ids)) return held - 1;
      slot = (slot + 1) & mask;
    }
  }

  /** Adds the key `ids` (not held: call find first) and returns its index, the count before. */
  insert(ids: Int32Array): number {
    const index = this.count;
    if (index === this.capacity) this.resize(Math.max(INITIAL_CAPACITY, 2 * this.capacity));
    const base = this.rowStart(index);
    for (let i = 0; i < this.width; i++) this.table[base + i] = ids[i] as number;
    this.count++;
    this.place(index);
    return index;
  }

  private rowStart(index: number): number {
    return 2 * this.capacity + index * this.width;
  }

  private rowEquals(index: number, ids: Int32Array): boolean {
    const table = this.table;
    const base = this.rowStart(index);
    for (let i = 0; i < this.width; i++) if (table[base + i] !== ids[i]) return false;
    return true;
  }

  private place(index: number): void {
    const table = this.table;
    const mask = 2 * this.capacity - 1;
    let slot = hashOf(table, this.rowStart(index), this.width) & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = index + 1;
  }

  /** Moves the rows into an array with room for `capacity` keys and places them again. */
  private resize(capacity: number): void {
    const old = this.table;
    const oldRows = 2 * this.capacity;
    this.table = new Int32Array(capacity * (2 + this.width));
    this.table.set(old.subarray(oldRows, oldRows + this.count * this.width), 2 * capacity);
    this.capacity = capacity;
    for (let index = 0; index < this.count; index++) this.place(index);
  }
}

const INITIAL_CAPACITY = 8;
const NO_TABLE = new Int32Array(0);

/** FNV-1a over the ints, then a final mix so that the low bits (the slot) depend on every id. */
function hashOf(ids: Int32Array, from: number, width: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < from + width; i++) h = Math.imul(h ^ (ids[i] as number), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  return h ^ (h >>> 15);
}
