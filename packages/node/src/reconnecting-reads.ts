import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type Connection,
  type ExporterConfig,
  openConnection,
} from '@tracepoint/exporter-clickhouse/internal';

/** The exit code of `tracepoint dashboard|query|store status` when the target holds no tracepoint data yet. */
export const NO_DATA_EXIT_CODE = 4;

/** How a new user gets data into the default store: the quick start's command. */
const FIRST_STEP =
  'run a traced app first (node --import @tracepoint/node/register app.mjs writes to ./.tracepoint/clickhouse of the directory it starts in), or pass --url <store directory | http(s)://host:8123 | chdb:<path>> to read another store';

/** ClickHouse's UNKNOWN_TABLE and UNKNOWN_DATABASE: what reading tables that were never created gives. */
const NO_SUCH_TABLE_CODES = new Set(['60', '81']);

/**
 * The target has no tracepoint data yet: a store directory that does not
 * exist, or a database without the exporter's tables. Says so, and what to do.
 */
export class NoTracepointDataError extends Error {
  readonly exitCode = NO_DATA_EXIT_CODE;
  constructor(where: string, why: string) {
    super(`no tracepoint data in ${where} yet (${why}): ${FIRST_STEP}`);
    this.name = 'NoTracepointDataError';
  }
}

/** The store directory a local destination reads, or undefined for a server. */
function storeDirectory(config: ExporterConfig): string | undefined {
  const destination = config.destination;
  return destination.kind === 'store' || destination.kind === 'embedded'
    ? resolve(destination.path)
    : undefined;
}

/** Throws NoTracepointDataError when `path` does not exist: a reader must not create a store. */
export function requireStoreDirectory(path: string): void {
  if (!existsSync(path)) throw new NoTracepointDataError(path, 'no such directory; it was not created');
}

/** True for an error ClickHouse answered (it has a numeric code): running it again would fail the same way. */
function answeredByServer(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code !== undefined && /^\d+$/.test(String(code));
}

/**
 * Reads for the CLI (`tracepoint query`, `tracepoint dashboard`) on a
 * connection that is opened again, once, when a read fails without an answer
 * from ClickHouse: the store service stops itself when idle and may do so
 * between discovery and a query, and opening the connection again finds or
 * starts it. Errors ClickHouse answered are thrown as they are, except an
 * unknown table or database where none of the exporter's tables exist: that
 * is a store nothing wrote to yet (NoTracepointDataError).
 */
export class ReconnectingReads {
  private reconnected = false;

  private constructor(
    private readonly config: ExporterConfig,
    private current: Connection,
  ) {}

  /** Opens the target; a store directory that does not exist is not created (NoTracepointDataError). */
  static async open(config: ExporterConfig): Promise<ReconnectingReads> {
    const directory = storeDirectory(config);
    if (directory !== undefined) requireStoreDirectory(directory);
    return new ReconnectingReads(config, await openConnection(config));
  }

  get connection(): Connection {
    return this.current;
  }

  async run<T>(read: (client: ReturnType<Connection['active']>) => Promise<T>): Promise<T> {
    try {
      return await this.once(read);
    } catch (error) {
      throw await this.explained(error);
    }
  }

  close(): Promise<void> {
    return this.current.close();
  }

  private async once<T>(read: (client: ReturnType<Connection['active']>) => Promise<T>): Promise<T> {
    try {
      return await read(this.current.active());
    } catch (error) {
      if (this.reconnected || answeredByServer(error)) throw error;
      this.reconnected = true;
      await this.current.close().catch(() => undefined);
      this.current = await openConnection(this.config);
      return read(this.current.active());
    }
  }

  /** NoTracepointDataError for a missing table when the database has none of the exporter's tables; else `error` itself. */
  private async explained(error: unknown): Promise<unknown> {
    const code = String((error as { code?: unknown } | null)?.code ?? '');
    if (!NO_SUCH_TABLE_CODES.has(code)) return error;
    const { database, tracesTable, tracePointsTable, statsTable } = this.config;
    try {
      const result = await this.current.active().query({
        query:
          'SELECT count() AS tables FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)}',
        query_params: { database, names: [tracesTable, tracePointsTable, statsTable] },
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ tables: string | number }>();
      if (Number(row?.tables ?? 0) > 0) return error;
    } catch {
      // The check itself failed: the original error says more than a guess would.
      return error;
    }
    const names = `${tracesTable}, ${tracePointsTable} or ${statsTable}`;
    return new NoTracepointDataError(
      storeDirectory(this.config) ?? this.current.label,
      `database ${database} has no ${names} table`,
    );
  }
}
