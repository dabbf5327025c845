import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import {
  ensureStoreService,
  type PrivateServer,
  startPrivateServer,
  stopStoreService,
} from '../../clickhouse-local/src/store.js';

// A new user's first commands: `tracepoint dashboard`, `query` and `store status` in a folder
// with no data, or on a store nothing wrote to, say so and what to do, and create nothing; a
// store another process holds says who holds it. The real CLI (dist) on real store services and
// private engines over chDB.
const packageDir = new URL('..', import.meta.url).pathname;
const cli = join(packageDir, 'bin/tracepoint.mjs');
const work = tempDataDir('empty-store');
// The exit code for "no tracepoint data there yet" (NO_DATA_EXIT_CODE), as `tracepoint --help` documents it.
const NO_DATA_EXIT_CODE = 4;
const stores: string[] = [];
afterAll(async () => {
  for (const store of stores) await stopStoreService(store).catch(() => undefined);
  work.remove();
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function tracepoint(args: readonly string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, TRACEPOINT_STORE_IDLE_MS: '8000' };
  delete env.NODE_PATH;
  delete env.TRACEPOINT_CLICKHOUSE_URL;
  delete env.TRACEPOINT_CLICKHOUSE_DATABASE;
  const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((done) => child.once('close', (code) => done({ code, out, err })));
}

const NEXT_STEP =
  /run a traced app first \(node --import @tracepoint\/node\/register app\.mjs writes to \.\/\.tracepoint\/clickhouse .*\), or pass --url /;

describe('a folder with no tracepoint data', () => {
  it('tracepoint --help documents the exit code', async () => {
    const help = await tracepoint(['--help'], work.path);
    expect(help.out).toContain(`${NO_DATA_EXIT_CODE} no tracepoint data at the`);
    expect(help.out).toContain(`${NO_DATA_EXIT_CODE} when the directory does not exist`);
  });

  const folder = join(work.path, 'new-project');
  mkdirSync(folder);
  const store = join(folder, '.tracepoint/clickhouse');

  it.each([
    ['dashboard', ['dashboard']],
    ['query', ['query', 'SELECT count() FROM otel_traces']],
    ['store status', ['store', 'status']],
    ['query --url chdb:<dir>', ['query', 'SELECT 1', '--url', 'chdb:./.tracepoint/clickhouse']],
    ['query --url <dir>', ['query', 'SELECT 1', '--url', './.tracepoint/clickhouse']],
  ])(
    'tracepoint %s says there is no data yet and what to do, exits 4, and creates no .tracepoint/',
    async (_name, args) => {
      const result = await tracepoint(args, folder);
      expect(result.code).toBe(NO_DATA_EXIT_CODE);
      expect(result.err).toBe('');
      expect(result.out).toContain(
        `no tracepoint data in ${store} yet (no such directory; it was not created)`,
      );
      expect(result.out).toMatch(NEXT_STEP);
      expect(result.out).not.toMatch(/Unknown table|UNKNOWN_TABLE/);
      expect(existsSync(join(folder, '.tracepoint'))).toBe(false);
      expect(readdirSync(folder)).toEqual([]);
    },
  );
});

describe('a store that exists but has no tables', () => {
  const store = join(work.path, 'empty-store');
  mkdirSync(store);
  stores.push(store);

  it.each([
    ['dashboard', ['dashboard', '--url', store]],
    ['query', ['query', 'SELECT count() FROM otel_traces', '--url', store]],
    ['dashboard of another database', ['dashboard', '--url', store, '--database', 'nothing_here']],
  ])(
    'tracepoint %s says the same, naming the database, and exits 4',
    async (name, args) => {
      const result = await tracepoint(args, work.path);
      expect(result.code, result.out).toBe(NO_DATA_EXIT_CODE);
      const database = name.includes('another') ? 'nothing_here' : 'default';
      expect(result.out).toContain(
        `no tracepoint data in ${store} yet (database ${database} has no otel_traces, trace_points or trace_point_stats table)`,
      );
      expect(result.out).toMatch(NEXT_STEP);
    },
    60_000,
  );

  it('other ClickHouse errors pass through unchanged, with exit code 1', async () => {
    const result = await tracepoint(['query', 'SELECT no_such_column', '--url', store], work.path);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^tracepoint query: .*no_such_column/);
    expect(result.out).not.toContain('no tracepoint data');
  }, 60_000);
});

describe('a store another process holds', () => {
  it('a private chdb: engine holds it: both ways of reading name the holder and its app, not a missing package', async () => {
    const store = join(work.path, 'held-by-private-engine');
    const holder: PrivateServer = await startPrivateServer(store);
    stores.push(store);
    try {
      for (const url of [store, `chdb:${store}`]) {
        const result = await tracepoint(['dashboard', '--url', url], work.path);
        expect(result.code, result.out).toBe(1);
        expect(result.out).toContain(
          `the store directory ${store} is in use by process ${holder.pid}, the private chdb: engine of process ${process.pid}`,
        );
        expect(result.out).toContain(`stop process ${process.pid}, or use another directory`);
        expect(result.out).not.toMatch(/optional packages|npm i|Usage:|--parent-ipc {3}report/);
      }
    } finally {
      await holder.close();
    }
  }, 120_000);

  it('the store service holds it: chdb:<dir> is told to read through the service', async () => {
    const store = join(work.path, 'held-by-service');
    const service = await ensureStoreService(store);
    stores.push(store);
    const result = await tracepoint(['query', 'SELECT 1', '--url', `chdb:${store}`], work.path);
    expect(result.code, result.out).toBe(1);
    expect(result.out).toContain(
      `is in use by process ${service.pid}, the tracepoint store service, which holds its engine lock`,
    );
    expect(result.out).toContain(`use the directory itself as the URL (--url ${store}, not chdb:${store})`);
    const through = await tracepoint(['query', 'SELECT 1', '--url', store], work.path);
    expect(through.out.trim()).toBe('1');
  }, 120_000);
});
