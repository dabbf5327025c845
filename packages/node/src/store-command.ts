import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_STORE_PATH,
  resolveExporterConfig,
  storeModule,
} from '@tracepoint/exporter-clickhouse/internal';
import { NO_DATA_EXIT_CODE, NoTracepointDataError, requireStoreDirectory } from './reconnecting-reads.js';

export const STORE_USAGE = `usage: tracepoint store status|stop [--path <store directory>]
Default directory: TRACEPOINT_CLICKHOUSE_URL when it names a directory, else ${DEFAULT_STORE_PATH}.
status exits 0 when the store service runs, 3 when it does not, ${NO_DATA_EXIT_CODE} when the directory does not exist (no
tracepoint data there yet; status and stop never create it).`;

/** The store directory: --path, else TRACEPOINT_CLICKHOUSE_URL when it is a directory, else the default. */
export function storePath(path: string | undefined): string {
  if (path !== undefined) return path;
  const destination = resolveExporterConfig({}).destination;
  return destination.kind === 'store' ? destination.path : DEFAULT_STORE_PATH;
}

/** `tracepoint store status|stop`: shows or stops the local store service. Returns the exit code. */
export async function runStoreCommand(
  argv: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  let action: string | undefined;
  let path: string;
  try {
    const parsed = parseArgs({
      args: [...argv],
      options: { path: { type: 'string' } },
      allowPositionals: true,
    });
    action = parsed.positionals[0];
    if ((action !== 'status' && action !== 'stop') || parsed.positionals.length > 1)
      throw new Error(`unknown store action ${JSON.stringify(parsed.positionals.join(' '))}`);
    path = storePath(parsed.values.path);
  } catch (error) {
    write(`${error instanceof Error ? error.message : String(error)}\n${STORE_USAGE}`);
    return 2;
  }
  try {
    const store = await storeModule(path);
    if (action === 'stop') {
      const stopped = await store.stopStoreService(path);
      write(
        stopped === undefined
          ? `tracepoint store: not running on ${path}`
          : `tracepoint store: stopped pid ${stopped.pid} (${stopped.url}) on ${path}`,
      );
      return 0;
    }
    requireStoreDirectory(resolve(path));
    const status = await store.storeServiceStatus(path);
    const info = status.info;
    if (status.state === 'running' && info !== undefined) {
      write(
        `running  pid ${info.pid}  ${info.url}  ClickHouse ${info.version}  since ${info.startedAt}  stops after ${info.idleMillis} ms idle  store ${status.path}`,
      );
      return 0;
    }
    write(
      status.state === 'stale'
        ? `stale    discovery file of pid ${info?.pid} whose service is gone (the next use replaces it)  store ${status.path}`
        : `stopped  store ${status.path} (the first traced process or tracepoint command starts it)`,
    );
    return 3;
  } catch (error) {
    write(`tracepoint store: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return error instanceof NoTracepointDataError ? error.exitCode : 1;
  }
}
