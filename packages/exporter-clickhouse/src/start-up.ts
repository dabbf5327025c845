import { type Connection, EmbeddedEngineUnavailableError, openConnection } from './clickhouse-connection.js';
import { DEDUPLICATION_WINDOW } from './deduplication-window.js';
import type { ExporterConfig } from './exporter-options.js';
import type { ExporterStats } from './exporter-stats.js';
import type { ExporterTables } from './exporter-tables.js';
import { classifyInsertError, toError } from './insert-error.js';
import { UnsupportedColumnTypeError } from './otel-traces-binary.js';
import { OTEL_TRACES_INSERT_COLUMNS, TRACE_POINT_INSERT_COLUMNS } from './otel-traces-schema.js';
import {
  prepareSchema,
  SchemaMismatchError,
  type SchemaOptions,
  type SchemaReport,
} from './schema-manager.js';
import { UnsupportedServerVersionError } from './server-version.js';
import type { SpanRowEncoder } from './span-row-encoder.js';
import { qualifiedName } from './table-ddl.js';
import { type InsertDeadline, type InsertTarget, insertTarget, TableWriter } from './table-writer.js';

/** The schema an exporter with this config writes: what its start-up prepares, and `tracepoint dashboard` upgrades. */
export function schemaOptionsOf(config: ExporterConfig): SchemaOptions {
  const { cluster, database, tracesTable, tracePointsTable, statsTable, tracePoints, ttlDays } = config;
  return { cluster, database, tracesTable, tracePointsTable, statsTable, tracePoints, ttlDays };
}

/** What a finished start-up gives the transmissions. */
export interface Started {
  connection: Connection;
  writer: TableWriter;
  /** Optional tables that cannot be written (createSchema: false), with the problem. */
  unavailable: ReadonlyMap<string, string>;
  /** Where span rows go: with the trace-point columns, or without them when the table lacks them. */
  spans: InsertTarget;
  /** The span table's columns and types, as the server describes them. */
  spanColumns: ReadonlyMap<string, string>;
}

/** A server too old, a schema that does not match, no engine: retrying will not help. */
function permanent(error: unknown): boolean {
  return (
    error instanceof UnsupportedServerVersionError ||
    error instanceof SchemaMismatchError ||
    error instanceof EmbeddedEngineUnavailableError
  );
}

/**
 * The exporter's start: connects, checks the server version and creates,
 * migrates or verifies the schema (only the tables the configured writers
 * need), failing over between URLs as inserts do. Runs once; a failure that
 * may pass (a server down) is tried again at the next call, a permanent one
 * is kept in `failure` and every export fails at once with it. Each start-up
 * error is logged once.
 */
export class StartUp {
  /** Set when start-up failed for good. */
  failure: Error | undefined;
  /** True once start-up has finished (exports then need not ask for it again). */
  done = false;
  private starting: Promise<Started> | undefined;
  private readonly loggedErrors = new Set<string>();
  private loggedLostRows = false;

  /** `onTracePointsOff`: start-up found the span table without the trace-point columns; spans go on without them. */
  constructor(
    private readonly config: ExporterConfig,
    private readonly stats: ExporterStats,
    private readonly tables: ExporterTables,
    private readonly onTracePointsOff: () => void,
    /** Given: span rows become RowBinaryWithNamesAndTypes in the span table's own types once it is described. */
    private readonly binaryEncoder?: SpanRowEncoder,
    /** Shared with the writer start-up makes (see InsertDeadline). */
    private readonly deadlineCap?: InsertDeadline,
  ) {}

  start(): Promise<Started> {
    this.starting ??= this.run().then(
      (started) => {
        this.done = true;
        return started;
      },
      (error: unknown) => {
        const message = toError(error).message;
        if (!this.loggedErrors.has(message)) {
          this.loggedErrors.add(message);
          this.config.logger.error(`ClickHouse exporter cannot start: ${message}`);
        }
        // A server that is down now may be up at the next export; a wrong version or schema will not change.
        if (permanent(error)) this.failure = toError(error);
        else this.starting = undefined;
        throw error;
      },
    );
    return this.starting;
  }

