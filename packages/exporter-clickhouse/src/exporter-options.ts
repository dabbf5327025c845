import type { ClickHouseClient } from '@clickhouse/client';
import type { SpanMappingOptions } from '@tracepoint/semantic-mapping';
import { assertIdentifier } from './identifier.js';

export type TransmissionMode = 'async' | 'sync' | 'push';

/** Where failures and start-up problems are reported; defaults to one console line each. */
export interface ExporterLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface ClickHouseTlsOptions {
  /** CA certificate(s) to trust, PEM. */
  caCert: Buffer;
  /** Client certificate and key for mutual TLS, PEM. */
  cert?: Buffer;
  key?: Buffer;
}

export interface ClickHouseSpanExporterOptions {
  /** A ready @clickhouse/client client (HTTP or embedded). Not closed by the exporter; `url` is ignored. */
  client?: ClickHouseClient;
  /**
   * `http(s)://host:port` of a server, several for failover (array or comma-separated),
   * or an embedded data directory: `chdb:<path>` or a plain path.
   */
  url?: string | readonly string[];
  username?: string;
  password?: string;
  database?: string;
  tls?: ClickHouseTlsOptions;
  /** gzip request bodies over HTTP. */
  compression?: boolean;
  /** One HTTP request's timeout; must stay below `exportTimeoutMillis`. */
  requestTimeoutMillis?: number;
  /** How long an export may take, retries included. */
  exportTimeoutMillis?: number;
  /** Idle keep-alive socket lifetime; must stay below the server's keep-alive timeout (3 s cloud, 10 s self-hosted). */
  keepAliveIdleMillis?: number;
  mode?: TransmissionMode;
  tracesTable?: string;
  /** Name of the trace-points view; its storage table is `<name>_spans`. */
  tracePointsTable?: string;
  /** Table of @tracepoint/processor-aggregator's rows, written through `writeStats`. */
  statsTable?: string;
  /** Write trace points besides spans. */
  tracePoints?: boolean;
  /** Options of @tracepoint/semantic-mapping for the trace points. */
  mapping?: SpanMappingOptions;
  /** Create or migrate the tables at start; with false, verify them and fail naming what is missing. */
  createSchema?: boolean;
  /** Days to keep data (table TTL); 0 keeps it. */
  ttlDays?: number;
  /** Cluster for `ON CLUSTER` DDL, Replicated tables and Distributed tables. */
  cluster?: string;
  /** async mode: insert when a table's batch reaches this many rows. */
  maxBatchRows?: number;
  /** async mode: insert when a table's batch reaches this many bytes of encoded rows. */
  maxBatchBytes?: number;
  /** async and push modes: insert at least this often while rows wait. */
  flushIntervalMillis?: number;
  /** async and push modes: encoded rows held in memory across tables; beyond it spans are dropped and counted. */
  maxQueueBytes?: number;
  /** async mode: ask the server to buffer (`async_insert=1`, `wait_for_async_insert=1`). */
  asyncInsert?: boolean;
  /** push mode: a streaming insert is closed and a new one opened this often. */
  pushRolloverMillis?: number;
  /** Attempts after the first on network errors, 5xx and 429. */
  maxRetries?: number;
  retryInitialDelayMillis?: number;
  retryMaxDelayMillis?: number;
  logger?: ExporterLogger;
}

/** Option defaults; the README options table is checked against these. */
export const EXPORTER_DEFAULTS = {
  database: 'default',
  username: 'default',
  compression: true,
  requestTimeoutMillis: 10_000,
  exportTimeoutMillis: 30_000,
  keepAliveIdleMillis: 2_000,
  mode: 'async',
  tracesTable: 'otel_traces',
  tracePointsTable: 'trace_points',
  statsTable: 'trace_point_stats',
  tracePoints: true,
  createSchema: true,
  ttlDays: 0,
  maxBatchRows: 100_000,
  maxBatchBytes: 16 * 1024 * 1024,
  flushIntervalMillis: 2_000,
  maxQueueBytes: 64 * 1024 * 1024,
  asyncInsert: false,
  pushRolloverMillis: 5_000,
  maxRetries: 5,
  retryInitialDelayMillis: 200,
  retryMaxDelayMillis: 5_000,
} as const;

/** Data directory of the embedded engine when nothing else is configured. */
export const DEFAULT_EMBEDDED_PATH = './.tracepoint/clickhouse';

