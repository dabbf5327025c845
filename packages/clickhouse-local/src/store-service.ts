import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  processAlive,
  readDiscovery,
  removeStaleDiscovery,
  STORE_FILES,
  type StoreServiceInfo,
  tryStartLock,
} from './store-discovery.js';

// This module never imports chdb (nor anything that does): it runs inside apps,
// and the engine runs in the processes it starts.

/** Defaults of the store service; the README table is checked against them. */
export const STORE_SERVICE_DEFAULTS = {
  /** The store directory when nothing else is configured. */
  path: './.tracepoint/clickhouse',
  /** The service stops itself after this long without requests (TRACEPOINT_STORE_IDLE_MS). */
  idleMillis: 300_000,
  /** How long a start may take, waiting for another starter or for the engine included. */
  startTimeoutMillis: 60_000,
  /** After a failed start, this process tries again no sooner than this; the wait doubles per failure. */
  startRetryMinMillis: 1_000,
  /** The longest wait between start attempts of one process. */
  startRetryMaxMillis: 60_000,
} as const;

/**
 * Failed starts by store path, in this process. An exporter asks for the
 * service after every failed insert (its retries and each new batch); without
 * this, a store that cannot start (disk full, a broken install) would spawn a
 * chDB engine per export. Until `retryAt`, the last error is thrown again at once.
 */
const failedStarts = new Map<string, { retryAt: number; waitMillis: number; error: StoreServiceError }>();

export const STORE_IDLE_ENV = 'TRACEPOINT_STORE_IDLE_MS';

export interface StoreServiceOptions {
  /** Idle time before the service stops itself; default TRACEPOINT_STORE_IDLE_MS, else 5 min. */
  idleMillis?: number;
  startTimeoutMillis?: number;
  env?: NodeJS.ProcessEnv;
}

export class StoreServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreServiceError';
  }
}

/** The file of this module, from the stack: the same source builds as ES module and CommonJS. */
function ownFile(): string {
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    const name = frames[0]?.getFileName() ?? '';
    return name.startsWith('file:') ? fileURLToPath(name) : name;
  } finally {
    Error.prepareStackTrace = original;
  }
}

/** The clickhouse-local bin beside this module (from sources, as in tests: the built one). */
export function serviceBinPath(): string {
  const here = dirname(ownFile());
  const beside = join(here, 'bin.js');
  if (existsSync(beside)) return beside;
  return resolve(here, '../dist/esm/bin.js');
}

/** The environment of a child engine: without NODE_OPTIONS, so an app's `--import` hooks (tracing) do not load in it. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = { ...env, TZ: 'UTC' };
  delete copy.NODE_OPTIONS;
  delete copy.NODE_PATH;
  return copy;
}

function idleFrom(options: StoreServiceOptions): number {
  if (options.idleMillis !== undefined) return options.idleMillis;
  const text = (options.env ?? process.env)[STORE_IDLE_ENV]?.trim();
  if (text === undefined || text === '') return STORE_SERVICE_DEFAULTS.idleMillis;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new StoreServiceError(`${STORE_IDLE_ENV} must be a whole number of milliseconds >= 1, got ${text}`);
  }
  return value;
}

const sleep = (millis: number) => new Promise<void>((done) => setTimeout(done, millis));

/** True when `SELECT 1` answers at url within timeoutMillis. Never rejects. */
export function storeAnswers(url: string, timeoutMillis = 2_000): Promise<boolean> {
  return new Promise((done) => {
    const req = request(`${url}/?query=SELECT%201`, { method: 'GET', timeout: timeoutMillis }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => done(res.statusCode === 200 && body.trim() === '1'));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(false));
    req.end();
  });
}

/** The running service on `dir`, if its discovery file names a live process that answers. */
export async function findStoreService(dir: string): Promise<StoreServiceInfo | undefined> {
  const info = await readDiscovery(resolve(dir));
  if (info === undefined || !processAlive(info.pid)) return undefined;
  return (await storeAnswers(info.url)) ? info : undefined;
}

/**
 * Why the service exited, from its log: the one line its bin prints for a
 * failed start (`clickhouse-local: <cause and next step>`), else the last lines
 * (the engine's own output, or a crash).
 */
