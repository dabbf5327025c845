import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { withTracingSuppressed } from '@tracepoint/core';
import { setWindowStatement, tablesWithoutWindow } from './deduplication-window.js';
import { classifyInsertError } from './insert-error.js';
import { OTEL_TRACES_COLUMNS, otelTracesStatements } from './otel-traces-schema.js';
import { MIN_CLICKHOUSE_VERSION, UnsupportedServerVersionError, versionAtLeast } from './server-version.js';
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

/** What writes a table: spans always; trace points when `tracePoints`; stats when an aggregator calls `writeStats`. */
export type TableWriterRole = 'spans' | 'tracePoints' | 'stats';

/**
 * The tables the exporter inserts into and their columns, for verification
 * when it may not create them. The trace-id lookup is left out: a view fills it.
 */
export function expectedTables(
  options: SchemaOptions,
): Array<{ table: string; columns: readonly ColumnSpec[]; writer: TableWriterRole }> {
  const tables: Array<{ table: string; columns: readonly ColumnSpec[]; writer: TableWriterRole }> = [
    { table: options.tracesTable, columns: OTEL_TRACES_COLUMNS, writer: 'spans' },
  ];
  if (options.tracePoints) {
    tables.push({
      table: `${options.tracePointsTable}${TRACE_POINT_SPANS_SUFFIX}`,
      columns: TRACE_POINT_SPANS_COLUMNS,
      writer: 'tracePoints',
    });
  }
  tables.push({ table: options.statsTable, columns: TRACE_POINT_STATS_COLUMNS, writer: 'stats' });
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

/** What start-up found besides success. */
export interface SchemaReport {
  version: string;
  /** Migration versions applied now. */
  applied: number[];
  /**
   * Optional tables that cannot be written (createSchema: false), with the
   * problem; their writer is off. The span table is never here: without it
   * start-up fails.
   */
  unavailable: Map<string, string>;
  /** Tables written without a deduplication window: a retried insert may land twice. */
  withoutDeduplication: string[];
}

/**
 * Brings a database to the schema the exporter writes: checks the server
 * version, then creates or migrates (recording each step in
 * `tracepoint_schema_migrations`) and gives every table it writes a
 * deduplication window, or with `create: false` only verifies the columns
 * and reports what is missing or undeduplicated. Runs with tracing suppressed.
 */
export async function prepareSchema(
  client: ClickHouseClient,
  options: SchemaOptions,
  create: boolean,
  label: string,
): Promise<SchemaReport> {
  return withTracingSuppressed(async () => {
    const version = await serverVersion(client);
    if (!versionAtLeast(version, MIN_CLICKHOUSE_VERSION))
      throw new UnsupportedServerVersionError(version, label);
    if (!create) {
      const unavailable = await verifySchema(client, options);
      const written = expectedTables(options)
        .map(({ table }) => table)
        .filter((table) => !unavailable.has(table));
      return {
        version,
        applied: [],
        unavailable,
        withoutDeduplication: await tablesWithoutWindow(client, options, written),
      };
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
    // A table that existed before (made by the OpenTelemetry Collector) kept its settings through
    // CREATE IF NOT EXISTS; checked at every start, since such a table can appear at any time.
    const withoutDeduplication: string[] = [];
    const tables = expectedTables(options).map(({ table }) => table);
    for (const storage of await tablesWithoutWindow(client, options, tables)) {
      try {
        await client.command({ query: setWindowStatement(options, storage) });
      } catch (error) {
        // A server that refuses the ALTER (no ALTER grant) leaves a table that still takes rows.
        if (classifyInsertError(error) === 'retry') throw error;
        withoutDeduplication.push(storage);
      }
    }
    return { version, applied, unavailable: new Map(), withoutDeduplication };
  });
}

/**
 * Checks the tables the configured writers insert into. A problem with the
 * span table throws a SchemaMismatchError naming every problem; the others
 * come back as the optional tables that cannot be written, with the problem.
 */
export async function verifySchema(
  client: ClickHouseClient,
  options: SchemaOptions,
): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  let spansWritable = true;
  for (const { table, columns, writer } of expectedTables(options)) {
    const found = await rows<{ name: string; type: string }>(
      client,
      'SELECT name, type FROM system.columns WHERE database = {database:String} AND table = {table:String}',
      { database: options.database, table },
    );
    let problem: string | undefined;
    if (found.length === 0) {
      problem = `table ${table} is missing`;
    } else {
      const names = new Set(found.map((column) => column.name));
      // system.columns lists Nested columns flattened, as inserts name them.
      const missing = insertColumnNames(columns).filter((name) => !names.has(name));
      if (missing.length > 0) problem = `table ${table} lacks column(s) ${missing.join(', ')}`;
    }
    if (problem === undefined) continue;
    problems.set(table, problem);
    if (writer === 'spans') spansWritable = false;
  }
  if (!spansWritable) throw new SchemaMismatchError(options.database, [...problems.values()]);
  return problems;
}