/** Environment variables read when the options leave a connection setting out. */
export const ENVIRONMENT_VARIABLES = {
  url: 'TRACEPOINT_CLICKHOUSE_URL',
  username: 'TRACEPOINT_CLICKHOUSE_USER',
  password: 'TRACEPOINT_CLICKHOUSE_PASSWORD',
  database: 'TRACEPOINT_CLICKHOUSE_DATABASE',
} as const;

export type Destination =
  | { kind: 'client'; client: ClickHouseClient; label: string }
  | { kind: 'http'; urls: string[]; label: string }
  | { kind: 'embedded'; path: string; label: string };

export interface ExporterConfig {
  destination: Destination;
  username: string;
  password: string;
  database: string;
  tls: ClickHouseTlsOptions | undefined;
  compression: boolean;
  requestTimeoutMillis: number;
  exportTimeoutMillis: number;
  keepAliveIdleMillis: number;
  mode: TransmissionMode;
  tracesTable: string;
  tracePointsTable: string;
  statsTable: string;
  tracePoints: boolean;
  mapping: SpanMappingOptions | undefined;
  createSchema: boolean;
  ttlDays: number;
  cluster: string | undefined;
  maxBatchRows: number;
  maxBatchBytes: number;
  flushIntervalMillis: number;
  maxQueueBytes: number;
  asyncInsert: boolean;
  pushRolloverMillis: number;
  maxRetries: number;
  retryInitialDelayMillis: number;
  retryMaxDelayMillis: number;
  logger: ExporterLogger;
}

const CONSOLE_LOGGER: ExporterLogger = {
  warn: (message) => console.warn(`[tracepoint] ${message}`),
  error: (message) => console.error(`[tracepoint] ${message}`),
};

