/**
 * Bytes and keys held over all open intervals, against maxMemoryBytes and
 * maxKeys: every allocation the aggregator keeps asks here first, and an
 * interval gives back what it took when it is written.
 */
export class MemoryAccount {
  bytes = 0;
  keys = 0;

  constructor(
    readonly maxBytes: number,
    readonly maxKeys: number,
  ) {}

  /** Takes `bytes` and `keys` if both fit; false (nothing taken) otherwise. */
  reserve(bytes: number, keys: number): boolean {
    if (this.bytes + bytes > this.maxBytes || this.keys + keys > this.maxKeys) return false;
    this.bytes += bytes;
    this.keys += keys;
    return true;
  }

  release(bytes: number, keys: number): void {
    this.bytes -= bytes;
    this.keys -= keys;
  }
}
