// Bytes per table and column of the active parts (system.parts, system.parts_columns).
import { rowsOf } from '../lib/clickhouse-rows.mjs';

export async function mergeTreeTables(client, database) {
  const rows = await rowsOf(
    client,
    `SELECT name FROM system.tables WHERE database = '${database}' AND engine LIKE '%MergeTree' ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

/**
 * Settles a table: wide parts (one file per column, as every part past 10 MB is on a server;
 * the demo's parts are small enough to be compact, which has no per-column sizes) and one part
 * per partition.
 */
export async function settle(client, database, table) {
  await client.command({
    query: `ALTER TABLE ${database}.${table} MODIFY SETTING min_bytes_for_wide_part = 0, min_rows_for_wide_part = 0`,
  });
  await client.command({ query: `OPTIMIZE TABLE ${database}.${table} FINAL` });
}

export async function partsOf(client, database) {
  const rows = await rowsOf(
    client,
    `SELECT table, count() AS parts, groupUniqArray(part_type) AS part_types, sum(rows) AS rows,
       sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed,
       sum(secondary_indices_compressed_bytes) AS skip_indexes, sum(bytes_on_disk) AS on_disk
     FROM system.parts WHERE active AND database = '${database}' GROUP BY table ORDER BY table`,
  );
  return rows.map((r) => ({
    database,
    table: r.table,
    parts: Number(r.parts),
    partTypes: r.part_types,
    rows: Number(r.rows),
    compressed: Number(r.compressed),
    uncompressed: Number(r.uncompressed),
    skipIndexes: Number(r.skip_indexes),
    onDisk: Number(r.on_disk),
  }));
}

export async function columnsOf(client, database) {
  const rows = await rowsOf(
    client,
    `SELECT table, column, sum(column_data_compressed_bytes) AS compressed, sum(column_data_uncompressed_bytes) AS uncompressed
     FROM system.parts_columns WHERE active AND database = '${database}' GROUP BY table, column ORDER BY compressed DESC`,
  );
  return rows.map((r) => ({
    table: r.table,
    column: r.column,
    compressed: Number(r.compressed),
    uncompressed: Number(r.uncompressed),
  }));
}

export function total(parts, key) {
  return parts.reduce((n, p) => n + p[key], 0);
}
