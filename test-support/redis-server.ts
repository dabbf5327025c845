import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.js';

/**
 * A real Redis server for tests, from Debian's packages. Nothing is installed
 * system-wide: the .debs are fetched with `apt-get download` and unpacked into
 * `.cache/debian/redis` in the repository (no root, no dpkg lock), once.
 */
const REPO_ROOT = resolve(import.meta.dirname, '..');
const CACHE_DIR = join(REPO_ROOT, '.cache/debian/redis');
const PACKAGES = ['redis-server', 'redis-tools', 'libjemalloc2', 'liblzf1'];

function onPath(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function download(into: string): void {
  const run = () => execFileSync('apt-get', ['download', ...PACKAGES], { cwd: into, stdio: 'pipe' });
  try {
    run();
  } catch (first) {
    // A fresh machine may have no package lists yet; only root can fetch them.
    if (process.getuid?.() !== 0) {
      throw new Error(
        `could not download Redis from Debian (${String(first)}); run apt-get update as root, or install redis-server`,
      );
    }
    execFileSync('apt-get', ['update'], { stdio: 'pipe' });
    run();
  }
}

/** Path to a redis-server binary and the library path it needs. */
export function ensureRedisServer(): { binary: string; libraryPath: string | undefined } {
  const cached = join(CACHE_DIR, 'usr/bin/redis-server');
  if (existsSync(cached)) return { binary: cached, libraryPath: join(CACHE_DIR, 'usr/lib/x86_64-linux-gnu') };
  const system = onPath('redis-server');
  if (system !== undefined) return { binary: system, libraryPath: undefined };
  const work = mkdtempSync(join(tmpdir(), 'tracepoint-redis-'));
  try {
    download(work);
    const unpacked = join(work, 'root');
    for (const deb of readdirSync(work).filter((name) => name.endsWith('.deb'))) {
      execFileSync('dpkg-deb', ['-x', join(work, deb), unpacked]);
    }
    mkdirSync(join(CACHE_DIR, '..'), { recursive: true });
    // Rename is atomic: a parallel test run sees either nothing or a complete tree.
    if (!existsSync(CACHE_DIR)) renameSync(unpacked, CACHE_DIR);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { binary: cached, libraryPath: join(CACHE_DIR, 'usr/lib/x86_64-linux-gnu') };
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
