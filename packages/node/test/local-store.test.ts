import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { legDir } from '../../../test-support/child-process.js';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { expectReadmeStatesDefaults } from '../../../test-support/readme-options.js';
import {
  discoveryFile,
  ensureStoreService,
  STORE_SERVICE_DEFAULTS,
  stopStoreService,
  storeServiceStatus,
} from '../../clickhouse-local/src/store.js';

// The engine never runs in the traced app: with nothing configured it is the store service
// (a detached process on ./.tracepoint/clickhouse shared by every app and the CLI), with
// chdb:<path> a private child process. Real apps traced by the add-on, real chDB.
const packageDir = new URL('..', import.meta.url).pathname;
const cli = join(packageDir, 'bin/tracepoint.mjs');
const app = join(packageDir, 'test/fixtures/store-app.mjs');
const work = tempDataDir('node-local-store');
// Every service a test starts stops by itself soon after the test.
// Long enough that a CLI started on a busy machine still finds the service the step before used.
const IDLE = '8000';

afterAll(async () => {
  await stopStoreService(join(work.path, '.tracepoint/clickhouse')).catch(() => undefined);
  work.remove();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** A node process in `cwd`; `onLine` sees its stdout lines as they come. */
function run(
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
  onLine: (line: string) => void = () => undefined,
): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TRACEPOINT_RESOLVE_FROM: legDir(),
    TRACEPOINT_STORE_IDLE_MS: IDLE,
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
    ...env,
  };
  delete childEnv.NODE_PATH;
  delete childEnv.TRACEPOINT_CLICKHOUSE_URL;
  if (env.TRACEPOINT_CLICKHOUSE_URL !== undefined)
    childEnv.TRACEPOINT_CLICKHOUSE_URL = env.TRACEPOINT_CLICKHOUSE_URL;
  const child = spawn(process.execPath, [...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    out += `${line}\n`;
    onLine(line);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  // 'close': the child's pipes are closed too, so a leftover holder of them would show up as a hang.
  return new Promise((done) => child.once('close', (code, signal) => done({ code, signal, out, err })));
}

const traced = (
  service: string,
  cwd: string,
  env: Record<string, string> = {},
  onLine?: (line: string) => void,
) =>
  run(
    ['--import', join(packageDir, 'register.mjs'), app],
    cwd,
    { OTEL_SERVICE_NAME: service, ...env },
    onLine,
  );

async function query(sql: string, cwd: string, url?: string): Promise<string> {
  const result = await run([cli, 'query', sql, ...(url === undefined ? [] : ['--url', url])], cwd, {});
  expect(result.err).toBe('');
  expect(result.code, result.out).toBe(0);
  return result.out.trim();
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('the default store: the store service on ./.tracepoint/clickhouse', () => {
  const cwd = work.path;
  const store = join(cwd, '.tracepoint/clickhouse');

  it('two traced apps and tracepoint dashboard at once share one service; every span lands', async () => {
    let appsDone = false;
    // The dashboard runs while the apps do, again until the apps' first export has created the tables.
    const dashboardWhileAppsRun = async (): Promise<Run[]> => {
      const runs: Run[] = [];
      do runs.push(await run([cli, 'dashboard', '--only', 'service-map'], cwd, {}));
      while ((runs.at(-1) as Run).code !== 0 && !appsDone);
      return runs;
    };
    const apps = Promise.all([
      traced('store-a', cwd, { STORE_APP_REQUESTS: '5' }),
      traced('store-b', cwd, { STORE_APP_REQUESTS: '5' }),
    ]).finally(() => {
      appsDone = true;
    });
    const [[a, b], dashboards] = await Promise.all([apps, dashboardWhileAppsRun()]);
    const dashboard = dashboards.at(-1) as Run;
    expect(dashboard.code, dashboard.out).toBe(0);
    for (const result of [a, b]) {
      expect(result.code, result.err).toBe(0);
      expect(result.out).toContain('{"chdbMapped":false}');
      expect(result.err).not.toContain('tracepoint:');
    }
    expect(dashboard.out).toContain('tracepoint store service on ./.tracepoint/clickhouse');
    const status = await storeServiceStatus(store);
    expect(status.state).toBe('running');
    // One server span and one client span per request, from both apps.
    expect(
      await query(`SELECT ServiceName, SpanKind, count() FROM otel_traces GROUP BY ALL ORDER BY ALL`, cwd),
    ).toBe(
      ['store-a\tClient\t5', 'store-a\tServer\t5', 'store-b\tClient\t5', 'store-b\tServer\t5'].join('\n'),
    );
    const shown = await run([cli, 'store', 'status'], cwd, {});
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`running  pid ${status.info?.pid}`);
    // The dashboard, the apps and the query all used the one service.
    expect((await storeServiceStatus(store)).info?.pid).toBe(status.info?.pid);
  }, 120_000);

  it('a killed service is replaced, and an app whose service was killed mid-run still lands its spans', async () => {
    const before = await ensureStoreService(store);
    let phaseOne!: () => void;
    const reachedOne = new Promise<void>((done) => {
      phaseOne = done;
    });
    const go = join(cwd, 'go');
    const running = traced(
      'store-killed',
      cwd,
      { STORE_APP_REQUESTS: '4', STORE_APP_GO_FILE: go },
      (line) => {
        if (line.includes('"phase":1')) phaseOne();
      },
    );
    await reachedOne;
    await until(
      'the first phase in the store',
      async () =>
        (await query(`SELECT count() FROM otel_traces WHERE ServiceName = 'store-killed'`, cwd)) === '8',
    );
    const victim = (await storeServiceStatus(store)).info?.pid as number;
    process.kill(victim, 'SIGKILL');
    await until('the service to die', async () => (await storeServiceStatus(store)).state !== 'running');
    // The killed service's discovery file stays behind: stale.
    expect(existsSync(discoveryFile(store))).toBe(true);
    expect((await run([cli, 'store', 'status'], cwd, {})).code).toBe(3);
    writeFileSync(go, '');
    const result = await running;
    expect(result.code, result.err).toBe(0);
    expect(
      await query(
        `SELECT count() FROM otel_traces WHERE ServiceName = 'store-killed' AND SpanName LIKE '%two%'`,
        cwd,
      ),
    ).toBe('4');
    const after = await storeServiceStatus(store);
    expect(after.state).toBe('running');
    expect(after.info?.pid).not.toBe(before.pid);
    expect(after.info?.pid).not.toBe(victim);
  }, 120_000);

  it('stops itself after TRACEPOINT_STORE_IDLE_MS without requests and removes its discovery file', async () => {
    await stopStoreService(store);
    const service = await ensureStoreService(store, { idleMillis: 500 });
    expect(service.started).toBe(true);
    // Watched without requests (a status check is one: it asks the service SELECT 1).
    await until('the idle stop', async () => !existsSync(discoveryFile(store)));
    await until('the process to exit', async () => {
      try {
        process.kill(service.pid, 0);
        return false;
      } catch {
        return true;
      }
    });
    expect((await storeServiceStatus(store)).state).toBe('stopped');
  }, 60_000);

  it('tracepoint store stop stops it; the next query starts it again', async () => {
    await ensureStoreService(store);
    const stopped = await run([cli, 'store', 'stop'], cwd, {});
    expect(stopped.out).toMatch(/stopped pid \d+/);
    expect((await storeServiceStatus(store)).state).toBe('stopped');
    expect(await query('SELECT count() > 0 FROM otel_traces', cwd)).toBe('1');
    const bad = await run([cli, 'query', 'SELECT nope FROM nowhere'], cwd, {});
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^tracepoint query: .*UNKNOWN_TABLE|^tracepoint query: .*nowhere/m);
  }, 60_000);

  it('a bare directory in TRACEPOINT_CLICKHOUSE_URL is the store service on it, shared like the default', async () => {
    const dir = join(work.path, 'shared');
    const results = await Promise.all(
      ['one', 'two', 'three'].map((name) =>
        traced(`dir-${name}`, work.path, { TRACEPOINT_CLICKHOUSE_URL: dir, STORE_APP_REQUESTS: '2' }),
      ),
    );
    for (const result of results) expect(result.code, result.err).toBe(0);
    expect(
      await query('SELECT ServiceName, count() FROM otel_traces GROUP BY ALL ORDER BY ALL', cwd, dir),
    ).toBe('dir-one\t4\ndir-three\t4\ndir-two\t4');
    await stopStoreService(dir);
  }, 120_000);
});

describe('chdb:<path>: a private engine in a child process', () => {
  it('spans land, the app exits 0 with chDB never loaded in it, and the engine exits with the app', async () => {
    const dir = join(work.path, 'private');
    const result = await traced('private-app', work.path, {
      TRACEPOINT_CLICKHOUSE_URL: `chdb:${dir}`,
      STORE_APP_REQUESTS: '3',
    });
    expect(result.signal).toBe(null);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toContain('{"chdbMapped":false}');
    expect(result.err).not.toContain('tracepoint:');
    // Another process can open the directory now: the private engine went with the app.
    expect(
      await query(
        'SELECT SpanKind, count() FROM otel_traces GROUP BY ALL ORDER BY ALL',
        work.path,
        `chdb:${dir}`,
      ),
    ).toBe('Client\t3\nServer\t3');
    expect(existsSync(discoveryFile(dir))).toBe(false);
  }, 120_000);
});

describe('README', () => {
  it('the store service table states the defaults the code uses', () => {
    expectReadmeStatesDefaults(
      new URL('../../clickhouse-local/README.md', import.meta.url),
      STORE_SERVICE_DEFAULTS,
    );
  });
});
