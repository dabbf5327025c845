/**
 * A DDSketch-style quantile sketch: logarithmic buckets with relative
 * accuracy α, so every value in bucket k lies in (γ^(k-1), γ^k] with
 * γ = (1 + α) / (1 - α), and 2γ^k / (γ + 1) is within α of each of them.
 * Buckets of different sketches with the same γ merge by adding counts,
 * which is what lets ClickHouse merge rows with `sumMap`.
 *
 * Counts live in a dense array over the keys seen (growing by doubling);
 * past `maxBuckets` the lowest buckets collapse into one, trading accuracy
 * on the fastest values for bounded memory, as DDSketch's collapsing store does.
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
  ) {}

  /** The bucket key of a value (values below `minValue`, zero included, go to the lowest key). */
  keyOf(value: number): number {
    // biome-ignore lint/complexity/useMathMinMax: Math.max would pass NaN through; the comparison sends it to the lowest bucket.
    return Math.ceil(Math.log(value > this.minValue ? value : this.minValue) / this.logGamma);
  }

  add(value: number, weight: number): void {
    let key = this.keyOf(value);
    if (this.high < this.low) {
      this.init(key);
    } else if (key < this.low) {
      if (this.high - key + 1 > this.maxBuckets) key = this.low;
      else this.extend(key, this.high);
    } else if (key > this.high) {
      this.extend(this.low, key);
    }
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
    this.counts = new Float64Array(8);
    this.offset = key - 4;
    this.low = key;
    this.high = key;
  }

  /** Makes [low, high] addressable, collapsing the lowest buckets if the range would pass maxBuckets. */
  private extend(low: number, high: number): void {
    let newLow = low;
    if (high - newLow + 1 > this.maxBuckets) {
      newLow = high - this.maxBuckets + 1;
      this.collapseBelow(newLow);
    }
    if (newLow < this.offset || high >= this.offset + this.counts.length) {
      const length = Math.min(this.maxBuckets, Math.max(this.counts.length * 2, high - newLow + 1 + 8));
      const next = new Float64Array(length);
      const offset = Math.max(newLow - Math.floor((length - (high - newLow + 1)) / 2), high - length + 1);
      for (let key = this.low; key <= this.high; key++)
        next[key - offset] = this.counts[key - this.offset] as number;
      this.counts = next;
      this.offset = offset;
    }
    this.low = Math.min(this.low, newLow);
    this.high = Math.max(this.high, high);
  }

  /** Moves the counts of keys below `low` into `low`. */
  private collapseBelow(low: number): void {
    if (low <= this.low) return;
    let moved = 0;
    for (let key = this.low; key < low && key <= this.high; key++) {
      moved += this.counts[key - this.offset] as number;
      this.counts[key - this.offset] = 0;
    }
    const top = Math.min(low, this.high);
    const index = top - this.offset;
    this.counts[index] = (this.counts[index] as number) + moved;
    this.low = top;
  }
}

const EMPTY = new Float64Array(0);
