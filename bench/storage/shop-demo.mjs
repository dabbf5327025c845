// The storage benchmark's traffic: the shop demo (examples/shop/demo.mjs) as a child process.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');

/** Runs the shop demo on `dataDir`; resolves with the requests it reports once it exited with 0. */
export function runShopDemo({ dataDir, pageFile, loadSeconds }) {
  const env = {
    ...process.env,
    TRACEPOINT_DATA_DIR: dataDir,
    SHOP_LOAD_SECONDS: String(loadSeconds),
    SHOP_PAGE: pageFile,
  };
  // The embedded engine on dataDir, not a server the caller's environment may name.
  delete env.TRACEPOINT_CLICKHOUSE_URL;
  const child = spawn(process.execPath, [join(repoRoot, 'examples/shop/demo.mjs')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const limitMs = (loadSeconds + 240) * 1000;
  return new Promise((done, reject) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), limitMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(
          new Error(`shop demo exited with ${signal ?? code}:\n${output.split('\n').slice(-30).join('\n')}`),
        );
        return;
      }
      const load = /load done: (\d+) requests \(([^)]*)\)/.exec(output);
      done({ requests: load ? Number(load[1]) : undefined, statuses: load?.[2] });
    });
  });
}
