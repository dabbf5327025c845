// Faults: the exporter's spill under the long faults the tests cannot afford (issue 21). A traced
// app (faults/app.mjs) ends spans at a fixed rate into the local ClickHouse HTTP server, which
// then (a) is killed for minutes and started again, (b) is reached through a TCP proxy that
// stalls, resets and slows every connection, (c) is killed while the spill sits on a disk too
// small for it. Each case counts what reached ClickHouse (lost, twice) and reports the app's
// event-loop delay, stalls and RSS per phase, and how fast the spill was replayed.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SLOW_MILLIS, startFaultProxy } from './faults/fault-proxy.mjs';
import { planOf, runIfMain } from './lib/cli.mjs';
import { int, markdownTable } from './lib/format.mjs';
import { fixedFreePort, startLocalClickHouseServer } from './lib/local-clickhouse-server.mjs';
import { inWorkDir } from './lib/work-dir.mjs';

const SIZES = {
  // Smoke keeps every case and phase, short: the tests run it so the benchmark does not rot.
  smoke: {
    rate: 200,
    warmSeconds: 2,
    outageSeconds: 4,
    proxySeconds: 2,
    diskSeconds: 4,
    diskBytes: 128 * 1024,
    exporterOptions: { exportTimeoutMillis: 2_000, requestTimeoutMillis: 500 },
    drainSeconds: 120,
  },
  // The sizes: a 5-minute outage under 1k spans/s; each proxy fault for a minute; a disk
  // (4 MiB) that the spill fills within the outage after the exporter's 30 s in memory.
  full: {
    rate: 1_000,
    warmSeconds: 10,
    outageSeconds: 300,
    proxySeconds: 60,
    diskSeconds: 90,
    diskBytes: 4 * 1024 * 1024,
    exporterOptions: {},
    drainSeconds: 900,
  },
};
const STALL_MILLIS = 50;
const here = import.meta.dirname;
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

/** The app in a child process; `phase` tags each of its lines, `last` is its newest. */
function startApp(env, wrap) {
  const app = fileURLToPath(new URL('./faults/app.mjs', import.meta.url));
  const [command, args] = wrap
    ? ['/bin/sh', ['-c', `${wrap} && exec "$0" "$1"`, process.execPath, app]]
    : [process.execPath, [app]];
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: here,
  });
  const state = { child, phase: 'warm', lines: [], last: undefined, final: undefined, log: [] };
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (text) => {
    const row = { ...JSON.parse(text), phase: state.phase, at: Date.now() };
    state.lines.push(row);
    state.last = row;
    if (row.final) state.final = row;
  });
  createInterface({ input: child.stderr }).on('line', (text) => {
    if (state.log.length < 50) state.log.push(text);
  });
  state.done = Promise.all([
    new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal))),
    new Promise((resolve) => lines.once('close', resolve)),
  ]).then(([code]) => code);
  return state;
}

async function until(what, done, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`faults: timed out after ${seconds} s waiting for ${what}`);
    await sleep(100);
  }
}

/** Everything ended before `ended` is in ClickHouse or counted as failed, and the spill is empty. */
function caughtUp(app, ended) {
  const stats = app.last?.stats;
  if (stats === undefined) return false;
  return stats.spansExported + stats.spansFailed >= ended && (stats.spill?.pendingBytes ?? 0) === 0;
}

async function stopApp(app) {
  app.child.kill('SIGTERM');
  const code = await app.done;
  if (app.final === undefined)
    throw new Error(`faults: the app ended (${code}) without its last line: ${app.log.join('\n')}`);
  return code;
}

async function storedSpans(url, service) {
  const query = `SELECT count() AS n, uniqExact(SpanAttributes['seq']) AS d FROM default.otel_traces WHERE ServiceName = '${service}' FORMAT JSONEachRow`;
  const response = await fetch(`${url}/?query=${encodeURIComponent(query)}`);
  if (!response.ok) throw new Error(`faults: counting spans failed: ${await response.text()}`);
  const { n, d } = JSON.parse(await response.text());
  return { rows: Number(n), distinct: Number(d) };
}

