/**
 * When the interval timer fires: just after each wall-clock multiple of the
 * interval, so an interval is written as soon as it has ended, in every
 * process at about the same moment. The grace lets spans that end right at
 * the boundary (their clock is the SDK's, which may run a little apart from
 * Date.now) reach the interval before it is written; a span later still
 * makes a second row for its interval, which SQL sums.
 */
export function flushGraceMillis(intervalMillis: number): number {
  return Math.min(1_000, intervalMillis / 10);
}

/** The first flush time after `nowMillis`: the next interval boundary plus the grace. */
export function nextFlushAt(nowMillis: number, intervalMillis: number): number {
  const grace = flushGraceMillis(intervalMillis);
  return (Math.floor((nowMillis - grace) / intervalMillis) + 1) * intervalMillis + grace;
}
