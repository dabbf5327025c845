import {
  type Connection,
  type ExporterConfig,
  openConnection,
} from '@tracepoint/exporter-clickhouse/internal';

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
 * starts it. Errors ClickHouse answered are thrown as they are.
 */
export class ReconnectingReads {
  private reconnected = false;

  private constructor(
    private readonly config: ExporterConfig,
    private current: Connection,
  ) {}

  static async open(config: ExporterConfig): Promise<ReconnectingReads> {
    return new ReconnectingReads(config, await openConnection(config));
  }

  get connection(): Connection {
    return this.current;
  }

  async run<T>(read: (client: ReturnType<Connection['active']>) => Promise<T>): Promise<T> {
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

  close(): Promise<void> {
    return this.current.close();
  }
}
