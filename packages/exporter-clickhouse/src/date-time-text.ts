import type { HrTime } from '@opentelemetry/api';
import { hrTimeToNanoString } from '@tracepoint/core';

/**
 * A DateTime64(9) value as text ClickHouse parses exactly. It reads a run of
 * 19 digits as nanoseconds since the epoch, but refuses shorter runs
 * (`unexpected number of decimal digits`), so times before 2001-09-09 go as
 * `seconds.nanoseconds`, which it reads from 1973-03-03 on. Earlier times
 * are refused as bad rows (counted, logged); the cleaner shifts such spans
 * to the present before they get here.
 */
export function dateTime64Text(nanos: string): string {
  if (nanos.length >= 19) return nanos;
  const padded = nanos.padStart(10, '0');
  return `${padded.slice(0, -9)}.${padded.slice(-9)}`;
}

export function hrTimeToDateTime64Text(time: HrTime): string {
  return dateTime64Text(hrTimeToNanoString(time));
}