/** Per phase: the worst loop delay of any window, the windows' p99 at worst, stalls over 50 ms, peak RSS. */
function phases(app) {
  const out = [];
  let stallsBefore = 0;
  for (const row of app.lines) {
    let phase = out.at(-1);
    if (phase?.name !== row.phase) {
      phase = {
        name: row.phase,
        seconds: 0,
        loopDelayMaxMs: 0,
        loopDelayP99Ms: 0,
        stalls: 0,
        rssMaxMiB: 0,
        start: row.at,
      };
      out.push(phase);
    }
    phase.seconds = (row.at - phase.start) / 1000;
    phase.loopDelayMaxMs = Math.max(phase.loopDelayMaxMs, row.loopDelayMaxMs);
    phase.loopDelayP99Ms = Math.max(phase.loopDelayP99Ms, row.loopDelayP99Ms);
    phase.stalls += row.stalls - stallsBefore;
    stallsBefore = row.stalls;
    phase.rssMaxMiB = Math.max(phase.rssMaxMiB, row.rssBytes / 2 ** 20);
  }
  return out.map(({ start, ...phase }) => phase);
}

function counted(app, stored) {
  const stats = app.final.stats;
  return {
    ended: app.final.ended,
    stored: stored.distinct,
    lost: app.final.ended - stored.distinct,
    twice: stored.rows - stored.distinct,
    failed: stats.spansFailed,
    spilledRows: stats.spill?.spilledRows ?? 0,
    replayedRows: stats.spill?.replayedRows ?? 0,
    droppedRows: stats.spill?.droppedRows ?? 0,
    failedWrites: stats.spill?.failedRows ?? 0,
    corrupted: stats.spill?.corruptedRecords ?? 0,
  };
}

/** (a) The server killed for outageSeconds under the rate, started again on its port. */
async function outage(plan, work) {
  const port = await fixedFreePort();
  const data = join(work, 'server');
  let server = await startLocalClickHouseServer(data, port);
  const app = startApp({
    RATE: String(plan.rate),
    CLICKHOUSE_URL: server.url,
    SPILL_DIR: join(work, 'spill-outage'),
    SERVICE: 'fault-outage',
    EXPORTER_OPTIONS: JSON.stringify(plan.exporterOptions),
  });
  try {
    await sleep(plan.warmSeconds * 1000);
    app.phase = 'outage';
    await server.kill();
    await sleep(plan.outageSeconds * 1000);
    server = await startLocalClickHouseServer(data, port);
    app.phase = 'replay';
    if (app.last === undefined) throw new Error(`faults: the app printed nothing: ${app.log.join('\n')}`);
    const back = Date.now();
    const endedAtReturn = app.last.ended;
    const spilledAtReturn = app.last.stats.spill?.spilledRows ?? 0;
    await until('the spill to be replayed', () => caughtUp(app, endedAtReturn), plan.drainSeconds);
    const replaySeconds = (Date.now() - back) / 1000;
    app.phase = 'after';
    await sleep(2_000);
    const exit = await stopApp(app);
    const counts = counted(app, await storedSpans(server.url, 'fault-outage'));
    return { exit, ...counts, spilledAtReturn, replaySeconds, phases: phases(app), log: app.log };
  } finally {
    app.child.kill('SIGKILL');
    await server.stop();
  }
}

