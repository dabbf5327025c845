import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

const bin = new URL('../packages/clickhouse-local/dist/esm/bin.js', import.meta.url).pathname;

/**
 * A port below the kernel's ephemeral range, free now: no server on port 0 elsewhere in the run can
 * take it while a killed server restarts on it.
 */
export async function fixedFreePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** The local ClickHouse HTTP server in a child process on `port` over `path`, to kill and start again. */
export function startServerProcess(port: number, path: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const started = spawn(process.execPath, [bin, '--port', String(port), '--path', path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.stdout.once('data', () => resolve(started));
    started.once('exit', (code) => reject(new Error(`clickhouse-local exited with ${code}`)));
  });
}
