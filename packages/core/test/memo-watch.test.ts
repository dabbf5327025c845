import { MEMO_MIN_HIT_RATIO, MEMO_PROBE, MEMO_SKIP, MemoWatch } from '@tracepoint/core';
import { describe, expect, it } from 'vitest';

/** How many of `count` values the watch lets through the memo, each looked up with `hit(i)`. */
function used(watch: MemoWatch, count: number, hit: (i: number) => boolean): number {
  let through = 0;
  for (let i = 0; i < count; i++) {
    if (!watch.uses()) continue;
    through++;
    watch.looked(hit(i));
  }
  return through;
}

describe('MemoWatch', () => {
  it('skips the memo for MEMO_SKIP values after a window that hit less than 1 in MEMO_MIN_HIT_RATIO', () => {
    const watch = new MemoWatch();
    expect(used(watch, MEMO_PROBE, () => false)).toBe(MEMO_PROBE);
    expect(used(watch, MEMO_SKIP, () => false)).toBe(0);
    // The next window probes again.
    expect(used(watch, MEMO_PROBE, () => true)).toBe(MEMO_PROBE);
    expect(used(watch, 10 * MEMO_PROBE, () => true)).toBe(10 * MEMO_PROBE);
  });

  it('a window at the hit ratio keeps the memo, one below it does not', () => {
    const atRatio = new MemoWatch();
    const hits = MEMO_PROBE / MEMO_MIN_HIT_RATIO;
    used(atRatio, MEMO_PROBE, (i) => i < hits);
    expect(atRatio.uses()).toBe(true);
    const below = new MemoWatch();
    used(below, MEMO_PROBE, (i) => i < hits - 1);
    expect(below.uses()).toBe(false);
  });
});
