import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ExporterConfig } from './exporter-options.js';

/**
 * The clients one exporter talks through. Over HTTP there is one client per
 * URL and requests move to the next URL when one fails; `active` is the one in use.
 */
export interface Connection {
  readonly label: string;
  /** How many destinations there are to fail over between. */
  readonly size: number;
  /** True when session settings outlive a statement (the embedded engine, or a client we did not build). */
  readonly settingsPersist: boolean;
  active(): ClickHouseClient;
  /** The client for long streaming inserts (push mode): no request compression, so rows leave at once. */
  activeStreaming(): ClickHouseClient;
  /** Moves to the next URL after a failure; returns the new label. */
  failover(): string;
  close(): Promise<void>;
}

export class EmbeddedEngineUnavailableError extends Error {
  constructor(path: string, cause: unknown) {
    super(
      `no ClickHouse configured and the embedded engine at ${path} cannot start (${
        cause instanceof Error ? cause.message.split('\n')[0] : String(cause)
      }); install the optional packages (npm i chdb @tracepoint/clickhouse-local) or set TRACEPOINT_CLICKHOUSE_URL=http://host:8123`,
    );
    this.name = 'EmbeddedEngineUnavailableError';
  }
}

function httpClient(url: string, config: ExporterConfig, compress: boolean): ClickHouseClient {
  return createClient({
    url,
    username: config.username,
    password: config.password,
    request_timeout: config.requestTimeoutMillis,
    compression: { request: compress, response: false },
    keep_alive: { enabled: true, idle_socket_ttl: config.keepAliveIdleMillis },
    // Failures are counted and reported once by the exporter, not printed per request.
    log: { level: ClickHouseLogLevel.OFF },
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
    ...(config.tls === undefined
      ? {}
      : {
          tls:
            config.tls.cert !== undefined && config.tls.key !== undefined
              ? { ca_cert: config.tls.caCert, cert: config.tls.cert, key: config.tls.key }
              : { ca_cert: config.tls.caCert },
        }),
  });
}

class HttpConnection implements Connection {
  readonly settingsPersist = false;
  private index = 0;
  private readonly clients: ClickHouseClient[];
  private readonly streaming: Array<ClickHouseClient | undefined>;

  constructor(
    private readonly urls: string[],
    private readonly config: ExporterConfig,
  ) {
    this.clients = urls.map((url) => httpClient(url, config, config.compression));
    this.streaming = urls.map(() => undefined);
  }

  get label(): string {
    return this.urls[this.index] as string;
  }

  get size(): number {
    return this.urls.length;
  }

  active(): ClickHouseClient {
    return this.clients[this.index] as ClickHouseClient;
  }

  activeStreaming(): ClickHouseClient {
    let client = this.streaming[this.index];
    if (client === undefined) {
      client = httpClient(this.urls[this.index] as string, this.config, false);
      this.streaming[this.index] = client;
    }
    return client;
  }

  failover(): string {
    this.index = (this.index + 1) % this.clients.length;
    return this.label;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.clients, ...this.streaming].map((client) => client?.close()));
  }
}

class SingleClientConnection implements Connection {
  readonly settingsPersist = true;
  readonly size = 1;
  constructor(
    readonly label: string,
    private readonly client: ClickHouseClient,
    private readonly owned: boolean,
  ) {}
  active(): ClickHouseClient {
    return this.client;
  }
  activeStreaming(): ClickHouseClient {
    return this.client;
  }
  failover(): string {
    return this.label;
  }
  async close(): Promise<void> {
    if (this.owned) await this.client.close();
  }
}

interface EmbeddedModule {
  createEmbeddedClient(options: { path: string; log?: { level: ClickHouseLogLevel } }): ClickHouseClient;
}

/** Loads the embedded engine only when it is used: chdb is an optional peer dependency. */
async function openEmbedded(path: string): Promise<ClickHouseClient> {
  let module: EmbeddedModule;
  try {
    module = (await import('@tracepoint/clickhouse-local')) as unknown as EmbeddedModule;
  } catch (error) {
    throw new EmbeddedEngineUnavailableError(path, error);
  }
  try {
    return module.createEmbeddedClient({ path, log: { level: ClickHouseLogLevel.OFF } });
  } catch (error) {
    throw new EmbeddedEngineUnavailableError(path, error);
  }
}

export async function openConnection(config: ExporterConfig): Promise<Connection> {
  const destination = config.destination;
  switch (destination.kind) {
    case 'client':
      return new SingleClientConnection(destination.label, destination.client, false);
    case 'http':
      return new HttpConnection(destination.urls, config);
    case 'embedded':
      return new SingleClientConnection(destination.label, await openEmbedded(destination.path), true);
  }
}
