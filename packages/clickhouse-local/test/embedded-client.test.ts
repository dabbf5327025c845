import { execFileSync } from 'node:child_process';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';

const dataDir = tempDataDir('embedded');
afterAll(() => dataDir.remove());

describe('createEmbeddedClient', () => {
  it('reads data another process wrote to the same directory, in UTC, with 64-bit integers as strings', async () => {
    // A separate process writes (chDB binds one data directory per process) under a non-UTC TZ.
    const writer = `
      const { createEmbeddedClient } = require('@tracepoint/clickhouse-local');
      (async () => {
        const client = createEmbeddedClient({ path: process.argv[1] });
        await client.command({ query: 'CREATE TABLE t (at DateTime64(9), big UInt64) ENGINE = MergeTree ORDER BY at' });
        await client.insert({ table: 't', format: 'JSONEachRow', values: [{ at: '2024-01-02 03:04:05.123456789', big: '18446744073709551615' }] });
        await client.close();
      })().catch((e) => { console.error(e); process.exit(1); });`;
    execFileSync(process.execPath, ['-e', writer, dataDir.path], {
      cwd: new URL('..', import.meta.url),
      env: { ...process.env, TZ: 'Asia/Tokyo' },
      stdio: 'inherit',
    });

    const client = createEmbeddedClient({ path: dataDir.path });
    try {
      const rows = await (
        await client.query({
          query: 'SELECT toString(at) AS text, toUnixTimestamp64Nano(at) AS ns, big, timezone() AS tz FROM t',
          format: 'JSONEachRow',
        })
      ).json();
      // Written as wall-clock text in a Tokyo process, read back identically: the engine ran in UTC both times.
      expect(rows).toEqual([
        {
          text: '2024-01-02 03:04:05.123456789',
          ns: '1704164645123456789',
          big: '18446744073709551615',
          tz: 'UTC',
        },
      ]);
    } finally {
      await client.close();
    }
  });

  it('explains a missing path', () => {
    expect(() => createEmbeddedClient({ path: '' })).toThrow(/data directory/);
  });
});
