import {
  createEmbeddedClient,
  type LocalHttpServer,
  startLocalHttpServer,
} from '@tracepoint/clickhouse-local';
import { afterAll, beforeAll } from 'vitest';
import { tempDataDir } from './data-dir.js';

type ClickHouseClient = ReturnType<typeof createEmbeddedClient>;

export interface TestStore {
  /** The data directory (chDB binds one per process). */
  readonly path: string;
  /** The embedded engine on that directory. */
  readonly client: ClickHouseClient;
  /** The local HTTP server over the same engine; only with `{ http: true }`. */
  readonly server: LocalHttpServer;
  rows<T>(query: string): Promise<T[]>;
  /** The `n` column of a one-row query. */
  count(query: string): Promise<number>;
}

/**
 * One real ClickHouse store for the calling test file (or describe block):
 * the embedded engine on a fresh data directory, and with `http` the
 * project's local HTTP server over it; opened before the tests, closed and
 * removed after them.
 */
export function testStore(label: string, options: { http?: boolean } = {}): TestStore {
  const dataDir = tempDataDir(label);
  let client: ClickHouseClient | undefined;
  let server: LocalHttpServer | undefined;

  beforeAll(async () => {
    if (options.http) server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
    client = createEmbeddedClient({ path: dataDir.path });
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
    dataDir.remove();
  });

  const opened = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`testStore(${label}): ${what} is not open here`);
    return value;
  };
  const store: TestStore = {
    path: dataDir.path,
    get client() {
      return opened(client, 'the embedded client');
    },
    get server() {
      return opened(server, 'the HTTP server (pass { http: true })');
    },
    async rows<T>(query: string) {
      return (await store.client.query({ query, format: 'JSONEachRow' })).json<T>();
    },
    async count(query: string) {
      const [row] = await store.rows<{ n: string | number }>(query);
      return Number(row?.n);
    },
  };
  return store;
}
