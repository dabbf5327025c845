import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ExporterConfig, resolveExporterConfig } from '@tracepoint/exporter-clickhouse/internal';
import { renderDashboardHtml } from './dashboard-html.js';
import { DASHBOARDS, type Dashboard } from './dashboards.js';
import { QUERY_USAGE, runQueryCommand } from './query-command.js';
import { NoTracepointDataError, ReconnectingReads } from './reconnecting-reads.js';
import { runStoreCommand, STORE_USAGE } from './store-command.js';

type Row = Record<string, unknown>;

const USAGE = `usage: tracepoint dashboard [--url <http(s)://host:8123 | <store directory> | chdb:<path>>] [--database <name>]
                           [--traces-table <name>] [--trace-points-table <name>] [--stats-table <name>]
                           [--from <YYYY-MM-DD hh:mm:ss>] [--to <...>] [--limit <n>] [--trace-id <id>] [--only <id,...>]
                           [--html <file>]   also write a self-contained page with charts
Defaults: TRACEPOINT_CLICKHOUSE_URL (else the store service on ./.tracepoint/clickhouse, shared with the apps writing
to it, started if needed), the exporter's database
and table names (TRACEPOINT_CLICKHOUSE_DATABASE, else default; otel_traces, trace_points, trace_point_stats),
the last hour, 10 rows, and the slowest trace for the one-trace dashboards.`;

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

function timeText(millis: number): string {
  return new Date(millis).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * `tracepoint dashboard`: runs every dashboard against any target (a server,
 * or the embedded engine) and prints readable tables. Returns the exit code.
 */
export async function runDashboardCommand(
  argv: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  let values: Record<string, string | undefined>;
  let config: ExporterConfig;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        database: { type: 'string' },
        'traces-table': { type: 'string' },
        'trace-points-table': { type: 'string' },
        'stats-table': { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        limit: { type: 'string' },
        'trace-id': { type: 'string' },
        only: { type: 'string' },
        html: { type: 'string' },
      },
    }).values as Record<string, string | undefined>;
    // The exporter's resolution: its defaults, environment variables and identifier checks, not a copy of them.
    config = resolveExporterConfig({
      url: values.url,
      database: values.database,
      tracesTable: values['traces-table'],
      tracePointsTable: values['trace-points-table'],
      statsTable: values['stats-table'],
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
    const now = Date.now();
    const params: Row = {
      from: values.from ?? timeText(now - 3_600_000),
      to: values.to ?? timeText(now + 60_000),
      limit: Number(values.limit ?? 10),
    };
    const run = (dashboard: Dashboard): Promise<Row[]> =>
      connection.run(async (client) =>
        (
          await client.query({ query: dashboard.query(tables), format: 'JSONEachRow', query_params: params })
        ).json<Row>(),
      );
    const only = values.only?.split(',').map((id) => id.trim());
    const slowest = DASHBOARDS.find((d) => d.id === 'slowest-traces') as Dashboard;
    params.trace_id = values['trace-id'] ?? (await run(slowest))[0]?.trace_id ?? '';
    const names = `${config.tracesTable}, ${config.tracePointsTable}, ${config.statsTable}`;
    const heading = `${connection.connection.label}, database ${config.database} (${names}), ${params.from} .. ${params.to}`;
    write(`tracepoint dashboards: ${heading}\n`);
    const results = new Map<string, Row[]>();
    for (const dashboard of DASHBOARDS) {
      if (only !== undefined && !only.includes(dashboard.id)) continue;
      const needsTrace = dashboard.parameters.some((p) => p.name === 'trace_id');
      let rows = await run(dashboard);
      if (dashboard.id === 'trace-waterfall') rows = indentTree(rows);
      results.set(dashboard.id, rows);
      const title = needsTrace
        ? `${dashboard.title}: ${String(params.trace_id) || '(no trace)'}`
        : dashboard.title;
      write(`\n${title} (${dashboard.reads})\n${formatTable(rows)}\n`);
    }
    if (values.html !== undefined) {
      const path = resolve(values.html);
      writeFileSync(path, renderDashboardHtml(results, heading));
      write(`\nwrote ${path}`);
    }
    return 0;
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
  write(`${USAGE}\n\n${STORE_USAGE}\n\n${QUERY_USAGE}`);
  return command === undefined || command === '--help' ? 0 : 2;
}
