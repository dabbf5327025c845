/**
 * The Buffer of a RowBinary batch whose insert has ended, kept for the next
 * batch, so a steady load writes its rows into the same memory each flush.
 *
 * Measured reason (issue 19, an app at 300 requests/s of 5 spans, the default
 * 2 s flush, `--trace-gc`, same run): each batch used to start at 64 KB and
 * double to about 4 MB, allocating twice the batch's size in ArrayBuffers
 * every flush. V8 counts those bytes toward the limit that starts an
 * incremental mark-compact, and the app ran 3 mark-compacts in 10 s (56 ms on
 * the main thread, more on the GC helper threads) against none for the SDK
 * floor; with the buffer kept, none.
 *
 * One spare is enough in async mode: one batch fills while at most one is
 * being inserted. A buffer is let go when it is past `maxBytes` or when its
 * batch used less than a quarter of it, so the spare follows the load down
 * and a burst does not pin its peak for the process's life.
 */
export class SpareBuffers {
  private spare: Buffer | undefined;

  constructor(private readonly maxBytes: number) {}

  /** The spare if it holds at least `capacity` bytes (taken: it is not handed out twice), else a new Buffer. */
  take(capacity: number): Buffer {
    const spare = this.spare;
    if (spare !== undefined && spare.length >= capacity) {
      this.spare = undefined;
      return spare;
    }
    return Buffer.allocUnsafe(capacity);
  }

  /** A buffer nothing reads any more (its insert has ended, retries included); its batch wrote `used` bytes. */
  give(buffer: Buffer, used: number): void {
    if (buffer.length > this.maxBytes || used * 4 < buffer.length) return;
    if (this.spare === undefined || this.spare.length < buffer.length) this.spare = buffer;
  }
}
