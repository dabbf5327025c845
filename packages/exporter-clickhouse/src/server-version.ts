/**
 * The oldest ClickHouse the schema and inserts are written for: 23.8 LTS.
 * Newer features used: Map columns, DateTime64(9), `insert_deduplication_token`
 * on non-replicated tables (22.2), `async_insert` with `wait_for_async_insert`
 * (21.11), `ttl_only_drop_parts`, T64/Delta codecs, SimpleAggregateFunction.
 * Tested against ClickHouse 26.7 (chDB); 23.8 itself is not tested here.
 */
export const MIN_CLICKHOUSE_VERSION = '23.8';

function parts(version: string): number[] {
  return version.split('.').map((part) => Number.parseInt(part, 10));
}

/** True when `found` (e.g. `26.7.2.1`) is at least `minimum` (e.g. `23.8`). */
export function versionAtLeast(found: string, minimum: string): boolean {
  const a = parts(found);
  const b = parts(minimum);
  for (let i = 0; i < b.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (Number.isNaN(x)) return false;
    if (x !== y) return x > y;
  }
  return true;
}

/** Thrown at start when the server is older than MIN_CLICKHOUSE_VERSION. */
export class UnsupportedServerVersionError extends Error {
  constructor(
    readonly found: string,
    readonly target: string,
  ) {
    super(
      `tracepoint needs ClickHouse >= ${MIN_CLICKHOUSE_VERSION}, found ${found} at ${target}; upgrade the server or point TRACEPOINT_CLICKHOUSE_URL elsewhere`,
    );
    this.name = 'UnsupportedServerVersionError';
  }
}
