import type { TestStore } from './test-store.js';

/**
 * Every column of every otel_traces row of `database` (ALIAS columns aside), ordered by SpanId, in
 * a text form that keeps each value exact (64-bit integers quoted): what two writers' rows are
 * compared by.
 */
export async function spanTableRows(store: TestStore, database: string): Promise<Record<string, unknown>[]> {
  const result = await store.client.query({
    query: `SELECT * FROM ${database}.otel_traces ORDER BY SpanId`,
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return result.json<Record<string, unknown>>();
}
