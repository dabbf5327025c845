#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DEFAULTS, startLocalHttpServer } from './http-server.js';

const usage = `Usage: clickhouse-local [--port ${DEFAULTS.port}] [--host ${DEFAULTS.host}] [--path ./.tracepoint/clickhouse] [--password SECRET]

Serves ClickHouse's HTTP interface over the embedded engine (chDB) on a data directory,
so any ClickHouse HTTP tool can query local trace data.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: String(DEFAULTS.port) },
      host: { type: 'string', default: DEFAULTS.host },
      path: { type: 'string', default: './.tracepoint/clickhouse' },
      password: { type: 'string' },
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
  const server = await startLocalHttpServer({
    path: values.path,
    port,
    host: values.host,
    ...(values.password !== undefined ? { password: values.password } : {}),
  });
  const version = await server.engine.version();
  console.log(`ClickHouse ${version} (chDB) on ${server.engine.path}`);
  console.log(`HTTP interface: ${server.url}  (try: curl '${server.url}/?query=SELECT%20version()')`);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`clickhouse-local: ${err instanceof Error ? err.message : String(err)}`);
  console.error(usage);
  process.exitCode = 1;
});
