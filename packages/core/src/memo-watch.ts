/**
 * Lookups of one memo (a Set or Map of texts already handled) counted in windows of MEMO_PROBE
 * values; when fewer than 1 in MEMO_MIN_HIT_RATIO hit, the next MEMO_SKIP values skip it, then a
 * new window probes again. Texts that hardly ever repeat (`url.full` with ids, request ids,
 * paths with ids) gain nothing from a memo and pay for it on every value: hashing a freshly built
 * string, a missed lookup, an insert, and refilling the memo after each clear. A value that skips
 * the memo takes the full computation, whose answer is the one the memo would have given, so the
 * watch changes the cost, never the output. A memo whose texts start repeating is used again
 * within MEMO_SKIP + MEMO_PROBE values. Measured on instrumentation-http client spans with an id
 * in `url.full` (the cleaner's clean-text set, path templates): the cleaner went 3.58 -> 2.71 µs per
 * span (medians of 15 interleaved rounds, per-round ratio 0.76, 0.68..0.91); on the pipeline
 * benchmark's checkout spans, whose values mostly repeat, it is unchanged (1.00, 0.91..1.20).
 */
export const MEMO_PROBE = 64;
export const MEMO_MIN_HIT_RATIO = 8;
export const MEMO_SKIP = 1024;

export class MemoWatch {
  private lookups = 0;
  private hits = 0;
  private skipping = 0;

  /** Whether this value goes through the memo; when not, one fewer value is left to skip. */
  uses(): boolean {
    if (this.skipping === 0) return true;
    this.skipping--;
    return false;
  }

  /** One lookup the memo answered (`hit`) or missed; closes the window at MEMO_PROBE lookups. */
  looked(hit: boolean): void {
    this.lookups++;
    if (hit) this.hits++;
    if (this.lookups < MEMO_PROBE) return;
    if (this.hits * MEMO_MIN_HIT_RATIO < this.lookups) this.skipping = MEMO_SKIP;
    this.lookups = 0;
    this.hits = 0;
  }
}
