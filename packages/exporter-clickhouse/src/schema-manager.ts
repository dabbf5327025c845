import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { withTracingSuppressed } from '@tracepoint/core';
import { setWindowStatement, tablesWithoutWindow } from './deduplication-window.js';
import { classifyInsertError, toError } from './insert-error.js';
import {
  OTEL_TRACES_COLUMNS,
  otelTracesStatements,
  TRACE_POINT_INSERT_COLUMNS,
  tracePointColumnsStatements,
} from './otel-traces-schema.js';
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
import {
  TRACE_POINT_STATS_COLUMNS,
  tracePointStatsClientErrorsStatements,
  tracePointStatsStatements,
} from './trace-point-stats-schema.js';
import { tracePointsStatements } from './trace-points-schema.js';

export const MIGRATIONS_TABLE = 'tracepoint_schema_migrations';

export interface SchemaOptions extends SchemaTarget {
  tracesTable: string;
  tracePointsTable: string;
  statsTable: string;
  tracePoints: boolean;
  ttlDays: number;
  /**
   * The store was made by a release that stored trace points in
   * `<tracePointsTable>_spans` (migration 2 is recorded): the view reads that
   * table too. prepareSchema finds this out; false for a new store.
   */
  legacyTracePointSpans?: boolean;
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

/** Migration 2 of releases before the trace-point columns: `trace_points` over `<tracePointsTable>_spans`. */
export const LEGACY_TRACE_POINTS_MIGRATION = 2;
/** The step that adds the trace-point columns to the span table; a server may refuse it (no ALTER grant). */
export const TRACE_POINT_COLUMNS_MIGRATION = 4;

/**
 * The ordered schema steps for these options. Statements are idempotent (IF
 * NOT EXISTS, OR REPLACE). Version 2 is gone: it made the separate
 * trace-point table that versions 4 and 5 replace; a store that has it keeps it.
 */
export function schemaMigrations(options: SchemaOptions): Migration[] {
  const migrations: Migration[] = [
    {
      version: 1,
      name: 'otel_traces with trace-id lookup',
      statements: otelTracesStatements(options, { table: options.tracesTable, ttlDays: options.ttlDays }),
    },
    {
      version: 3,
      name: 'trace_point_stats',
      statements: tracePointStatsStatements(options, { table: options.statsTable, ttlDays: options.ttlDays }),
    },
    {
      version: TRACE_POINT_COLUMNS_MIGRATION,
      name: 'trace-point columns in otel_traces',
      statements: tracePointColumnsStatements(options, {
        table: options.tracesTable,
        ttlDays: options.ttlDays,
      }),
    },
  ];
  if (options.tracePoints) {
    migrations.push({
      version: 5,
      name: 'trace_points view over otel_traces',
      statements: tracePointsStatements(options, {
        table: options.tracePointsTable,
        tracesTable: options.tracesTable,
        legacySpans: options.legacyTracePointSpans === true,
      }),
    });
  }
  migrations.push({
    version: 6,
    name: 'client_errors in trace_point_stats',
    statements: tracePointStatsClientErrorsStatements(options, {
      table: options.statsTable,
      ttlDays: options.ttlDays,
    }),
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

/** What writes a table: spans always; stats when an aggregator calls `writeStats`. */
export type TableWriterRole = 'spans' | 'stats';

/**
 * The tables the exporter inserts into and the columns it needs there, for
 * verification when it may not create them. The trace-id lookup is left out:
 * a view fills it. The trace-point columns are optional (see SchemaReport).
 */
export function expectedTables(
  options: SchemaOptions,
): Array<{ table: string; columns: readonly ColumnSpec[]; writer: TableWriterRole }> {
  return [
    { table: options.tracesTable, columns: OTEL_TRACES_COLUMNS, writer: 'spans' },
    { table: options.statsTable, columns: TRACE_POINT_STATS_COLUMNS, writer: 'stats' },
  ];
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
  /**
   * The span table's columns and their types, as the server describes them
   * (system.columns): what the writer may send, and in which types.
   */
  spanColumns: ReadonlyMap<string, string>;
  /**
   * Why spans are written without trace points (the span table lacks the
   * trace-point columns and they could not be added); undefined when they are
   * written, or trace points are off by option.
   */
  tracePointsOff: string | undefined;
}

/** The columns of a table and their types (empty when it does not exist); Nested columns come flattened. */
export async function describeColumns(
  client: ClickHouseClient,
  database: string,
  table: string,
): Promise<Map<string, string>> {
  const found = await rows<{ name: string; type: string }>(
    client,
    'SELECT name, type FROM system.columns WHERE database = {database:String} AND table = {table:String} ORDER BY position',
    { database, table },
  );
  return new Map(found.map((column) => [column.name, column.type]));
}

/** Why the span table cannot take trace points, or undefined when it has every trace-point column. */
function missingTracePointColumns(
  options: SchemaOptions,
  columns: ReadonlyMap<string, string>,
): string | undefined {
  const missing = TRACE_POINT_INSERT_COLUMNS.filter((name) => !columns.has(name));
  return missing.length === 0
    ? undefined
    : `table ${options.tracesTable} lacks column(s) ${missing.join(', ')}`;
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
      const spanColumns = await describeColumns(client, options.database, options.tracesTable);
      return {
        version,
        applied: [],
        unavailable,
        withoutDeduplication: await tablesWithoutWindow(client, options, written),
        spanColumns,
        tracePointsOff: options.tracePoints ? missingTracePointColumns(options, spanColumns) : undefined,
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
    const steps = schemaMigrations({
      ...options,
      legacyTracePointSpans: done.has(LEGACY_TRACE_POINTS_MIGRATION),
    });
    let columnsRefused: string | undefined;
    for (const migration of steps) {
      if (done.has(migration.version)) continue;
      // The view needs the columns: without them it waits for a start where they could be added.
      if (columnsRefused !== undefined && migration.version > TRACE_POINT_COLUMNS_MIGRATION) continue;
      try {
        for (const statement of migration.statements) await client.command({ query: statement });
      } catch (error) {
        // A Collector-made table the exporter may write but not ALTER still takes spans.
        if (migration.version !== TRACE_POINT_COLUMNS_MIGRATION || classifyInsertError(error) === 'retry')
          throw error;
        columnsRefused = toError(error).message;
        continue;
      }
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
    let spanColumns = await describeColumns(client, options.database, options.tracesTable);
    if (columnsRefused === undefined && missingTracePointColumns(options, spanColumns) !== undefined) {
      // Step 4 is recorded, yet the table lacks the columns: someone made it again (the Collector
      // after a DROP). ADD COLUMN IF NOT EXISTS is idempotent, so the step simply runs again.
      const step = steps.find((migration) => migration.version === TRACE_POINT_COLUMNS_MIGRATION);
      try {
        for (const statement of step?.statements ?? []) await client.command({ query: statement });
      } catch (error) {
        if (classifyInsertError(error) === 'retry') throw error;
        columnsRefused = toError(error).message;
      }
      spanColumns = await describeColumns(client, options.database, options.tracesTable);
    }
    const missing = options.tracePoints ? missingTracePointColumns(options, spanColumns) : undefined;
    return {
      version,
      applied,
      unavailable: new Map(),
      withoutDeduplication,
      spanColumns,
      tracePointsOff:
        missing === undefined
          ? undefined
          : `${missing} and ALTER TABLE refused to add them: ${columnsRefused ?? 'no error given'}`,
    };
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
    const names = await describeColumns(client, options.database, table);
    let problem: string | undefined;
    if (names.size === 0) {
      problem = `table ${table} is missing`;
    } else {
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
