import type { ClickHouseClient } from '@clickhouse/client';
import {
  type ComponentLogger,
  componentLogger,
  OptionValidator,
  type TracepointLogger,
} from '@tracepoint/core';
import type { SpanMappingOptions } from '@tracepoint/semantic-mapping';
import { assertIdentifier } from './identifier.js';
import { SPILL_DEFAULTS, type SpillOptions, type SpillWhenFull } from './spill-directory.js';

export type TransmissionMode = 'async' | 'sync' | 'push';

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
   * `http(s)://host:port` of a server, several for failover (array or comma-separated);
   * a plain directory: the local store service on it (shared by every process, like the
   * default); `chdb:<path>`: a private engine on it in a child process of this one.
   */
  url?: string | readonly string[];
  username?: string;
  password?: string;
  database?: string;
  tls?: ClickHouseTlsOptions;
  /**
   * gzip request bodies over HTTP: `'auto'` gzips for remote servers only, not for a loopback
   * address (`localhost`, `127.0.0.1`, `::1`), the local store service or `chdb:`; true or false
   * decide for every destination.
   */
  compression?: boolean | 'auto';
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
  /**
   * async mode: a directory of this process's own where inserts that cannot be delivered are kept
   * on disk and replayed once ClickHouse answers again (see "Spill to disk"); off unless set here
   * or by TRACEPOINT_SPILL_DIR.
   */
  spill?: SpillOptions;
  /** Where failures and start-up problems are reported; default: diag, and stderr once each (see @tracepoint/core). */
  logger?: TracepointLogger;
}

