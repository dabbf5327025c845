import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  OTEL_TRACES_COLUMNS,
  otelTracesStatements,
  TRACE_ID_TS_COLUMNS,
  TRACE_ID_TS_SUFFIX,
} from './otel-traces-schema.js';
import { MIN_CLICKHOUSE_VERSION, UnsupportedServerVersionError, versionAtLeast } from './server-version.js';
import { withTracingSuppressed } from './suppress-tracing.js';
import {
  type ColumnSpec,
  createTableStatements,
  insertColumnNames,
  onCluster,
  qualifiedName,
  quoteIdentifier,
  type SchemaTarget,
  type TableSpec,
} from './table-ddl.js';
import { TRACE_POINT_STATS_COLUMNS, tracePointStatsStatements } from './trace-point-stats-schema.js';
import {
  TRACE_POINT_SPANS_COLUMNS,
  TRACE_POINT_SPANS_SUFFIX,
  tracePointsStatements,
} from './trace-points-schema.js';

export const MIGRATIONS_TABLE = 'tracepoint_schema_migrations';

export interface SchemaOptions extends SchemaTarget {
  tracesTable: string;
  tracePointsTable: string;
  statsTable: string;
  tracePoints: boolean;
  ttlDays: number;
}

/** One step of the schema, applied once per database and recorded in the migrations table. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

function migrationsTableSpec(): TableSpec {
  return {
    name: MIGRATIONS_TABLE,
    columns: [
      { name: 'version', type: 'UInt32' },
      { name: 'name', type: 'String' },
      { name: 'checksum', type: 'String' },
      { name: 'applied_at', type: 'DateTime64(3)' },
    ],
    // Two processes starting together may both record a step; the duplicate collapses.
    engine: 'ReplacingMergeTree',
    orderBy: '(version)',
    settings: {},
    shardingKey: 'version',
  };
}

/** The ordered schema steps for these options. Statements are idempotent (IF NOT EXISTS). */
export function schemaMigrations(options: SchemaOptions): Migration[] {
  const migrations: Migration[] = [
    {
      version: 1,
      name: 'otel_traces with trace-id lookup',
      statements: otelTracesStatements(options, { table: options.tracesTable, ttlDays: options.ttlDays }),
    },
  ];
  if (options.tracePoints) {
    migrations.push({
      version: 2,
      name: 'trace_points',
      statements: tracePointsStatements(options, {
        table: options.tracePointsTable,
        ttlDays: options.ttlDays,
      }),
    });
  }
  migrations.push({
    version: 3,
    name: 'trace_point_stats',
    statements: tracePointStatsStatements(options, { table: options.statsTable, ttlDays: options.ttlDays }),
  });
  return migrations;
}

/** The database and the migrations table: what must exist before migrations can be read. */
function bootstrapStatements(options: SchemaOptions): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(options.database)}${onCluster(options)}`,
    ...createTableStatements(migrationsTableSpec(), options),
  ];
}

/** Every statement that sets up the schema, migrations table included (for docs and parser checks). */
export function schemaStatements(options: SchemaOptions): string[] {
  return [
    ...bootstrapStatements(options),
    ...schemaMigrations(options).flatMap((migration) => migration.statements),
  ];
}

function checksum(migration: Migration): string {
  return createHash('sha256').update(migration.statements.join(';\n')).digest('hex').slice(0, 16);
}

async function rows<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow', query_params: params });
  return result.json<T>();
}

export async function serverVersion(client: ClickHouseClient): Promise<string> {
  // TabSeparated: the oldest servers read it the same way as current ones.
  const result = await client.query({ query: 'SELECT version()', format: 'TabSeparated' });
  return (await result.text()).trim();
}

/** The tables and columns the exporter writes, for verification when it may not create them. */
export function expectedTables(
  options: SchemaOptions,
): Array<{ table: string; columns: readonly ColumnSpec[] }> {
  const tables = [
    { table: options.tracesTable, columns: OTEL_TRACES_COLUMNS as readonly ColumnSpec[] },
    {
      table: `${options.tracesTable}${TRACE_ID_TS_SUFFIX}`,
      columns: TRACE_ID_TS_COLUMNS as readonly ColumnSpec[],
    },
  ];
  if (options.tracePoints) {
    tables.push({
      table: `${options.tracePointsTable}${TRACE_POINT_SPANS_SUFFIX}`,
      columns: TRACE_POINT_SPANS_COLUMNS as readonly ColumnSpec[],
    });
  }
  tables.push({ table: options.statsTable, columns: TRACE_POINT_STATS_COLUMNS as readonly ColumnSpec[] });
  return tables;
}

export class SchemaMismatchError extends Error {
  constructor(database: string, problems: string[]) {
    super(
      `ClickHouse schema in database ${database} does not match what tracepoint writes (createSchema is false): ${problems.join('; ')}. Create it with createSchema: true, or apply the DDL in the README.`,
    );
    this.name = 'SchemaMismatchError';
  }
}

/**
 * Brings a database to the schema the exporter writes: checks the server
 * version, then creates or migrates (recording each step in
 * `tracepoint_schema_migrations`), or with `create: false` only verifies the
 * columns. Runs with tracing suppressed.
 */
export async function prepareSchema(
  client: ClickHouseClient,
  options: SchemaOptions,
  create: boolean,
  label: string,
): Promise<{ version: string; applied: number[] }> {
  return withTracingSuppressed(async () => {
    const version = await serverVersion(client);
    if (!versionAtLeast(version, MIN_CLICKHOUSE_VERSION))
      throw new UnsupportedServerVersionError(version, label);
    if (!create) {
      await verifySchema(client, options);
      return { version, applied: [] };
    }
    for (const statement of bootstrapStatements(options)) await client.command({ query: statement });
    const migrationsTable = qualifiedName(options.database, MIGRATIONS_TABLE);
    const done = new Set(
      (await rows<{ version: number }>(client, `SELECT DISTINCT version FROM ${migrationsTable}`)).map(
        (row) => Number(row.version),
      ),
    );
    const applied: number[] = [];
    for (const migration of schemaMigrations(options)) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.statements) await client.command({ query: statement });
      await client.command({
        query: `INSERT INTO ${migrationsTable} (version, name, checksum, applied_at) VALUES ({version:UInt32}, {name:String}, {checksum:String}, now64(3))`,
        query_params: { version: migration.version, name: migration.name, checksum: checksum(migration) },
      });
      applied.push(migration.version);
    }
    return { version, applied };
  });
}

export async function verifySchema(client: ClickHouseClient, options: SchemaOptions): Promise<void> {
  const problems: string[] = [];
  for (const { table, columns } of expectedTables(options)) {
    const found = await rows<{ name: string; type: string }>(
      client,
      'SELECT name, type FROM system.columns WHERE database = {database:String} AND table = {table:String}',
      { database: options.database, table },
    );
    if (found.length === 0) {
      problems.push(`table ${table} is missing`);
      continue;
    }
    const names = new Set(found.map((column) => column.name));
    // system.columns lists Nested columns flattened, as inserts name them.
    const missing = insertColumnNames(columns).filter((name) => !names.has(name));
    if (missing.length > 0) problems.push(`table ${table} lacks column(s) ${missing.join(', ')}`);
  }
  if (problems.length > 0) throw new SchemaMismatchError(options.database, problems);
}