async function logTail(dir: string): Promise<string> {
  const text = await readFile(join(dir, STORE_FILES.log), 'utf8').catch(() => '');
  const lines = text.trim().split('\n').filter(Boolean);
  const diagnosis = lines.filter((line) => line.startsWith('clickhouse-local: ')).at(-1);
  if (diagnosis !== undefined) return diagnosis.slice('clickhouse-local: '.length);
  return lines.slice(-3).join(' | ');
}

/**
 * The store service on `dir`: the running one, or one started now. Several
 * processes calling this at once end up on one service: the start lock lets
 * one of them spawn it, the others wait for its discovery file. A discovery
 * file left by a killed service is detected (its pid is gone or nothing
 * answers) and replaced. Async all along; rejects with a StoreServiceError
 * that says what to do.
 */
export async function ensureStoreService(
  dir: string,
  options: StoreServiceOptions = {},
): Promise<StoreServiceInfo & { started: boolean }> {
  const path = resolve(dir);
  const idleMillis = idleFrom(options);
  const timeout = options.startTimeoutMillis ?? STORE_SERVICE_DEFAULTS.startTimeoutMillis;
  const deadline = Date.now() + timeout;
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new StoreServiceError(`cannot create the store directory ${path}: ${(error as Error).message}`);
  }
  for (;;) {
    const found = await findStoreService(path);
    if (found !== undefined) {
      failedStarts.delete(path);
      return { ...found, started: false };
    }
    const failed = failedStarts.get(path);
    if (failed !== undefined && Date.now() < failed.retryAt) throw failed.error;
    const release = await tryStartLock(path, timeout);
    if (release !== undefined) {
      try {
        // Checked again under the lock: another starter may have finished meanwhile.
        const again = await readDiscovery(path);
        if (again !== undefined) {
          if (processAlive(again.pid) && (await storeAnswers(again.url))) return { ...again, started: false };
          await removeStaleDiscovery(path, again);
        }
        let info: StoreServiceInfo;
        try {
          info = await spawnService(path, idleMillis, deadline, options.env ?? process.env);
        } catch (error) {
          throw rememberFailedStart(path, error);
        }
        failedStarts.delete(path);
        return { ...info, started: true };
      } finally {
        await release();
      }
    }
    if (Date.now() > deadline) {
      throw new StoreServiceError(
        `the store service on ${path} did not start within ${timeout} ms (another process holds ${join(path, STORE_FILES.lock)}; remove it if no tracepoint process is starting)`,
      );
    }
    await sleep(100);
  }
}

function rememberFailedStart(path: string, error: unknown): StoreServiceError {
  const previous = failedStarts.get(path);
  const waitMillis =
    previous === undefined
      ? STORE_SERVICE_DEFAULTS.startRetryMinMillis
      : Math.min(previous.waitMillis * 2, STORE_SERVICE_DEFAULTS.startRetryMaxMillis);
  const message = error instanceof Error ? error.message : String(error);
  const remembered = new StoreServiceError(
    `${message} (this process tries again in ${Math.round(waitMillis / 1000)} s)`,
  );
  failedStarts.set(path, { retryAt: Date.now() + waitMillis, waitMillis, error: remembered });
  return remembered;
}

