import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, gzip, inflate } from 'node:zlib';
import { ErrorCode, LocalClickHouseError } from './clickhouse-error.js';
import { LocalEngine } from './local-engine.js';

export interface LocalHttpServerOptions {
  /** Data directory of the engine. */
  path: string;
  /** TCP port; 0 picks a free one. Default 8123, ClickHouse's HTTP port. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1: the engine has no access control beyond `password`. */
  host?: string;
  /**
   * How long an idle keep-alive socket stays open. Default 10 s, like a
   * self-hosted ClickHouse; it must stay above the client's idle socket TTL
   * (2.5 s in @clickhouse/client) or reused sockets die with ECONNRESET.
   */
  keepAliveTimeoutMs?: number;
  /** When set, requests must authenticate with this password (any user name). */
  password?: string;
  /** Largest request body accepted after decompression. Default 1 GiB. */
  maxBodyBytes?: number;
}

export interface LocalHttpServer {
  /** `http://host:port`, ready for `createClient({ url })`. */
  readonly url: string;
  readonly port: number;
  readonly engine: LocalEngine;
  /** The node:http server, for callers that watch requests (the store service's idle stop). */
  readonly httpServer: Server;
  /** Stops accepting requests, waits for running ones, closes the engine. */
  close(): Promise<void>;
}

export const DEFAULTS = {
  port: 8123,
  host: '127.0.0.1',
  keepAliveTimeoutMs: 10_000,
  maxBodyBytes: 1024 * 1024 * 1024,
} as const;

// URL parameters the HTTP interface itself reads; everything else is a setting.
const INTERFACE_PARAMETERS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'user',
  'password',
  'quota_key',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'role',
  'stacktrace',
  'client_protocol_version',
]);

const decoders: Record<string, (input: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};
const gzipAsync = promisify(gzip);

interface RawBody {
  data: Buffer;
  tooLarge: boolean;
}

/** Reads the whole request body, always to its end, so the socket stays usable whatever is answered. */
function drainBody(req: IncomingMessage, maxBytes: number): Promise<RawBody> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolveBody({ data: Buffer.concat(chunks), tooLarge }));
    req.on('error', reject);
  });
}

async function decodeBody(req: IncomingMessage, raw: Buffer): Promise<Buffer> {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (!encoding || encoding === 'identity' || raw.length === 0) return raw;
  const decode = decoders[encoding];
  if (!decode) {
    throw LocalClickHouseError.of(
      ErrorCode.UNKNOWN_COMPRESSION_METHOD,
      `Unknown Content-Encoding ${encoding}`,
    );
  }
  try {
    return await decode(raw);
  } catch (err) {
    throw LocalClickHouseError.of(
      ErrorCode.ZLIB_INFLATE_FAILED,
      `cannot decode ${encoding} request body: ${(err as Error).message}`,
    );
  }
}

function credentials(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-clickhouse-key'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return url.searchParams.get('password') ?? undefined;
}

function contentType(format: string): string {
  if (format.startsWith('JSON')) return 'application/json; charset=UTF-8';
  if (format.startsWith('TabSeparated') || format.startsWith('TSV')) {
    return 'text/tab-separated-values; charset=UTF-8';
  }
  if (format.startsWith('CSV')) return 'text/csv; charset=UTF-8';
  return 'application/octet-stream';
}

const FORMAT_CLAUSE = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i;

/**
 * Serves ClickHouse's HTTP interface over an embedded engine, so
 * `@clickhouse/client`, Grafana or curl can talk to local trace data as they
 * would to a ClickHouse server.
 */
