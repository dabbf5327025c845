// The fixed-rate half of the app-overhead benchmark: each configuration started the way a user
// starts it (`node --require`/`--import` a register before the app), driven by an open-loop
// generator at a fixed rate in its own process, interleaved round by round; app CPU per request,
// p50/p99 latency from the due time, peak RSS, and the spans that reached the destination. After
// the rounds, one more run of the add-on to the ClickHouse HTTP server is profiled under the same
// load for the per-span account.
import { fork, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOpenLoop } from '../lib/open-loop-load.mjs';
import { processCpuMicros } from '../lib/process-cpu.mjs';
import { profileAccount } from './profile-account.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const bench = resolve(here, '..');
// The app's OpenTelemetry install (sdk-node, auto-instrumentations-node, OTLP exporter): the
// examples' dependencies, which the add-on's register, the stock register and the floor share.
const otelFrom = resolve(bench, '..', 'examples');
const fromOtel = createRequire(join(otelFrom, 'package.json'));

/** Spans per request the app makes: the server span, three internal spans, the outgoing call. */
export const SPANS_PER_REQUEST = 5;

/** The fixed-rate configurations; `start(ctx)` gives node's arguments, env and working directory. */
export const FIXED_CONFIGS = [
  { id: 'untraced', label: 'no tracing', start: () => ({ env: { BENCH_CONFIG: 'none' } }) },
  {
    id: 'stock',
    label: 'stock: auto-instrumentations-node/register + OTLP/HTTP (protobuf) to a local sink',
    start: (ctx) => ({
      args: ['--require', fromOtel.resolve('@opentelemetry/auto-instrumentations-node/register')],
      env: {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${ctx.downstreamUrl}/v1/traces`,
      },
    }),
  },
  {
    id: 'floor',
    label: 'SDK floor: the same SDK and auto-instrumentations + no-op exporter',
    start: (ctx) => ({
      args: ['--require', join(here, 'floor-register.cjs')],
      env: { BENCH_OTEL_FROM: otelFrom, BENCH_SPAN_COUNT_FILE: join(ctx.dir, 'spans') },
    }),
  },
  {
    id: 'http',
    label: 'tracepoint add-on (`--import @tracepoint/node/register`) to the local ClickHouse HTTP server',
    start: (ctx) => ({ args: addon(), env: { TRACEPOINT_CLICKHOUSE_URL: ctx.clickhouseUrl } }),
  },
  {
    // Reported, not a target: the stock register and the floor install no ES module loader, and on
    // Node.js 20 the add-on's (module.register's hooks thread, a second isolate) is most of its RSS.
    id: 'http-no-esm-hook',
    label:
      'tracepoint add-on to the local ClickHouse HTTP server, `TRACEPOINT_ESM_HOOK=off` (no ES module loader, like stock)',
    start: (ctx) => ({
      args: addon(),
      env: { TRACEPOINT_CLICKHOUSE_URL: ctx.clickhouseUrl, TRACEPOINT_ESM_HOOK: 'off' },
    }),
  },
  {
    id: 'default',
    label: 'tracepoint add-on, nothing configured (the default store, ./.tracepoint/clickhouse)',
    start: () => ({ args: addon(), env: {} }),
  },
  {
    id: 'chdb',
    label: 'tracepoint add-on to `chdb:<path>`',
    start: (ctx) => ({ args: addon(), env: { TRACEPOINT_CLICKHOUSE_URL: `chdb:${join(ctx.dir, 'chdb')}` } }),
  },
];

export const addon = () => ['--import', fileURLToPath(import.meta.resolve('@tracepoint/node/register'))];

export function forkApp(args, env, cwd) {
  const child = fork(join(bench, 'app-under-test.mjs'), [], {
    cwd,
    execArgv: args ?? [],
    env,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout.resume();
  return new Promise((resolveReady, reject) => {
    child.once('message', (message) => resolveReady({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`app exited with ${code} before it was ready`)));
  });
}

export function ask(child, message) {
  return new Promise((resolveAnswer) => {
    child.once('message', resolveAnswer);
    child.send(message);
  });
}

/** 'stop': the app closes and SIGTERMs itself, the register's handler flushes and exits. */
export async function stopApp(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function countOverHttp(url, service) {
  const query = `SELECT count() FROM default.otel_traces WHERE ServiceName = '${service}'`;
  const response = await fetch(`${url}/?query=${encodeURIComponent(query)}`);
  const text = await response.text();
  if (!response.ok) throw new Error(`count at ${url}: ${text}`);
  return Number(text.trim());
}

function countEmbedded(path, service) {
  const out = spawnSync(process.execPath, [join(here, 'count-spans.mjs'), path, service], {
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`count-spans ${path}: ${out.stderr}`);
  return Number(out.stdout.trim());
}

/** The store service the default store may start beside the app (its discovery file), if any. */
function storeService(dir) {
  const file = join(dir, '.tracepoint', 'clickhouse', 'tracepoint-store.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The app's child processes (a `chdb:` engine bound to the app over IPC runs in one). */
function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Spans of `service` at the configuration's destination, after the app exited. */
async function delivered(config, ctx, service) {
  if (config.id === 'untraced') return 0;
  if (config.id === 'stock') return (await ask(ctx.downstream, 'spans')).spans[service] ?? 0;
  if (config.id === 'floor') return Number(readFileSync(join(ctx.dir, 'spans'), 'utf8'));
  if (config.id === 'http' || config.id === 'http-no-esm-hook')
    return countOverHttp(ctx.clickhouseUrl, service);
  if (config.id === 'chdb') return countEmbedded(join(ctx.dir, 'chdb'), service);
  const service_ = storeService(ctx.dir);
  if (service_) return countOverHttp(service_.url, service);
  return countEmbedded(join(ctx.dir, '.tracepoint', 'clickhouse'), service);
}

/** The app's environment as a user starts it: no TRACEPOINT_* or OTEL_* of ours, then the configuration's. */
export function appEnv(shared, service, env) {
  const cleanEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('TRACEPOINT_') && !k.startsWith('OTEL_')),
  );
  return {
    ...cleanEnv,
    BENCH_CONFIG: 'preloaded',
    BENCH_DOWNSTREAM_URL: shared.downstreamUrl,
    TRACEPOINT_RESOLVE_FROM: otelFrom,
    OTEL_SERVICE_NAME: service,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    // The stock register's default ('all') adds the cloud detectors, which probe metadata
    // servers at start-up (seconds here, no cloud); the per-span work is the same without them.
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
    ...env,
  };
}

/** One run of one configuration: warm-up, measured window, stop, count. */
export async function oneRun(config, { work, plan, shared, round, profile = false }) {
  const dir = join(work, `${config.id}-${round}${profile ? '-profile' : ''}`);
  mkdirSync(dir, { recursive: true });
  const ctx = { ...shared, dir };
  const service = `bench-${config.id}-${round}${profile ? '-profile' : ''}`;
  const { args, env } = config.start(ctx);
  const { child, port } = await forkApp(args, appEnv(shared, service, env), dir);
  let run;
  let store;
  try {
    const url = `http://127.0.0.1:${port}/orders/1`;
    const warm = await runOpenLoop(url, { rate: plan.rate, seconds: plan.warmSeconds });
    store = storeService(dir);
    const children = childPids(child.pid);
    const helpers = () =>
      processCpuMicros(shared.downstream.pid) +
      processCpuMicros(shared.clickhousePid) +
      (store ? processCpuMicros(store.pid) : 0) +
      children.reduce((sum, pid) => sum + (processCpuMicros(pid) || 0), 0);
    const helpersBefore = helpers();
    const before = await ask(child, 'stats');
    if (profile) await ask(child, 'profile-start');
    const load = await runOpenLoop(url, { rate: plan.rate, seconds: plan.seconds });
    const profiled = profile ? (await ask(child, 'profile-stop')).profile : undefined;
    const after = await ask(child, 'stats');
    const helpersAfter = helpers();
    run = {
      config: config.id,
      round,
      ...load,
      cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / load.requests,
      mainThreadCpuMicrosPerRequest: (after.mainThreadCpuMicros - before.mainThreadCpuMicros) / load.requests,
      helperCpuMicrosPerRequest: (helpersAfter - helpersBefore) / load.requests,
      peakRssMiB: after.maxRssKiB / 1024,
      expectedSpans: config.id === 'untraced' ? 0 : (warm.ok + load.ok) * SPANS_PER_REQUEST,
      failed: warm.failed + load.failed,
      storeService: store !== undefined,
    };
    // BENCH_PROFILE_DIR keeps the raw profile the account was computed from (open it in DevTools).
    if (profiled && process.env.BENCH_PROFILE_DIR)
      writeFileSync(join(process.env.BENCH_PROFILE_DIR, `${service}.cpuprofile`), JSON.stringify(profiled));
    if (profiled) {
      run.account = profileAccount(profiled, {
        spans: load.ok * SPANS_PER_REQUEST,
        requests: load.ok,
        cpuMicros: after.cpuMicros - before.cpuMicros,
        mainThreadCpuMicros: after.mainThreadCpuMicros - before.mainThreadCpuMicros,
      });
    }
  } finally {
    await stopApp(child);
  }
  try {
    run.deliveredSpans = await delivered(config, ctx, service);
  } catch (error) {
    run.deliveredSpans = Number.NaN;
    run.countError = String(error);
  }
  store ??= storeService(dir);
  if (store) {
    try {
      process.kill(store.pid, 'SIGTERM');
    } catch {}
  }
  return run;
}

/** Every fixed-rate configuration, round by round (order rotated), then the profiled run. */
export async function measureFixedRate(work, plan, shared) {
  const runs = [];
  for (let round = 0; round < plan.rounds; round++) {
    const order = FIXED_CONFIGS.map((_, i) => FIXED_CONFIGS[(i + round) % FIXED_CONFIGS.length]);
    for (const config of order) runs.push(await oneRun(config, { work, plan, shared, round }));
  }
  const http = FIXED_CONFIGS.find((c) => c.id === 'http');
  const profiled = await oneRun(http, { work, plan, shared, round: 0, profile: true });
  return { runs, profiled };
}
