import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { type LocalHttpServer, startLocalHttpServer } from '@tracepoint/clickhouse-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { createSpanLikeTables, selectBytes, tableBytes } from './binary-rows.js';

const dataDir = tempDataDir('http-binary');
let server: LocalHttpServer;
let client: ClickHouseClient;

beforeAll(async () => {
  server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  client = createClient({ url: server.url, compression: { request: true, response: true } });
  await createSpanLikeTables(client, 'bin');
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  dataDir.remove();
});

/** A small RowBinary encoder for `(s String, n UInt64)` rows, independent of ClickHouse's own. */
function rowBinary(rows: Array<{ s: Buffer; n: bigint }>): Buffer {
  const parts: Buffer[] = [];
  for (const row of rows) {
    let length = row.s.length;
    const varint: number[] = [];
    do {
      varint.push((length & 0x7f) | (length > 0x7f ? 0x80 : 0));
      length >>>= 7;
    } while (length > 0);
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(row.n);
    parts.push(Buffer.from(varint), row.s, n);
  }
  return Buffer.concat(parts);
}

describe('binary insert bodies over the local HTTP server', () => {
  for (const format of ['RowBinaryWithNamesAndTypes', 'RowBinaryWithNames', 'RowBinary', 'Native']) {
    it(`lands every span column type exactly from a ${format} body sent with client.exec (gzip)`, async () => {
      const table = `bin.dst_${format.toLowerCase()}`;
      await client.command({ query: `CREATE TABLE ${table} AS bin.dst` });
      // ClickHouse's own encoder makes the body: an independent check of the decode side.
      const body = await selectBytes(client, `SELECT * FROM bin.src FORMAT ${format}`);
      const result = await client.exec({
        query: `INSERT INTO ${table} FORMAT ${format}`,
        values: Readable.from([body.subarray(0, 1000), body.subarray(1000)]),
      });
      result.stream.resume();
      expect(result.summary?.written_rows).toBe('5002');
      expect((await tableBytes(client, table)).equals(await tableBytes(client, 'bin.src'))).toBe(true);
    });
  }

  it('checks RowBinaryWithNamesAndTypes header types against the table, as ClickHouse does', async () => {
    const body = await selectBytes(client, 'SELECT [toUInt8(1)] AS Flag FORMAT RowBinaryWithNamesAndTypes');
    await expect(
      client.exec({
        query: 'INSERT INTO bin.dst (Flag) FORMAT RowBinaryWithNamesAndTypes',
        values: Readable.from([body]),
      }),
    ).rejects.toThrow(/Flag/);
  });

  it('takes a hand-encoded RowBinary body over raw fetch, gzip and plain, with column list, settings and a dedup token', async () => {
    await client.command({
      query:
        'CREATE TABLE bin.small (s String, n UInt64, x UInt8 DEFAULT 7) ENGINE = MergeTree ORDER BY n SETTINGS non_replicated_deduplication_window = 100',
    });
    const strings = [
      Buffer.from([0x00, 0xff, 0x80, 0x0a, 0x20]),
      Buffer.from(' leading space, then é and 🙂', 'utf8'),
      Buffer.alloc(300, 0x0a),
      Buffer.alloc(0),
    ];
    const body = rowBinary(strings.map((s, i) => ({ s, n: 18446744073709551615n - BigInt(i) })));
    const query = encodeURIComponent(
      'INSERT INTO bin.small (s, n) SETTINGS max_insert_threads = 1 FORMAT RowBinary',
    );
    for (const [encoding, payload] of [
      ['gzip', gzipSync(body)],
      [undefined, body],
    ] as const) {
      const response = await fetch(
        `${server.url}/?query=${query}&insert_deduplication_token=same-batch&max_result_rows=1&result_overflow_mode=throw`,
        {
          method: 'POST',
          body: payload,
          headers: encoding ? { 'Content-Encoding': encoding } : {},
        },
      );
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    // Sent twice with one token: stored once.
    const rows = await (
      await client.query({
        query: 'SELECT hex(s) AS s, toString(n) AS n, x FROM bin.small ORDER BY n DESC',
        format: 'JSONEachRow',
      })
    ).json();
    expect(rows).toEqual(
      strings.map((s, i) => ({
        s: s.toString('hex').toUpperCase(),
        n: String(18446744073709551615n - BigInt(i)),
        x: 7,
      })),
    );
  });

  it('answers a truncated binary body with the engine error', async () => {
    const response = await fetch(
      `${server.url}/?query=${encodeURIComponent('INSERT INTO bin.small (s, n) FORMAT RowBinary')}`,
      {
        method: 'POST',
        body: Buffer.from([5, 0x41]),
      },
    );
    expect(response.status).toBe(500);
    expect(response.headers.get('x-clickhouse-exception-code')).toBe('33');
    expect(await response.text()).toMatch(/\(CANNOT_READ_ALL_DATA\)/);
  });

  it('lands a TSV body that is not UTF-8 byte for byte', async () => {
    const body = Buffer.concat([
      Buffer.from('latin1 '),
      Buffer.from([0xe9, 0xff, 0x80]),
      Buffer.from('\t3\n'),
    ]);
    const response = await fetch(
      `${server.url}/?query=${encodeURIComponent('INSERT INTO bin.small (s, n) FORMAT TSV')}`,
      { method: 'POST', body },
    );
    expect(response.status).toBe(200);
    await response.text();
    const rows = await (
      await client.query({ query: 'SELECT hex(s) AS s FROM bin.small WHERE n = 3', format: 'JSONEachRow' })
    ).json();
    expect(rows).toEqual([{ s: Buffer.from('latin1 \xe9\xff\x80', 'latin1').toString('hex').toUpperCase() }]);
  });

  it('still takes text bodies inline, with the SQL in the body too', async () => {
    await client.insert({
      table: 'bin.small',
      columns: ['s', 'n'],
      values: [{ s: 'json ü', n: '1' }],
      format: 'JSONEachRow',
    });
    const response = await fetch(`${server.url}/`, {
      method: 'POST',
      body: 'INSERT INTO bin.small (s, n) FORMAT TSV\ntsv\\tü\t2\n',
    });
    expect(response.status).toBe(200);
    const rows = await (
      await client.query({
        query: 'SELECT s, n FROM bin.small WHERE n < 3 ORDER BY n',
        format: 'JSONEachRow',
      })
    ).json();
    expect(rows).toEqual([
      { s: 'json ü', n: '1' },
      { s: 'tsv\tü', n: '2' },
    ]);
  });
});
