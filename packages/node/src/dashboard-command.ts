import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ExporterConfig, resolveExporterConfig } from '@tracepoint/exporter-clickhouse/internal';
import { renderDashboardHtml } from './dashboard-html.js';
import { DASHBOARDS, type Dashboard } from './dashboards.js';
import { QUERY_USAGE, runQueryCommand } from './query-command.js';
import { NoTracepointDataError, ReconnectingReads } from './reconnecting-reads.js';
import { REPLAY_USAGE, runReplayCommand } from './replay-command.js';
import { upgradeOlderStore } from './schema-upgrade.js';
import { runStoreCommand, STORE_USAGE } from './store-command.js';
import { resolveTimeRange, timeText } from './time-range.js';

type Row = Record<string, unknown>;

const USAGE = `usage: tracepoint dashboard [--url <http(s)://host:8123 | <store directory> | chdb:<path>>] [--database <name>]
                           [--traces-table <name>] [--trace-points-table <name>] [--stats-table <name>]
                           [--since <15m|2h|1d> | --from <time>] [--to <time>] [--all-spans]
                           [--limit <n>] [--trace-id <id>] [--only <id,...>]
                           [--html <file>]   also write a self-contained page with charts
Times: relative to now (--since 15m; --from -2h, now-1d; units s, m, h, d) or absolute in UTC
(YYYY-MM-DD hh:mm:ss, YYYY-MM-DD, or ISO such as 2026-11-24T09:00:00Z).
--all-spans: every span kind in the RED table and service map (default: the requests and messages each
service received, and calls between services and to named peers).
Defaults: TRACEPOINT_CLICKHOUSE_URL (else the store service on ./.tracepoint/clickhouse, shared with the apps writing
to it, started if needed), the exporter's database
and table names (TRACEPOINT_CLICKHOUSE_DATABASE, else default; otel_traces, trace_points, trace_point_stats),
the last hour (to a minute ahead), 10 rows, and the slowest trace for the one-trace dashboards.`;

const MAX_CELL = 48;

function cell(value: unknown): string {
  const text =
    typeof value === 'number'
      ? Number.isInteger(value)
        ? String(value)
        : value.toFixed(3)
      : String(value ?? '');
  const line = text.split('\n')[0] ?? '';
  return line.length > MAX_CELL ? `${line.slice(0, MAX_CELL - 1)}…` : line;
}

/** Rows as an aligned text table. */
export function formatTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '  (no rows)';
  const columns = Object.keys(rows[0] as Row);
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => (line[i] as string).length)),
  );
  const render = (line: readonly string[]) =>
    `  ${line.map((text, i) => text.padEnd(widths[i] as number)).join('  ')}`.trimEnd();
  return [render(columns), render(widths.map((w) => '-'.repeat(w))), ...cells.map(render)].join('\n');
}

/**
 * Waterfall rows as a tree: each span right under its parent (children in
 * start order), its name indented by depth. Rows of a broken tree (parent
 * missing, or a cycle) still appear, as roots.
 */
