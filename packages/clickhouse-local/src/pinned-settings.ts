/**
 * Settings every local engine runs with, whether reached in-process or over HTTP.
 * Pinned so results do not depend on the host: times are UTC whatever the
 * machine's TZ, and 64-bit integers come back as JSON strings (JS numbers lose
 * precision above 2^53), as @clickhouse/client expects.
 */
export const PINNED_SETTINGS = {
  session_timezone: 'UTC',
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_64bit_floats: 0,
  output_format_json_quote_decimals: 0,
} as const satisfies Record<string, string | number>;

/** The same settings as `clickhouse local` command-line arguments, for a chDB Session. */
export function pinnedConnectionArgs(): string[] {
  return Object.entries(PINNED_SETTINGS).map(([name, value]) => `--${name}=${value}`);
}
