import type { ClickHouseClient } from '@clickhouse/client';
import { onCluster, qualifiedName, type SchemaTarget, storageTableName } from './table-ddl.js';

/**
 * How many recent insert blocks a non-replicated MergeTree remembers for
 * `insert_deduplication_token`. Without a window (the server default is 0,
 * and the OpenTelemetry Collector's tables set none) the token does nothing,
 * and a retry of an insert whose response was lost writes its rows twice.
 */
export const DEDUPLICATION_WINDOW = 1000;

const SETTING = 'non_replicated_deduplication_window';

/**
 * Replicated tables deduplicate through Keeper by default, and ClickHouse
 * Cloud's SharedMergeTree does the same; other engines are not storage.
 */
function needsWindow(engine: string): boolean {
  return engine.endsWith('MergeTree') && !engine.startsWith('Replicated') && !engine.startsWith('Shared');
}

/**
 * The tables among `tables` (as the exporter names them; on a cluster their
 * `_local` storage is looked at) that store rows in a non-replicated MergeTree
 * without a deduplication window. Tables that do not exist are left out.
 */
export async function tablesWithoutWindow(
  client: ClickHouseClient,
  target: SchemaTarget,
  tables: readonly string[],
): Promise<string[]> {
  if (tables.length === 0) return [];
  const storage = tables.map((table) => storageTableName(target, table));
  const result = await client.query({
    query: `SELECT name, engine, engine_full,
              (SELECT value FROM system.merge_tree_settings WHERE name = '${SETTING}') AS server_default
            FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)}`,
    format: 'JSONEachRow',
    query_params: { database: target.database, names: storage },
  });
  const rows = await result.json<{
    name: string;
    engine: string;
    engine_full: string;
    server_default: string;
  }>();
  const found = new Map(rows.map((row) => [row.name, row]));
  return storage.filter((name) => {
    const row = found.get(name);
    if (row === undefined || !needsWindow(row.engine)) return false;
    // A table's own setting shows in its engine clause; otherwise the server's merge_tree default applies.
    const own = new RegExp(`\\b${SETTING}\\s*=\\s*(\\d+)`).exec(row.engine_full)?.[1];
    return Number(own ?? row.server_default) === 0;
  });
}

/** Gives an existing storage table the exporter's deduplication window. */
export function setWindowStatement(target: SchemaTarget, storageTable: string): string {
  return `ALTER TABLE ${qualifiedName(target.database, storageTable)}${onCluster(target)} MODIFY SETTING ${SETTING} = ${DEDUPLICATION_WINDOW}`;
}
