import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { type ClickHouseClient, type ClickHouseSettings, createClient, parseError } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { insertFormat, passesAsText } from './insert-statement.js';
import { type EngineResult, LocalEngine } from './local-engine.js';
import { PINNED_SETTINGS } from './pinned-settings.js';

// chdb/connection types its Connection against @clickhouse/client-common 1.23.0, while
// @clickhouse/client 1.23.1 bundles its own copy whose settings type gained keys: the
// runtime contract is the same, the declarations differ. This is the one place they meet.
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
type ConnInsertParams = Parameters<ClientConnection['insert']>[0];
type ConnExecParams = Parameters<ClientConnection['exec']>[0];
type ConnInsertResult = Awaited<ReturnType<ClientConnection['insert']>>;
type ConnExecResult = Awaited<ReturnType<ClientConnection['exec']>>;

// Settings of the HTTP layer that mean nothing to the engine (the client sends some by default).
const HTTP_ONLY_SETTINGS = new Set([
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
]);

async function collectBody(values: unknown): Promise<Buffer> {
  if (typeof values === 'string') return Buffer.from(values, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of values as AsyncIterable<Buffer | Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function settingText(value: unknown): string {
  return typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
}

function summaryOf(result: EngineResult | undefined): NonNullable<ConnInsertResult['summary']> {
  const rows = String(result?.writtenRows ?? 0);
  const bytes = String(result?.writtenBytes ?? 0);
  return {
    read_rows: rows,
    read_bytes: bytes,
    written_rows: rows,
    written_bytes: bytes,
    total_rows_to_read: '0',
    result_rows: '0',
    result_bytes: '0',
    elapsed_ns: String(result?.elapsedNs ?? 0),
  };
}

/**
 * chDB's @clickhouse/client connection reads insert bodies as UTF-8 text, which
 * mangles binary formats (RowBinary*, Native, Parquet...) and text that is not
 * UTF-8. Inserts with such bodies go to a LocalEngine on the same data directory instead (a second chDB
 * connection: same tables, its own settings), which hands the bytes to the
 * engine through a file; everything else stays on chDB's connection.
 */
class BinaryInsertConnection {
  private engine: LocalEngine | undefined;

  constructor(
    private readonly inner: ClientConnection,
    private readonly path: string,
    private readonly database: string,
  ) {}

  ping(params: Parameters<ClientConnection['ping']>[0]) {
    return this.inner.ping(params);
  }

  query(params: Parameters<ClientConnection['query']>[0]) {
    return this.inner.query(params);
  }

  command(params: Parameters<ClientConnection['command']>[0]) {
    return this.inner.command(params);
  }

  async insert(params: ConnInsertParams): Promise<ConnInsertResult> {
    const format = insertFormat(params.query);
    if (format === undefined) return this.inner.insert(params);
    const data = await collectBody(params.values);
    if (passesAsText(format, data)) return this.inner.insert({ ...params, values: data.toString('utf8') });
    const { queryId, result } = await this.runBinary(params, data);
    return { query_id: queryId, response_headers: {}, http_status_code: 200, summary: summaryOf(result) };
  }

  async exec(params: ConnExecParams): Promise<ConnExecResult> {
    const format = params.values === undefined ? undefined : insertFormat(params.query);
    if (format === undefined) return this.inner.exec(params);
    const data = await collectBody(params.values);
    if (passesAsText(format, data)) {
      return this.inner.exec({
        ...params,
        values: Readable.from([data], { objectMode: false }) as ConnExecParams['values'],
      });
    }
    const { queryId, result } = await this.runBinary(params, data);
    return {
      query_id: queryId,
      response_headers: {},
      http_status_code: 200,
      summary: summaryOf(result),
      stream: Readable.from([]) as ConnExecResult['stream'],
    };
  }

  async close(): Promise<void> {
    await this.engine?.close();
    await this.inner.close();
  }

  private async runBinary(
    params: ConnInsertParams | ConnExecParams,
    data: Buffer,
  ): Promise<{ queryId: string; result: EngineResult | undefined }> {
    const queryId = params.query_id ?? randomUUID();
    // An empty body inserts nothing, as over HTTP with @clickhouse/client.
    if (data.byteLength === 0) return { queryId, result: undefined };
    const settings = new Map<string, string>();
    for (const [name, value] of Object.entries(params.clickhouse_settings ?? {})) {
      if (value === undefined || HTTP_ONLY_SETTINGS.has(name)) continue;
      // The engine pins these itself: sending them again would only cost a connection per insert.
      if (
        name in PINNED_SETTINGS &&
        settingText(value) === settingText(PINNED_SETTINGS[name as keyof typeof PINNED_SETTINGS])
      ) {
        continue;
      }
      settings.set(name, settingText(value));
    }
    const queryParams = new Map<string, string>();
    for (const [name, value] of Object.entries(params.query_params ?? {})) {
      queryParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
    }
    this.engine ??= new LocalEngine(this.path);
    try {
      const result = await this.engine.run({
        sql: params.query,
        data,
        database: this.database,
        defaultFormat: 'TSV',
        settings,
        params: queryParams,
      });
      return { queryId, result };
    } catch (err) {
      throw parseError((err as Error).message);
    }
  }
}

export interface EmbeddedClientOptions {
  /** Data directory of the embedded engine; created when missing. One directory per process (a chDB limit). */
  path: string;
  /** Database queries run in. Default `default`. */
  database?: string;
  /** Extra settings sent with every query. The pinned ones (UTC, quoted 64-bit integers) cannot be overridden here. */
  clickhouseSettings?: ClickHouseSettings;
  /** The client's logger settings, e.g. `{ level: ClickHouseLogLevel.OFF }` for a caller that reports errors itself. */
  log?: NonNullable<Parameters<typeof createClient>[0]>['log'];
}

/**
 * A `@clickhouse/client` client over the in-process ClickHouse engine (chDB) on
 * a data directory: the same API as a client over HTTP, with UTC and quoted
 * 64-bit integers pinned.
 */
export function createEmbeddedClient(options: EmbeddedClientOptions): ClickHouseClient {
  if (typeof options?.path !== 'string' || options.path.length === 0) {
    throw new TypeError(
      'createEmbeddedClient: `path` must name the data directory, e.g. ./.tracepoint/clickhouse',
    );
  }
  const path = resolve(options.path);
  mkdirSync(path, { recursive: true });
  const connection = new BinaryInsertConnection(
    createChdbConnection({ path }) as unknown as ClientConnection,
    path,
    options.database ?? 'default',
  );
  return createClient({
    connection: connection as unknown as ClientConnection,
    database: options.database ?? 'default',
    clickhouse_settings: { ...options.clickhouseSettings, ...PINNED_SETTINGS },
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}
