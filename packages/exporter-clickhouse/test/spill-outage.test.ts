import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { SpanKind } from '@opentelemetry/api';
import { ClickHouseSpanExporter } from '@tracepoint/exporter-clickhouse';
import { type ReadableSpan, SDK_PACKAGE } from '@tracepoint-internal/otel-line';
import { afterAll, describe, expect, it } from 'vitest';
import { legDir } from '../../../test-support/child-process.js';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { exportOnce, recordSpans as recordSpansOf } from '../../../test-support/recorded-spans.js';
import { fixedFreePort, startServerProcess } from '../../../test-support/restartable-server.js';
import { resolveExporterConfig } from '../src/exporter-options.js';
import { SpillDirectory } from '../src/spill-directory.js';
import { endpointRecord } from './stats-records.js';

const quiet = { warn() {}, error() {} };
const serverDir = tempDataDir('exporter-spill-outage');
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill('SIGKILL');
  serverDir.remove();
});

const startServer = (port: number) => startServerProcess(port, serverDir.path);

async function killServer(): Promise<void> {
  const running = child;
  if (running === undefined) return;
  const gone = new Promise((resolve) => running.once('exit', resolve));
  running.kill('SIGKILL');
  await gone;
  child = undefined;
}

function spansOf(service: string, count: number): Promise<ReadableSpan[]> {
  return recordSpansOf(service, count, (tracer, i) => {
    tracer
      .startSpan(`op ${i}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', i } })
      .end();
  });
}

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

async function until(what: string, done: () => boolean | Promise<boolean>, millis = 30_000): Promise<void> {
  const deadline = Date.now() + millis;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function spanCounts(port: number, service: string): Promise<{ n: string; d: string }> {
  const reader = createClient({ url: `http://127.0.0.1:${port}` });
  try {
    const [row] = await (
      await reader.query({
        query: `SELECT count() AS n, uniqExact(SpanId) AS d FROM default.otel_traces WHERE ServiceName = {service:String}`,
        query_params: { service },
        format: 'JSONEachRow',
      })
    ).json<{ n: string; d: string }>();
    return row ?? { n: '0', d: '0' };
  } finally {
    await reader.close();
  }
}

const exporterOptions = (port: number, dir: string) =>
  ({
    url: `http://127.0.0.1:${port}`,
    flushIntervalMillis: 100,
    requestTimeoutMillis: 300,
    exportTimeoutMillis: 1_000,
    maxRetries: 1,
    retryInitialDelayMillis: 50,
    retryMaxDelayMillis: 200,
    spill: { dir, fsyncMillis: 100 },
    logger: quiet,
  }) as const;

describe('the spill, with the ClickHouse HTTP server killed', () => {
  it('keeps every span through an outage and replays it once the server is back: each span exactly once', async () => {
    const port = await fixedFreePort();
    child = await startServer(port);
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-outage-'));
    const exporter = new ClickHouseSpanExporter(exporterOptions(port, dir));
    await exporter.ready();
    const before = await spansOf('spill-outage', 100);
    expect((await exportOnce(exporter, before)).code).toBe(0);
    await exporter.forceFlush();

    await killServer();
    const during: ReadableSpan[] = [];
    for (let i = 0; i < 10; i++) {
      const batch = await spansOf('spill-outage', 100);
      during.push(...batch);
      expect((await exportOnce(exporter, batch)).code).toBe(0);
      await sleep(150);
    }
    await until(
      'the outage batches to reach the spill',
      () => (exporter.stats().spill?.spilledRows ?? 0) >= 1000,
    );
    const spilled = exporter.stats();
    expect(spilled.spill?.spilledRows).toBe(1000);
    expect(spilled.spansFailed).toBe(0);
    expect(readdirSync(dir).some((name) => name.endsWith('.tps'))).toBe(true);

    const insertsBefore = exporter.stats().inserts;
    child = await startServer(port);
    await until('the spill to be replayed', () => (exporter.stats().spill?.replayedRows ?? 0) >= 1000);
    // The batch that was sent and failed goes alone under its token; the nine spilled unsent go as one insert.
    expect(exporter.stats().spill?.replayedRecords).toBe(exporter.stats().spill?.spilledRecords);
    expect(exporter.stats().inserts - insertsBefore).toBeLessThanOrEqual(2);
    const after = await spansOf('spill-outage', 100);
    expect((await exportOnce(exporter, after)).code).toBe(0);
    await exporter.shutdown();
    const stats = exporter.stats();
    expect(stats).toMatchObject({ spansExported: 1200, spansFailed: 0, spansDropped: 0 });
    expect(stats.spill).toMatchObject({
      spilledRows: 1000,
      replayedRows: 1000,
      droppedRows: 0,
      corruptedRecords: 0,
      pendingBytes: 0,
    });
    expect(readdirSync(dir).filter((name) => name.endsWith('.tps'))).toEqual([]);
    expect(await spanCounts(port, 'spill-outage')).toEqual({ n: '1200', d: '1200' });
    await killServer();
  });

  it('leaves what is spilled at shutdown for the next exporter on the directory, which replays it', async () => {
    const port = await fixedFreePort();
    child = await startServer(port);
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-restart-'));
    const first = new ClickHouseSpanExporter(exporterOptions(port, dir));
    await first.ready();
    await killServer();
    for (let i = 0; i < 3; i++)
      expect((await exportOnce(first, await spansOf('spill-restart', 100))).code).toBe(0);
    await first.shutdown();
    expect(first.stats().spill).toMatchObject({ spilledRows: 300, replayedRows: 0 });
    expect(first.stats().spansFailed).toBe(0);

    child = await startServer(port);
    const second = new ClickHouseSpanExporter(exporterOptions(port, dir));
    await until(
      'the predecessor spill to be replayed',
      () => (second.stats().spill?.replayedRows ?? 0) >= 300,
    );
    await second.shutdown();
    expect(await spanCounts(port, 'spill-restart')).toEqual({ n: '300', d: '300' });
    await killServer();
  });

  it('a process SIGKILLed during the outage: its successor replays the spill, each span once, and at most about one fsync interval is missing', async () => {
    const port = await fixedFreePort();
    child = await startServer(port);
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-kill-'));
    const fsyncMillis = 200;
    const app = spawn(process.execPath, [fileURLToPath(new URL('fixtures/spill-app.mjs', import.meta.url))], {
      env: {
        ...process.env,
        NODE_PATH: '',
        LEG_DIR: legDir(),
        SDK_PACKAGE,
        CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
        SPILL_DIR: dir,
        FSYNC_MS: String(fsyncMillis),
        SERVICE: 'spill-kill',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let last = { ended: 0, spilled: 0, exported: 0 };
    createInterface({ input: app.stdout }).on('line', (line) => {
      last = JSON.parse(line) as typeof last;
    });
    const exited = new Promise((resolve) => app.once('exit', resolve));
    try {
      await until('spans to be exported', () => last.exported >= 1_000);
      await killServer();
      await until('the outage batches to reach the spill', () => last.spilled >= 2_000);
      await sleep(1_000);
    } finally {
      app.kill('SIGKILL');
      await exited;
    }
    // The last line came before the kill; at most one more tick (50 spans) ended after it.
    const endedBeforeKill = last.ended;

    child = await startServer(port);
    const successor = new ClickHouseSpanExporter(exporterOptions(port, dir));
    await until('the spill to be replayed', () => {
      const spill = successor.stats().spill;
      return spill !== undefined && spill.pendingBytes === 0 && spill.replayedRows > 0;
    });
    await successor.shutdown();
    const reader = createClient({ url: `http://127.0.0.1:${port}` });
    let row: { n: string; d: string } | undefined;
    try {
      [row] = await (
        await reader.query({
          query:
            "SELECT count() AS n, uniqExact(SpanAttributes['seq']) AS d FROM default.otel_traces WHERE ServiceName = 'spill-kill'",
          format: 'JSONEachRow',
        })
      ).json<{ n: string; d: string }>();
    } finally {
      await reader.close();
    }
    const stored = Number(row?.n);
    expect(Number(row?.d)).toBe(stored); // nothing twice
    // Lost: the hand-off batch (100 ms) not yet exported at the kill, and at most one fsync interval of the spill.
    const missing = endedBeforeKill + 50 - stored;
    expect(missing).toBeGreaterThanOrEqual(0);
    expect(missing).toBeLessThanOrEqual(2_000 * ((fsyncMillis + 100) / 1000) + 100);
    await killServer();
  });

  it('a full disk (here a file-size limit): what does not fit is counted and cut back off, the app runs on, and what was written replays whole', async () => {
    const port = await fixedFreePort(); // no server: every batch goes to the spill
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-full-'));
    const fixture = fileURLToPath(new URL('fixtures/spill-app.mjs', import.meta.url));
    // RLIMIT_FSIZE (256-512 KiB: sh counts 512- or 1024-byte blocks; 5,000 spans take about 1 MiB) makes the kernel refuse writes past it
    // with EFBIG, part-way through a record as a full disk does; Node ignores SIGXFSZ.
    const app = spawn('/bin/sh', ['-c', 'ulimit -f 512 && exec "$0" "$1"', process.execPath, fixture], {
      env: {
        ...process.env,
        NODE_PATH: '',
        LEG_DIR: legDir(),
        SDK_PACKAGE,
        CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
        SPILL_DIR: dir,
        FSYNC_MS: '100',
        SERVICE: 'spill-full',
        TICKS: '100',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let final: { ended: number; stats: ReturnType<ClickHouseSpanExporter['stats']> } | undefined;
    const lines = createInterface({ input: app.stdout });
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { final?: boolean } & NonNullable<typeof final>;
      if (parsed.final) final = parsed;
    });
    const [code] = await Promise.all([
      new Promise((resolve) => app.once('exit', resolve)),
      new Promise((resolve) => lines.once('close', resolve)),
    ]);
    expect(code).toBe(0);
    const spill = final?.stats.spill;
    expect(final?.ended).toBe(5_000);
    expect(spill?.failedRows).toBeGreaterThan(0);
    expect(spill?.spilledRows).toBeGreaterThan(0);
    // Every span is accounted for: spilled, or counted as failed.
    expect((spill?.spilledRows ?? 0) + (final?.stats.spansFailed ?? 0)).toBe(5_000);
    expect(final?.stats.spansFailed).toBeGreaterThanOrEqual(spill?.failedRows ?? 0);
    // The spilled records read back whole: no torn record left where a write failed.
    const reopened = SpillDirectory.open({ dir });
    let rows = 0;
    for (let record = await reopened.next(); record !== undefined; record = await reopened.next()) {
      rows += record.rows;
      await reopened.ack(record);
    }
    expect(reopened.stats()).toMatchObject({ corruptedRecords: 0, tornTails: 0 });
    expect(rows).toBe(spill?.spilledRows);
    await reopened.close();
  });

  it('a shutdown while the server hangs (takes requests, never answers) still gets the batch into the spill within its time limit', async () => {
    const port = await fixedFreePort();
    child = await startServer(port);
    // A TCP relay to the server that, once hanging, swallows what clients send: requests time out.
    let hanging = false;
    const relay = createServer((inbound) => {
      const outbound = connect(port, '127.0.0.1');
      inbound.on('data', (chunk: Buffer) => {
        if (!hanging) outbound.write(chunk);
      });
      outbound.on('data', (chunk: Buffer) => inbound.write(chunk));
      inbound.on('error', () => outbound.destroy());
      outbound.on('error', () => inbound.destroy());
      inbound.on('close', () => outbound.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayPort = (relay.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-hang-'));
    const exporter = new ClickHouseSpanExporter({
      ...exporterOptions(relayPort, dir),
      flushIntervalMillis: 60_000,
      requestTimeoutMillis: 1_000,
      exportTimeoutMillis: 4_000,
      maxRetries: 20,
      retryInitialDelayMillis: 200,
      retryMaxDelayMillis: 500,
    });
    try {
      await exporter.ready();
      expect((await exportOnce(exporter, await spansOf('spill-hang', 200))).code).toBe(0);
      hanging = true;
      const started = Date.now();
      await exporter.shutdown();
      expect(Date.now() - started).toBeLessThan(4_500);
      expect(exporter.stats().spill).toMatchObject({ spilledRows: 200 });
      expect(exporter.stats().spansFailed).toBe(0);
    } finally {
      relay.close();
      await killServer();
    }
    const left = SpillDirectory.open({ dir });
    try {
      const record = await left.next();
      expect(record?.rows).toBe(200);
    } finally {
      await left.close();
    }
  });

  it('in an outage, each export goes to the spill at once, not after the flush interval or the fsync interval', async () => {
    const port = await fixedFreePort();
    child = await startServer(port);
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-at-once-'));
    const exporter = new ClickHouseSpanExporter({
      ...exporterOptions(port, dir),
      flushIntervalMillis: 60_000,
      spill: { dir, fsyncMillis: 60_000 },
    });
    try {
      await exporter.ready();
      await killServer();
      // The first batch finds the outage (its insert fails after the retries), then goes to the spill.
      expect((await exportOnce(exporter, await spansOf('spill-at-once', 10))).code).toBe(0);
      await exporter.forceFlush();
      expect(exporter.stats().spill?.spilledRows).toBe(10);
      // From now on an export's rows are on disk within a moment, not 60 s later.
      expect((await exportOnce(exporter, await spansOf('spill-at-once', 20))).code).toBe(0);
      await until('the export to reach the spill', () => exporter.stats().spill?.spilledRows === 30, 2_000);
    } finally {
      await exporter.shutdown();
    }
  });

  it('an exporter whose spill directory cannot be used prints one line and goes on with its memory queue', async () => {
    const port = await fixedFreePort();
    child = await startServer(port);
    const notADirectory = join(mkdtempSync(join(tmpdir(), 'tracepoint-spill-file-')), 'file');
    writeFileSync(notADirectory, 'not a directory');
    const lines: string[] = [];
    const exporter = new ClickHouseSpanExporter({
      ...exporterOptions(port, notADirectory),
      logger: { warn: (line: string) => lines.push(line), error: (line: string) => lines.push(line) },
    });
    try {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /the spill directory .*file cannot be used \(.*\); undelivered inserts stay in memory/,
      );
      expect((await exportOnce(exporter, await spansOf('spill-unusable', 5))).code).toBe(0);
      await exporter.forceFlush();
      expect(exporter.stats().spansExported).toBe(5);
      expect(exporter.stats().spill).toBeUndefined();
    } finally {
      await exporter.shutdown();
      await killServer();
    }
  });

  it("spills the aggregator's stats rows too: writeStats in an outage resolves, and the rows land once after it", async () => {
    const port = await fixedFreePort();
    child = await startServer(port);
    const dir = mkdtempSync(join(tmpdir(), 'tracepoint-spill-stats-'));
    const exporter = new ClickHouseSpanExporter(exporterOptions(port, dir));
    const record = (service: string, count: number) => endpointRecord(service, count);
    try {
      await exporter.ready();
      expect(await exporter.writeStats([record('stats-before', 1)])).toBe(0);
      await killServer();
      // Failed after its retries: spilled, not rejected. Then one while the spill holds it goes straight there.
      expect(await exporter.writeStats([record('stats-outage', 2), record('stats-outage', 3)])).toBe(0);
      expect(await exporter.writeStats([record('stats-outage', 4)])).toBe(0);
      expect(exporter.stats().spill?.spilledRows).toBe(3);
      child = await startServer(port);
      await until('the spill to be replayed', () => exporter.stats().spill?.pendingBytes === 0);
      const stats = exporter.stats();
      expect(stats.rowsWritten.trace_point_stats).toBe(4);
      expect(stats.spansExported).toBe(0);
      expect(stats.spansFailed).toBe(0);
    } finally {
      await exporter.shutdown();
    }
    const reader = createClient({ url: `http://127.0.0.1:${port}` });
    try {
      const rows = await (
        await reader.query({
          query:
            "SELECT service, count() AS n, toString(sum(count)) AS c FROM default.trace_point_stats WHERE service LIKE 'stats-%' GROUP BY service ORDER BY service",
          format: 'JSONEachRow',
        })
      ).json<{ service: string; n: string; c: string }>();
      expect(rows).toEqual([
        { service: 'stats-before', n: '1', c: '1' },
        { service: 'stats-outage', n: '3', c: '9' },
      ]);
    } finally {
      await reader.close();
      await killServer();
    }
  });

  it('reads TRACEPOINT_SPILL_* when the option leaves them out, and names the variable of a bad value', () => {
    const env = {
      TRACEPOINT_SPILL_DIR: '/tmp/x',
      TRACEPOINT_SPILL_MAX_BYTES: '1000',
      TRACEPOINT_SPILL_FSYNC_MS: '50',
      TRACEPOINT_SPILL_WHEN_FULL: 'drop-newest',
    };
    expect(resolveExporterConfig({}, env).spill).toEqual({
      dir: '/tmp/x',
      maxBytes: 1000,
      fsyncMillis: 50,
      whenFull: 'drop-newest',
    });
    expect(resolveExporterConfig({ spill: { dir: '/tmp/y', maxBytes: 5 } }, env).spill).toMatchObject({
      dir: '/tmp/y',
      maxBytes: 5,
      fsyncMillis: 50,
    });
    expect(resolveExporterConfig({}, {}).spill).toBeUndefined();
    expect(() => resolveExporterConfig({}, { ...env, TRACEPOINT_SPILL_MAX_BYTES: '1 GiB' })).toThrow(
      /spill.maxBytes \(TRACEPOINT_SPILL_MAX_BYTES\) must be an integer >= 1, got "1 GiB"/,
    );
    expect(() => resolveExporterConfig({}, { ...env, TRACEPOINT_SPILL_WHEN_FULL: 'drop-all' })).toThrow(
      /spill.whenFull \(TRACEPOINT_SPILL_WHEN_FULL\)/,
    );
    expect(() => resolveExporterConfig({ mode: 'sync' }, env)).toThrow(/spill needs mode 'async'/);
  });
});