/** (b) The server behind a proxy that stalls, resets and slows (SLOW_MILLIS) for proxySeconds each. */
async function proxy(plan, work) {
  const server = await startLocalClickHouseServer(join(work, 'server'));
  const relay = await startFaultProxy(Number(new URL(server.url).port));
  const app = startApp({
    RATE: String(plan.rate),
    CLICKHOUSE_URL: `http://127.0.0.1:${relay.port}`,
    SPILL_DIR: join(work, 'spill-proxy'),
    SERVICE: 'fault-proxy',
    EXPORTER_OPTIONS: JSON.stringify(plan.exporterOptions),
  });
  try {
    await sleep(plan.warmSeconds * 1000);
    for (const mode of ['stall', 'reset', 'slow']) {
      app.phase = mode;
      relay.setMode(mode);
      await sleep(plan.proxySeconds * 1000);
      app.phase = `after ${mode}`;
      relay.setMode('pass');
      await sleep(plan.warmSeconds * 1000);
    }
    app.phase = 'catching up';
    const endedNow = app.last.ended;
    await until('the exporter to catch up', () => caughtUp(app, endedNow), plan.drainSeconds);
    const exit = await stopApp(app);
    const counts = counted(app, await storedSpans(server.url, 'fault-proxy'));
    return { exit, ...counts, phases: phases(app), log: app.log };
  } finally {
    app.child.kill('SIGKILL');
    await relay.close();
    await server.stop();
  }
}

/**
 * A small file system for the spill: a tmpfs of diskBytes when this process may mount one (root),
 * else the same bound as a file-size limit (ulimit -f), which refuses writes the same way (EFBIG
 * for ENOSPC). Returns the directory, how the bound is made, and the cleanup.
 */
function smallDisk(work, bytes) {
  const dir = join(work, 'small-disk');
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) {
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], {
      encoding: 'utf8',
    });
    if (mounted.status === 0)
      return {
        dir,
        how: `tmpfs of ${int(bytes / 1024)} KiB`,
        wrap: undefined,
        remove: () => spawnSync('umount', [dir]),
      };
  }
  // sh's ulimit -f counts 512-byte blocks (dash; bash in POSIX mode).
  return {
    dir,
    how: `file-size limit of ${int(bytes / 1024)} KiB`,
    wrap: `ulimit -f ${Math.ceil(bytes / 512)}`,
    remove: () => {},
  };
}

/** (c) The server killed while the spill's file system is too small for the outage's spans. */
async function fullDisk(plan, work) {
  const port = await fixedFreePort();
  const data = join(work, 'server');
  let server = await startLocalClickHouseServer(data, port);
  const disk = smallDisk(work, plan.diskBytes);
  const app = startApp(
    {
      RATE: String(plan.rate),
      CLICKHOUSE_URL: server.url,
      SPILL_DIR: disk.dir,
      SERVICE: 'fault-disk',
      EXPORTER_OPTIONS: JSON.stringify(plan.exporterOptions),
    },
    disk.wrap,
  );
  try {
    await sleep(plan.warmSeconds * 1000);
    app.phase = 'outage, disk filling';
    await server.kill();
    await sleep(plan.diskSeconds * 1000);
    server = await startLocalClickHouseServer(data, port);
    app.phase = 'replay';
    const endedAtReturn = app.last.ended;
    await until('the spill to be replayed', () => caughtUp(app, endedAtReturn), plan.drainSeconds);
    app.phase = 'after';
    await sleep(2_000);
    const exit = await stopApp(app);
    const counts = counted(app, await storedSpans(server.url, 'fault-disk'));
    return { exit, disk: disk.how, ...counts, phases: phases(app), log: app.log };
  } finally {
    app.child.kill('SIGKILL');
    await server.stop();
    disk.remove();
  }
}

async function measure(plan, work) {
  return {
    outage: await outage(plan, join(work, 'a')),
    proxy: await proxy(plan, join(work, 'b')),
    fullDisk: await fullDisk(plan, join(work, 'c')),
  };
}

const ms = (x) => x.toFixed(1);

