// The tracepoint demo (README command 1): a three-service shop (gateway -> orders -> inventory,
// express + fetch + PostgreSQL), each service started with the add-on
// (`node --import @tracepoint/node/register`) and no tracing code of its own, under load for
// about 30 s; then every dashboard, in the terminal and as an HTML page.
//
// ClickHouse: TRACEPOINT_CLICKHOUSE_URL when set; otherwise the tracepoint store service on
// TRACEPOINT_DATA_DIR (default examples/.tracepoint/clickhouse): the services are given that
// directory, and the first one to export starts the service (chDB behind ClickHouse's HTTP
// interface, in its own process) that all three and `tracepoint dashboard` share.
// SHOP_LOAD_SECONDS (default 30) and SHOP_USERS (default 8) size the load.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { driveLoad } from './load.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const examplesDir = resolve(here, '..');
const seconds = Number(process.env.SHOP_LOAD_SECONDS ?? 30);
const users = Number(process.env.SHOP_USERS ?? 8);
const pageFile = resolve(process.env.SHOP_PAGE ?? join(examplesDir, '.tracepoint/dashboard.html'));
const children = new Set();

function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}
if (!(seconds > 0) || !(users >= 1)) fail('SHOP_LOAD_SECONDS and SHOP_USERS must be positive numbers');

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => fail(`stopped by ${signal}`));

/**
 * Starts a node process and waits for the stdout line matching `ready` (returns its match).
 * Its stderr is passed on, prefixed with its name.
 */
function start(name, args, env, ready) {
  const child = spawn(process.execPath, args, {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  createInterface({ input: child.stderr }).on('line', (line) => console.error(`  [${name}] ${line}`));
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  child.exited = exited;
  return new Promise((done, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 90 s`)), 90_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = ready.exec(line);
      if (match) {
        clearTimeout(timer);
        done({ child, match });
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready`));
    });
  });
}

async function stop(child, timeoutMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = await child.exited;
  clearTimeout(timer);
  children.delete(child);
  return result;
}

