import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test-support/data-dir.js';

// What a user gets from `npm i @tracepoint/node` plus the OpenTelemetry packages they already
// use: the packed tarballs (`pnpm pack`, workspace:^ ranges replaced as for publishing) installed
// with npm into a fresh app outside the workspace, on this leg's OpenTelemetry line, then an app
// traced with `node --import @tracepoint/node/register` on the default store, read back with
// `npx tracepoint query`. Only @tracepoint/node is the app's dependency: the other tarballs stand
// in for the registry (npm overrides). Everything npm fetches is cached in the temp directory.
const root = resolve(import.meta.dirname, '../..');
const line = process.env.TRACEPOINT_OTEL_LINE ?? '2';
const work = tempDataDir(`packed-install-${line}`);
const packs = join(work.path, 'packs');
const app = join(work.path, 'app');
const cache = join(work.path, 'npm-cache');

/** The environment of npm and the app: the test's, without what pnpm and vitest set for their own children. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'NODE_PATH' || key === 'NODE_OPTIONS' || /^TRACEPOINT_/.test(key))
      continue;
    env[key] = value;
  }
  return { ...env, npm_config_cache: cache, npm_config_update_notifier: 'false', ...extra };
}

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  const child = spawn(command, [...args], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, out, err }));
  });
}

const tracepoint = (...args: string[]) => run('npx', ['--no', 'tracepoint', ...args]);

afterAll(async () => {
  if (existsSync(join(app, 'node_modules/.bin/tracepoint'))) await tracepoint('store', 'stop');
  work.remove();
});

/**
 * `pnpm pack` of every workspace package into `packs`, by the pnpm running this test when
 * there is one (`pnpm test`), else the repository's own (packageManager) through npx.
 * Returns the tarball of each package by name.
 */
function packAll(): Map<string, string> {
  mkdirSync(packs, { recursive: true });
  const execPath = process.env.npm_execpath;
  const manager = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { packageManager: string })
    .packageManager;
  const [command, prefix] =
    execPath !== undefined && /pnpm/.test(execPath)
      ? [process.execPath, [execPath]]
      : ['npx', ['-y', manager]];
  const tarballs = new Map<string, string>();
  for (const folder of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', folder);
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    const before = new Set(readdirSync(packs));
    execFileSync(command, [...prefix, 'pack', '--pack-destination', packs], {
      cwd: dir,
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const made = readdirSync(packs).filter((file) => !before.has(file));
    expect(made, `pnpm pack in ${folder}`).toHaveLength(1);
    tarballs.set(name, join(packs, made[0] as string));
  }
  return tarballs;
}

/** The app's OpenTelemetry packages: the versions this leg tests (legs/otel<line>/package.json). */
function otelDependencies(): Record<string, string> {
  const leg = JSON.parse(readFileSync(join(root, `legs/otel${line}/package.json`), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const names = [
    '@opentelemetry/api',
    '@opentelemetry/sdk-node',
    '@opentelemetry/auto-instrumentations-node',
  ];
  return Object.fromEntries(names.map((name) => [name, leg.dependencies[name] as string]));
}

const APP = `import http from 'node:http';
const server = http.createServer((_req, res) => res.end('ok'));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
console.log(await (await fetch(\`http://127.0.0.1:\${port}/hello\`)).text());
server.close();
`;

describe(`npm i @tracepoint/node from the packed tarballs (OpenTelemetry JS ${line}.x)`, () => {
  it('brings everything the default store needs; a traced app lands its spans; a broken install names the missing package', async () => {
    const tarballs = packAll();
    const node = tarballs.get('@tracepoint/node') as string;
    for (const file of tarballs.values()) {
      const manifest = execFileSync('tar', ['-xOzf', file, 'package/package.json'], { encoding: 'utf8' });
      expect(manifest, file).not.toContain('workspace:');
      // The built entry points are in it (a build running at the same time would leave them out).
      const files = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n');
      expect(files, file).toEqual(
        expect.arrayContaining(['package/dist/esm/index.js', 'package/dist/cjs/index.js']),
      );
    }
    mkdirSync(app, { recursive: true });
    const overrides = Object.fromEntries(
      [...tarballs]
        .filter(([name]) => name !== '@tracepoint/node')
        .map(([name, file]) => [name, `file:${file}`]),
    );
    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify(
        {
          name: 'packed-app',
          private: true,
          type: 'module',
          dependencies: { '@tracepoint/node': `file:${node}`, ...otelDependencies() },
          overrides,
        },
        null,
        2,
      )}\n`,
    );
    writeFileSync(join(app, 'app.mjs'), APP);

    const install = await run('npm', ['install', '--no-audit', '--no-fund']);
    expect(install.code, install.err).toBe(0);
    // The engine and its package came with @tracepoint/node, nobody asked for them.
    for (const name of ['@tracepoint/clickhouse-local', 'chdb', '@tracepoint/exporter-clickhouse'])
      expect(existsSync(join(app, 'node_modules', name, 'package.json')), name).toBe(true);

    const service = `packed-app-otel${line}`;
    const traced = await run(
      process.execPath,
      ['--import', '@tracepoint/node/register', 'app.mjs'],
      cleanEnv({
        OTEL_SERVICE_NAME: service,
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici',
        TRACEPOINT_STORE_IDLE_MS: '20000',
      }),
    );
    expect(traced.code, traced.err).toBe(0);
    expect(traced.out.trim()).toBe('ok');
    expect(traced.err).toBe('');

    const spans = await tracepoint(
      'query',
      'SELECT ServiceName, SpanKind, count() FROM otel_traces GROUP BY ALL ORDER BY ALL',
    );
    expect(spans.code, spans.out + spans.err).toBe(0);
    expect(spans.out.trim()).toBe(`${service}\tClient\t1\n${service}\tServer\t1`);

    // A broken install says which package is missing and the command that brings it back.
    expect((await tracepoint('store', 'stop')).code).toBe(0);
    const chdb = join(app, 'node_modules/chdb');
    renameSync(chdb, `${chdb}.aside`);
    const noChdb = await tracepoint('query', 'SELECT 1');
    renameSync(`${chdb}.aside`, chdb);
    expect(noChdb.code).toBe(1);
    expect(noChdb.out).toContain(
      'the chdb package (the ClickHouse engine) is not installed next to @tracepoint/clickhouse-local: run npm i chdb',
    );
    const local = join(app, 'node_modules/@tracepoint/clickhouse-local');
    renameSync(local, `${local}.aside`);
    const noLocal = await tracepoint('query', 'SELECT 1');
    renameSync(`${local}.aside`, local);
    expect(noLocal.code).toBe(1);
    expect(noLocal.out).toContain(
      'needs @tracepoint/clickhouse-local, which is not installed: run npm i @tracepoint/clickhouse-local',
    );
    expect(`${noChdb.out}${noLocal.out}`).not.toContain('optional packages');
  }, 600_000);
});
