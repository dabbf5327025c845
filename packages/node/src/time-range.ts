/** Thrown for a time flag the command cannot read: its message names the flag and the accepted forms. */
export class TimeArgumentError extends Error {
  constructor(flag: string, value: string, reason?: string) {
    super(
      reason ??
        `${flag} ${JSON.stringify(value)} is not a time: use a relative time (${flag === '--since' ? '15m, 2h, 1d' : '-15m, -2h, now-1d, now'}; units s, m, h, d), YYYY-MM-DD hh:mm:ss (UTC) or an ISO date (2026-11-24, 2026-11-24T09:00:00Z)`,
    );
    this.name = 'TimeArgumentError';
  }
}

const UNIT_MILLIS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*([smhd])$/;
// Without a zone, as the default window: UTC (the stats and span tables keep UTC times).
const ZONELESS = /^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;

/** `15m`: milliseconds, or undefined when it is not a duration. */
function durationMillis(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * (UNIT_MILLIS[match[2] as string] as number);
}

/**
 * A `--from` / `--to` value as epoch milliseconds: `now`, `-2h` or `now-2h`
 * (before now; s, m, h, d), `YYYY-MM-DD[ hh:mm[:ss]]` in UTC, or an ISO date with
 * a zone. Anything else throws a TimeArgumentError naming `flag`.
 */
export function parseTimeArgument(flag: string, value: string, now: number): number {
  // `now-2h` as Grafana writes it is `-2h`.
  const text = value.trim().replace(/^now\s*(?=-)/, '');
  if (text === 'now') return now;
  if (text.startsWith('-')) {
    const millis = durationMillis(text.slice(1).trim());
    if (millis !== undefined) return now - millis;
  } else if (ZONELESS.test(text) || ZONED.test(text)) {
    const iso = text.replace(' ', 'T');
    const millis = Date.parse(ZONED.test(text) ? iso : `${iso.length === 10 ? `${iso}T00:00:00` : iso}Z`);
    if (Number.isFinite(millis)) return millis;
  }
  throw new TimeArgumentError(flag, value);
}

/** A `--since` value (`15m`, `2h`, `1d`; a leading `-` is allowed) as milliseconds. */
export function parseSinceArgument(value: string): number {
  const text = value.trim();
  const millis = durationMillis(text.startsWith('-') ? text.slice(1).trim() : text);
  if (millis === undefined || millis <= 0) throw new TimeArgumentError('--since', value);
  return millis;
}

export interface TimeRangeFlags {
  from?: string;
  to?: string;
  since?: string;
}

/** How far ahead of now the default end is: the interval being written is inside the range. */
const DEFAULT_AHEAD_MILLIS = 60_000;
const DEFAULT_SPAN_MILLIS = 3_600_000;

/**
 * The range of `tracepoint dashboard` in epoch milliseconds: `--since d` is
 * [now - d, now + 1 min); `--from` / `--to` default to the last hour and a
 * minute ahead. Throws a TimeArgumentError for an unreadable value, `--since`
 * with `--from`, or a range that does not run forward.
 */
export function resolveTimeRange(flags: TimeRangeFlags, now: number): { from: number; to: number } {
  if (flags.since !== undefined && flags.from !== undefined)
    throw new TimeArgumentError('--since', flags.since, '--since and --from both set the start: give one');
  const to = flags.to === undefined ? now + DEFAULT_AHEAD_MILLIS : parseTimeArgument('--to', flags.to, now);
  const from =
    flags.since !== undefined
      ? now - parseSinceArgument(flags.since)
      : flags.from === undefined
        ? now - DEFAULT_SPAN_MILLIS
        : parseTimeArgument('--from', flags.from, now);
  if (!(from < to))
    throw new TimeArgumentError(
      '--from',
      String(flags.from ?? flags.since),
      `--from ${timeText(from)} is not before --to ${timeText(to)} (UTC): the range is empty`,
    );
  return { from, to };
}

/** Epoch milliseconds as `YYYY-MM-DD hh:mm:ss` in UTC: a ClickHouse DateTime parameter. */
export function timeText(millis: number): string {
  return new Date(millis).toISOString().slice(0, 19).replace('T', ' ');
}
