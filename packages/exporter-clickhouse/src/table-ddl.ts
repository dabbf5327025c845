import { assertIdentifier } from './identifier.js';

/** One column of a table the exporter owns. `nested` lists the children of a Nested column. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: string;
  readonly codec?: string;
  /** DEFAULT expression: rows inserted without the column (a Collector's INSERT) get it. */
  readonly default?: string;
  readonly nested?: readonly string[];
}

/** A MergeTree-family table, described once and rendered for a single server or a cluster. */
export interface TableSpec {
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  readonly indexes?: readonly string[];
  /** `MergeTree`, `AggregatingMergeTree`, `ReplacingMergeTree`...; `Replicated` is prefixed on a cluster. */
  readonly engine: string;
  readonly partitionBy?: string;
  readonly orderBy: string;
  /** TTL expression without the keyword, e.g. `toDateTime(Timestamp) + toIntervalDay(7)`. */
  readonly ttl?: string;
  readonly settings: Readonly<Record<string, string | number>>;
  /** Sharding key of the Distributed table on a cluster. */
  readonly shardingKey: string;
}

/** Where the schema lives: a database, optionally on a cluster. */
export interface SchemaTarget {
  readonly database: string;
  /** Cluster name from the server's `remote_servers`; undefined for a single server. */
  readonly cluster?: string | undefined;
}

/** Suffix of the per-shard table behind a Distributed table. */
export const LOCAL_TABLE_SUFFIX = '_local';

export function quoteIdentifier(name: string): string {
  return `\`${name}\``;
}

/** `db`.`table`, with both validated as identifiers. */
export function qualifiedName(database: string, table: string): string {
  return `${quoteIdentifier(assertIdentifier('database', database))}.${quoteIdentifier(assertIdentifier('table', table))}`;
}

export function onCluster(target: SchemaTarget): string {
  return target.cluster === undefined ? '' : ` ON CLUSTER ${quoteIdentifier(target.cluster)}`;
}

/** The table that stores rows: the table itself on one server, `<name>_local` on each shard of a cluster. */
export function storageTableName(target: SchemaTarget, name: string): string {
  return target.cluster === undefined ? name : `${name}${LOCAL_TABLE_SUFFIX}`;
}

function columnDefinition(column: ColumnSpec): string {
  const defaultClause = column.default === undefined ? '' : ` DEFAULT ${column.default}`;
  const codec = column.codec === undefined ? '' : ` CODEC(${column.codec})`;
  return `${quoteIdentifier(column.name)} ${column.type}${defaultClause}${codec}`;
}

function columnLines(columns: readonly ColumnSpec[]): string[] {
  return columns.map((column) => `  ${columnDefinition(column)}`);
}

/**
 * Adds `columns` to an existing table (and, on a cluster, to its Distributed
 * table, which must list them to route them); columns it has are left alone.
 * Adding a column rewrites no data: parts written before read its default.
 */
export function addColumnsStatements(
  spec: Pick<TableSpec, 'name'>,
  columns: readonly ColumnSpec[],
  target: SchemaTarget,
): string[] {
  const adds = columns.map((column) => `  ADD COLUMN IF NOT EXISTS ${columnDefinition(column)}`).join(',\n');
  const names = target.cluster === undefined ? [spec.name] : [storageTableName(target, spec.name), spec.name];
  return names.map(
    (name) => `ALTER TABLE ${qualifiedName(target.database, name)}${onCluster(target)}\n${adds}`,
  );
}

function engineClause(spec: TableSpec, target: SchemaTarget): string {
  if (target.cluster === undefined) return spec.engine;
  // The default macros of a replicated setup; {uuid} keeps paths unique across drop/create.
  return `Replicated${spec.engine}('/clickhouse/tables/{shard}/{database}/{table}/{uuid}', '{replica}')`;
}

/**
 * `CREATE TABLE IF NOT EXISTS` statements for one table: the table itself on a
 * single server; on a cluster, a replicated `<name>_local` on every shard plus
 * a Distributed `<name>` that routes writes and fans out reads.
 */
export function createTableStatements(spec: TableSpec, target: SchemaTarget): string[] {
  const storage = storageTableName(target, spec.name);
  const settings = Object.entries(spec.settings)
    .map(([name, value]) => `${name} = ${value}`)
    .join(', ');
  const body = [...columnLines(spec.columns), ...(spec.indexes ?? []).map((index) => `  INDEX ${index}`)];
  const statements = [
    [
      `CREATE TABLE IF NOT EXISTS ${qualifiedName(target.database, storage)}${onCluster(target)} (`,
      body.join(',\n'),
      `) ENGINE = ${engineClause(spec, target)}`,
      ...(spec.partitionBy === undefined ? [] : [`PARTITION BY ${spec.partitionBy}`]),
      `ORDER BY ${spec.orderBy}`,
      ...(spec.ttl === undefined ? [] : [`TTL ${spec.ttl}`]),
      ...(settings === '' ? [] : [`SETTINGS ${settings}`]),
    ].join('\n'),
  ];
  if (target.cluster !== undefined) {
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${qualifiedName(target.database, spec.name)}${onCluster(target)} AS ${qualifiedName(target.database, storage)}\n` +
        `ENGINE = Distributed(${quoteIdentifier(target.cluster)}, ${quoteIdentifier(target.database)}, ${quoteIdentifier(storage)}, ${spec.shardingKey})`,
    );
  }
  return statements;
}

/** Insert column names: Nested columns are written as their flattened `Parent.Child` arrays. */
export function insertColumnNames(columns: readonly ColumnSpec[]): string[] {
  return columns.flatMap((column) =>
    column.nested === undefined ? [column.name] : column.nested.map((child) => `${column.name}.${child}`),
  );
}

/** A TTL clause on a time column, or undefined when data is kept. */
export function ttlExpression(timeColumn: string, ttlDays: number): string | undefined {
  return ttlDays > 0 ? `toDateTime(${timeColumn}) + toIntervalDay(${ttlDays})` : undefined;
}
