import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SpillDirectory } from '@tracepoint/exporter-clickhouse/internal';
import { describe, expect, it } from 'vitest';
import { testStore } from '../../../test-support/test-store.js';
import { runCli } from '../src/dashboard-command.js';

const store = testStore('replay-command', { http: true });

async function cli(argv: string[]): Promise<[number, string]> {
  const out: string[] = [];
  const code = await runCli(argv, (text) => out.push(text));
  return [code, out.join('\n')];
}

describe('tracepoint replay', () => {
  it('sends a spill directory to ClickHouse, in order, once: a second run finds nothing', async () => {
    await store.client.command({
      query:
        'CREATE TABLE replayed (id UInt64, name String) ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 1000',
    });
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-replay-'));
    const spill = SpillDirectory.open({ dir, segmentBytes: 4096 });
    for (let i = 0; i < 5; i++) {
      // Bodies ClickHouse itself wrote, as the exporter's are.
      const result = await store.client.exec({
        query: `SELECT ${i} * 100 + number AS id, concat('ü-', toString(number)) AS name FROM numbers(100) FORMAT RowBinaryWithNamesAndTypes`,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Buffer));
      await spill.append(
        'INSERT INTO default.replayed FORMAT RowBinaryWithNamesAndTypes',
        `replay-${i}`,
        100,
        Buffer.concat(chunks),
      );
    }
    // One insert already landed before the process stopped: its token makes the server drop it now.
    const [first] = [await spill.next()];
    await store.client.exec({
      query: first?.table as string,
      values: Readable.from([Buffer.from(first?.payload as Uint8Array)], { objectMode: false }),
      clickhouse_settings: { insert_deduplication_token: first?.token as string },
    });
    await spill.close();

    const [code, out] = await cli(['replay', dir, '--url', store.server.url]);
    expect(out).toBe(`replayed 5 inserts (500 rows) from ${dir} to ${store.server.url}`);
    expect(code).toBe(0);
    expect(await store.count('SELECT count() AS n FROM default.replayed')).toBe(500);
    expect(await store.count('SELECT uniqExact(id) AS n FROM default.replayed')).toBe(500);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tps'))).toEqual([]);

    expect(await cli(['replay', dir, '--url', store.server.url])).toEqual([
      0,
      `replayed 0 inserts (0 rows) from ${dir} to ${store.server.url}`,
    ]);
  });

  it('keeps what it could not send, with one line, and exits 1; bad arguments exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-replay-fail-'));
    const spill = SpillDirectory.open({ dir });
    await spill.append(
      'INSERT INTO default.no_such_table FORMAT RowBinaryWithNamesAndTypes',
      't',
      1,
      Buffer.from([1, 2, 3]),
    );
    await spill.close();
    const [code, out] = await cli(['replay', dir, '--url', store.server.url]);
    expect(code).toBe(1);
    expect(out).toMatch(
      /^tracepoint replay: .*no_such_table.* \(after 0 inserts, 0 rows; the rest stays in /,
    );
    expect(readdirSync(dir).filter((name) => name.endsWith('.tps'))).toHaveLength(1);
    const [usageCode, usage] = await cli(['replay']);
    expect(usageCode).toBe(2);
    expect(usage).toContain('usage: tracepoint replay <spill directory>');
  });
});