async function spawnService(
  path: string,
  idleMillis: number,
  deadline: number,
  env: NodeJS.ProcessEnv,
): Promise<StoreServiceInfo> {
  // The service's output goes to a file in the store: it holds none of the starter's pipes,
  // so a CI step or a test runner waiting for its children's output never waits for it.
  const log = await open(join(path, STORE_FILES.log), 'w');
  let child: ChildProcess;
  try {
    child = spawn(
      process.execPath,
      [serviceBinPath(), '--store', '--path', path, '--port', '0', '--idle-ms', String(idleMillis)],
      { cwd: path, detached: true, stdio: ['ignore', log.fd, log.fd], env: childEnv(env) },
    );
  } finally {
    await log.close();
  }
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal ?? `code ${code}`;
  });
  child.once('error', (error) => {
    exit = error.message;
  });
  child.unref();
  const pid = child.pid;
  for (;;) {
    const info = await readDiscovery(path);
    if (info !== undefined && info.pid === pid && (await storeAnswers(info.url))) return info;
    if (exit !== undefined) {
      const tail = await logTail(path);
      throw new StoreServiceError(
        `the store service on ${path} cannot start (it exited, ${exit})${tail ? `: ${tail}` : ''}; its log: ${join(path, STORE_FILES.log)}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new StoreServiceError(
        `the store service on ${path} was not ready in time; see ${join(path, STORE_FILES.log)}`,
      );
    }
    await sleep(50);
  }
}

export interface StoreServiceStatus {
  path: string;
  /** running: answers; stale: a discovery file whose service is gone or does not answer; stopped: none. */
  state: 'running' | 'stale' | 'stopped';
  info?: StoreServiceInfo;
}

export async function storeServiceStatus(dir: string): Promise<StoreServiceStatus> {
  const path = resolve(dir);
  const info = await readDiscovery(path);
  if (info === undefined) return { path, state: 'stopped' };
  const running = processAlive(info.pid) && (await storeAnswers(info.url));
  return { path, state: running ? 'running' : 'stale', info };
}

/**
 * Stops the service on `dir` (SIGTERM: it finishes running requests, closes the
 * engine and removes its discovery file) and waits until it is gone. Resolves
 * with what was stopped, or undefined when nothing ran; a stale discovery file is removed.
 */
export async function stopStoreService(
  dir: string,
  timeoutMillis = 30_000,
): Promise<StoreServiceInfo | undefined> {
  const path = resolve(dir);
  const info = await readDiscovery(path);
  if (info === undefined) return undefined;
  if (!processAlive(info.pid)) {
    await removeStaleDiscovery(path, info);
    return undefined;
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMillis;
  while (processAlive(info.pid)) {
    if (Date.now() > deadline) {
      process.kill(info.pid, 'SIGKILL');
      await sleep(100);
      break;
    }
    await sleep(50);
  }
  await removeStaleDiscovery(path, info);
  return info;
}

/** A ClickHouse HTTP server over chDB in a child process bound to this one. */
export interface PrivateServer {
  readonly url: string;
  readonly pid: number;
  /** False once the child has exited. */
  alive(): boolean;
  /** Stops the child (SIGTERM, SIGKILL after timeoutMillis) and waits for it to exit. */
  close(timeoutMillis?: number): Promise<void>;
}

interface ReadyMessage {
  type: 'ready' | 'error';
  url?: string;
  message?: string;
}

/**
 * The engine on `dir` in a child process that only this process talks to: it
 * exits when this process goes away (its IPC channel closes, even on SIGKILL)
 * or at close(). Once ready, neither the child nor its channel keeps this
 * process's event loop alive.
 */
export async function startPrivateServer(
  dir: string,
  options: { env?: NodeJS.ProcessEnv; startTimeoutMillis?: number } = {},
): Promise<PrivateServer> {
  const path = resolve(dir);
  const timeout = options.startTimeoutMillis ?? STORE_SERVICE_DEFAULTS.startTimeoutMillis;
  const child = spawn(process.execPath, [serviceBinPath(), '--parent-ipc', '--path', path, '--port', '0'], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: childEnv(options.env ?? process.env),
  });
  let exited = false;
  const exit = new Promise<void>((done) => {
    child.once('exit', () => {
      exited = true;
      done();
    });
    child.once('error', () => {
      exited = true;
      done();
    });
  });
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new StoreServiceError(`the engine on ${path} did not start within ${timeout} ms`));
    }, timeout);
    child.on('message', (message: ReadyMessage) => {
      clearTimeout(timer);
      if (message.type === 'ready' && typeof message.url === 'string') done(message.url);
      else fail(new StoreServiceError(message.message ?? `the engine on ${path} cannot start`));
    });
    void exit.then(() => {
      clearTimeout(timer);
      fail(new StoreServiceError(`the engine on ${path} exited before it was ready`));
    });
  });
  child.unref();
  child.channel?.unref();
  let closing: Promise<void> | undefined;
  return {
    url,
    pid: child.pid as number,
    alive: () => !exited,
    close(timeoutMillis = 30_000) {
      closing ??= (async () => {
        if (exited) return;
        // Held while closing, so a script that reads the directory after shutdown finds it released.
        child.ref();
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
        await exit;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
