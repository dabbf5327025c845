import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { SpillDirectory } from '../src/spill-directory.js';

const store = testStore('spill-replay', { http: true });

/** One HTTP request to the local ClickHouse server; the body is bytes for inserts. */
async function ask(query: string, body?: Uint8Array, settings: Record<string, string> = {}): Promise<Buffer> {
  const url = new URL(store.server.url);
  url.searchParams.set('query', query);
  for (const [name, value] of Object.entries(settings)) url.searchParams.set(name, value);
  const response = await fetch(url, { method: 'POST', ...(body === undefined ? {} : { body }) });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.ok) throw new Error(`${response.status}: ${bytes.toString('utf8')}`);
  return bytes;
}

describe('a spilled insert body, replayed into ClickHouse', () => {
  it('is the insert itself: replayed with its token after a restart, twice, its rows are stored once', async () => {
    await ask(
      'CREATE TABLE spill_target (id UInt64, name String, attrs Map(LowCardinality(String), String)) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000',
    );
    // A RowBinaryWithNamesAndTypes body written by ClickHouse itself, multi-byte text and a map included.
    const payload = await ask(
      "SELECT number AS id, concat('näme-', toString(number), '-✓') AS name, CAST(map('k', toString(number)), 'Map(LowCardinality(String), String)') AS attrs FROM numbers(500) FORMAT RowBinaryWithNamesAndTypes",
    );
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-replay-'));
    const writer = SpillDirectory.open({ dir });
    await writer.append('default.spill_target', 'spill-replay-token-1', 500, payload);
    await writer.close();

    // The first replay inserts, then "crashes" before acknowledging: the record stays.
    const first = SpillDirectory.open({ dir });
    const record = await first.next();
    expect(record?.rows).toBe(500);
    const replay = async (r: NonNullable<typeof record>) =>
      ask(`INSERT INTO ${r.table} FORMAT RowBinaryWithNamesAndTypes`, r.payload, {
        insert_deduplication_token: r.token,
      });
    await replay(record as NonNullable<typeof record>);
    await first.close();

    const second = SpillDirectory.open({ dir });
    const again = await second.next();
    expect(again?.token).toBe('spill-replay-token-1');
    await replay(again as NonNullable<typeof again>);
    await second.ack(again as NonNullable<typeof again>);
    expect(await second.next()).toBeUndefined();
    await second.close();

    const [count, names, sum] = (
      await ask(
        "SELECT count(), countIf(name LIKE 'näme-%-✓'), sum(toUInt64(attrs['k'])) FROM spill_target FORMAT TSV",
      )
    )
      .toString('utf8')
      .trim()
      .split('\t');
    expect([count, names, sum]).toEqual(['500', '500', String((499 * 500) / 2)]);
  });
});
