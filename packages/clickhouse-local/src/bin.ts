#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DEFAULTS, type LocalHttpServer, startLocalHttpServer } from './http-server.js';
import { removeOwnDiscoverySync, writeDiscovery } from './store-discovery.js';

const usage = `Usage: clickhouse-local [--port ${DEFAULTS.port}] [--host ${DEFAULTS.host}] [--path ./.tracepoint/clickhouse] [--password SECRET]
                        [--idle-ms N] [--store] [--parent-ipc]

Serves ClickHouse's HTTP interface over the embedded engine (chDB) on a data directory,
so any ClickHouse HTTP tool can query local trace data.
  --idle-ms N    stop after N ms without requests (0: never, the default)
  --store        run as the store service: announce the server in <path>/tracepoint-store.json
                 (removed at exit), wait for a previous service on <path> to release it
  --parent-ipc   report readiness over the IPC channel and exit when the parent goes away`;

// A service stopping on the same directory holds chDB's lock until it has closed the engine.
const LOCK_WAIT_MILLIS = 15_000;

function isLockError(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''} ${String((error as { cause?: unknown })?.cause ?? '')}`;
  return /Cannot lock file|Failed to create connection/i.test(text);
}

async function startWithLockWait(
  options: Parameters<typeof startLocalHttpServer>[0],
  wait: boolean,
): Promise<LocalHttpServer> {
  const deadline = Date.now() + (wait ? LOCK_WAIT_MILLIS : 0);
  for (;;) {
    try {
      return await startLocalHttpServer(options);
    } catch (error) {
      if (!isLockError(error) || Date.now() > deadline) throw error;
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULTS.port) },
      host: { type: 'string', default: DEFAULTS.host },
      path: { type: 'string', default: './.tracepoint/clickhouse' },
      password: { type: 'string' },
      'idle-ms': { type: 'string', default: '0' },
      store: { type: 'boolean', default: false },
      'parent-ipc': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a whole number from 0 to 65535, got ${values.port}`);
  }
  const idleMillis = Number(values['idle-ms']);
  if (!Number.isInteger(idleMillis) || idleMillis < 0) {
    throw new Error(`--idle-ms must be a whole number >= 0, got ${values['idle-ms']}`);
  }
  const server = await startWithLockWait(
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
  const cause = (err as { cause?: unknown })?.cause;
  const message = `${err instanceof Error ? err.message : String(err)}${
    cause instanceof Error ? ` (${cause.message.split('\n')[0]})` : ''
  }`;
  if (process.send !== undefined && process.connected) {
    process.send({ type: 'error', message: `the engine cannot start: ${message.split('\n')[0]}` }, () =>
      process.disconnect(),
    );
  }
  console.error(`clickhouse-local: ${message}`);
  console.error(usage);
  process.exitCode = 1;
});
