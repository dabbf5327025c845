import { TRACE_POINT_STATS_COLUMNS } from '@tracepoint/exporter-clickhouse';
import {
  describeColumns,
  type ExporterConfig,
  prepareSchema,
  schemaOptionsOf,
} from '@tracepoint/exporter-clickhouse/internal';

type Client = Parameters<typeof describeColumns>[0];

/**
 * Brings a store an older tracepoint wrote up to the schema the dashboards
 * read, with the same recorded migrations an exporter's start would run:
 * a store written before `client_errors` (migration 6) answered RED with
 * "Unknown identifier" until some traced app started again. Does nothing
 * where the stats table has every column, or does not exist (an empty store
 * stays empty: readers never create tables). Returns the migrations applied.
 */
export async function upgradeOlderStore(
  client: Client,
  config: ExporterConfig,
  label: string,
): Promise<number[]> {
  const columns = await describeColumns(client, config.database, config.statsTable);
  if (columns.size === 0 || TRACE_POINT_STATS_COLUMNS.every(({ name }) => columns.has(name))) return [];
  return (await prepareSchema(client, schemaOptionsOf(config), true, label)).applied;
}