function positiveInteger(name: string, value: unknown, fallback: number, minimum = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new TypeError(`${name} must be a whole number >= ${minimum}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean')
    throw new TypeError(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function text(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string')
    throw new TypeError(`${name} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `chdb:<path>` or a path is embedded; `http(s)://` is a server. Several server URLs fail over. */
function destinationOf(url: string | readonly string[], source: string): Destination {
  const list = (typeof url === 'string' ? url.split(',') : [...url])
    .map((item) => item.trim())
    .filter(Boolean);
  if (list.length === 0) throw new TypeError(`${source} is empty`);
  const http = list.filter((item) => /^https?:\/\//i.test(item));
  if (http.length === list.length) {
    for (const item of http) {
      try {
        new URL(item);
      } catch {
        throw new TypeError(`${source} has an invalid URL: ${JSON.stringify(item)}`);
      }
    }
    return { kind: 'http', urls: http, label: http.join(', ') };
  }
  const [single] = list;
  if (list.length === 1 && single !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(single)) {
    const path = single.startsWith('chdb:') ? single.slice('chdb:'.length) : single;
    if (path === '')
      throw new TypeError(`${source} chdb: needs a data directory, e.g. chdb:./.tracepoint/clickhouse`);
    return { kind: 'embedded', path, label: `embedded ClickHouse at ${path}` };
  }
  throw new TypeError(
    `${source} must be http(s):// URLs (comma-separated for failover), or chdb:<path> / a path for the embedded engine; got ${JSON.stringify(list.join(','))}`,
  );
}

/**
 * Options merged with TRACEPOINT_CLICKHOUSE_* environment variables (options win)
 * and the defaults, validated once. A bad value throws a TypeError naming it.
 * With no destination configured the embedded engine at ./.tracepoint/clickhouse
 * is used; whether chdb is installed is checked when the exporter starts.
 */
export function resolveExporterConfig(
  options: ClickHouseSpanExporterOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ExporterConfig {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const d = EXPORTER_DEFAULTS;
  const envUrl = nonEmpty(env[ENVIRONMENT_VARIABLES.url]);
  let destination: Destination;
  if (options.client !== undefined) {
    destination = { kind: 'client', client: options.client, label: 'the given client' };
  } else if (options.url !== undefined) {
    destination = destinationOf(options.url, 'url');
  } else if (envUrl !== undefined) {
    destination = destinationOf(envUrl, ENVIRONMENT_VARIABLES.url);
  } else {
    destination = {
      kind: 'embedded',
      path: DEFAULT_EMBEDDED_PATH,
      label: `embedded ClickHouse at ${DEFAULT_EMBEDDED_PATH}`,
    };
  }
  const mode = options.mode ?? d.mode;
  if (mode !== 'async' && mode !== 'sync' && mode !== 'push') {
    throw new TypeError(`mode must be 'async', 'sync' or 'push', got ${JSON.stringify(mode)}`);
  }
  const config: ExporterConfig = {
    destination,
    username: text('username', options.username ?? nonEmpty(env[ENVIRONMENT_VARIABLES.username]), d.username),
    password: text('password', options.password ?? env[ENVIRONMENT_VARIABLES.password], ''),
    database: assertIdentifier(
      'database',
      options.database ?? nonEmpty(env[ENVIRONMENT_VARIABLES.database]) ?? d.database,
    ),
    tls: options.tls,
    compression: flag('compression', options.compression, d.compression),
    requestTimeoutMillis: positiveInteger(
      'requestTimeoutMillis',
      options.requestTimeoutMillis,
      d.requestTimeoutMillis,
    ),
    exportTimeoutMillis: positiveInteger(
      'exportTimeoutMillis',
      options.exportTimeoutMillis,
      d.exportTimeoutMillis,
    ),
    keepAliveIdleMillis: positiveInteger(
      'keepAliveIdleMillis',
      options.keepAliveIdleMillis,
      d.keepAliveIdleMillis,
    ),
    mode,
    tracesTable: assertIdentifier('tracesTable', options.tracesTable ?? d.tracesTable),
    tracePointsTable: assertIdentifier('tracePointsTable', options.tracePointsTable ?? d.tracePointsTable),
    statsTable: assertIdentifier('statsTable', options.statsTable ?? d.statsTable),
    tracePoints: flag('tracePoints', options.tracePoints, d.tracePoints),
    mapping: options.mapping,
    createSchema: flag('createSchema', options.createSchema, d.createSchema),
    ttlDays: positiveInteger('ttlDays', options.ttlDays, d.ttlDays, 0),
    cluster: options.cluster === undefined ? undefined : assertIdentifier('cluster', options.cluster),
    maxBatchRows: positiveInteger('maxBatchRows', options.maxBatchRows, d.maxBatchRows),
    maxBatchBytes: positiveInteger('maxBatchBytes', options.maxBatchBytes, d.maxBatchBytes),
    flushIntervalMillis: positiveInteger(
      'flushIntervalMillis',
      options.flushIntervalMillis,
      d.flushIntervalMillis,
    ),
    maxQueueBytes: positiveInteger('maxQueueBytes', options.maxQueueBytes, d.maxQueueBytes),
    asyncInsert: flag('asyncInsert', options.asyncInsert, d.asyncInsert),
    pushRolloverMillis: positiveInteger(
      'pushRolloverMillis',
      options.pushRolloverMillis,
      d.pushRolloverMillis,
    ),
    maxRetries: positiveInteger('maxRetries', options.maxRetries, d.maxRetries, 0),
    retryInitialDelayMillis: positiveInteger(
      'retryInitialDelayMillis',
      options.retryInitialDelayMillis,
      d.retryInitialDelayMillis,
    ),
    retryMaxDelayMillis: positiveInteger(
      'retryMaxDelayMillis',
      options.retryMaxDelayMillis,
      d.retryMaxDelayMillis,
    ),
    logger: options.logger ?? CONSOLE_LOGGER,
  };
  if (config.requestTimeoutMillis >= config.exportTimeoutMillis) {
    throw new TypeError(
      `requestTimeoutMillis (${config.requestTimeoutMillis}) must be below exportTimeoutMillis (${config.exportTimeoutMillis}) so a retry fits`,
    );
  }
  if (config.mode === 'push' && config.pushRolloverMillis >= config.requestTimeoutMillis) {
    throw new TypeError(
      `pushRolloverMillis (${config.pushRolloverMillis}) must be below requestTimeoutMillis (${config.requestTimeoutMillis}): a push stream is one request`,
    );
  }
  if (config.maxBatchBytes > config.maxQueueBytes) {
    throw new TypeError(
      `maxBatchBytes (${config.maxBatchBytes}) must not exceed maxQueueBytes (${config.maxQueueBytes})`,
    );
  }
  return config;
}
