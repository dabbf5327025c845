#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LocalHttpServer, startLocalHttpServer } from './http-server.js';
import { describeStartFailure, isLockError, isStoreService, lockHolder } from './start-failure.js';
import { removeOwnDiscoverySync, writeDiscovery } from './store-discovery.js';

const usage = (defaults: {
  port: number;
  host: string;
}) => `Usage: clickhouse-local [--port ${defaults.port}] [--host ${defaults.host}] [--path ./.tracepoint/clickhouse] [--password SECRET]
                        [--idle-ms N] [--store] [--parent-ipc]

Serves ClickHouse's HTTP interface over the embedded engine (chDB) on a data directory,
so any ClickHouse HTTP tool can query local trace data.
  --idle-ms N    stop after N ms without requests (0: never, the default)
  --store        run as the store service: announce the server in <path>/tracepoint-store.json
                 (removed at exit), wait for a previous service on <path> to release it
  --parent-ipc   report readiness over the IPC channel and exit when the parent goes away`;

// A service stopping on the same directory holds chDB's lock until it has closed the engine.
const LOCK_WAIT_MILLIS = 15_000;

/** The data directory main() opens (absolute): the diagnosis of a failed start reads its lock holder. */
let engineDir = resolve('./.tracepoint/clickhouse');

/** A wrong command line: the usage text helps; any other failure gets its diagnosis alone. */
class UsageError extends Error {}

async function startWithLockWait(
  start: typeof startLocalHttpServer,
  options: Parameters<typeof startLocalHttpServer>[0],
  wait: boolean,
): Promise<LocalHttpServer> {
  const deadline = Date.now() + (wait ? LOCK_WAIT_MILLIS : 0);
  const dir = resolve(options.path);
  for (;;) {
    try {
      return await start(options);
    } catch (error) {
      if (!isLockError(error, dir) || Date.now() > deadline) throw error;
      // Only a store service that is stopping lets go of the directory by itself; any other holder
      // (a chdb: engine, a server) keeps it, and waiting would only delay the answer.
      const holder = lockHolder(dir);
      if (holder?.command !== undefined && !isStoreService(holder)) throw error;
      await new Promise((done) => setTimeout(done, 200));
    }
  }
}

/** Stops the server after `idleMillis` with no request running or arriving. */
function watchIdle(server: LocalHttpServer, idleMillis: number, stop: () => void): void {
  let running = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    clearTimeout(timer);
    if (running === 0) timer = setTimeout(stop, idleMillis);
  };
  server.httpServer.on('request', (_req, res) => {
    running++;
    clearTimeout(timer);
    res.once('close', () => {
      running--;
      arm();
    });
  });
  arm();
}

function parseOptions(defaults: { port: number; host: string }) {
  return parseArgs({
    options: {
      port: { type: 'string', default: String(defaults.port) },
      host: { type: 'string', default: defaults.host },
      path: { type: 'string', default: './.tracepoint/clickhouse' },
      password: { type: 'string' },
      'idle-ms': { type: 'string', default: '0' },
      store: { type: 'boolean', default: false },
      'parent-ipc': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}

async function main(): Promise<void> {
  // Loaded here, not imported above: a missing chdb package (which the server loads) is then
  // diagnosed below like any other start failure, instead of failing before any code runs.
  const { DEFAULTS, startLocalHttpServer } = await import('./http-server.js');
  let values: ReturnType<typeof parseOptions>['values'];
  try {
    values = parseOptions(DEFAULTS).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage(DEFAULTS)}`);
  }
  if (values.help) {
    console.log(usage(DEFAULTS));
    return;
  }
  engineDir = resolve(values.path);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      `--port must be a whole number from 0 to 65535, got ${values.port}\n${usage(DEFAULTS)}`,
    );
  }
  const idleMillis = Number(values['idle-ms']);
  if (!Number.isInteger(idleMillis) || idleMillis < 0) {
    throw new UsageError(
      `--idle-ms must be a whole number >= 0, got ${values['idle-ms']}\n${usage(DEFAULTS)}`,
    );
  }
  const server = await startWithLockWait(
    startLocalHttpServer,
    {
      path: values.path,
      port,
      host: values.host,
      ...(values.password !== undefined ? { password: values.password } : {}),
    },
    values.store,
  );
  const version = await server.engine.version();
  const path = server.engine.path;
  let stopping = false;
  const stop = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${new Date().toISOString()} stopping: ${reason}`);
    // The discovery file goes first: a newcomer starts a new service (which waits for the lock) instead of using this one.
    if (values.store) removeOwnDiscoverySync(path, process.pid);
    const force = setTimeout(() => server.httpServer.closeAllConnections(), 5_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  if (values.store) {
    process.on('exit', () => removeOwnDiscoverySync(path, process.pid));
    await writeDiscovery(path, {
      pid: process.pid,
      url: server.url,
      port: server.port,
      path,
      startedAt: new Date().toISOString(),
      version,
      idleMillis,
    });
  }
  if (idleMillis > 0) watchIdle(server, idleMillis, () => stop(`idle for ${idleMillis} ms`));
  if (values['parent-ipc'] && process.send !== undefined) {
    process.send({ type: 'ready', url: server.url });
    // The parent exited or closed the channel: nobody can reach this server any more.
    process.once('disconnect', () => stop('parent gone'));
  }
  console.log(`ClickHouse ${version} (chDB) on ${path}`);
  console.log(`HTTP interface: ${server.url}  (try: curl '${server.url}/?query=SELECT%20version()')`);
}

main().catch((err: unknown) => {
  if (err instanceof UsageError) {
    console.error(`clickhouse-local: ${err.message}`);
    process.exitCode = 1;
    return;
  }
  const dir = engineDir;
  const message = describeStartFailure(dir, err);
  if (process.send !== undefined && process.connected) {
    process.send({ type: 'error', message: `the engine on ${dir} cannot start: ${message}` }, () =>
      process.disconnect(),
    );
  }
  // One line: the store service's starter reports the last line of this log.
  console.error(`clickhouse-local: ${message}`);
  process.exitCode = 1;
});
