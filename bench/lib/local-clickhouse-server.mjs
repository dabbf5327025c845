import { fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The local ClickHouse HTTP server (chDB behind ClickHouse's HTTP interface) in its own process,
 * on a free port over the data directory `path`; resolves when it prints its URL.
 */
export async function startLocalClickHouseServer(path) {
  const bin = fileURLToPath(new URL('./bin.js', import.meta.resolve('@tracepoint/clickhouse-local')));
  const child = fork(bin, ['--port', '0', '--path', path], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /HTTP interface: (http:\/\/\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`clickhouse-local exited with ${code}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, url, stop };
}
