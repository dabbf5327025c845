import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { trace } from '@opentelemetry/api';
import {
  createEmbeddedClient,
  type LocalHttpServer,
  startLocalHttpServer,
} from '@tracepoint/clickhouse-local';
import { EXPORTER_DEFAULTS } from '@tracepoint/exporter-clickhouse';
import {
  DASHBOARDS,
  renderDashboardFile,
  renderGrafanaDashboard,
  tracepointSpanProcessors,
} from '@tracepoint/node';
import { grafanaSql, grafanaVariable, runCli } from '@tracepoint/node/internal';
import { HttpInstrumentation, legRequire, UndiciInstrumentation } from '@tracepoint-internal/otel-line';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test-support/data-dir.js';
import { startTracing } from '../../../test-support/tracing.js';

const dataDir = tempDataDir('node-dashboards');
const dashboardsDir = new URL('../../../dashboards/', import.meta.url);
let client: ReturnType<typeof createEmbeddedClient>;
// The dashboard command reads over HTTP: chdb:<path> would start an engine in another process, which cannot open a directory this one holds.
let localServer: LocalHttpServer;

/** The same store under other names: a database of its own, every table renamed. */
const custom = {
  database: 'custom_store',
  tracesTable: 'spans_custom',
  tracePointsTable: 'points_custom',
  statsTable: 'stats_custom',
};

/**
 * Real HTTP traffic (a slow request, two with an exception) through the whole
 * pipeline, into the default database and tables (the committed dashboards use
 * unqualified default names) and into `custom`. One SDK for both: a second
 * session would not re-patch node:http. The second pipeline's aggregator and
 * exporter see the spans the first one's caller attribution and cleaner
 * already settled in place.
 */
