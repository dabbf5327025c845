import { copyFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  createEmbeddedClient,
  type LocalHttpServer,
  startLocalHttpServer,
} from '@tracepoint/clickhouse-local';
import { DASHBOARDS } from '@tracepoint/node';
import { runCli } from '@tracepoint/node/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legDir, runNodeWithStderr } from '../../../test-support/child-process.js';
import { tempDataDir } from '../../../test-support/data-dir.js';

// What an operator sees first, on an express app traced by the add-on (express and dns
// instrumentations on, as auto-instrumentations-node enables them): entry points, rates over the
// time the data covers, relative times, and service-map names.
const dataDir = tempDataDir('node-dashboards-operator');
const appDir = tempDataDir('burst-app');
const packageDir = new URL('..', import.meta.url).pathname;
const database = 'operator_views';
const BURST = 40;
let server: LocalHttpServer;
let client: ReturnType<typeof createEmbeddedClient>;
let elapsedSeconds = 0;

type Row = Record<string, unknown>;

const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const window = () => ({ from: time(Date.now() - 3_600_000), to: time(Date.now() + 60_000) });

async function rows(query: string, query_params: Row = window()): Promise<Row[]> {
  return (await client.query({ query, format: 'JSONEachRow', query_params })).json<Row>();
}

function dashboard(id: string, allSpans = false): string {
  const found = DASHBOARDS.find((d) => d.id === id);
  if (found === undefined) throw new Error(`no dashboard ${id}`);
  return found.query({ database }, { allSpans });
}

async function cli(...args: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await runCli(['dashboard', '--url', server.url, '--database', database, ...args], (text) =>
    lines.push(text),
  );
  return { code, output: lines.join('\n') };
}

beforeAll(async () => {
  server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  client = createEmbeddedClient({ path: dataDir.path });
  copyFileSync(`${packageDir}test/fixtures/burst-app.mjs`, join(appDir.path, 'app.mjs'));
  symlinkSync(join(legDir(), 'node_modules'), join(appDir.path, 'node_modules'));
  const { out, err } = await runNodeWithStderr(
    join(appDir.path, 'app.mjs'),
    {
      TRACEPOINT_CLICKHOUSE_URL: server.url,
      TRACEPOINT_CLICKHOUSE_DATABASE: database,
      TRACEPOINT_ESM_HOOK: 'on',
      // One-second intervals: a two-second burst covers two or three of them.
      TRACEPOINT_AGGREGATOR_INTERVAL_MS: '1000',
      OTEL_SERVICE_NAME: 'shop-api',
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,dns',
      BURST: String(BURST),
    },
    ['--import', `${packageDir}register.mjs`],
  );
  expect(err).not.toContain('tracepoint:');
  elapsedSeconds =
    (JSON.parse(out.trim().split('\n').pop() as string) as { elapsedMs: number }).elapsedMs / 1000;
}, 120_000);

afterAll(async () => {
  await client?.close();
  await server?.close();
  appDir.remove();
  dataDir.remove();
});

