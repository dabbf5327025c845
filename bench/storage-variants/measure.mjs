// One variant table on one traffic: created, filled from the base table (INSERT ... SELECT, so
// every variant holds the same rows), settled, then its bytes and the rows two readers' queries
// read from it.
import { rowsOf } from '../lib/clickhouse-rows.mjs';
import { measureRowsRead } from '../lib/rows-read.mjs';
import { settle } from '../storage/table-sizes.mjs';
import { checkReaderTypes } from './variants.mjs';

const LOOKUP_SUFFIX = '_trace_id_ts';

/** A table as the engine has it: stored columns (codec text without CODEC(...)), skip indexes, keys, granularity. */
export async function describeTable(client, database, table) {
  const where = `database = '${database}' AND table = '${table}'`;
  const columns = (
    await rowsOf(
      client,
      `SELECT name, type, compression_codec AS codec FROM system.columns
       WHERE ${where} AND default_kind NOT IN ('ALIAS', 'MATERIALIZED', 'EPHEMERAL') ORDER BY position`,
    )
  ).map((c) => ({ name: c.name, type: c.type, codec: c.codec.replace(/^CODEC\((.*)\)$/, '$1') }));
  const indexes = await rowsOf(
    client,
    `SELECT name, expr, type_full AS type, granularity FROM system.data_skipping_indices WHERE ${where} ORDER BY name`,
  );
  const [t] = await rowsOf(
    client,
    `SELECT partition_key, sorting_key, create_table_query FROM system.tables WHERE database = '${database}' AND name = '${table}'`,
  );
  if (t === undefined) throw new Error(`no table ${database}.${table}`);
  const granularity = /index_granularity = (\d+)/.exec(t.create_table_query)?.[1] ?? '8192';
  return {
    columns,
    indexes,
    partitionKey: t.partition_key,
    sortingKey: t.sorting_key,
    granularity: Number(granularity),
  };
}

/** The queries' parameters from the base table: trace ids spread over the data, the busiest service, a 15-minute window around the median span. */
export async function probesOf(client, base, traceCount) {
  const traceIds = (
    await rowsOf(
      client,
      `SELECT TraceId FROM ${base} GROUP BY TraceId ORDER BY cityHash64(TraceId) LIMIT ${traceCount}`,
    )
  ).map((r) => r.TraceId);
  const [search] = await rowsOf(
    client,
    `SELECT topK(1)(ServiceName)[1] AS service, toUnixTimestamp(median(Timestamp)) - 450 AS from_s FROM ${base}`,
  );
  return { traceIds, service: search.service, fromSeconds: Number(search.from_s), windowSeconds: 900 };
}

/** Grafana's ClickHouse data source trace-by-id: the trace's window from the lookup table, then the TraceId filter. */
const traceByIdSql = (spans, lookup) => `WITH {trace_id:String} AS trace_id,
  (SELECT min(Start) FROM ${lookup} WHERE TraceId = trace_id) AS trace_start,
  (SELECT max(End) + 1 FROM ${lookup} WHERE TraceId = trace_id) AS trace_end
SELECT TraceId, SpanId, ParentSpanId, ServiceName, SpanName, Timestamp, Duration, StatusCode, SpanAttributes, ResourceAttributes
FROM ${spans}
WHERE TraceId = trace_id AND Timestamp >= trace_start AND Timestamp <= trace_end`;

/** A trace search: one service's spans in a 15-minute window. */
const searchSql = (spans) => `SELECT TraceId, SpanId, SpanName, Timestamp, Duration, StatusCode FROM ${spans}
WHERE ServiceName = {service:String}
  AND Timestamp >= toDateTime({from:UInt32}) AND Timestamp < toDateTime({from:UInt32}) + INTERVAL {window:UInt32} SECOND`;

async function rowsRead(client, spans, lookup, probes) {
  let traceRows = 0;
  let traceSpans = 0;
  let stable = true;
  for (const traceId of probes.traceIds) {
    const r = await measureRowsRead(client, traceByIdSql(spans, lookup), { trace_id: traceId });
    traceRows += r.readRows;
    traceSpans += r.data.length;
    stable &&= r.stable;
  }
  const search = await measureRowsRead(client, searchSql(spans), {
    service: probes.service,
    from: probes.fromSeconds,
    window: probes.windowSeconds,
  });
  return {
    traceById: traceRows / probes.traceIds.length,
    traceSpans: traceSpans / probes.traceIds.length,
    search: search.readRows,
    searchSpans: search.data.length,
    stable: stable && search.stable,
  };
}

async function bytesOf(client, database, table) {
  const where = `active AND database = '${database}' AND table = '${table}'`;
  const [part] = await rowsOf(
    client,
    `SELECT sum(rows) AS rows, sum(data_compressed_bytes) AS compressed, sum(bytes_on_disk) AS on_disk FROM system.parts WHERE ${where}`,
  );
  const columns = {};
  for (const c of await rowsOf(
    client,
    `SELECT column, sum(column_data_compressed_bytes) AS bytes FROM system.parts_columns WHERE ${where} GROUP BY column`,
  ))
    columns[c.column] = Number(c.bytes);
  return {
    rows: Number(part.rows),
    compressed: Number(part.compressed),
    onDisk: Number(part.on_disk),
    columns,
  };
}

/**
 * Copies the base's rows into `database.table` (created by `ddl`, or already there when `ddl` is
 * undefined), settles it and measures it. Trace-by-id reads the lookup table `lookup`.
 */
export async function measureVariant(client, { traffic, database, table, ddl, lookup, base, name }) {
  if (ddl !== undefined) await client.command({ query: ddl });
  const described = await describeTable(client, database, table);
  checkReaderTypes(base, described, name);
  const list = base.columns.map((c) => `\`${c.name}\``).join(', ');
  // Granules end where 8192 rows or index_granularity_bytes (10 MB uncompressed) is reached, so
  // where they end depends on the order of rows with equal sort keys; a parallel INSERT ... SELECT
  // leaves that order to chance, and rows read moved by a granule or two between runs. In key
  // order with ids as tie-breakers every table gets its rows in one order.
  const started = performance.now();
  await client.command({
    query: `INSERT INTO ${database}.${table} (${list}) SELECT ${list} FROM ${traffic.base} ORDER BY ${described.sortingKey}, TraceId, SpanId`,
  });
  await settle(client, database, table);
  const writeSeconds = (performance.now() - started) / 1000;
  const bytes = await bytesOf(client, database, table);
  if (bytes.rows !== traffic.spans)
    throw new Error(`${name} holds ${bytes.rows} rows, the base ${traffic.spans}`);
  const reads = await rowsRead(
    client,
    `${database}.${table}`,
    lookup ?? `${traffic.base}${LOOKUP_SUFFIX}`,
    traffic.probes,
  );
  return { ...bytes, reads, writeSeconds };
}
