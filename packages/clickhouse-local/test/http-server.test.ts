import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { type ClickHouseClient, ClickHouseError, createClient } from '@clickhouse/client';
import { type LocalHttpServer, startLocalHttpServer } from '@tracepoint/clickhouse-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';

const dataDir = tempDataDir('http');
let server: LocalHttpServer;
let client: ClickHouseClient;

beforeAll(async () => {
  server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  client = createClient({ url: server.url, compression: { request: true, response: true } });
});

afterAll(async () => {
  await client?.close();
  await server?.close();
  dataDir.remove();
});

/** A raw HTTP exchange, for what the client library hides (status, headers, socket reuse). */
function rawRequest(
  path: string,
  options: {
    method?: string;
    body?: Buffer | string;
    headers?: Record<string, string>;
    agent?: import('node:http').Agent;
  },
): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; body: string }> {
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'POST', headers: options.headers, agent: options.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('local ClickHouse HTTP server, driven by @clickhouse/client', () => {
  it('answers ping', async () => {
    expect(await client.ping()).toEqual({ success: true });
    const raw = await rawRequest('/ping', { method: 'GET' });
    expect(raw).toMatchObject({ status: 200, body: 'Ok.\n' });
  });

  it('runs a query in JSONEachRow with bound parameters', async () => {
    const result = await client.query({
      query: 'SELECT {n:UInt64} + 1 AS next, {s:String} AS text, version() AS v',
      query_params: { n: '9007199254740993', s: "it's \\ ok" },
      format: 'JSONEachRow',
    });
    const rows = await result.json<{ next: string; text: string; v: string }>();
    // 2^53 + 2 survives: 64-bit integers come back as strings.
    expect(rows).toEqual([
      { next: '9007199254740994', text: "it's \\ ok", v: expect.stringMatching(/^\d+\./) },
    ]);
  });

  it('runs DDL and inserts 100k rows with gzip request compression', async () => {
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS http_test' });
    await client.command({
      query:
        'CREATE TABLE http_test.rows (id UInt64, name String, at DateTime64(9)) ENGINE = MergeTree ORDER BY id',
    });
    const rows = Array.from({ length: 100_000 }, (_, i) => [
      String(i),
      `row-${i}`,
      `1700000000${String(i).padStart(9, '0')}`,
    ]);
    const insert = await client.insert({
      table: 'http_test.rows',
      values: rows,
      format: 'JSONCompactEachRow',
      columns: ['id', 'name', 'at'],
    });
    expect(insert.summary?.written_rows).toBe('100000');
    const result = await client.query({
      query:
        'SELECT count() AS n, sum(id) AS total, max(toUnixTimestamp64Nano(at)) AS last FROM http_test.rows',
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([{ n: '100000', total: '4999950000', last: '1700000000000099999' }]);
  });

  it('reports a syntax error as code 62 and an unknown table as code 60', async () => {
    const syntax = await client.query({ query: 'SELEC 1', format: 'JSONEachRow' }).catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(ClickHouseError);
    expect(syntax).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
    const unknown = await client
      .query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' })
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });

    const raw = await rawRequest('/?query=SELEC%201', { method: 'GET' });
    expect(raw.status).toBe(400);
    expect(raw.headers['x-clickhouse-exception-code']).toBe('62');
    expect(raw.body).toMatch(/^Code: 62\. DB::Exception: .*\(SYNTAX_ERROR\)\n$/s);
  });

  it('refuses a placeholder the request did not bind, even after another request bound it', async () => {
    const bound = await client.query({
      query: 'SELECT {late:String} AS v',
      query_params: { late: 'x' },
      format: 'JSONEachRow',
    });
    expect(await bound.json()).toEqual([{ v: 'x' }]);
    const unbound = await client
      .query({ query: 'SELECT {late:String} AS v', format: 'JSONEachRow' })
      .catch((e: unknown) => e);
    expect(unbound).toMatchObject({ code: '456', type: 'UNKNOWN_QUERY_PARAMETER' });
  });

  it('runs 10 concurrent queries', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client
          .query({ query: `SELECT ${i} AS i, sum(number) AS s FROM numbers(100000)`, format: 'JSONEachRow' })
          .then((r) => r.json<{ i: number; s: string }>()),
      ),
    );
    expect(results.map((rows) => rows[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ i, s: '4999950000' })),
    );
  });

  it('keeps an idle keep-alive socket usable after 3 s', async () => {
    const plain = createClient({ url: server.url, keep_alive: { enabled: true } });
    try {
      expect(await plain.ping()).toEqual({ success: true });
      await new Promise((r) => setTimeout(r, 3_000));
      const rows = await (await plain.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' })).json();
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await plain.close();
    }
  });

  it('applies per-request settings without leaking them into the next request', async () => {
    const setting = "SELECT getSetting('max_block_size') AS v";
    const before = await (await client.query({ query: setting, format: 'JSONEachRow' })).json<{
      v: string;
    }>();
    const during = await (
      await client.query({
        query: setting,
        format: 'JSONEachRow',
        clickhouse_settings: { max_block_size: '1234' },
      })
    ).json<{ v: string }>();
    const after = await (await client.query({ query: setting, format: 'JSONEachRow' })).json<{ v: string }>();
    expect(String(during[0]?.v)).toBe('1234');
    expect(after).toEqual(before);
    expect(String(before[0]?.v)).not.toBe('1234');

    // A SET or USE inside one request's SQL does not carry over either.
    await client.command({ query: 'SET max_block_size = 4321' });
    await client.command({ query: 'USE system' });
    const rows = await (
      await client.query({ query: `${setting}, currentDatabase() AS db`, format: 'JSONEachRow' })
    ).json<{ v: string; db: string }>();
    expect(rows).toEqual([{ v: before[0]?.v, db: 'default' }]);
  });

  it('runs its own bookkeeping outside the request settings: max_result_rows=1 answers SELECT 1', async () => {
    const limited = { max_result_rows: '1', result_overflow_mode: 'throw' } as const;
    const one = await client.query({
      query: 'SELECT 1 AS x',
      format: 'JSONEachRow',
      clickhouse_settings: limited,
    });
    expect(await one.json()).toEqual([{ x: 1 }]);
    const raw = await fetch(`${server.url}/?query=SELECT%201&max_result_rows=1&result_overflow_mode=throw`);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toBe('1\n');
    // An insert, whose row counters the server reads before and after, under the same limit.
    await client.command({
      query: 'CREATE TABLE IF NOT EXISTS http_test.limited (a UInt32) ENGINE = MergeTree ORDER BY a',
    });
    const insert = await client.insert({
      table: 'http_test.limited',
      values: [{ a: 1 }, { a: 2 }, { a: 3 }],
      format: 'JSONEachRow',
      clickhouse_settings: limited,
    });
    expect(insert.summary?.written_rows).toBe('3');
    // A result that really exceeds the limit still gets ClickHouse's own error.
    await expect(
      client.query({
        query: 'SELECT number FROM numbers(10)',
        format: 'JSONEachRow',
        clickhouse_settings: limited,
      }),
    ).rejects.toMatchObject({ code: '396', type: 'TOO_MANY_ROWS_OR_BYTES' });
    const over = await fetch(
      `${server.url}/?query=SELECT%20number%20FROM%20numbers(10)&max_result_rows=1&result_overflow_mode=throw`,
    );
    expect(over.status).toBe(500);
    expect(over.headers.get('x-clickhouse-exception-code')).toBe('396');
    await over.text();
  });

  it('keeps readonly, limits and output settings of one request out of the server and the next request', async () => {
    const cases: Array<{ settings: Record<string, string>; query: string; expected: string }> = [
      { settings: { readonly: '1' }, query: 'SELECT 2', expected: '2\n' },
      { settings: { readonly: '2', max_execution_time: '1' }, query: 'SELECT 3', expected: '3\n' },
      {
        settings: { max_rows_to_read: '1', read_overflow_mode: 'throw' },
        query: 'SELECT 4',
        expected: '4\n',
      },
      {
        settings: { max_result_bytes: '1', result_overflow_mode: 'throw' },
        query: 'SELECT 5',
        expected: '5\n',
      },
      {
        settings: { output_format_tsv_crlf_end_of_line: '1', format_tsv_null_representation: 'nil' },
        query: 'SELECT NULL',
        expected: 'nil\r\n',
      },
    ];
    for (const { settings, query, expected } of cases) {
      const params = new URLSearchParams({ query, database: 'http_test', ...settings });
      const response = await fetch(`${server.url}/?${params}`);
      expect({ settings, status: response.status, body: await response.text() }).toEqual({
        settings,
        status: 200,
        body: expected,
      });
    }
    // readonly=1 refuses writes for that request only.
    const refused = await fetch(
      `${server.url}/?readonly=1&query=${encodeURIComponent('INSERT INTO http_test.limited VALUES (9)')}`,
      { method: 'POST' },
    );
    expect(refused.headers.get('x-clickhouse-exception-code')).toBe('164');
    await refused.text();
    await client.command({ query: 'INSERT INTO http_test.limited VALUES (10)' });
    const after = await fetch(
      `${server.url}/?query=${encodeURIComponent("SELECT count(), getSetting('readonly'), getSetting('max_result_rows') FROM http_test.limited")}`,
    );
    expect(await after.text()).toBe('4\t0\t0\n');
  });

  it('returns X-ClickHouse-Summary and accepts a chunked, gzip body on a reused socket', async () => {
    await client.command({
      query: 'CREATE TABLE IF NOT EXISTS http_test.raw (a UInt32) ENGINE = MergeTree ORDER BY a',
    });
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const body = gzipSync(Array.from({ length: 500 }, (_, i) => `{"a":${i}}`).join('\n'));
      const insert = await rawRequest(
        `/?query=${encodeURIComponent('INSERT INTO http_test.raw FORMAT JSONEachRow')}`,
        {
          body,
          agent,
          headers: { 'Content-Encoding': 'gzip', 'Transfer-Encoding': 'chunked' },
        },
      );
      expect(insert.status).toBe(200);
      expect(JSON.parse(String(insert.headers['x-clickhouse-summary']))).toMatchObject({
        written_rows: '500',
      });

      // An error answer after a large body: the body is drained, so the same socket serves the next request.
      const bad = await rawRequest('/?query=INSERT%20INTO%20http_test.nope%20FORMAT%20JSONEachRow', {
        body: '{"a":1}\n'.repeat(200_000),
        agent,
      });
      expect(bad.status).toBe(404);
      expect(bad.headers['x-clickhouse-exception-code']).toBe('60');
      const count = await rawRequest('/?query=SELECT%20sum(a)%20FROM%20http_test.raw', {
        method: 'GET',
        agent,
      });
      expect(count).toMatchObject({ status: 200, body: '124750\n' });
      expect(JSON.parse(String(count.headers['x-clickhouse-summary']))).toMatchObject({
        result_rows: '1',
        written_rows: '0',
      });
    } finally {
      agent.destroy();
    }
  });

  it('rejects a corrupt gzip body with a ClickHouse error, not a dropped connection', async () => {
    const raw = await rawRequest('/?query=INSERT%20INTO%20http_test.raw%20FORMAT%20JSONEachRow', {
      body: Buffer.from('definitely not gzip'),
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(raw.status).toBe(400);
    expect(raw.headers['x-clickhouse-exception-code']).toBe('354');
    expect(raw.body).toMatch(/\(ZLIB_INFLATE_FAILED\)\n$/);
  });
});

describe('local ClickHouse HTTP server with a password', () => {
  it('refuses a wrong password with code 516 and accepts the right one', async () => {
    // chDB binds one data directory per process, so this server shares the engine's directory.
    const guarded = await startLocalHttpServer({ path: dataDir.path, port: 0, password: 's3cret' });
    try {
      const wrong = createClient({ url: guarded.url, password: 'nope' });
      const error = await wrong.query({ query: 'SELECT 1', format: 'JSONEachRow' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
      await wrong.close();
      const right = createClient({ url: guarded.url, password: 's3cret' });
      expect(await (await right.query({ query: 'SELECT 2 AS x', format: 'JSONEachRow' })).json()).toEqual([
        { x: 2 },
      ]);
      await right.close();
    } finally {
      await guarded.close();
    }
  });
});

describe('README options table', () => {
  it('states the defaults the code uses', async () => {
    const { LOCAL_HTTP_SERVER_DEFAULTS } = await import('@tracepoint/clickhouse-local');
    const { expectReadmeStatesDefaults } = await import('../../../test-support/readme-options.js');
    expectReadmeStatesDefaults(new URL('../README.md', import.meta.url), LOCAL_HTTP_SERVER_DEFAULTS);
  });
});