beforeAll(async () => {
  client = createEmbeddedClient({ path: dataDir.path });
  localServer = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  const pipeline = tracepointSpanProcessors({
    exporter: { client, flushIntervalMillis: 100 },
    aggregator: { intervalMillis: 1_000 },
  });
  const renamed = tracepointSpanProcessors({
    exporter: { client, flushIntervalMillis: 100, ...custom },
    aggregator: { intervalMillis: 1_000 },
    caller: false,
    cleaner: false,
  });
  const tracing = startTracing({
    serviceName: 'orders',
    spanProcessors: [...pipeline.spanProcessors, ...renamed.spanProcessors] as never,
    instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation()],
  });
  const http = legRequire('node:http') as typeof import('node:http');
  const server: Server = http.createServer((req, res) => {
    if (req.url === '/api/boom') {
      trace
        .getActiveSpan()
        ?.recordException(Object.assign(new Error('stock service timed out'), { name: 'TimeoutError' }));
      res.statusCode = 500;
    }
    // Slow enough to stay the slowest trace even next to a cold first request.
    setTimeout(() => res.end('ok'), req.url === '/api/slow' ? 300 : 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const path of ['/api/orders/1', '/api/orders/2', '/api/slow', '/api/boom', '/api/boom']) {
    await (await fetch(`${base}${path}`)).text();
  }
  await new Promise((resolve) => server.close(resolve));
  await tracing.stop();
}, 60_000);

afterAll(async () => {
  await localServer?.close();
  await client?.close();
  dataDir.remove();
});

describe('dashboards', () => {
  it('the committed .sql files are the ones DASHBOARDS renders (pnpm dashboards:render)', () => {
    const files = readdirSync(dashboardsDir)
      .filter((name) => name.endsWith('.sql'))
      .sort();
    expect(files).toEqual(DASHBOARDS.map((d) => `${d.id}.sql`).sort());
    for (const dashboard of DASHBOARDS) {
      expect(readFileSync(new URL(`${dashboard.id}.sql`, dashboardsDir), 'utf8'), dashboard.id).toBe(
        renderDashboardFile(dashboard),
      );
    }
  });

  it('every dashboard runs against the pipeline data and returns rows', async () => {
    const now = Date.now();
    const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    const params: Record<string, unknown> = {
      from: time(now - 3_600_000),
      to: time(now + 60_000),
      limit: 10,
    };
    const run = async (sql: string) =>
      (await client.query({ query: sql, format: 'JSONEachRow', query_params: params })).json<
        Record<string, unknown>
      >();
    const slowest = await run(DASHBOARDS.find((d) => d.id === 'slowest-traces')?.sql as string);
    params.trace_id = slowest[0]?.trace_id;
    const results: Record<string, Record<string, unknown>[]> = {};
    for (const dashboard of DASHBOARDS) {
      results[dashboard.id] = await run(dashboard.sql);
      expect(results[dashboard.id]?.length, dashboard.id).toBeGreaterThan(0);
    }
    expect(results['service-map']?.map((row) => row.target_component)).toContain('orders');
    const timeout = results.errors?.find((row) => row.exception_type === 'TimeoutError');
    expect(timeout).toMatchObject({ exceptions: 2 });
    expect(String(timeout?.stacktrace)).toContain('stock service timed out');
    expect(slowest[0]?.span_name).toBe('GET');
    expect(slowest[0]?.duration_ms).toBeGreaterThan(300);
    expect(results['trace-waterfall']?.length).toBe(2);
    expect(results['trace-timeline']?.map((row) => row.trace_type)).toEqual([
      'call',
      'call',
      'response',
      'response',
    ]);
  });

  it('tracepoint dashboard prints every dashboard as a table, the waterfall as a tree', async () => {
    const lines: string[] = [];
    const code = await runCli(['dashboard', '--url', localServer.url], (text) => lines.push(text));
    const output = lines.join('\n');
    expect(code).toBe(0);
    for (const dashboard of DASHBOARDS) expect(output).toContain(dashboard.title);
    expect(output).toContain('TimeoutError');
    expect(output).toMatch(/source_component\s+target_component/);
    // The server span is the client span's child: indented one level.
    expect(output).toMatch(/\n {2}GET\s.*\n {4}GET\s/);
    expect(output).not.toContain('(no rows)');
  });

  it('tracepoint dashboard reports a bad target in one line and a non-zero exit', async () => {
    const lines: string[] = [];
    expect(await runCli(['dashboard', '--url', 'http://127.0.0.1:1'], (text) => lines.push(text))).toBe(1);
    expect(lines.at(-1)).toMatch(/^tracepoint dashboard: /);
    expect(await runCli(['dashboard', '--bogus'], (text) => lines.push(text))).toBe(2);
  });

  it('the Grafana dashboard JSON is the rendered one, and its SQL runs once the macros are filled in', async () => {
    const committed = JSON.parse(readFileSync(new URL('grafana/tracepoint.json', dashboardsDir), 'utf8'));
    expect(committed).toEqual(renderGrafanaDashboard());
    const panels = committed.panels as { title: string; targets: { rawSql: string }[] }[];
    expect(panels.map((panel) => panel.title)).toEqual(DASHBOARDS.map((d) => d.title));
    const slowest = await (
      await client.query({
        query: `SELECT TraceId AS id FROM otel_traces WHERE ParentSpanId = '' ORDER BY Duration DESC, TraceId LIMIT 1`,
        format: 'JSONEachRow',
      })
    ).json<{ id: string }>();
    for (const dashboard of DASHBOARDS) {
      const sql = grafanaSql(dashboard);
      expect(panels.find((panel) => panel.title === dashboard.title)?.targets[0]?.rawSql).toBe(sql);
      // What the data source does: macros to time literals, variables to their values.
      const filled = sql
        .replaceAll('$__fromTime', 'toDateTime(now() - 3600)')
        .replaceAll('$__toTime', 'toDateTime(now() + 60)')
        .replaceAll(grafanaVariable('limit'), '10')
        .replaceAll(grafanaVariable('trace_id'), slowest[0]?.id ?? '');
      const rows = await (await client.query({ query: filled, format: 'JSONEachRow' })).json();
      expect(rows.length, dashboard.id).toBeGreaterThan(0);
    }
  });

  it('tracepoint dashboard --html writes a self-contained page with the charts and the services', async () => {
    const lines: string[] = [];
    const page = join(dataDir.path, 'dashboards.html');
    expect(
      await runCli(['dashboard', '--url', localServer.url, '--html', page], (text) => lines.push(text)),
    ).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(lines.at(-1)).toContain(page);
    for (const label of ['service map', 'latency over time of orders', 'error rates'])
      expect(html).toContain(`aria-label="${label}"`);
    expect(html).toMatch(/<text [^>]*class="name">orders<\/text>/);
    expect(html).toContain('TimeoutError');
    // Self-contained: no scripts, no external resources.
    expect(html).not.toMatch(/<script|src=|href=|@import/);
  });
});

describe('a store written with custom database and table names', () => {
  const defaultNames = /otel_traces|trace_points|trace_point_stats/;
  let server: LocalHttpServer;
  const params = (): Record<string, unknown> => {
    const time = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    return { from: time(Date.now() - 3_600_000), to: time(Date.now() + 60_000), limit: 10 };
  };
  const rowsOf = async (query: string, query_params: Record<string, unknown> = {}) =>
    (await client.query({ query, format: 'JSONEachRow', query_params })).json<Record<string, unknown>>();

  beforeAll(async () => {
    server = await startLocalHttpServer({ path: dataDir.path, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('every dashboard of the module, and its Grafana panel, reads the given names and returns rows', async () => {
    const values = params();
    const slowest = await rowsOf(
      DASHBOARDS.find((d) => d.id === 'slowest-traces')?.query(custom) as string,
      values,
    );
    values.trace_id = slowest[0]?.trace_id;
    expect(slowest[0]?.duration_ms).toBeGreaterThan(300);
    for (const dashboard of DASHBOARDS) {
      const sql = dashboard.query(custom);
      expect(sql, dashboard.id).not.toMatch(defaultNames);
      expect(sql, dashboard.id).toContain('`custom_store`.');
      const rows = await rowsOf(sql, values);
      expect(rows.length, dashboard.id).toBeGreaterThan(0);
      // The same spans went into both stores: the same rows, whatever their order among ties.
      const sorted = (list: readonly unknown[]) => list.map((row) => JSON.stringify(row)).sort();
      expect(sorted(rows), dashboard.id).toEqual(sorted(await rowsOf(dashboard.query(), values)));
      const filled = grafanaSql(dashboard, custom)
        .replaceAll('$__fromTime', 'toDateTime(now() - 3600)')
        .replaceAll('$__toTime', 'toDateTime(now() + 60)')
        .replaceAll(grafanaVariable('limit'), '10')
        .replaceAll(grafanaVariable('trace_id'), String(values.trace_id));
      expect((await rowsOf(filled)).length, `${dashboard.id} (Grafana)`).toBeGreaterThan(0);
    }
    const panels = renderGrafanaDashboard(custom).panels as { targets: { rawSql: string }[] }[];
    for (const panel of panels) expect(panel.targets[0]?.rawSql).not.toMatch(defaultNames);
  });

  it('tracepoint dashboard --database --traces-table --trace-points-table --stats-table shows every dashboard (the bin, in a child process)', async () => {
    const bin = fileURLToPath(new URL('../bin/tracepoint.mjs', import.meta.url));
    const env = { ...process.env };
    // Vitest's NODE_PATH could hand the child a second @opentelemetry/api (see test-support/child-process.ts).
    delete env.NODE_PATH;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        bin,
        'dashboard',
        '--url',
        server.url,
        '--database',
        custom.database,
        '--traces-table',
        custom.tracesTable,
        '--trace-points-table',
        custom.tracePointsTable,
        '--stats-table',
        custom.statsTable,
      ],
      { env },
    );
    expect(stdout).toContain('database custom_store (spans_custom, points_custom, stats_custom)');
    for (const dashboard of DASHBOARDS) expect(stdout).toContain(dashboard.title);
    expect(stdout).toContain('TimeoutError');
    expect(stdout).toMatch(/\n {2}GET\s.*\n {4}GET\s/);
    expect(stdout).not.toContain('(no rows)');
  });

  it("the README's flag table states the exporter's defaults for the database and the tables", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8').split('\n');
    const flags = {
      '--database': 'database',
      '--traces-table': 'tracesTable',
      '--trace-points-table': 'tracePointsTable',
      '--stats-table': 'statsTable',
    } as const;
    for (const [flag, option] of Object.entries(flags)) {
      const row = readme.find((line) => line.startsWith(`| \`${flag}\``));
      expect(row, flag).toContain(`\`${option}\`: \`${EXPORTER_DEFAULTS[option]}\``);
    }
  });

  it('a name that is not a plain identifier is refused by the module and by the command', async () => {
    for (const dashboard of DASHBOARDS) {
      expect(() => dashboard.query({ ...custom, statsTable: 'stats`; DROP TABLE x' })).toThrow(
        /statsTable must be a plain identifier/,
      );
      expect(() => dashboard.query({ ...custom, database: 'a.b' })).toThrow(
        /database must be a plain identifier/,
      );
    }
    const lines: string[] = [];
    const code = await runCli(['dashboard', '--url', server.url, '--trace-points-table', 'x y'], (text) =>
      lines.push(text),
    );
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('tracePointsTable must be a plain identifier');
  });
});
