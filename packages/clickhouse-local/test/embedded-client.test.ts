import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { createEmbeddedClient } from '@tracepoint/clickhouse-local';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { createSpanLikeTables, selectBytes, tableBytes } from './binary-rows.js';

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

  it('lands binary insert bodies exactly, through exec (RowBinary family, Native) and insert (Parquet)', async () => {
    const client = createEmbeddedClient({ path: dataDir.path });
    try {
      await createSpanLikeTables(client, 'emb');
      for (const format of ['RowBinaryWithNamesAndTypes', 'RowBinaryWithNames', 'RowBinary', 'Native']) {
        const table = `emb.dst_${format.toLowerCase()}`;
        await client.command({ query: `CREATE TABLE ${table} AS emb.dst` });
        // ClickHouse's own encoder makes the body; chDB's connection alone would read it as UTF-8 text.
        const body = await selectBytes(client, `SELECT * FROM emb.src FORMAT ${format}`);
        const result = await client.exec({
          query: `INSERT INTO ${table} FORMAT ${format}`,
          values: Readable.from([body.subarray(0, 777), body.subarray(777)]),
          clickhouse_settings: { max_result_rows: '1', result_overflow_mode: 'throw' },
        });
        result.stream.resume();
        expect(result.summary?.written_rows).toBe('5002');
        expect((await tableBytes(client, table)).equals(await tableBytes(client, 'emb.src')), format).toBe(
          true,
        );
      }
      await client.command({ query: 'CREATE TABLE emb.dst_parquet AS emb.dst' });
      const parquet = await selectBytes(client, 'SELECT * FROM emb.src FORMAT Parquet');
      await client.insert({
        table: 'emb.dst_parquet',
        format: 'Parquet',
        values: Readable.from([parquet], { objectMode: false }),
      });
      expect((await tableBytes(client, 'emb.dst_parquet')).equals(await tableBytes(client, 'emb.src'))).toBe(
        true,
      );
      // A text body that is not UTF-8 lands byte for byte too.
      await client.command({ query: 'CREATE TABLE emb.latin1 (s String) ENGINE = MergeTree ORDER BY s' });
      const tsv = await client.exec({
        query: 'INSERT INTO emb.latin1 FORMAT TSV',
        values: Readable.from([Buffer.from([0x61, 0xe9, 0xff, 0x0a])], { objectMode: false }),
      });
      tsv.stream.resume();
      const latin1 = await (
        await client.query({ query: 'SELECT hex(s) AS s FROM emb.latin1', format: 'JSONEachRow' })
      ).json();
      expect(latin1).toEqual([{ s: '61E9FF' }]);
      // Text inserts still go the usual way.
      await client.insert({
        table: 'emb.dst',
        format: 'JSONEachRow',
        values: [{ TraceId: 'ü', SpanName: 'x' }],
      });
      const rows = await (
        await client.query({ query: 'SELECT TraceId FROM emb.dst', format: 'JSONEachRow' })
      ).json();
      expect(rows).toEqual([{ TraceId: 'ü' }]);
    } finally {
      await client.close();
    }
  });

  it('explains a missing path', () => {
    expect(() => createEmbeddedClient({ path: '' })).toThrow(/data directory/);
  });
});
