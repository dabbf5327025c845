import type { HrTime } from '@opentelemetry/api';

const NANOS_PER_SECOND = 1_000_000_000;

function isNormalized(time: HrTime): boolean {
  const [seconds, nanos] = time;
  return (
    Number.isSafeInteger(seconds) &&
    seconds >= 0 &&
    Number.isInteger(nanos) &&
    nanos >= 0 &&
    nanos < NANOS_PER_SECOND
  );
}

/**
 * Nanoseconds since the epoch as a decimal string, exact: `[s, ns]` is never
 * folded into one JS number, which would lose precision above 2^53 (about
 * 104 days in ns). Non-normalized input (negative, fractional, ns >= 1e9) goes
 * through BigInt, still exact.
 */
export function hrTimeToNanoString(time: HrTime): string {
  if (isNormalized(time)) {
    const [seconds, nanos] = time;
    if (seconds === 0) return String(nanos);
    const digits = String(nanos);
    return String(seconds) + '000000000'.slice(digits.length) + digits;
  }
  return hrTimeToNanos(time).toString();
}

/** Nanoseconds since the epoch as a BigInt, exact. */
export function hrTimeToNanos(time: HrTime): bigint {
  return BigInt(Math.trunc(time[0])) * BigInt(NANOS_PER_SECOND) + BigInt(Math.round(time[1]));
}
