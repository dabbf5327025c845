import { type ClickHouseClient, createClient } from '@clickhouse/client';
import type { SpanLike } from '@tracepoint/semantic-mapping';
import { assertIdentifier } from './identifier.js';
import { otelTracesRow } from './otel-traces-row.js';
import { OTEL_TRACES_INSERT_COLUMNS, otelTracesDDL } from './otel-traces-schema.js';
import { withTracingSuppressed } from './suppress-tracing.js';

/** ExportResult as the SDK's exporters report it (0 SUCCESS, 1 FAILED), without importing @opentelemetry/core. */
export interface ExportResultLike {
  code: 0 | 1;
  error?: Error;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export interface ClickHouseSpanExporterOptions {
  /** A ready @clickhouse/client client (HTTP, or embedded from @tracepoint/clickhouse-local). Not closed by the exporter. */
  client?: ClickHouseClient;
  /** ClickHouse HTTP(S) URL, used when no `client` is given. */
  url?: string;
  username?: string;
  password?: string;
  /** Database of the tables. */
  database?: string;
  /** Span table name. */
  tracesTable?: string;
  /** Create the tables when missing. */
  createSchema?: boolean;
  /** Days to keep spans (table TTL); 0 keeps them. */
  ttlDays?: number;
}

/** Option defaults; the README options table is written from these. */
export const EXPORTER_DEFAULTS = {
  database: 'default',
  tracesTable: 'otel_traces',
  createSchema: true,
  ttlDays: 0,
} as const;

/**
 * Writes finished spans to ClickHouse's OpenTelemetry-compatible `otel_traces`
 * table, one insert per `export()` call, awaited (synchronous transmission).
 *
 * It never throws into the application: every failure is reported through
 * the export callback, which is called exactly once per call.
 */
export class ClickHouseSpanExporter {
  private readonly client: ClickHouseClient;
  private readonly ownsClient: boolean;
  /** `database.table` for inserts. */
  private readonly insertTable: string;
  /** The table's DDL, or undefined when the schema is not ours to create. */
  private readonly ddl: string | undefined;
  private schemaReady: Promise<void> | undefined;
  private readonly pending = new Set<Promise<void>>();
  private shutdownPromise: Promise<void> | undefined;

  constructor(options: ClickHouseSpanExporterOptions = {}) {
    const database = assertIdentifier('database', options.database ?? EXPORTER_DEFAULTS.database);
    const table = assertIdentifier('tracesTable', options.tracesTable ?? EXPORTER_DEFAULTS.tracesTable);
    // Built (and so validated: names, TTL) at construction rather than at the first export.
    const ddl = otelTracesDDL({ database, table, ttlDays: options.ttlDays ?? EXPORTER_DEFAULTS.ttlDays });
    this.ddl = (options.createSchema ?? EXPORTER_DEFAULTS.createSchema) ? ddl : undefined;
    this.insertTable = `${database}.${table}`;
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else if (options.url) {
      this.client = createClient({
        url: options.url,
        username: options.username ?? 'default',
        password: options.password ?? '',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      });
      this.ownsClient = true;
    } else {
      throw new TypeError(
        'ClickHouseSpanExporter needs a ClickHouse: pass `client` (e.g. createEmbeddedClient from @tracepoint/clickhouse-local) or `url`',
      );
    }
  }

  export(spans: readonly SpanLike[], resultCallback: (result: ExportResultLike) => void): void {
    let called = false;
    const report = (result: ExportResultLike): void => {
      if (called) return;
      called = true;
      try {
        resultCallback(result);
      } catch {
        // A throwing callback belongs to the SDK; it must not turn into an unhandled rejection here.
      }
    };
    if (this.shutdownPromise) {
      report({ code: 1, error: new Error('ClickHouseSpanExporter is shut down') });
      return;
    }
    let task: Promise<void>;
    try {
      task = withTracingSuppressed(() => this.insert(spans));
    } catch (error) {
      report({ code: 1, error: toError(error) });
      return;
    }
    const tracked = task.then(
      () => report({ code: 0 }),
      (error: unknown) => report({ code: 1, error: toError(error) }),
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Resolves when every export in flight has finished. */
  async forceFlush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Waits for exports in flight and releases the client it created. Idempotent. */
  shutdown(): Promise<void> {
    this.shutdownPromise ??= (async () => {
      await this.forceFlush();
      if (this.ownsClient) await this.client.close();
    })();
    return this.shutdownPromise;
  }

  private ensureSchema(): Promise<void> {
    if (this.ddl === undefined) return Promise.resolve();
    this.schemaReady ??= this.client.command({ query: this.ddl }).then(
      () => undefined,
      (error: unknown) => {
        // Try again on the next export instead of failing every export after one bad start.
        this.schemaReady = undefined;
        throw error;
      },
    );
    return this.schemaReady;
  }

  private async insert(spans: readonly SpanLike[]): Promise<void> {
    await this.ensureSchema();
    if (spans.length === 0) return;
    await this.client.insert({
      table: this.insertTable,
      values: spans.map(otelTracesRow),
      format: 'JSONCompactEachRow',
      columns: OTEL_TRACES_INSERT_COLUMNS as [string, ...string[]],
    });
  }
}
