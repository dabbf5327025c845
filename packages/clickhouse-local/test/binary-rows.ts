import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Every column type the span table uses, Nested included (Events.* are the
 * Array(DateTime64(9)), Array(LowCardinality(String)) and Array(Map(...))
 * columns), plus Nullable.
 */
export const SPAN_LIKE_COLUMNS = `
  Timestamp DateTime64(9),
  TraceId String,
  SpanName LowCardinality(String),
  Duration UInt64,
  Delta Int64,
  Flag UInt8,
  SpanAttributes Map(LowCardinality(String), String),
  Events Nested(Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)),
  Maybe Nullable(String)`;

/**
 * Rows with what a text path mangles: NULs, bytes >= 0x80 that are not UTF-8,
 * multi-byte UTF-8, newlines, tabs, quotes, backslashes, leading whitespace
 * bytes, extreme integers and times, empty arrays and maps, NULL.
 */
export const SPAN_LIKE_ROWS = `
  SELECT
    toDateTime64('2024-01-02 03:04:05.123456789', 9) AS Timestamp,
    unhex('00ff80c328e29c0a2009') AS TraceId,
    'GET /ünïcødé/日本語/🙂' AS SpanName,
    toUInt64('18446744073709551615') AS Duration,
    toInt64('-9223372036854775808') AS Delta,
    255 AS Flag,
    map('http.route', '/a\\tb\\nc', 'k\\0ey', unhex('ff00fe'), '引用', 'it''s \\\\ "q"') AS SpanAttributes,
    [toDateTime64('1970-01-01 00:00:00.000000001', 9), toDateTime64('2262-04-11 23:47:16', 9)] AS \`Events.Timestamp\`,
    ['exception', ''] AS \`Events.Name\`,
    [map('exception.message', 'boom\\0' || unhex('c3')), map()] AS \`Events.Attributes\`,
    NULL AS Maybe
  UNION ALL
  SELECT
    toDateTime64('2024-01-02 03:04:06', 9), '', '', 0, 0, 0, map(), [], [], [], 'x'
  UNION ALL
  SELECT
    toDateTime64('2024-01-02 03:04:07.000000001', 9) + number, hex(number), concat('span ', toString(number % 7)),
    number * 1000, -number, number % 2,
    map('n', toString(number), 'empty', ''), [now64(9)], ['e'], [map('a', repeat('é', number % 50))],
    if(number % 3 = 0, NULL, repeat(unhex('80'), number % 5))
  FROM numbers(5000)`;

/** Creates `<db>.src` filled with {@link SPAN_LIKE_ROWS}, and an empty `<db>.dst` with the same columns. */
export async function createSpanLikeTables(client: ClickHouseClient, db: string): Promise<void> {
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${db}` });
  for (const table of ['src', 'dst']) {
    await client.command({
      query: `CREATE TABLE ${db}.${table} (${SPAN_LIKE_COLUMNS}) ENGINE = MergeTree ORDER BY (Timestamp, TraceId)`,
    });
  }
  await client.command({ query: `INSERT INTO ${db}.src ${SPAN_LIKE_ROWS}` });
}

export async function readAll(stream: AsyncIterable<Buffer | Uint8Array | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** A query's whole output in a binary format, as bytes. */
export async function selectBytes(client: ClickHouseClient, query: string): Promise<Buffer> {
  const result = await client.exec({ query });
  return readAll(result.stream);
}

/** Both tables' rows, in one order, as RowBinary: equal bytes mean every value landed exactly. */
export async function tableBytes(client: ClickHouseClient, table: string): Promise<Buffer> {
  return selectBytes(client, `SELECT * FROM ${table} ORDER BY Timestamp, TraceId FORMAT RowBinary`);
}