function phaseTable(result) {
  return markdownTable(
    [
      'phase',
      'seconds:',
      'loop delay max (ms):',
      'worst window p99 (ms):',
      `stalls > ${STALL_MILLIS} ms:`,
      'RSS max (MiB):',
    ],
    result.phases.map((p) => [
      p.name,
      p.seconds.toFixed(0),
      ms(p.loopDelayMaxMs),
      ms(p.loopDelayP99Ms),
      p.stalls,
      p.rssMaxMiB.toFixed(0),
    ]),
  );
}

function countTable(results) {
  return markdownTable(
    [
      'case',
      'ended:',
      'stored once:',
      'lost:',
      'twice:',
      'counted failed:',
      'spilled:',
      'replayed:',
      'failed writes:',
      'exit',
    ],
    Object.entries(results).map(([name, r]) => [
      name,
      int(r.ended),
      int(r.stored),
      int(r.lost),
      int(r.twice),
      int(r.failed),
      int(r.spilledRows),
      int(r.replayedRows),
      int(r.failedWrites),
      r.exit,
    ]),
  );
}

function report(plan, results) {
  const { outage: a, proxy: b, fullDisk: c } = results;
  const replayRate = a.replayedRows / a.replaySeconds;
  const faultPhases = [...a.phases, ...b.phases].filter((p) => p.name !== 'warm');
  const stalls = faultPhases.reduce((sum, p) => sum + p.stalls, 0);
  const warmStalls = [...a.phases, ...b.phases]
    .filter((p) => p.name === 'warm')
    .reduce((sum, p) => sum + p.stalls, 0);
  const accounted = (c.stored + c.failed) / c.ended;
  const markdown = `An app ending ${int(plan.rate)} spans/s through the real SDK into the exporter (its defaults, a
spill directory) against the local ClickHouse HTTP server on an explicit URL. Stalls are ticks of the
app's 10 ms timer more than ${STALL_MILLIS} ms late; loop delay is \`monitorEventLoopDelay\`'s per 0.5 s
window. "stored once" counts distinct \`seq\` attributes in \`otel_traces\`, "twice" the extra rows.

${countTable({ 'server killed': a, 'stalling/resetting/slow proxy': b, 'full disk': c })}

**(a) Server killed for ${plan.outageSeconds} s, then started again.** ${int(a.spilledAtReturn)} spans were in the
spill when it returned; the spill was replayed in ${a.replaySeconds.toFixed(1)} s (${int(replayRate)} spans/s while
the app kept ending ${int(plan.rate)} spans/s).

${phaseTable(a)}

**(b) Through a proxy that stalls, resets, then adds ${SLOW_MILLIS / 1000} s per chunk, ${plan.proxySeconds} s each.**

${phaseTable(b)}

**(c) Server killed for ${plan.diskSeconds} s with the spill on a ${c.disk}.** What did not fit is counted
(\`spansFailed\`, \`spill.failedRows\`); stored + counted = ${int(c.stored + c.failed)} of ${int(c.ended)}.

${phaseTable(c)}
`;
  return {
    id: 'faults',
    title: 'Faults: spill and replay under outages, a bad network and a full disk',
    raw: { plan, results },
    markdown,
    targets: [
      {
        name: `spans lost across a ${plan.outageSeconds} s outage within the spill budget`,
        target: 0,
        measured: a.lost,
        met: a.lost === 0,
      },
      { name: 'spans written twice across the outage', target: 0, measured: a.twice, met: a.twice === 0 },
      {
        name: `stalls > ${STALL_MILLIS} ms in the app during the faults and replay (${warmStalls} in the fault-free warm-up)`,
        target: 0,
        measured: stalls,
        met: stalls === 0,
      },
      {
        name: 'full disk: spans stored or counted as failed, of those ended; the app ran on',
        target: 1,
        measured: Number(accounted.toFixed(4)),
        met: accounted === 1 && c.exit === 0,
      },
    ],
  };
}

export async function run({ size }) {
  const plan = planOf(SIZES, size);
  const results = await inWorkDir('faults', (work) => measure(plan, work));
  return report(plan, results);
}

await runIfMain(import.meta.url, run);
