import { EXPORTER_DEFAULTS } from '@tracepoint/exporter-clickhouse';
import { assertIdentifier } from '@tracepoint/exporter-clickhouse/internal';

/** Where the dashboards read: the exporter's `database`, `tracesTable`, `tracePointsTable` and `statsTable`. */
export interface DashboardTables {
  /** Omitted: unqualified names, read in the connection's database (the committed `.sql` files and Grafana JSON). */
  database?: string | undefined;
  tracesTable?: string | undefined;
  tracePointsTable?: string | undefined;
  statsTable?: string | undefined;
}

/** The table references a query splices in: validated, backquoted, qualified when a database is given. */
export interface DashboardSources {
  database: string | undefined;
  traces: string;
  /** The trace-points view. */
  tracePoints: string;
  stats: string;
  /** The stats table's bare name, for the exporter's stats queries (they qualify it themselves). */
  statsTable: string;
}

/**
 * Resolves names the way the exporter does (its defaults for those left out,
 * the same identifier check): ClickHouse cannot bind identifiers as query
 * parameters, so a name is checked before it is spliced into SQL.
 */
export function dashboardSources(tables: DashboardTables = {}): DashboardSources {
  const d = EXPORTER_DEFAULTS;
  const database = tables.database === undefined ? undefined : assertIdentifier('database', tables.database);
  const traces = assertIdentifier('tracesTable', tables.tracesTable ?? d.tracesTable);
  const tracePoints = assertIdentifier('tracePointsTable', tables.tracePointsTable ?? d.tracePointsTable);
  const stats = assertIdentifier('statsTable', tables.statsTable ?? d.statsTable);
  const ref = (table: string) => (database === undefined ? `\`${table}\`` : `\`${database}\`.\`${table}\``);
  return {
    database,
    traces: ref(traces),
    tracePoints: ref(tracePoints),
    stats: ref(stats),
    statsTable: stats,
  };
}
