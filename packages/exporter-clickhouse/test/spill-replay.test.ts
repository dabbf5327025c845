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

  it('joins unsent records into one insert that ClickHouse takes, and a restart re-forms the same run and token', async () => {
    await ask(
      'CREATE TABLE spill_runs (id UInt64, name String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000',
    );
    const statement = 'INSERT INTO default.spill_runs FORMAT RowBinaryWithNamesAndTypes';
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-runs-'));
    const writer = SpillDirectory.open({ dir });
    for (let i = 0; i < 3; i++) {
      // Bodies written by ClickHouse itself, each with its own names-and-types header.
      const payload = await ask(
        `SELECT number + ${i * 100} AS id, concat('rün-', toString(number)) AS name FROM numbers(100) FORMAT RowBinaryWithNamesAndTypes`,
      );
      await writer.append(statement, `run-token-${i}`, 100, payload, true);
    }
    await writer.close();

    const send = (run: { statement: string; chunks: readonly Uint8Array[]; token: string }) =>
      ask(run.statement, Buffer.concat(run.chunks), { insert_deduplication_token: run.token });
    const first = SpillDirectory.open({ dir });
    const run = await first.nextRun();
    expect(run?.records).toHaveLength(3);
    expect(run?.rows).toBe(300);
    await send(run as NonNullable<typeof run>);
    await first.close(); // "crashed" before acknowledging

    const second = SpillDirectory.open({ dir });
    const again = await second.nextRun();
    expect(again?.token).toBe(run?.token);
    await send(again as NonNullable<typeof again>);
    for (const record of again?.records ?? []) await second.ack(record);
    expect(await second.nextRun()).toBeUndefined();
    await second.close();
    expect(
      (await ask('SELECT count(), uniqExact(id) FROM spill_runs FORMAT TSV')).toString('utf8').trim(),
    ).toBe('300\t300');
  });
});