function indentTree(rows: readonly Row[]): Row[] {
  const ids = new Set(rows.map((row) => String(row.span_id)));
  const children = new Map<string, Row[]>();
  const roots: Row[] = [];
  for (const row of rows) {
    const parent = String(row.parent_span_id);
    if (parent !== '' && ids.has(parent) && parent !== String(row.span_id)) {
      const list = children.get(parent);
      if (list === undefined) children.set(parent, [row]);
      else list.push(row);
    } else roots.push(row);
  }
  const out: Row[] = [];
  const placed = new Set<Row>();
  const visit = (row: Row, depth: number): void => {
    if (placed.has(row)) return;
    placed.add(row);
    const { span_id, parent_span_id, span_name, ...rest } = row;
    out.push({ span: `${'  '.repeat(Math.min(depth, 32))}${String(span_name)}`, ...rest });
    for (const child of children.get(String(span_id)) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  for (const row of rows) visit(row, 0);
  return out;
}

const TIME_FLAGS = new Set(['--from', '--to', '--since']);

/**
 * `--from -2h` as `--from=-2h`: parseArgs refuses an option value that starts
 * with a dash (it could be a forgotten value before another flag), and a
 * relative time before now does.
 */
function joinNegativeTimes(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    if (TIME_FLAGS.has(arg) && next !== undefined && /^-\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else args.push(arg);
  }
  return args;
}

/**
 * `tracepoint dashboard`: runs every dashboard against any target (a server,
 * or the embedded engine) and prints readable tables. Returns the exit code.
 */
export async function runDashboardCommand(
  argv: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let config: ExporterConfig;
  let range: { from: number; to: number };
  let limit: number;
  try {
    values = parseArgs({
      args: joinNegativeTimes(argv),
      options: {
        url: { type: 'string' },
        database: { type: 'string' },
        'traces-table': { type: 'string' },
        'trace-points-table': { type: 'string' },
        'stats-table': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        since: { type: 'string' },
        'all-spans': { type: 'boolean' },
        limit: { type: 'string' },
        'trace-id': { type: 'string' },
        only: { type: 'string' },
        html: { type: 'string' },
      },
    }).values;
    const text = (name: string) => values[name] as string | undefined;
    // Read here, before any connection: a bad time is a usage error, not the engine's parse error.
    range = resolveTimeRange({ from: text('from'), to: text('to'), since: text('since') }, Date.now());
    limit = Number(text('limit') ?? 10);
    if (!Number.isInteger(limit) || limit < 1 || limit > 0xffffffff)
      throw new Error(
        `--limit ${JSON.stringify(text('limit'))} is not a row count: use a whole number from 1`,
      );
    // The exporter's resolution: its defaults, environment variables and identifier checks, not a copy of them.
    config = resolveExporterConfig({
      url: text('url'),
      database: text('database'),
      tracesTable: text('traces-table'),
      tracePointsTable: text('trace-points-table'),
      statsTable: text('stats-table'),
      createSchema: false,
    });
  } catch (error) {
    write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  const tables = {
    database: config.database,
    tracesTable: config.tracesTable,
    tracePointsTable: config.tracePointsTable,
    statsTable: config.statsTable,
  };
  let reads: ReconnectingReads | undefined;
  try {
    reads = await ReconnectingReads.open(config);
    const connection = reads;
    // A reader without the right to ALTER reads the store as it is (a panel may then fail on its own).
    const applied = await connection
      .run((client) => upgradeOlderStore(client, config, connection.connection.label))
      .catch(() => []);
    if (applied.length > 0)
      write(
        `(an older tracepoint wrote this store: applied its schema migration(s) ${applied.join(', ')})\n`,
      );
    const params: Row = { from: timeText(range.from), to: timeText(range.to), limit };
    const options = { allSpans: values['all-spans'] === true };
    const run = (dashboard: Dashboard): Promise<Row[]> =>
      connection.run(async (client) =>
        (
          await client.query({
            query: dashboard.query(tables, options),
            format: 'JSONEachRow',
            query_params: params,
          })
        ).json<Row>(),
      );
    const only = (values.only as string | undefined)?.split(',').map((id) => id.trim());
    const slowest = DASHBOARDS.find((d) => d.id === 'slowest-traces') as Dashboard;
    params.trace_id = (values['trace-id'] as string | undefined) ?? (await run(slowest))[0]?.trace_id ?? '';
    const names = `${config.tracesTable}, ${config.tracePointsTable}, ${config.statsTable}`;
    const heading = `${connection.connection.label}, database ${config.database} (${names}), ${params.from} .. ${params.to} UTC${options.allSpans ? ', every span kind' : ''}`;
    write(`tracepoint dashboards: ${heading}\n`);
    const results = new Map<string, Row[]>();
    let failed = 0;
    for (const dashboard of DASHBOARDS) {
      if (only !== undefined && !only.includes(dashboard.id)) continue;
      const needsTrace = dashboard.parameters.some((p) => p.name === 'trace_id');
      const title = needsTrace
        ? `${dashboard.title}: ${String(params.trace_id) || '(no trace)'}`
        : dashboard.title;
      let rows: Row[];
      try {
        rows = await run(dashboard);
      } catch (error) {
        if (error instanceof NoTracepointDataError) throw error;
        // One panel ClickHouse refuses (a column an old store lacks, a read-only user) leaves the others.
        failed++;
        write(
          `\n${title} (${dashboard.reads})\nfailed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        continue;
      }
      if (dashboard.id === 'trace-waterfall') rows = indentTree(rows);
      results.set(dashboard.id, rows);
      write(`\n${title} (${dashboard.reads})\n${formatTable(rows)}\n`);
    }
    if (typeof values.html === 'string') {
      const path = resolve(values.html);
      writeFileSync(path, renderDashboardHtml(results, heading));
      write(`\nwrote ${path}`);
    }
    return failed === 0 ? 0 : 1;
  } catch (error) {
    write(`tracepoint dashboard: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof NoTracepointDataError ? error.exitCode : 1;
  } finally {
    await reads?.close().catch(() => undefined);
  }
}

/** The `tracepoint` command. */
export async function runCli(
  argv: readonly string[],
  write: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'dashboard') return runDashboardCommand(rest, write);
  if (command === 'store') return runStoreCommand(rest, write);
  if (command === 'query') return runQueryCommand(rest, write);
  if (command === 'replay') return runReplayCommand(rest, write);
  write(`${USAGE}\n\n${STORE_USAGE}\n\n${QUERY_USAGE}\n\n${REPLAY_USAGE}`);
  return command === undefined || command === '--help' ? 0 : 2;
}