describe('RED per endpoint', () => {
  it('shows the entry points (server spans) by default, every span kind with --all-spans', async () => {
    const red = await rows(dashboard('endpoints-red'));
    // The app really made middleware and DNS spans: all of them are in the store.
    const all = await rows(dashboard('endpoints-red', true));
    expect(all.map((row) => row.span_kind)).toEqual(expect.arrayContaining(['Server', 'Internal', 'Client']));
    expect(all.some((row) => String(row.span_name).startsWith('middleware - '))).toBe(true);
    expect(new Set(red.map((row) => row.span_kind))).toEqual(new Set(['Server']));
    expect(red.map((row) => row.span_name)).toEqual(
      expect.arrayContaining(['GET /orders/:id', 'GET /report']),
    );
    expect(red.find((row) => row.span_name === 'GET /orders/:id')).toMatchObject({
      requests: BURST,
      client_errors_4xx: 0,
    });
    // Server 4xx are not errors (semantic conventions), and visible in a column of their own.
    expect(red.find((row) => row.span_name === 'GET /missing/{id}')).toMatchObject({
      requests: 3,
      error_ratio: 0,
      client_errors_4xx: 3,
    });
    const { code, output } = await cli('--only', 'endpoints-red');
    expect(code).toBe(0);
    expect(output).toContain('GET /orders/:id');
    expect(output).not.toContain('middleware - ');
    const every = await cli('--only', 'endpoints-red', '--all-spans');
    expect(every.code).toBe(0);
    expect(every.output).toContain('middleware - ');
    expect(every.output).toContain('every span kind');
  });

  it('counts rates over the time the rows cover, not the whole window', async () => {
    const red = await rows(dashboard('endpoints-red'));
    const orders = red.find((row) => row.span_name === 'GET /orders/:id') as Row;
    // The covered time, from the stats rows themselves: first interval start to last interval end.
    const [covered] = await rows(
      `SELECT dateDiff('second', min(interval_start), max(interval_start + interval_seconds)) AS seconds
       FROM ${database}.trace_point_stats WHERE stat_type = 'endpoint' AND span_kind = 'Server'`,
    );
    const seconds = Number(covered?.seconds);
    expect(orders.requests_per_second).toBeCloseTo(BURST / seconds, 9);
    // A 2-second burst shows about BURST / 2 per second (the whole hour would make it BURST / 3660).
    expect(seconds).toBeLessThanOrEqual(Math.ceil(elapsedSeconds) + 2);
    expect(orders.requests_per_second).toBeGreaterThan(BURST / (elapsedSeconds + 3));
    expect(orders.rate).toBe(`${Math.round((BURST / seconds) * 10) / 10}/s`);
    // One report in a few seconds: per minute, not a tiny per-second figure.
    const report = red.find((row) => row.span_name === 'GET /report') as Row;
    expect(report.rate).toBe(`${Math.round((60 / seconds) * 10) / 10}/min`);
    const map = await rows(dashboard('service-map'));
    const edge = map.find((row) => row.target_component === 'shop-api') as Row;
    expect(Number(edge.calls_per_second)).toBeGreaterThan(BURST / (elapsedSeconds + 3));
  });
});

describe('service map names', () => {
  it('shows an untraced caller as client (address), and no DNS lookup as an unknown node', async () => {
    const map = await rows(dashboard('service-map'));
    const edges = map.map((row) => `${row.source_component} -> ${row.target_component}`);
    expect(edges).toContain('client (127.0.0.1) -> shop-api');
    expect(edges.join('\n')).not.toContain('unknown');
    // The lookup is in the store: --all-spans draws it, as the span names it (no peer).
    const all = await rows(dashboard('service-map', true));
    expect(all.map((row) => `${row.source_component} -> ${row.target_component}`)).toContain(
      'shop-api -> unknown',
    );
  });
});

describe('tracepoint dashboard times', () => {
  it('takes --since 15m and --from -2h --to now, and prints the range it read', async () => {
    for (const args of [
      ['--since', '15m'],
      ['--from', '-2h', '--to', 'now'],
      ['--from', 'now-1d'],
    ]) {
      const { code, output } = await cli('--only', 'endpoints-red', ...args);
      expect(code, args.join(' ')).toBe(0);
      expect(output, args.join(' ')).toContain('GET /orders/:id');
    }
    const { output } = await cli('--only', 'endpoints-red', '--since', '15m');
    const [, from, to] = /(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \.\. (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/.exec(
      output,
    ) as RegExpExecArray;
    expect(Date.parse(`${to?.replace(' ', 'T')}Z`) - Date.parse(`${from?.replace(' ', 'T')}Z`)).toBe(
      16 * 60_000,
    );
    // An absolute window that ended before the app ran: no rows.
    const past = await cli('--only', 'endpoints-red', '--from', '2020-01-01', '--to', '2020-01-01T01:00:00Z');
    expect(past.code).toBe(0);
    expect(past.output).toContain('2020-01-01 00:00:00 .. 2020-01-01 01:00:00 UTC');
    expect(past.output).toContain('(no rows)');
  });

  it('refuses a time it cannot read with a usage error naming the flag, exit code 2', async () => {
    for (const args of [
      ['--from', 'yesterday'],
      ['--to', '2h'],
      ['--since', 'an hour'],
      ['--since', '15m', '--from', '-1h'],
      ['--from', '-1h', '--to', '-2h'],
    ]) {
      const { code, output } = await cli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(output, args.join(' ')).toMatch(/^--(from|to|since) /);
      expect(output, args.join(' ')).toContain('usage: tracepoint dashboard');
      expect(output).not.toMatch(/Cannot parse|DB::Exception|Code: \d+/);
    }
    const { output } = await cli('--from', 'yesterday');
    expect(output.split('\n')[0]).toBe(
      '--from "yesterday" is not a time: use a relative time (-15m, -2h, now-1d, now; units s, m, h, d), YYYY-MM-DD hh:mm:ss (UTC) or an ISO date (2026-11-24, 2026-11-24T09:00:00Z)',
    );
  });
});
