import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { debianCacheDir, unpackDebianPackages } from './debian-packages.js';
import { freePort } from './free-port.js';

/** A real Redis server for tests, from Debian's packages (see `unpackDebianPackages`). */
const PACKAGES = ['redis-server', 'redis-tools', 'libjemalloc2', 'liblzf1'];

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Path to a redis-server binary and the library path it needs. */
export function ensureRedisServer(): { binary: string; libraryPath: string | undefined } {
  const cacheDir = debianCacheDir('redis');
  const cached = join(cacheDir, 'usr/bin/redis-server');
  if (!existsSync(cached)) {
    const system = onPath('redis-server');
    if (system !== undefined) return { binary: system, libraryPath: undefined };
    unpackDebianPackages({
      name: 'redis',
      label: 'Redis',
      packages: PACKAGES,
      marker: 'usr/bin/redis-server',
    });
  }
  return { binary: cached, libraryPath: join(cacheDir, 'usr/lib/x86_64-linux-gnu') };
}

export interface RunningRedis {
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts an in-memory Redis on a free loopback port; resolves once it accepts connections. */
export async function startRedis(): Promise<RunningRedis> {
  const { binary, libraryPath } = ensureRedisServer();
  const port = await freePort();
  const env = { ...process.env };
  if (libraryPath !== undefined) env.LD_LIBRARY_PATH = libraryPath;
  const child: ChildProcess = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((ready, fail) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        ready();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
  return {
    port,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done();
        child.removeAllListeners('exit');
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}