/** Option defaults; the README options table is checked against these. */
export const EXPORTER_DEFAULTS = {
  database: 'default',
  username: 'default',
  compression: 'auto',
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

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Whether `url` names this machine (a loopback address or localhost). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Whether request bodies to `url` are gzipped. gzip runs on libuv's thread pool
 * and costs the app CPU per request: measured at 300 req/s with 5 spans each
 * to a local ClickHouse HTTP server, about 40 µs of CPU per request (8 µs per
 * span) off the main thread, for bytes that never leave the machine. A remote
 * server gets them gzipped (bandwidth), as before; clickhouse-js and the OTLP
 * exporters send uncompressed by default.
 */
export function compressesRequests(
  config: Pick<ExporterConfig, 'compression' | 'destination'>,
  url: string,
): boolean {
  if (config.compression !== 'auto') return config.compression;
  const kind = config.destination.kind;
  // The store service and a private engine listen on this machine.
  if (kind === 'store' || kind === 'embedded') return false;
  return !isLoopbackUrl(url);
}

/** The store directory of the local store service used when nothing else is configured. */
export const DEFAULT_STORE_PATH = './.tracepoint/clickhouse';
/** @deprecated the default is the store service on DEFAULT_STORE_PATH (the same directory). */
export const DEFAULT_EMBEDDED_PATH = DEFAULT_STORE_PATH;

/** Environment variables read when the options leave a connection setting out. */
export const ENVIRONMENT_VARIABLES = {
  url: 'TRACEPOINT_CLICKHOUSE_URL',
  username: 'TRACEPOINT_CLICKHOUSE_USER',
  password: 'TRACEPOINT_CLICKHOUSE_PASSWORD',
  database: 'TRACEPOINT_CLICKHOUSE_DATABASE',
} as const;

/** The spill's variables: each fills the `spill` option's field of the same meaning when the option leaves it out. */
export const SPILL_ENVIRONMENT_VARIABLES = {
  dir: 'TRACEPOINT_SPILL_DIR',
  maxBytes: 'TRACEPOINT_SPILL_MAX_BYTES',
  fsyncMillis: 'TRACEPOINT_SPILL_FSYNC_MS',
  whenFull: 'TRACEPOINT_SPILL_WHEN_FULL',
} as const;

export type Destination =
  | { kind: 'client'; client: ClickHouseClient; label: string }
  | { kind: 'http'; urls: string[]; label: string }
  /** The local store service on a directory, shared by every process (started on first use). */
  | { kind: 'store'; path: string; label: string }
  /** `chdb:<path>`: a private engine in a child process bound to this one. */
  | { kind: 'embedded'; path: string; label: string };

export interface ExporterConfig {
  destination: Destination;
  username: string;
  password: string;
  database: string;
  tls: ClickHouseTlsOptions | undefined;
  compression: boolean | 'auto';
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
  /** Validated spill settings, or undefined when the spill is off. */
  spill: (Required<Omit<SpillOptions, 'segmentBytes'>> & Pick<SpillOptions, 'segmentBytes'>) | undefined;
  logger: ComponentLogger;
}

const check: OptionValidator = new OptionValidator('exporter-clickhouse');

function storeAt(path: string): Destination {
  return { kind: 'store', path, label: `tracepoint store service on ${path}` };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** `chdb:<path>` is a private engine, a path the store service on it; `http(s)://` is a server. Several server URLs fail over. */
function destinationOf(url: string | readonly string[], source: string): Destination {
  const list = (typeof url === 'string' ? url.split(',') : [...url])
    .map((item) => item.trim())
    .filter(Boolean);
  if (list.length === 0) check.invalid(source, 'one or more URLs or a data directory', url);
  const http = list.filter((item) => /^https?:\/\//i.test(item));
  if (http.length === list.length) {
    for (const item of http) {
      try {
        new URL(item);
      } catch {
        check.invalid(source, 'valid http(s):// URLs', item);
      }
    }
    return { kind: 'http', urls: http, label: http.join(', ') };
  }
  const [single] = list;
  if (list.length === 1 && single !== undefined && !/^[a-z][a-z0-9+.-]*:\/\//i.test(single)) {
    if (!single.startsWith('chdb:')) return storeAt(single);
    const path = single.slice('chdb:'.length);
    if (path === '')
      check.invalid(source, 'chdb:<data directory>, e.g. chdb:./.tracepoint/clickhouse', single);
    return { kind: 'embedded', path, label: `private ClickHouse engine (chDB) on ${path}` };
  }
  check.invalid(
    source,
    'http(s):// URLs (comma-separated for failover), a store directory, or chdb:<path> for a private engine',
    list.join(','),
  );
}

/** A whole number from the environment, or the text as given (so the check shows what was set). */
function envInteger(value: string | undefined): number | string | undefined {
  const text = nonEmpty(value);
  if (text === undefined) return undefined;
  return /^\d+$/.test(text) ? Number(text) : text;
}

function spillOption(
  options: ClickHouseSpanExporterOptions,
  env: NodeJS.ProcessEnv,
  mode: TransmissionMode,
): ExporterConfig['spill'] {
  const given = options.spill;
  if (given !== undefined && (given === null || typeof given !== 'object'))
    check.invalid('spill', 'an object { dir, maxBytes?, fsyncMillis?, whenFull? }', given);
  const v = SPILL_ENVIRONMENT_VARIABLES;
  const dir = given?.dir ?? nonEmpty(env[v.dir]);
  if (dir === undefined) {
    if (given !== undefined) check.invalid('spill.dir', 'a directory path', given.dir);
    return undefined;
  }
  if (typeof dir !== 'string' || dir.trim() === '') check.invalid('spill.dir', 'a directory path', dir);
  if (mode !== 'async')
    check.fail(
      'spill',
      `needs mode 'async' (the spill holds the batches async mode inserts), got mode '${mode}'`,
    );
  const from = (field: keyof typeof v) => (given?.[field] === undefined ? ` (${v[field]})` : '');
  const maxBytes = given?.maxBytes ?? envInteger(env[v.maxBytes]);
  const fsyncMillis = given?.fsyncMillis ?? envInteger(env[v.fsyncMillis]);
  const whenFull = given?.whenFull ?? nonEmpty(env[v.whenFull]);
  return {
    dir,
    maxBytes: check.integer(`spill.maxBytes${from('maxBytes')}`, maxBytes, 1, SPILL_DEFAULTS.maxBytes),
    fsyncMillis: check.integer(
      `spill.fsyncMillis${from('fsyncMillis')}`,
      fsyncMillis,
      1,
      SPILL_DEFAULTS.fsyncMillis,
    ),
    whenFull: check.oneOf<SpillWhenFull>(
      `spill.whenFull${from('whenFull')}`,
      whenFull ?? SPILL_DEFAULTS.whenFull,
      ['drop-oldest', 'drop-newest'],
    ),
    ...(given?.segmentBytes === undefined ? {} : { segmentBytes: given.segmentBytes }),
  };
}

function compressionOption(value: unknown): boolean | 'auto' {
  if (value === undefined) return EXPORTER_DEFAULTS.compression;
  if (typeof value !== 'boolean' && value !== 'auto')
    check.invalid('compression', "true, false or 'auto'", value);
  return value;
}

/**
 * Options merged with TRACEPOINT_CLICKHOUSE_* environment variables (options win)
 * and the defaults, validated once. A bad value throws a TypeError naming it.
 * With no destination configured the local store service on ./.tracepoint/clickhouse
 * is used; whether chdb is installed is checked when the exporter starts.
 */
export function resolveExporterConfig(
  options: ClickHouseSpanExporterOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ExporterConfig {
  check.options(options);
  const d = EXPORTER_DEFAULTS;
  const envUrl = nonEmpty(env[ENVIRONMENT_VARIABLES.url]);
  let destination: Destination;
  if (options.client !== undefined) {
    destination = { kind: 'client', client: options.client, label: 'the given client' };
  } else if (options.url !== undefined) {
    destination = destinationOf(options.url, 'url');
  } else if (envUrl !== undefined) {
    destination = destinationOf(envUrl, `url (${ENVIRONMENT_VARIABLES.url})`);
  } else {
    destination = storeAt(DEFAULT_STORE_PATH);
  }
  const mode = check.oneOf<TransmissionMode>('mode', options.mode ?? d.mode, ['async', 'sync', 'push']);
  const config: ExporterConfig = {
    destination,
    username: check.string(
      'username',
      options.username ?? nonEmpty(env[ENVIRONMENT_VARIABLES.username]),
      d.username,
    ),
    password: check.string('password', options.password ?? env[ENVIRONMENT_VARIABLES.password], ''),
    database: assertIdentifier(
      'database',
      options.database ?? nonEmpty(env[ENVIRONMENT_VARIABLES.database]) ?? d.database,
    ),
    tls: options.tls,
    compression: compressionOption(options.compression),
    requestTimeoutMillis: check.integer(
      'requestTimeoutMillis',
      options.requestTimeoutMillis,
      1,
      d.requestTimeoutMillis,
    ),
    exportTimeoutMillis: check.integer(
      'exportTimeoutMillis',
      options.exportTimeoutMillis,
      1,
      d.exportTimeoutMillis,
    ),
    keepAliveIdleMillis: check.integer(
      'keepAliveIdleMillis',
      options.keepAliveIdleMillis,
      1,
      d.keepAliveIdleMillis,
    ),
    mode,
    tracesTable: assertIdentifier('tracesTable', options.tracesTable ?? d.tracesTable),
    tracePointsTable: assertIdentifier('tracePointsTable', options.tracePointsTable ?? d.tracePointsTable),
    statsTable: assertIdentifier('statsTable', options.statsTable ?? d.statsTable),
    tracePoints: check.boolean('tracePoints', options.tracePoints, d.tracePoints),
    mapping: options.mapping,
    createSchema: check.boolean('createSchema', options.createSchema, d.createSchema),
    ttlDays: check.integer('ttlDays', options.ttlDays, 0, d.ttlDays),
    cluster: options.cluster === undefined ? undefined : assertIdentifier('cluster', options.cluster),
    maxBatchRows: check.integer('maxBatchRows', options.maxBatchRows, 1, d.maxBatchRows),
    maxBatchBytes: check.integer('maxBatchBytes', options.maxBatchBytes, 1, d.maxBatchBytes),
    flushIntervalMillis: check.integer(
      'flushIntervalMillis',
      options.flushIntervalMillis,
      1,
      d.flushIntervalMillis,
    ),
    maxQueueBytes: check.integer('maxQueueBytes', options.maxQueueBytes, 1, d.maxQueueBytes),
    asyncInsert: check.boolean('asyncInsert', options.asyncInsert, d.asyncInsert),
    pushRolloverMillis: check.integer(
      'pushRolloverMillis',
      options.pushRolloverMillis,
      1,
      d.pushRolloverMillis,
    ),
    maxRetries: check.integer('maxRetries', options.maxRetries, 0, d.maxRetries),
    retryInitialDelayMillis: check.integer(
      'retryInitialDelayMillis',
      options.retryInitialDelayMillis,
      1,
      d.retryInitialDelayMillis,
    ),
    retryMaxDelayMillis: check.integer(
      'retryMaxDelayMillis',
      options.retryMaxDelayMillis,
      1,
      d.retryMaxDelayMillis,
    ),
    spill: spillOption(options, env, mode),
    logger: componentLogger('exporter-clickhouse', options.logger),
  };
  if (config.requestTimeoutMillis >= config.exportTimeoutMillis) {
    check.invalid(
      'requestTimeoutMillis',
      `below exportTimeoutMillis (${config.exportTimeoutMillis}) so a retry fits`,
      config.requestTimeoutMillis,
    );
  }
  if (config.mode === 'push' && config.pushRolloverMillis >= config.requestTimeoutMillis) {
    check.invalid(
      'pushRolloverMillis',
      `below requestTimeoutMillis (${config.requestTimeoutMillis}): a push stream is one request`,
      config.pushRolloverMillis,
    );
  }
  if (config.maxBatchBytes > config.maxQueueBytes) {
    check.invalid('maxBatchBytes', `at most maxQueueBytes (${config.maxQueueBytes})`, config.maxBatchBytes);
  }
  return config;
}
