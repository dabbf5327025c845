import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The local ClickHouse HTTP server (chDB behind ClickHouse's HTTP interface) in its own process,
 * on `port` (default: a free one) over the data directory `path`; resolves when it prints its URL.
 * `stop` ends it with SIGTERM, `kill` with SIGKILL (the fault benchmark's outage).
 */
export async function startLocalClickHouseServer(path, port = 0) {
  const bin = fileURLToPath(new URL('./bin.js', import.meta.resolve('@tracepoint/clickhouse-local')));
  const child = fork(bin, ['--port', String(port), '--path', path], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /HTTP interface: (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`clickhouse-local exited with ${code}`)));
  });
  const end = (signal) => async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  return { child, url, stop: end('SIGTERM'), kill: end('SIGKILL') };
}

/**
 * A port below the kernel's ephemeral range that is free now, for a server killed and started
 * again on the same port while the app keeps its URL: no port-0 server elsewhere can take it meanwhile.
 */
export async function fixedFreePort() {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