  /**
   * Rows queued before start-up failed for good are lost: one line for them
   * all (the failure itself is logged by start()).
   */
  logRowsLost(table: string, rows: number): void {
    if (this.loggedLostRows) return;
    this.loggedLostRows = true;
    this.config.logger.error(
      `lost ${rows} ${table} rows queued while the exporter was starting; exports now fail at once (counted in stats().spansFailed): ${this.failure?.message}`,
    );
  }

  /** Releases the connection start-up opened, if it did. */
  async close(): Promise<void> {
    const started = await this.starting?.catch(() => undefined);
    await started?.connection.close().catch(() => undefined);
  }

  private async run(): Promise<Started> {
    const connection = await openConnection(this.config);
    let report: SchemaReport;
    try {
      const schema = schemaOptionsOf(this.config);
      // Start-up fails over like inserts do: the first URL being down must not stop the exporter.
      for (let tried = 1; ; tried++) {
        try {
          report = await prepareSchema(
            connection.active(),
            schema,
            this.config.createSchema,
            connection.label,
          );
          break;
        } catch (error) {
          if (tried >= connection.size || permanent(error) || classifyInsertError(error) !== 'retry')
            throw error;
          connection.failover();
        }
      }
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    this.reportSchema(report);
    const spans =
      report.tracePointsOff === undefined ? this.tables.spans : this.tables.spansWithoutTracePoints;
    if (this.binaryEncoder !== undefined) this.startBinary(this.binaryEncoder, spans, report.spanColumns);
    return {
      connection,
      writer: new TableWriter(connection, this.config, this.stats, this.deadlineCap),
      unavailable: report.unavailable,
      spans,
      spanColumns: report.spanColumns,
    };
  }

  /**
   * Switches the encoder to binary rows whose header carries the span table's
   * own types (system.columns). A column type the writer cannot encode keeps
   * the table on JSON lines, with one warning.
   */
  private startBinary(
    encoder: SpanRowEncoder,
    spans: InsertTarget,
    types: ReadonlyMap<string, string>,
  ): void {
    const { database, tracesTable, logger } = this.config;
    const columns =
      spans === this.tables.spans && encoder.tracePointsOn
        ? [...OTEL_TRACES_INSERT_COLUMNS, ...TRACE_POINT_INSERT_COLUMNS]
        : OTEL_TRACES_INSERT_COLUMNS;
    const target = insertTarget(
      spans.name,
      qualifiedName(database, tracesTable),
      columns,
      'RowBinaryWithNamesAndTypes',
    );
    try {
      encoder.useBinary(target, columns, types);
    } catch (error) {
      if (!(error instanceof UnsupportedColumnTypeError)) throw error;
      logger.warn(
        `${tracesTable} rows are inserted as JSONCompactEachRow instead of RowBinary: ${error.message}`,
      );
    }
  }

  /** One warning per problem start-up found that does not stop the exporter. */
  private reportSchema(report: SchemaReport): void {
    const { logger, database, createSchema } = this.config;
    if (report.tracePointsOff !== undefined) {
      this.onTracePointsOff();
      logger.warn(
        `trace points are off: ${report.tracePointsOff}${createSchema ? '' : ' (createSchema is false; start once with createSchema: true to add them)'}; spans are still written to ${this.config.tracesTable}`,
      );
    }
    if (report.withoutDeduplication.length > 0) {
      const tables = report.withoutDeduplication.map((table) => `${database}.${table}`).join(', ');
      logger.warn(
        `no deduplication window on ${tables}: a retried insert that had landed is written twice. Set one with ALTER TABLE <table> MODIFY SETTING non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}${this.config.createSchema ? '' : ', or start once with createSchema: true'}`,
      );
    }
  }
}