function utcText(date) {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function progressLine(stats) {
  const done = Math.min(seconds, Math.round(stats.elapsedMs / 1000));
  const width = 20;
  const filled = Math.round((done / seconds) * width);
  const rate = stats.requests / Math.max(1, stats.elapsedMs / 1000);
  const failed = stats.requests === 0 ? 0 : (100 * stats.failed) / stats.requests;
  return `  [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${seconds} s  ${stats.requests} requests  ${rate.toFixed(0)}/s  ${failed.toFixed(1)}% failed`;
}

// Stats rows start on 10 s boundaries (the services' aggregator interval here, below): the
// dashboards' window is the load's, widened to them,
// so rates are per second of load rather than of the whole run.
const TEN_SECONDS = 10_000;
let loadStart;
let loadEnd;
console.log(
  'tracepoint demo: gateway -> orders -> inventory -> PostgreSQL, traced by the add-on into ClickHouse',
);

// 1. ClickHouse.
let clickhouseUrl = process.env.TRACEPOINT_CLICKHOUSE_URL;
let dataDir;
const tracepointBin = fileURLToPath(
  new URL('./bin/tracepoint.mjs', import.meta.resolve('@tracepoint/node/package.json')),
);
if (clickhouseUrl) {
  console.log(`  ClickHouse: ${clickhouseUrl.replace(/\/\/[^@/]*@/, '//***@')} (TRACEPOINT_CLICKHOUSE_URL)`);
} else {
  dataDir = resolve(process.env.TRACEPOINT_DATA_DIR ?? join(examplesDir, '.tracepoint/clickhouse'));
  mkdirSync(dataDir, { recursive: true });
  // A directory is the store service on it, started by the first process that needs it.
  clickhouseUrl = dataDir;
  console.log(`  ClickHouse: the tracepoint store service on ${dataDir} (chDB, started on first use)`);
}

// 2. The database and the services, each traced by the add-on only.
try {
  const db = await start('shop-db', ['db.mjs'], {}, /listening (\S+)/);
  const dbUrl = `postgres://postgres@${db.match[1]}/postgres`;
  console.log(`  started shop-db: PostgreSQL (PGlite) on ${db.match[1]}`);
  const traced = {
    TRACEPOINT_CLICKHOUSE_URL: clickhouseUrl,
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=demo,service.version=1.4.2',
    // The instrumentations this shop uses; without the list every auto-instrumentation loads
    // (net and dns would add a span per connection and lookup).
    OTEL_NODE_ENABLED_INSTRUMENTATIONS:
      process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ?? 'http,undici,express,pg',
    SHOP_DB_URL: dbUrl,
    // A 30 s demo wants finer stats rows than the default minute.
    TRACEPOINT_AGGREGATOR_INTERVAL_MS: String(TEN_SECONDS),
    // Callees name their callers (a tracestate member) ...
    TRACEPOINT_PROPAGATE_CALLER: 'on',
  };
  // ... and callers name their callees: the OpenTelemetry convention for peer.service by address.
  const peers = [];
  const peerMapping = () => ({ OTEL_INSTRUMENTATION_COMMON_PEER_SERVICE_MAPPING: peers.join(',') });
  const addOn = ['--import', '@tracepoint/node/register'];
  const service = async (name, env) => {
    const { child, match } = await start(
      name,
      [...addOn, `${name}.mjs`],
      { ...traced, ...peerMapping(), OTEL_SERVICE_NAME: name, ...env },
      /listening (\d+)/,
    );
    const url = `http://127.0.0.1:${match[1]}`;
    peers.push(`127.0.0.1:${match[1]}=${name}`);
    console.log(`  started ${name} on ${url}`);
    return { child, url };
  };
  const inventory = await service('inventory', {});
  const orders = await service('orders', { SHOP_INVENTORY_URL: inventory.url });
  const gateway = await service('gateway', {
    SHOP_INVENTORY_URL: inventory.url,
    SHOP_ORDERS_URL: orders.url,
  });

  // 3. Load.
  console.log(`load: ${seconds} s, ${users} users on ${gateway.url}`);
  const tty = process.stdout.isTTY;
  loadStart = new Date(Math.floor(Date.now() / TEN_SECONDS) * TEN_SECONDS);
  const stats = await driveLoad({
    gatewayUrl: gateway.url,
    probeUrls: [gateway.url, orders.url, inventory.url],
    seconds,
    concurrency: users,
    onProgress: (progress) => {
      const line = progressLine(progress);
      if (tty) process.stdout.write(`\r${line}`);
      else if (Math.round(progress.elapsedMs / 1000) % 5 === 0) console.log(line);
    },
  });
  loadEnd = new Date((Math.floor(Date.now() / TEN_SECONDS) + 1) * TEN_SECONDS);
  if (tty) process.stdout.write(`\r${progressLine(stats)}\n`);
  const statuses = [...stats.byStatus].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`);
  console.log(`load done: ${stats.requests} requests (${statuses.join(', ')})`);

  // 4. SIGTERM: each service's add-on flushes its spans and stats before it exits.
  console.log('stopping the services (SIGTERM; each flushes its spans)');
  for (const { child } of [gateway, orders, inventory]) await stop(child);
  await stop(db.child);

  // 5. Dashboards, in the terminal and as a page.
  mkdirSync(dirname(pageFile), { recursive: true });
  const dashboard = spawn(
    process.execPath,
    [
      tracepointBin,
      'dashboard',
      '--url',
      clickhouseUrl,
      '--from',
      utcText(loadStart),
      '--to',
      utcText(loadEnd),
      '--html',
      pageFile,
    ],
    { stdio: 'inherit' },
  );
  const code = await new Promise((done) => dashboard.once('exit', done));
  if (code !== 0) fail(`tracepoint dashboard exited with ${code}`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
} finally {
  // The store service would stop by itself when idle; stopping it now frees the directory at once.
  if (dataDir) {
    const stopped = spawn(process.execPath, [tracepointBin, 'store', 'stop', '--path', dataDir], {
      stdio: 'ignore',
    });
    await new Promise((done) => stopped.once('exit', done));
  }
}

console.log('');
if (dataDir) {
  console.log(`Data: ${dataDir} (tables otel_traces, trace_points, trace_point_stats in database default).`);
  console.log(
    `  More SQL:   node packages/node/bin/tracepoint.mjs query "SELECT count() FROM otel_traces" --url ${dataDir}`,
  );
  console.log(`  Dashboards: npx -y pnpm@10.34.8 dashboard --url ${dataDir}`);
} else {
  console.log(
    `Data: ${clickhouseUrl.replace(/\/\/[^@/]*@/, '//***@')} (tables otel_traces, trace_points, trace_point_stats).`,
  );
}
console.log(`Page: ${pageFile}`);
