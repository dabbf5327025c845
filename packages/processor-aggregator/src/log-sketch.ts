/** Where a sketch asks leave to replace its bucket array by a larger one; false: stay within the current one. */
export interface SketchMemory {
  grow(fromBuckets: number, toBuckets: number): boolean;
}

const UNBOUNDED: SketchMemory = { grow: () => true };

/** Buckets of a sketch's first array: a key's fixed cost accounts for them (see memory-costs.ts). */
export const INITIAL_BUCKETS = 8;

/**
 * A DDSketch-style quantile sketch: logarithmic buckets with relative
 * accuracy α, so every value in bucket k lies in (γ^(k-1), γ^k] with
 * γ = (1 + α) / (1 - α), and 2γ^k / (γ + 1) is within α of each of them.
 * Buckets of different sketches with the same γ merge by adding counts,
 * which is what lets ClickHouse merge rows with `sumMap`.
 *
 * Counts live in a dense array over the keys seen (growing by doubling).
 * Past `maxBuckets`, or when `memory` refuses a larger array, the lowest
 * buckets collapse into one, trading accuracy on the fastest values for
 * bounded memory, as DDSketch's collapsing store does.
 */
export class LogSketch {
  private counts: Float64Array = EMPTY;
  private offset = 0;
  private low = 0;
  private high = -1;

  constructor(
    private readonly logGamma: number,
    private readonly minValue: number,
    private readonly maxBuckets: number,
    private readonly memory: SketchMemory = UNBOUNDED,
  ) {}

  /** The bucket key of a value (values below `minValue`, zero included, go to the lowest key). */
  keyOf(value: number): number {
    // biome-ignore lint/complexity/useMathMinMax: Math.max would pass NaN through; the comparison sends it to the lowest bucket.
    return Math.ceil(Math.log(value > this.minValue ? value : this.minValue) / this.logGamma);
  }

  add(value: number, weight: number): void {
    let key = this.keyOf(value);
    if (this.high < this.low) this.init(key);
    else if (key < this.low || key > this.high) key = this.extend(key);
    const index = key - this.offset;
    this.counts[index] = (this.counts[index] as number) + weight;
  }

  /** Non-empty buckets as parallel arrays, keys ascending. */
  toArrays(): { keys: number[]; counts: number[] } {
    const keys: number[] = [];
    const counts: number[] = [];
    for (let key = this.low; key <= this.high; key++) {
      const count = this.counts[key - this.offset] as number;
      if (count !== 0) {
        keys.push(key);
        counts.push(count);
      }
    }
    return { keys, counts };
  }

  /** Buckets held in memory (for the memory bound). */
  get size(): number {
    return this.counts.length;
  }

  private init(key: number): void {
    // The first array is part of a key's fixed cost, so it asks nothing of `memory`.
    this.counts = new Float64Array(Math.min(INITIAL_BUCKETS, this.maxBuckets));
    this.offset = key - Math.floor(this.counts.length / 2);
    this.low = key;
    this.high = key;
  }

  /**
   * Makes room for `key` outside [low, high]: grows the array if allowed,
   * else collapses the lowest buckets. Returns the key to count in (a value
   * below the lowest bucket kept counts in that bucket).
   */
  private extend(key: number): number {
    const low = Math.min(this.low, key);
    const high = Math.max(this.high, key);
    if (low >= this.offset && high < this.offset + this.counts.length) {
      this.low = low;
      this.high = high;
      return key;
    }
    // A value below the lowest bucket that no array could reach counts in the lowest bucket.
    if (key < this.low && high - low + 1 > this.maxBuckets) return this.low;
    let length = this.counts.length;
    const wanted = Math.min(this.maxBuckets, Math.max(length * 2, high - low + 1 + INITIAL_BUCKETS));
    if (wanted > length && this.memory.grow(length, wanted)) length = wanted;
    let newLow = low;
    if (high - low + 1 > length) {
      // Only a refused growth gets here for a low key; nothing was reserved then.
      if (key < this.low) return this.low;
      newLow = high - length + 1;
      this.collapseBelow(newLow);
    }
    const next = new Float64Array(length);
    const used = high - newLow + 1;
    const offset = Math.max(newLow - Math.floor((length - used) / 2), high - length + 1);
    for (let k = this.low; k <= this.high; k++) next[k - offset] = this.counts[k - this.offset] as number;
    this.counts = next;
    this.offset = offset;
    this.low = newLow;
    this.high = high;
    return key;
  }

  /** Moves the counts of keys below `low` into bucket `low`, which becomes the lowest. */
  private collapseBelow(low: number): void {
    if (low <= this.low) return;
    let moved = 0;
    const top = Math.min(low - 1, this.high);
    for (let key = this.low; key <= top; key++) {
      moved += this.counts[key - this.offset] as number;
      this.counts[key - this.offset] = 0;
    }
    if (low > this.high) {
      // Every bucket held lies below the new window: they all become its lowest bucket.
      this.counts.fill(0);
      this.offset = low;
      this.counts[0] = moved;
      this.high = low;
    } else {
      const index = low - this.offset;
      this.counts[index] = (this.counts[index] as number) + moved;
    }
    this.low = low;
  }
}

const EMPTY = new Float64Array(0);
