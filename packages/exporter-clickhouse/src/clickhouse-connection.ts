import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { withTracingSuppressed } from '@tracepoint/core';
import { compressesRequests, type ExporterConfig } from './exporter-options.js';

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

/** The package that runs local engines; loaded only when the destination is a store directory or chdb:. */
const STORE_PACKAGE = '@tracepoint/clickhouse-local';

/** True when Node could not find the store package itself (not some module inside it). */
function storePackageMissing(cause: unknown): boolean {
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  const message = (cause as Error | null)?.message ?? '';
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    message.includes(`'${STORE_PACKAGE}`) &&
    !message.includes(`${STORE_PACKAGE}/dist`)
  );
}

/**
 * The local store's package cannot be loaded (a dependency of the exporter, so
 * only a broken install gets here). Says which of two causes it is: not
 * installed (removed, or left out by the package manager), or installed but
 * broken; and the next step for each.
 */
export class EmbeddedEngineUnavailableError extends Error {
  constructor(path: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(
      storePackageMissing(cause)
        ? `the local store on ${path} needs ${STORE_PACKAGE}, which is not installed: run npm i ${STORE_PACKAGE} (or set TRACEPOINT_CLICKHOUSE_URL=http://host:8123 to write to a ClickHouse server)`
        : `the local store on ${path} cannot load ${STORE_PACKAGE} (${reason}): reinstall it with npm i ${STORE_PACKAGE}`,
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
    this.clients = urls.map((url) => httpClient(url, config, compressesRequests(config, url)));
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

/** What the exporter and the `tracepoint store` command use of @tracepoint/clickhouse-local/store (loaded lazily; it never loads chdb here). */
export interface StoreModule {
  ensureStoreService(path: string): Promise<{ url: string; pid: number }>;
  startPrivateServer(
    path: string,
  ): Promise<{ url: string; pid: number; alive(): boolean; close(): Promise<void> }>;
  storeServiceStatus(path: string): Promise<{
    path: string;
    state: 'running' | 'stale' | 'stopped';
    info?: { pid: number; url: string; startedAt: string; version: string; idleMillis: number };
  }>;
  stopStoreService(path: string): Promise<{ pid: number; url: string } | undefined>;
}

export async function storeModule(path: string): Promise<StoreModule> {
  try {
    return (await import('@tracepoint/clickhouse-local/store')) as unknown as StoreModule;
  } catch (error) {
    throw new EmbeddedEngineUnavailableError(path, error);
  }
}

/** A local engine in another process: where it is now, found again (or restarted) after a failure. */
interface LocalService {
  readonly description: string;
  /** The URL to use: the current one when it still answers, else a new one. */
  locate(): Promise<string>;
  release(): Promise<void>;
}

/**
 * HTTP to a local engine process that may go away (the store service stops
 * itself when idle, or is killed): a failed request (failover) looks for it
 * again in the background, restarting it if needed, and later requests (the
 * retries) go to where it is now. Never throws from failover().
 */
class LocalServiceConnection implements Connection {
  readonly settingsPersist = false;
  readonly size = 1;
  private http: HttpConnection;
  private locating: Promise<void> | undefined;
  private lastProblem: string | undefined;

  constructor(
    private url: string,
    private readonly service: LocalService,
    private readonly config: ExporterConfig,
  ) {
    this.http = new HttpConnection([url], config);
  }

  get label(): string {
    return `${this.service.description} (${this.url})`;
  }

  active(): ClickHouseClient {
    return this.locating === undefined ? this.http.active() : this.afterLocating((http) => http.active());
  }

  activeStreaming(): ClickHouseClient {
    return this.locating === undefined
      ? this.http.activeStreaming()
      : this.afterLocating((http) => http.activeStreaming());
  }

  /**
   * While the service is being found or restarted (about a second for a new
   * engine), a request waits for it instead of failing on the old address:
   * the retries an insert has left then go to where the service is now.
   */
  private afterLocating(pick: (http: HttpConnection) => ClickHouseClient): ClickHouseClient {
    const locating = this.locating;
    return new Proxy({} as ClickHouseClient, {
      get: (_target, name) => {
        return async (...args: unknown[]) => {
          await locating;
          const client = pick(this.http) as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
          return client[name]?.(...args);
        };
      },
    });
  }

  failover(): string {
    this.locating ??= withTracingSuppressed(() => this.service.locate())
      .then((url) => {
        this.lastProblem = undefined;
        if (url === this.url) return;
        const old = this.http;
        this.url = url;
        this.http = new HttpConnection([url], this.config);
        void old.close().catch(() => undefined);
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.lastProblem) {
          this.lastProblem = message;
          this.config.logger.error(`${this.service.description}: ${message}`);
        }
      })
      .finally(() => {
        this.locating = undefined;
      });
    return this.label;
  }

  async close(): Promise<void> {
    await this.locating;
    await this.http.close();
    await this.service.release();
  }
}

async function openStoreService(path: string, config: ExporterConfig): Promise<Connection> {
  const store = await storeModule(path);
  const service: LocalService = {
    description: `tracepoint store service on ${path}`,
    locate: async () => (await store.ensureStoreService(path)).url,
    // Shared with other processes: it stops itself when idle.
    release: async () => undefined,
  };
  return new LocalServiceConnection(await withTracingSuppressed(() => service.locate()), service, config);
}

async function openPrivateEngine(path: string, config: ExporterConfig): Promise<Connection> {
  const store = await storeModule(path);
  let server = await withTracingSuppressed(() => store.startPrivateServer(path));
  let closed = false;
  const service: LocalService = {
    description: `private ClickHouse engine (chDB) on ${path}`,
    locate: async () => {
      if (server.alive() || closed) return server.url;
      server = await store.startPrivateServer(path);
      return server.url;
    },
    release: async () => {
      closed = true;
      await server.close();
    },
  };
  return new LocalServiceConnection(server.url, service, config);
}

export async function openConnection(config: ExporterConfig): Promise<Connection> {
  const destination = config.destination;
  switch (destination.kind) {
    case 'client':
      return new SingleClientConnection(destination.label, destination.client, false);
    case 'http':
      return new HttpConnection(destination.urls, config);
    case 'store':
      return openStoreService(destination.path, config);
    case 'embedded':
      return openPrivateEngine(destination.path, config);
  }
}
