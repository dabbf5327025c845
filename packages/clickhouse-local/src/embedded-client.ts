import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ClickHouseClient, type ClickHouseSettings, createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { PINNED_SETTINGS } from './pinned-settings.js';

// chdb/connection types its Connection against @clickhouse/client-common 1.23.0, while
// @clickhouse/client 1.23.1 bundles its own copy whose settings type gained keys: the
// runtime contract is the same, the declarations differ. This is the one place they meet.
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

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
  return createClient({
    connection: createChdbConnection({ path }) as unknown as ClientConnection,
    database: options.database ?? 'default',
    clickhouse_settings: { ...options.clickhouseSettings, ...PINNED_SETTINGS },
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}