export async function startLocalHttpServer(options: LocalHttpServerOptions): Promise<LocalHttpServer> {
  const port = options.port ?? DEFAULTS.port;
  const host = options.host ?? DEFAULTS.host;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`startLocalHttpServer: port must be an integer 0..65535, got ${port}`);
  }
  const engine = new LocalEngine(options.path);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Nothing reaches here but bugs in this file; answer rather than leave the client hanging.
      if (!res.headersSent) sendError(res, LocalClickHouseError.from(err));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs;
  // Node closes a socket when headers have not arrived by headersTimeout; it must exceed the keep-alive time.
  server.headersTimeout = server.keepAliveTimeout + 5_000;
  server.requestTimeout = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const raw = await drainBody(req, maxBodyBytes);
    if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      res
        .writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' })
        .end(`There is no handle ${url.pathname}\n`);
      return;
    }
    try {
      if (options.password !== undefined && credentials(req, url) !== options.password) {
        throw LocalClickHouseError.of(
          ErrorCode.AUTHENTICATION_FAILED,
          'default: Authentication failed: password is incorrect, or there is no user with such name',
        );
      }
      if (raw.tooLarge) {
        throw LocalClickHouseError.of(
          ErrorCode.BAD_ARGUMENTS,
          `request body is larger than ${maxBodyBytes} bytes`,
        );
      }
      if (url.searchParams.has('session_id')) {
        throw LocalClickHouseError.of(
          ErrorCode.NOT_IMPLEMENTED,
          'sessions (session_id) are not supported by the tracepoint local server',
        );
      }
      const bodyBytes = await decodeBody(req, raw.data);
      const urlQuery = url.searchParams.get('query');
      // With the statement in the URL the body is data, kept as bytes so binary formats land
      // exactly; without it the body is the statement (and any inline text rows).
      const body = urlQuery === null ? bodyBytes.toString('utf8') : '';
      const sql = urlQuery ?? body;
      if (sql.trim().length === 0) {
        if (req.method === 'GET' || req.method === 'HEAD') {
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
          return;
        }
        throw LocalClickHouseError.of(ErrorCode.SYNTAX_ERROR, 'Empty query');
      }
      const settings = new Map<string, string>();
      const params = new Map<string, string>();
      for (const [name, value] of url.searchParams) {
        if (name.startsWith('param_')) params.set(name.slice(6), value);
        else if (!INTERFACE_PARAMETERS.has(name)) settings.set(name, value);
      }
      const defaultFormat = url.searchParams.get('default_format') ?? 'TabSeparated';
      const queryId = url.searchParams.get('query_id') ?? randomUUID();
      const result = await engine.run({
        sql,
        ...(urlQuery !== null && bodyBytes.length > 0 ? { data: bodyBytes } : {}),
        database:
          url.searchParams.get('database') ?? req.headers['x-clickhouse-database']?.toString() ?? 'default',
        defaultFormat,
        settings,
        params,
        statementText: urlQuery ?? body,
      });
      const format = (urlQuery ?? body).match(FORMAT_CLAUSE)?.[1] ?? defaultFormat;
      // chDB does not report rows read by a SELECT, so read_rows is given for inserts (rows parsed) only.
      const summary = result.isInsert
        ? {
            read_rows: String(result.writtenRows),
            read_bytes: String(result.writtenBytes),
            written_rows: String(result.writtenRows),
            written_bytes: String(result.writtenBytes),
            elapsed_ns: String(result.elapsedNs),
          }
        : {
            written_rows: '0',
            written_bytes: '0',
            result_rows: String(result.resultRows),
            result_bytes: String(result.body.byteLength),
            elapsed_ns: String(result.elapsedNs),
          };
      const headers: Record<string, string> = {
        'Content-Type': contentType(format),
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Format': format,
        'X-ClickHouse-Timezone': 'UTC',
        'X-ClickHouse-Server-Display-Name': 'tracepoint-clickhouse-local',
        'X-ClickHouse-Summary': JSON.stringify(summary),
      };
      let payload: Uint8Array = result.body;
      const wantsGzip =
        url.searchParams.get('enable_http_compression') === '1' &&
        /\bgzip\b/.test(req.headers['accept-encoding']?.toString() ?? '');
      if (wantsGzip && payload.byteLength > 0) {
        payload = await gzipAsync(payload);
        headers['Content-Encoding'] = 'gzip';
      }
      headers['Content-Length'] = String(payload.byteLength);
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : payload);
    } catch (err) {
      sendError(res, LocalClickHouseError.from(err));
    }
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    engine,
    httpServer: server,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolveClose) => {
          server.close(() => resolveClose());
          server.closeIdleConnections();
        });
        await engine.close();
      })();
      return closing;
    },
  };
}

function sendError(res: ServerResponse, error: LocalClickHouseError): void {
  const body = `${error.body}\n`;
  res.writeHead(error.httpStatus, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(error.code),
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}
